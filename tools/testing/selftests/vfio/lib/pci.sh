# SPDX-License-Identifier: GPL-2.0
#
# Driver binding for the shell selftests, the two vfio-pci pairs (stock
# and ours) and whether a zoo device's native driver got it going: source
# it.

# vfio_pci_module stock|ours NAME: the file of that driver's NAME module:
# Debian's for the running kernel (compressed on 6.12) or the copy of ours
# vm-run made. Fails when there is none.
vfio_pci_module() {
	local dir=/lib/modules/$(uname -r)/kernel/drivers/vfio/pci f

	[ "$1" = ours ] && dir=/run/vm-run/ours
	for f in "$dir/$2.ko" "$dir/$2.ko.xz" "$dir/$2.ko.zst"; do
		[ -r "$f" ] && echo "$f" && return 0
	done
	return 1
}

# load_vfio_pci stock|ours [PARAM...]: that vfio-pci pair in place of the
# loaded one, vfio-pci with the parameters, no device bound to it yet
load_vfio_pci() {
	local drv=$1 core pci m

	shift
	core=$(vfio_pci_module "$drv" vfio-pci-core) &&
		pci=$(vfio_pci_module "$drv" vfio-pci) || return 1
	for m in vfio_pci vfio_pci_core; do
		[ -d /sys/module/$m ] || continue
		rmmod $m || return 1
	done
	insmod "$core" && insmod "$pci" "$@"
}

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
