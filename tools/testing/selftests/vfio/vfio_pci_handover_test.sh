#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hand-over, ours against stock: what every zoo device looks like when a
# VFIO user gets it and after the user lets it go, with Debian's stock
# vfio-pci and with ours, in one VM, compared point by point.
#
# For each driver (stock first, then ours, which stays loaded for the
# tests that follow), and again for each with disable_idle_d3=1 (devices
# stay in D0 while idle), each device (and a VF of the nvme, created with
# its PF held open by a VF token) is unbound, dirtied the way firmware or
# a previous driver leaves devices (Bus Master, SERR and INTx-disable on
# in COMMAND, error reporting on in the PCIe Device Control register),
# bound to vfio-pci and walked through bound, open, VFIO_DEVICE_RESET,
# close, a second open and close by vfio_pci_handover, which records the
# power state, the physical config space (sysfs) and the virtual one
# (VFIO config region) at each point. Then the device goes to its native
# driver, which must work with it (nvme answers identify, the NICs get
# link), and the physical state there is recorded too.
#
# Then vfio_pci_handover compares the snapshots of the two drivers: every
# difference fails unless handover-differences.txt, next to this script,
# explains it. Besides that, the test asserts the rule both drivers must
# keep: no device can master DMA when its user gets it, nor once closed.
#
# It loads both drivers itself, so it runs in vm-run's run of our modules
# and skips in the stock run. KTAP output.

set -u

. "$(dirname "$0")/lib/ktap.sh"
. "$(dirname "$0")/lib/pci.sh"

cd "$(dirname "$0")" || exit 1

# name vendor:device native-driver module-of-native ("-": none; "vf":
# the first VF of the device, which has no native driver here)
ZOO="edu 1234:11e8 - -
nvme 1b36:0010 nvme nvme
nvme-vf 1b36:0010 vf -
e1000e 8086:10d3 e1000e e1000e
testdev 1b36:0005 - -
virtio-net 1af4:1000 virtio-pci virtio_net
vga 1234:1111 - -
ivshmem 1af4:1110 - -"

ALLOW=$PWD/handover-differences.txt
OUT=/tmp/handover
TOKEN=5b2a9d3e-8c41-4f0a-9e6d-1f3b7c2a4d55

# What firmware or a previous driver leaves behind.
dirty() {
	setpci -s "$1" COMMAND=0x0544:0x0544 || return 1
	if setpci -s "$1" CAP_EXP+8.w >/dev/null 2>&1; then
		setpci -s "$1" CAP_EXP+8.w=0x000f:0x000f || return 1
	fi
}

# command_bits FILE: COMMAND of a config snapshot, as hex
command_bits() {
	od -An -tx2 -j4 -N2 "$1" 2>/dev/null | tr -d ' '
}

# command_is WHAT SNAPSHOT MASK WANT: a KTAP line saying whether the bits
# MASK of the snapshot's COMMAND are WANT
command_is() {
	local cmd

	cmd=$(command_bits "$2")
	if [ $((0x${cmd:-0} & $3)) = $(($4)) ]; then
		ok "$1 (COMMAND 0x$cmd)"
	else
		not_ok "$1 (COMMAND 0x$cmd)"
	fi
}

# check_master PASS NAME DIR: neither the user nor anyone after it may
# find Bus Master on (with ours, nobody from the bind on, and INTx is
# disabled at the bind)
check_master() {
	local p points="open.virt open.phys close.phys close2.phys"

	# Ours turns it off when it binds the device, stock at the first open.
	case $1 in ours*) points="bound.phys $points" ;; esac
	for p in $points; do
		[ -e "$3/$p" ] || continue
		command_is "$1 $2: Bus Master off at $p" "$3/$p" 4 0
	done
	# Ours also disables INTx at bind: nothing handles it before a user
	# sets it up.
	case $1 in ours*) ;; *) return ;; esac
	[ -e "$3/bound.phys" ] || return
	command_is "$1 $2: INTx disabled at bound.phys" "$3/bound.phys" \
		0x400 0x400
}

# walk_vf PASS NAME PF DIR: the PF's first VF, the PF held open meanwhile
walk_vf() {
	if ! bind "$3" vfio-pci; then
		not_ok "$1 $2: bind the PF to vfio-pci"
		return
	fi
	if ./vfio_pci_handover snapvf "$3" "$4" "$TOKEN"; then
		ok "$1 $2: snapshots at every hand-over point"
	else
		not_ok "$1 $2: snapshots at every hand-over point"
	fi
	check_master "$1" "$2" "$4"
	unbind "$3"
}

# walk PASS NAME ID NATIVE MODULE: one device through the pass's driver;
# NATIVE "-": leave the device unbound afterwards
walk() {
	local drv=$1 name=$2 id=$3 native=$4 mod=$5 bdf dir p cmd

	dir=$OUT/$drv/$name
	mkdir -p "$dir"
	bdf=$(find_bdf "$id") || return 0
	if [ "$native" = vf ]; then
		walk_vf "$drv" "$name" "$bdf" "$dir"
		return
	fi
	unbind "$bdf"
	if ! dirty "$bdf"; then
		not_ok "$drv $name: dirty the device with setpci"
		return
	fi
	if ! bind "$bdf" vfio-pci; then
		not_ok "$drv $name: bind to vfio-pci"
		return
	fi
	if ./vfio_pci_handover snap "$bdf" "$dir"; then
		ok "$drv $name: snapshots at every hand-over point"
	else
		not_ok "$drv $name: snapshots at every hand-over point"
	fi
	check_master "$drv" "$name" "$dir"

	if [ "$native" = - ]; then
		unbind "$bdf"
		return
	fi
	if [ ! -d "/sys/module/$mod" ] && modprobe "$mod"; then
		loaded="$loaded $mod"
	fi
	if bind "$bdf" "$native" && native_works "$name" "$bdf"; then
		ok "$drv $name: $native drives the device after vfio-pci"
	else
		not_ok "$drv $name: $native drives the device after vfio-pci"
	fi
	cat "/sys/bus/pci/devices/$bdf/config" >"$dir/native.phys"
	unbind "$bdf"
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ "${VFIO_DRIVER:-}" = ours ] ||
	skip_all "loads stock and ours itself: runs in vm-run's run of ours"
vfio_pci_module ours vfio-pci >/dev/null || skip_all "no copy of our modules"
vfio_pci_module stock vfio-pci >/dev/null || skip_all "no stock vfio-pci for $(uname -r)"
[ -x ./vfio_pci_handover ] || skip_all "build the tests first (make)"
command -v setpci >/dev/null || skip_all "no setpci (pciutils)"

# Each pass: its directory, the driver and vfio-pci.ko's parameters. The
# idle-D0 passes (disable_idle_d3=1) skip the native drivers, which the
# parameter does not concern.
PASSES="stock stock enable_sriov=1
ours ours enable_sriov=1
stock-d0 stock enable_sriov=1 disable_idle_d3=1
ours-d0 ours enable_sriov=1 disable_idle_d3=1"

rm -rf "$OUT"
loaded=""
while read -r pass drv params; do
	# shellcheck disable=SC2086 # the parameters are words
	if ! load_vfio_pci $drv $params; then
		not_ok "$pass: load the $drv vfio-pci modules ${params:-}"
		continue
	fi
	while read -r name id native mod; do
		case $pass:$native in *-d0:vf) ;; *-d0:*) native=- ;; esac
		walk "$pass" "$name" "$id" "$native" "$mod"
	done <<<"$ZOO"
done <<<"$PASSES"

# compare NAME SUFFIX WHAT: KTAP lines from the diff of one device's
# snapshots, stock$SUFFIX against ours$SUFFIX
compare() {
	local verdict what

	# No process substitution: the guest's chroot has no /dev/fd.
	./vfio_pci_handover diff "$1" "$ALLOW" "$OUT/stock$2/$1" \
		"$OUT/ours$2/$1" >"$OUT/$1$2.diff"
	while read -r verdict what; do
		case $verdict in
		pass) ok "$what$3: ours and stock hand over alike" ;;
		fail) not_ok "$what$3: ours and stock hand over alike" ;;
		*) echo "$verdict $what" ;;
		esac
	done <"$OUT/$1$2.diff"
}

while read -r name id native mod; do
	if ! bdf=$(find_bdf "$id"); then
		skip "$name: ours and stock hand over alike" "no $id device"
		continue
	fi
	compare "$name" "" ""
	compare "$name" -d0 " (disable_idle_d3)"
done <<<"$ZOO"

# Leave the zoo as vm-run set it up, on (our) vfio-pci.
load_vfio_pci ours || not_ok "ours: reload our vfio-pci"
while read -r name id native mod; do
	bdf=$(find_bdf "$id") || continue
	bind "$bdf" vfio-pci || not_ok "$name: back on vfio-pci"
done <<<"$ZOO"
for mod in $loaded; do
	rmmod "$mod" 2>/dev/null
done

echo "1..$n"
exit $failed
