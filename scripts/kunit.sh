#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kunit.sh CACHE [JOBS] [VERSION]
#
# Run our KUnit tests on the debug kernel of Linux VERSION (6.1, the
# default, or 6.12; scripts/debug-kernel.sh: our drivers/vfio/pci/ built
# in tree, KASAN, lockdep and the other checkers on): boot it in vm-run's
# VM, where loading vfio-pci-core.ko runs the
# suites built into it, collect their results from
# /sys/kernel/debug/kunit/ into one KTAP document and have kunit.py parse
# it. Fails if a test fails or the kernel log shows a splat. The guest's
# output is kept in the debug kernel's build directory, kunit.log.
#
# drivers/vfio/pci/.kunitconfig serves the kernel's own way, in a kernel
# tree with our drivers: tools/testing/kunit/kunit.py run
# --kunitconfig=drivers/vfio/pci.
set -euo pipefail

cache=${1:?usage: $0 CACHE [JOBS] [VERSION]}
jobs=${2:-$(nproc)}
version=${3:-6.1}
tree=$(cd "$(dirname "$0")/.." && pwd)
build=$("$tree"/scripts/debug-kernel.sh "$cache" "$jobs" "$version")
src=$("$tree"/scripts/kernel-source.sh "$cache" "$version")

# In the guest: every suite's results, renumbered as the subtests of one
# document (each results file is a document of its own, "1..1").
# shellcheck disable=SC2016 # expanded in the guest
guest='
cd /sys/kernel/debug/kunit || { echo "# kunit: no /sys/kernel/debug/kunit"; exit 1; }
set -- */results
[ -e "$1" ] || { echo "# kunit: no suite ran"; exit 1; }
echo "KTAP version 1"
echo "1..$#"
i=0
for f; do
	i=$((i + 1))
	sed -e 1,2d -e "\$s/^\\(not ok\\|ok\\) 1 /\\1 $i /" "$f"
done
echo "# kunit: end"
'

log=$build/kunit.log
status=0
"$tree"/tools/testing/selftests/vfio/vm-run --debug-kernel "$build" --no-bind \
	--timeout 300 -- bash -c "$guest" >"$log" 2>&1 || status=$?
grep '^vm-run: ' "$log" || true
sed -n '/^KTAP version 1$/,/^# kunit: end$/p' "$log" |
	python3 "$src/tools/testing/kunit/kunit.py" parse || status=1
exit $status
