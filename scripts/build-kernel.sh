#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-kernel.sh KVER OUT
#
# Build our modules and the test-only variant driver against the installed
# headers of kernel KVER (/lib/modules/KVER/build), W=1 with warnings as
# errors, and run the driver_override-only guard on what was built; then
# sparse (C=2) over the library. Kbuild builds in the source tree, so this
# works on a copy in OUT (the tree's tracked and untracked files, build
# products aside), leaving the tree's own 6.1 build alone. This is how one
# set of sources is checked against Linux 6.12 as well.
set -euo pipefail

kver=${1:?usage: $0 KVER OUT}
out=${2:?usage: $0 KVER OUT}
kdir=/lib/modules/$kver/build
tree=$(cd "$(dirname "$0")/.." && pwd)

[ -d "$kdir" ] || { echo "build-kernel: no headers for $kver ($kdir): make deps" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$tree"
git ls-files -z --cached --others --exclude-standard |
	rsync -a --from0 --files-from=- --delete-missing-args "$tree/" "$out/"

cd "$out"
echo "build-kernel: modules for $kver in $out"
make -C "$kdir" M="$out" W=1 KCFLAGS=-Werror modules
make -C scripts/mod KDIR="$kdir"
scripts/mod/vfio_override_check $(find drivers/vfio -name '*.ko' | sort)
make -C tools/testing/selftests/vfio/vfio_test_driver KDIR="$kdir" \
	KCFLAGS=-Werror

echo "build-kernel: sparse for $kver"
make -C "$kdir" M="$out" W=1 C=2 modules 2>&1 | tee sparse.log
if grep -E "^($out/|drivers/|include/)[^ ]*:[0-9]+:" sparse.log; then
	echo "build-kernel: sparse reports in our files for $kver" >&2
	exit 1
fi
echo "build-kernel: $kver ok"
