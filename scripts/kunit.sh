#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kunit.sh CACHE [JOBS]
#
# Run our KUnit tests: build Debian's 6.1 kernel with our drivers/vfio/pci/
# and <linux/vfio_pci_core.h> in place of its own (so the library is also
# proven to build in tree, built in), from drivers/vfio/pci/.kunitconfig,
# and boot it under QEMU with kunit.py.  kunit.py prints the parsed KTAP
# results and exits non-zero if any test fails; the raw kernel log is kept
# in CACHE/kunit-build/test.log.
#
# The copy uses checksums and keeps the mtime of unchanged files, and the
# build directory stays in CACHE, so a re-run only rebuilds what changed.
set -euo pipefail

cache=${1:?usage: $0 CACHE [JOBS]}
jobs=${2:-$(nproc)}
tree=$(cd "$(dirname "$0")/.." && pwd)
src=$("$tree"/scripts/kernel-source.sh "$cache")
cache=$(dirname "$src")
build=$cache/kunit-build

# One KUnit run per cache at a time: they share the source and build dir.
exec 8>"$cache/.kunit.lock"
flock 8

# Kbuild products of the out-of-tree build must not reach the source tree:
# an in-tree build with O= refuses a source tree that has any.
kbuild_products=(--exclude='*.o' --exclude='*.ko' --exclude='*.mod'
		 --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a'
		 --exclude='*.d' --exclude='modules.order'
		 --exclude='Module.symvers' --exclude='*.lst')
rsync -r --links --perms --checksum --delete "${kbuild_products[@]}" \
	"$tree/drivers/vfio/pci/" "$src/drivers/vfio/pci/"
rsync --perms --checksum "$tree/include/linux/vfio_pci_core.h" \
	"$src/include/linux/vfio_pci_core.h"

cd "$src"
exec python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig="$tree/drivers/vfio/pci/.kunitconfig" \
	--build_dir="$build" --jobs="$jobs"
