#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The uAPI fuzzer (vfio_pci_fuzz) on every device bound to vfio-pci and on
# a VF of the nvme, then each device that has a native driver goes back to
# it and must work there (nvme answers identify, the NICs get link), and
# back to vfio-pci for the tests that follow.
#
# FUZZ_OPS operations per device (default 2000), seeded by FUZZ_SEED
# (default: from the clock; the fuzzer prints it with a command line to
# rerun a device). `make fuzz` runs a long soak through this script.
#
# First, where Debian's stock modules are installed (vm-run's run of ours
# on Debian's kernel), the same FUZZ_COMPARE_OPS operations (default 500,
# 0: none; seeded by FUZZ_SEED, else by a fixed seed) per device run on
# stock and then on ours, with the fuzzer
# keeping clear of the input known to oops stock (-S), and the results
# are compared operation by operation: each kind of difference (operation,
# stock's result, ours) must be explained in fuzz-differences.txt, next to
# this script.
#
# Stock Debian 6.1 oopses under the unrestricted traffic (VFIO_DEVICE_IOEVENTFD
# with an offset whose top bit is set), so in vm-run's run of the stock
# modules the fuzzer runs only with FUZZ_STOCK=1. KTAP output.

set -u

. "$(dirname "$0")/lib/ktap.sh"
. "$(dirname "$0")/lib/pci.sh"

cd "$(dirname "$0")" || exit 1

ENABLE_SRIOV=/sys/module/vfio_pci/parameters/enable_sriov
ALLOW=$PWD/fuzz-differences.txt
OUT=/tmp/fuzz
# vendor:device native-driver module name (as native_works knows it)
NATIVE="1b36:0010 nvme nvme nvme
8086:10d3 e1000e e1000e e1000e
1af4:1000 virtio-pci virtio_net virtio-net"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -x ./vfio_pci_fuzz ] || skip_all "build the tests first (make)"
if [ "${VFIO_DRIVER:-}" = stock ] && [ "${FUZZ_STOCK:-0}" != 1 ]; then
	skip_all "stock 6.1 oopses under the fuzzer (FUZZ_STOCK=1 runs it anyway)"
fi

devs=$(ls /sys/bus/pci/drivers/vfio-pci 2>/dev/null | grep -E '^[0-9a-f]{4}:' | sort)
[ -n "$devs" ] || skip_all "no device bound to vfio-pci"
seed=${FUZZ_SEED:-$(date +%s)}
# The comparison repeats one sequence unless told otherwise: a new kind of
# difference then comes from a change, not from the day's seed.
compare_seed=${FUZZ_SEED:-20261206}

# fuzz SEED ARGS...: the fuzzer on every device and a VF of the nvme PF
# (with enable_sriov set meanwhile); its own KTAP stream goes out as it is
fuzz() {
	local seed=$1
	local pf saved= vf_args=() rc

	shift

	pf=$(find_bdf 1b36:0010)
	if [ -n "$pf" ] && [ "$(driver_of "$pf")" = vfio-pci ] && [ -w $ENABLE_SRIOV ]; then
		saved=$(cat $ENABLE_SRIOV)
		echo 1 >$ENABLE_SRIOV && vf_args=(-V "$pf")
	fi
	# shellcheck disable=SC2086 # one word per device
	./vfio_pci_fuzz -s "$seed" "$@" "${vf_args[@]}" $devs
	rc=$?
	[ -n "$saved" ] && echo "$saved" >$ENABLE_SRIOV
	return $rc
}

# load stock|ours: that vfio-pci pair; the devices come back to it
load() {
	local dev

	load_vfio_pci "$1" || return 1
	for dev in $devs; do
		bind "$dev" vfio-pci || return 1
	done
}

# compare: stock's and ours' results, operation by operation
compare() {
	local ops=${FUZZ_COMPARE_OPS:-500} drv unexplained why

	rm -rf $OUT
	mkdir -p $OUT
	for drv in stock ours; do
		diag "comparison: $ops operations per device on $drv, seed $compare_seed"
		if ! load $drv; then
			not_ok "errnos compared with stock (loading $drv failed)"
			load ours
			return
		fi
		fuzz "$compare_seed" -S -n "$ops" -t $OUT/$drv.trace >$OUT/$drv.log 2>&1
		grep -E '^(not ok|# seed)' $OUT/$drv.log
	done
	# Lines "bdf<TAB>n<TAB>kind<TAB>what<TAB>result": count each kind of
	# difference in the result of the same operation
	awk -F'\t' '
		NR == FNR { what[$1 " " $2] = $4; stock[$1 " " $2] = $5; next }
		!(($1 " " $2) in what) { next }
		what[$1 " " $2] != $4 { n["sequence; " $1 " -> diverged"]++; next }
		stock[$1 " " $2] != $5 {
			k = $3 "; " stock[$1 " " $2] " -> " $5
			if (!n[k]++)
				ex[k] = $1 " " $4
		}
		END { for (k in n) print n[k] "\t" k "\t" ex[k] }' \
		$OUT/stock.trace $OUT/ours.trace | sort -rn >$OUT/differences
	# Later differences may follow from the first one of a device.
	awk -F'\t' '
		NR == FNR {
			what[$1 " " $2] = $4; stock[$1 " " $2] = $5; state[$1 " " $2] = $6
			next
		}
		($1 " " $2) in stock && stock[$1 " " $2] != $5 && !seen[$1]++ {
			print "first difference on " $1 ", op " $2 " (" $4 "): stock " \
				stock[$1 " " $2] ", ours " $5
		}
		($1 " " $2) in what && what[$1 " " $2] == $4 && state[$1 " " $2] != $6 &&
		!drift[$1]++ {
			print "first state difference on " $1 ", op " $2 " (" $4 "): stock " \
				state[$1 " " $2] ", ours " $6
		}
		($1 " " $2) in what && what[$1 " " $2] != $4 && !gone[$1]++ {
			print "sequence diverged on " $1 " at op " $2 ": stock did " \
				what[$1 " " $2] ", ours " $4
		}' $OUT/stock.trace $OUT/ours.trace | while read -r line; do
		diag "$line"
		# what led there, on both sides
		case $line in
		"first difference on "* | "first state difference on "*)
			set -- $line
			[ "$2" = state ] && shift
			awk -F'\t' -v d="${4%,}" -v n="$6" \
				'$1 == d && $2 >= n - 4 && $2 <= n {
					print FILENAME ": " $2 " " $4 ": " $5 ", then " $6
				}' \
				$OUT/stock.trace $OUT/ours.trace | sed "s|$OUT/||" |
				while read -r l; do diag "  $l"; done
			;;
		esac
	done
	unexplained=0
	while IFS=$'\t' read -r count what example; do
		why=$(awk -v w="$what; " \
			'index($0, w) == 1 { print substr($0, length(w) + 1); exit }' "$ALLOW")
		if [ -n "$why" ] && [ "${why#open:}" != "$why" ]; then
			diag "known, open: $what ($count times, as in $example)"
		elif [ -n "$why" ]; then
			diag "explained: $what ($count times, as in $example)"
		else
			diag "UNEXPLAINED: $what ($count times, as in $example)"
			unexplained=1
		fi
	done <$OUT/differences
	if [ $unexplained = 0 ]; then
		ok "errnos compared with stock: every difference explained"
	else
		not_ok "errnos compared with stock: every difference explained"
	fi
}

echo "TAP version 13"
if [ "${VFIO_DRIVER:-}" = ours ] && vfio_pci_module stock vfio-pci >/dev/null &&
   [ "${FUZZ_COMPARE_OPS:-500}" != 0 ]; then
	compare
else
	skip "errnos compared with stock" "no stock modules next to ours"
fi
echo "1..$n"

fuzz "$seed" -n "${FUZZ_OPS:-2000}"
rc=$?

# Ours again: the native drivers.
echo "TAP version 13"
n=0
echo "# after the fuzzer: the native drivers"
while read -r id native mod name; do
	bdf=$(find_bdf "$id") || continue
	[ "$(driver_of "$bdf")" = vfio-pci ] || continue
	if [ ! -d "/sys/module/$mod" ] && ! modprobe "$mod" 2>/dev/null; then
		skip "$name $bdf: $native drives it after the fuzzer" "no $mod in this kernel"
		continue
	fi
	if bind "$bdf" "$native" && native_works "$name" "$bdf"; then
		ok "$name $bdf: $native drives it after the fuzzer"
	else
		not_ok "$name $bdf: $native drives it after the fuzzer"
	fi
	bind "$bdf" vfio-pci || not_ok "$name $bdf: back to vfio-pci"
done <<<"$NATIVE"
echo "1..$n"
[ $rc = 0 ] && [ $failed = 0 ]
