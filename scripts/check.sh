#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check.sh: the whole test suite, run by `make check` (and so by .ci/run).
#
# Every step is a make target of its own and can be run alone.  A failing
# step does not stop the others unless they need what it failed to make
# (no modules: no VM run with ours; no selftests: no VM run at all).
# Counting: a static step (build, checkpatch, sparse, docs, selftest
# build) is one test; KUnit contributes its test cases as kunit.py counts
# them; the guard and tool tests their own "N passed, N failed" line; each
# VM run its "vm-run: N passed, N failed, N skipped" line.  A step that
# fails without a count of its own counts as one failure.  Logs of every
# step are kept in build/check/.  The last line of output is the summary
# "N passed, N failed"; the exit status is non-zero if anything failed.
set -uo pipefail

tree=$(cd "$(dirname "$0")/.." && pwd)
cd "$tree" || exit 1
make=${MAKE:-make}
logs=$tree/build/check
rm -rf "$logs"
mkdir -p "$logs"

steps=()
declare -A result passed failed skipped seconds
total_passed=0
total_failed=0

# step NAME KIND COMMAND...: run COMMAND, log it, and count its results
# according to KIND (static, kunit, counted or vm).
step() {
	local name=$1 kind=$2 log=$logs/$1.log start rc p f s line
	shift 2

	steps+=("$name")
	echo
	echo "==== check: $name: $* ===="
	start=$SECONDS
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	seconds[$name]=$((SECONDS - start))

	p=0 f=0 s=0
	case $kind in
	kunit)
		# "Testing complete. Ran 12 tests: passed: 11, failed: 1"
		line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep 'Testing complete\.' | tail -n 1)
		p=$(count passed "$line")
		f=$(($(count failed "$line") + $(count crashed "$line") + $(count errors "$line")))
		s=$(count skipped "$line")
		;;
	counted)
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		p=$(count passed "$line")
		f=$(count failed "$line")
		;;
	vm)
		line=$(grep -E '^vm-run: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -n 1)
		p=$(count passed "$line")
		f=$(count failed "$line")
		s=$(count skipped "$line")
		;;
	static)
		line=
		;;
	esac
	if [ -z "$line" ]; then
		# static step, or no count printed: the exit status is the result
		if [ "$rc" -eq 0 ]; then p=1; else f=1; fi
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# counted, but failed beyond its tests (a splat, a crash, ...)
		f=1
	fi
	if [ "$rc" -eq 0 ]; then result[$name]=ok; else result[$name]=FAIL; fi
	passed[$name]=$p failed[$name]=$f skipped[$name]=$s
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	return "$rc"
}

count() {
	local n

	n=$(grep -oE "$1:? [0-9]+|[0-9]+ $1" <<<"$2" | grep -oE '[0-9]+' | head -n 1)
	echo "${n:-0}"
}

# not_run NAME WHY: a step that could not run counts as one failure.
not_run() {
	steps+=("$1")
	echo
	echo "==== check: $1: not run: $2 ===="
	result[$1]="not run ($2)"
	passed[$1]=0 failed[$1]=1 skipped[$1]=0 seconds[$1]=0
	total_failed=$((total_failed + 1))
}

# why: for each failed step, the few lines that say why, so that a report
# that keeps only the end of the output still shows the cause (the full
# logs are in build/check/).
why() {
	local name

	for name in "${steps[@]}"; do
		[ "${result[$name]}" = ok ] && continue
		[ -r "$logs/$name.log" ] || continue
		echo
		echo "==== check: why $name failed ===="
		case $name in
		vm-*)
			"$brief" -n 12 "$logs/$name.log" ;;
		*)
			grep -E 'not ok |FAIL|[Ee]rror|ERROR|WARNING' "$logs/$name.log" |
				tail -n 12 ;;
		esac
	done
}

summary() {
	local name

	why
	echo
	echo "==== check: summary (logs in build/check/) ===="
	printf '%-14s %-10s %7s %7s %8s %6s\n' step result passed failed skipped time
	for name in "${steps[@]}"; do
		printf '%-14s %-10s %7d %7d %8d %5ds\n' "$name" "${result[$name]}" \
			"${passed[$name]}" "${failed[$name]}" "${skipped[$name]}" \
			"${seconds[$name]}"
	done
	printf '%-14s %-10s %7s %7s %8s %5ds\n' total "" "" "" "" "$SECONDS"
	echo "$total_passed passed, $total_failed failed"
}

# Not a test: without the packages nothing else can run.
if ! "$make" --no-print-directory deps; then
	echo "0 passed, 1 failed"
	exit 1
fi

modules=0
step build static "$make" --no-print-directory modules && modules=1
build612=0
step build-6.12 static "$make" --no-print-directory build-6.12 && build612=1
step build-trixie static "$make" --no-print-directory build-trixie
step checkpatch static "$make" --no-print-directory checkpatch
step sparse static "$make" --no-print-directory sparse
step kunit kunit "$make" --no-print-directory kunit
step kunit-6.12 kunit "$make" --no-print-directory kunit-6.12
step docs static "$make" --no-print-directory docs
step guard-tests counted "$make" --no-print-directory guard-tests
step tools counted "$make" --no-print-directory tools
step bench-tests counted "$make" --no-print-directory bench-tests
step dkms counted "$make" --no-print-directory dkms-check
selftests=0
step selftests static "$make" --no-print-directory selftests && selftests=1

vm_run=tools/testing/selftests/vfio/vm-run
brief=tools/testing/selftests/vfio/vm/brief-failure
if [ $selftests = 1 ] && [ $modules = 1 ]; then
	step vm-ours vm "$vm_run"
else
	not_run vm-ours "needs the build and selftests steps"
fi
if [ $selftests = 1 ]; then
	step vm-stock vm "$vm_run" --stock
else
	not_run vm-stock "needs the selftests step"
fi
# Linux 6.12 (bookworm-backports' image): ours as build-6.12 built them,
# then 6.12's stock modules, the same suite.
kver612=$(scripts/deps.sh --kver-6.12)
if [ $selftests = 1 ] && [ $build612 = 1 ]; then
	step vm-ours-6.12 vm env VM_KVER="$kver612" "$vm_run"
else
	not_run vm-ours-6.12 "needs the build-6.12 and selftests steps"
fi
if [ $selftests = 1 ]; then
	step vm-stock-6.12 vm env VM_KVER="$kver612" "$vm_run" --stock
else
	not_run vm-stock-6.12 "needs the selftests step"
fi
# The debug kernels are built (or found in the cache) by the kunit steps.
if [ $selftests = 1 ]; then
	step vm-cdev-6.12 vm "$make" --no-print-directory vm-cdev-6.12
else
	not_run vm-cdev-6.12 "needs the selftests step"
fi
if [ $selftests = 1 ]; then
	step vm-debug vm "$make" --no-print-directory vm-debug
else
	not_run vm-debug "needs the selftests step"
fi

summary
[ "$total_failed" -eq 0 ]
