#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vfio-pci.ko's module parameters: disable_vga, nointxmask and
# disable_denylist. Each case unbinds the devices vfio-pci drives, reloads
# the same vfio-pci.ko (vfio-pci-core stays loaded) with the parameter and
# binds them again; the end restores the module without parameters and
# every device bound at the start, because the tests that follow expect
# the zoo on vfio-pci.
#
# disable_denylist only gets checked for being accepted and visible: no
# zoo device is on the denylist, so binding works either way and the
# denylist itself cannot be exercised here.
#
# Run it in the VM (vm-run, which says in VFIO_DRIVER=ours|stock which
# modules it loaded); KTAP output.

set -u

. "$(dirname "$0")/lib/ktap.sh"
. "$(dirname "$0")/lib/pci.sh"

cd "$(dirname "$0")" || exit 1

VGA_ID=1234:1111
EDU_ID=1234:11e8
# VFIO_PCI_VGA_REGION_INDEX
VGA_REGION=8
# The legacy VGA ranges, 0x3b0-0x3df and 0xa0000-0xbffff, as one region
VGA_SIZE=0xc0000
# The edu INTx cases that deliver, mask and unmask interrupts: these must
# pass whichever way the driver masks INTx.
INTX_CASES="intx_automask_unmask_ioctl intx_round_trips_ioctl
	intx_round_trips_unmask_eventfd intx_mask_bool_none
	intx_loopback_and_swap completion_irqs_intx"
PARAMS="disable_vga nointxmask disable_denylist"

restored=0

# The functions vfio-pci drives now
vfio_bound() {
	local d

	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/driver" ] && [ "$(driver_of "${d##*/}")" = vfio-pci ] &&
			echo "${d##*/}"
	done
}

param() {
	cat "/sys/module/vfio_pci/parameters/$1" 2>/dev/null
}

# reload [PARAM=VALUE...]: vfio-pci.ko again with these parameters and
# the devices of $bound back on it. Says what went wrong on stdout.
reload() {
	local bdf missing=""

	for bdf in $bound; do
		if [ -e "/sys/bus/pci/devices/$bdf/driver" ]; then
			echo "$bdf" >"/sys/bus/pci/devices/$bdf/driver/unbind" ||
				{ echo "cannot unbind $bdf"; return 1; }
		fi
	done
	if [ -d /sys/module/vfio_pci ]; then
		rmmod vfio_pci || { echo "rmmod vfio_pci failed"; return 1; }
	fi
	insmod "$ko" "$@" || { echo "insmod $ko $* failed"; return 1; }
	for bdf in $bound; do
		echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
		echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
		[ "$(driver_of "$bdf")" = vfio-pci ] || missing="$missing $bdf"
	done
	if [ -n "$missing" ]; then
		echo "not bound to vfio-pci again:$missing"
		return 1
	fi
}

# Put the module back without parameters, whatever happened before; the
# restore test line reports it.
restore() {
	local why p

	[ $restored = 1 ] && return
	restored=1
	if ! why=$(reload); then
		not_ok "restore: vfio-pci without parameters, zoo on vfio-pci ($why)"
		return
	fi
	for p in $PARAMS; do
		if [ "$(param "$p")" != N ]; then
			not_ok "restore: $p reads '$(param "$p")' after a plain insmod"
			return
		fi
	done
	ok "restore: vfio-pci without parameters, all $(echo $bound | wc -w) devices on vfio-pci"
}

# vga_region: the size the VGA device reports for its VGA region
vga_region() {
	./vfio_pci_region_size $VGA_ID $VGA_REGION 2>&1
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
case ${VFIO_DRIVER:-} in
ours | stock) ko=$(vfio_pci_module "$VFIO_DRIVER" vfio-pci) ||
	skip_all "no $VFIO_DRIVER vfio-pci module" ;;
*)	skip_all "VFIO_DRIVER is not ours or stock: run it through vm-run" ;;
esac
[ -d /sys/module/vfio_pci ] || skip_all "vfio-pci is not loaded"
[ -x ./vfio_pci_region_size ] && [ -x ./vfio_pci_edu_irq_test ] ||
	skip_all "build the tests first (make)"
bound=$(vfio_bound)
[ -n "$bound" ] || skip_all "no device is bound to vfio-pci"
vga=$(find_bdf $VGA_ID)
edu=$(find_bdf $EDU_ID)

trap restore EXIT

echo "1..8"
diag "driver: $VFIO_DRIVER ($ko), devices:" $bound

# disable_vga=1: no VGA region even on a VGA class device
if why=$(reload disable_vga=1); then
	ok "disable_vga=1: module reloaded, zoo rebound"
else
	not_ok "disable_vga=1: $why"
fi
if [ -z "$vga" ]; then
	skip "disable_vga=1: no VGA region" "no $VGA_ID device"
elif [ "$(param disable_vga)" != Y ]; then
	not_ok "disable_vga=1: parameter reads '$(param disable_vga)'"
else
	size=$(vga_region)
	case $size in
	absent | 0x0) ok "disable_vga=1: no VGA region ($size)" ;;
	*) not_ok "disable_vga=1: VGA region reported: $size" ;;
	esac
fi

# disable_vga=0, given explicitly: the region is back
if why=$(reload disable_vga=0); then
	ok "disable_vga=0: module reloaded, zoo rebound"
else
	not_ok "disable_vga=0: $why"
fi
if [ -z "$vga" ]; then
	skip "disable_vga=0: VGA region of $VGA_SIZE" "no $VGA_ID device"
elif [ "$(param disable_vga)" != N ]; then
	not_ok "disable_vga=0: parameter reads '$(param disable_vga)'"
else
	size=$(vga_region)
	if [ "$size" = $VGA_SIZE ]; then
		ok "disable_vga=0: VGA region of $VGA_SIZE"
	else
		not_ok "disable_vga=0: VGA region: $size, want $VGA_SIZE"
	fi
fi

# nointxmask=1: INTx masked at the interrupt controller instead of with
# PCI_COMMAND_INTX_DISABLE; delivery, masking and unmasking must not change
if why=$(reload nointxmask=1) && [ "$(param nointxmask)" = Y ]; then
	ok "nointxmask=1: module reloaded, parameter reads Y, zoo rebound"
else
	not_ok "nointxmask=1: ${why:-parameter reads '$(param nointxmask)'}"
fi
if [ -z "$edu" ]; then
	skip "nointxmask=1: edu INTx cases" "no $EDU_ID device"
else
	out=$(./vfio_pci_edu_irq_test 2>&1)
	# The other edu cases look at how the driver masks; only informative here
	diag "vfio_pci_edu_irq_test as a whole:" \
		"$(grep -m1 -E '^# (PASSED|FAILED)' <<<"$out" | cut -c3-)" \
		"$(grep '^not ok' <<<"$out" | awk '{ printf " %s", $4 }')"
	bad=""
	for c in $INTX_CASES; do
		line=$(grep -E "^(not )?ok [0-9]+ edu\.$c( |$)" <<<"$out")
		case $line in
		ok*SKIP*) bad="$bad $c(skipped)" ;;
		ok*) ;;
		*) bad="$bad $c" ;;
		esac
	done
	if [ -z "$bad" ]; then
		ok "nointxmask=1: edu INTx cases pass:" $INTX_CASES
	else
		sed 's/^/# /' <<<"$out"
		not_ok "nointxmask=1: edu INTx cases failed:$bad"
	fi
fi

# disable_denylist=1: accepted and visible (see the top of the file)
if why=$(reload disable_denylist=1) && [ "$(param disable_denylist)" = Y ]; then
	ok "disable_denylist=1: module reloaded, parameter reads Y, zoo rebound"
else
	not_ok "disable_denylist=1: ${why:-parameter reads '$(param disable_denylist)'}"
fi

restore
trap - EXIT
exit $failed
