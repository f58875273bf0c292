#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Second stage of a vm-run guest: runs in "chroot /host" (the host's root
# file system over 9p, read-only) with the per-run directory mounted at
# /run/vm-run. Loads the VFIO modules, binds the device zoo to vfio-pci,
# runs the command and unloads the modules again, so that a leak or a bad
# remove path shows up in the kernel log of the same run.
#
# Files in /run/vm-run: env (settings written by vm-run), cmd (the command,
# a bash script), ours/*.ko (a private copy of our modules); written back:
# rc (the command's exit status), teardown (why unloading failed, if it
# did), dmesg (the full kernel log).

RUN=/run/vm-run
# shellcheck source=/dev/null
. $RUN/env

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export TERM=${TERM:-linux}
export VFIO_DRIVER
# The fuzzer's settings, if any (vm-run passes FUZZ_* on)
for v in $(sed -n 's/^\(FUZZ_[A-Z_]*\)=.*/\1/p' $RUN/env); do
	export "${v?}"
done

if [ "$VM_MODE" = shell ]; then
	OUT=/dev/ttyS0
else
	OUT=/dev/ttyS1
	stty -F $OUT raw -echo 2>/dev/null
fi
exec >$OUT 2>&1 </dev/null

msg() {
	echo "vm-run: $*"
}

# A timestamped milestone in the kernel log: shows where the time goes
# and what the guest was doing when something went wrong.
mark() {
	echo "vm-run: $*" >/dev/kmsg 2>/dev/null
}

# vendor:device IDs of the zoo; everything else (the 9p transport above
# all) stays where it is.
ZOO_IDS="1234:11e8 1b36:0010 8086:10d3 1b36:0005 1af4:1000 1af4:1041
	 1234:1111 1af4:1110 $VM_EXTRA_IDS"

load_modules() {
	modprobe -a irqbypass vfio vfio_iommu_type1 || return 1
	# A module of its own up to 6.1, part of vfio.ko later.
	if modinfo -F filename vfio_virqfd >/dev/null 2>&1; then
		modprobe vfio_virqfd || return 1
	fi
	mark "vfio loaded"
	if [ "$VFIO_DRIVER" = stock ]; then
		modprobe vfio-pci-core && modprobe vfio-pci || return 1
	else
		insmod $RUN/ours/vfio-pci-core.ko && insmod $RUN/ours/vfio-pci.ko || return 1
	fi
	check_loaded vfio_pci_core vfio-pci-core && check_loaded vfio_pci vfio-pci
}

# Make sure the loaded module $1 is the file asked for ($2.ko, ours or
# stock): a test run against the wrong driver proves nothing. The GNU
# build ID identifies the file; the out-of-tree taint tells ours from
# Debian's where objcopy is missing.
check_loaded() {
	local ko taint note=/sys/module/$1/notes/.note.gnu.build-id tmp=/tmp/vm-run.note

	if [ "$VFIO_DRIVER" = stock ]; then
		ko=$(modinfo -n "$2") || return 1
	else
		ko=$RUN/ours/$2.ko
	fi
	# Debian's 6.12 modules come compressed.
	case $ko in
	*.ko.xz)
		xz -dc "$ko" >$tmp.ko || return 1
		ko=$tmp.ko
		;;
	esac
	if command -v objcopy >/dev/null && [ -r "$note" ]; then
		objcopy -O binary --only-section=.note.gnu.build-id "$ko" $tmp 2>/dev/null &&
			cmp -s $tmp "$note" && return 0
		msg "the loaded $1 is not $ko (build IDs differ)"
		return 1
	fi
	taint=$(cat /sys/module/$1/taint 2>/dev/null)
	case $VFIO_DRIVER:$taint in
	ours:*O*) return 0 ;;
	ours:*) ;;
	stock:*O*) ;;
	stock:*) return 0 ;;
	esac
	msg "the loaded $1 is not the $VFIO_DRIVER module (taint '$taint')"
	return 1
}

bind_zoo() {
	local dev id bound="" failed=""

	for dev in /sys/bus/pci/devices/*; do
		id=$(cut -c3- <"$dev/vendor"):$(cut -c3- <"$dev/device")
		case " $(echo $ZOO_IDS) " in
		*" $id "*) ;;
		*) continue ;;
		esac
		echo vfio-pci >"$dev/driver_override"
		if [ -e "$dev/driver" ]; then
			echo "${dev##*/}" >"$dev/driver/unbind"
		fi
		echo "${dev##*/}" >/sys/bus/pci/drivers_probe
		if [ "$(basename "$(readlink "$dev/driver")")" != vfio-pci ]; then
			failed="$failed ${dev##*/}=$id"
		else
			bound="$bound ${dev##*/}=$id"
		fi
	done
	msg "bound to vfio-pci ($VFIO_DRIVER):${bound:- none}"
	mark "bound:${bound:- none}"
	if [ -n "$failed" ]; then
		msg "FAILED to bind:$failed"
		return 1
	fi
}

unload_modules() {
	local m err=""

	for m in vfio_pci vfio_pci_core; do
		[ -e /sys/module/$m ] || continue
		rmmod $m 2>/dev/null || err="$err $m(refcnt $(cat /sys/module/$m/refcnt 2>/dev/null))"
	done
	[ -n "$err" ] || return 0
	# Name the usual suspect: a process the command left running.
	for p in /proc/[0-9]*; do
		ls -l "$p/fd" 2>/dev/null | grep -q vfio &&
			err="$err; pid ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)) holds a vfio fd"
	done
	msg "cannot unload:$err"
	echo "cannot unload:$err" >$RUN/teardown
}

# A run that overruns its time is killed from outside, which leaves no
# trace of where it hung. Shortly before that, have the kernel log the
# blocked tasks and all CPUs' backtraces. VM_DEADLINE is the host's
# epoch second of the kill; the guest clock started from the host's.
dumper=
if [ -n "${VM_DEADLINE:-}" ] && [ "$VM_MODE" != shell ]; then
	(
		left=$((VM_DEADLINE - $(date +%s) - 45))
		[ $left -gt 0 ] || exit 0
		sleep $left
		mark "the run is about to time out: blocked tasks and backtraces follow"
		echo w >/proc/sysrq-trigger
		echo l >/proc/sysrq-trigger
	) </dev/null >/dev/null 2>&1 &
	dumper=$!
fi

# kmemleak (the debug kernel has it): what it suspects since boot is not
# ours to answer for; mark it seen so that the final scan reports only
# what leaked during the run.
KMEMLEAK=/sys/kernel/debug/kmemleak
if [ -w $KMEMLEAK ]; then
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
fi

# After the run: a scan, and its findings into the kernel log, where
# vm-run looks for splats. Only objects older than 5 s are reported.
kmemleak_report() {
	local line

	[ -w $KMEMLEAK ] || return 0
	sleep 6
	mark "kmemleak scan"
	echo scan >$KMEMLEAK
	while IFS= read -r line; do
		echo "$line" >/dev/kmsg
	done <$KMEMLEAK
}

rc=0
setup=ok
mark "loading vfio and the $VFIO_DRIVER vfio-pci modules"
if ! load_modules; then
	msg "loading the $VFIO_DRIVER modules failed"
	setup=failed
elif [ "$VM_BIND" = 1 ] && ! bind_zoo; then
	setup=failed
fi

if [ $setup = failed ]; then
	rc=125
else
	cd "$VM_REPO" || exit 125
	cut -d' ' -f1 /proc/uptime >$RUN/t_start
	mark "running the command"
	if [ "$VM_MODE" = shell ]; then
		msg "shell in the VM ($VFIO_DRIVER modules); exit to power off"
		setsid -c bash -i <$OUT >$OUT 2>&1
		rc=0
	else
		bash $RUN/cmd
		rc=$?
	fi
	cd /
fi
echo $rc >$RUN/rc
mark "command exited with status $rc"

# The command is over; anything still holding the modules is a leak (or
# a process the command left behind). Keep the kernel's own messages
# about the remove path in the log.
[ $setup = failed ] || unload_modules
kmemleak_report
[ -n "$dumper" ] && kill $dumper 2>/dev/null
mark "done"
dmesg >$RUN/dmesg 2>/dev/null
exit $rc
