# SPDX-License-Identifier: GPL-2.0
#
# Driver binding for the shell selftests, and whether a zoo device's
# native driver got it going: source it.

driver_of() {
	basename "$(readlink -f "/sys/bus/pci/devices/$1/driver")"
}

unbind() {
	[ -e "/sys/bus/pci/devices/$1/driver" ] &&
		echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	return 0
}

# bind BDF DRIVER: through driver_override, as admins and vm-run do
bind() {
	unbind "$1"
	echo "$2" >"/sys/bus/pci/devices/$1/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe 2>/dev/null
	[ "$(driver_of "$1")" = "$2" ]
}

# native_works NAME BDF: the native driver got the device going (nvme
# answers identify with vm-run's serial, the NICs get link)
native_works() {
	local i net

	for i in $(seq 50); do
		case $1 in
		nvme)
			[ "$(cat /sys/bus/pci/devices/"$2"/nvme/nvme*/serial 2>/dev/null |
				tr -d ' ')" = vmrun ] && return 0
			;;
		e1000e | virtio-net)
			net=$(ls -d /sys/bus/pci/devices/"$2"/net/* \
				/sys/bus/pci/devices/"$2"/virtio*/net/* 2>/dev/null | head -n 1)
			if [ -n "$net" ]; then
				ip link set "${net##*/}" up 2>/dev/null
				[ "$(cat "$net/carrier" 2>/dev/null)" = 1 ] && return 0
			fi
			;;
		esac
		sleep 0.2
	done
	return 1
}
