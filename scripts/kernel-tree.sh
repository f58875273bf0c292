#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel-tree.sh CACHE [VERSION]
#
# Print the path of Debian's Linux VERSION (6.1, the default, or 6.12)
# source in CACHE (unpacked by kernel-source.sh) after putting our
# drivers/vfio/pci/ and <linux/vfio_pci_core.h> in place of the kernel's
# own: the tree that the debug kernels (and KUnit on them) are built
# from, out of tree (O=).
#
# The copy uses checksums and keeps the mtime of unchanged files, so a
# rebuild only recompiles what changed.
set -euo pipefail

cache=${1:?usage: $0 CACHE [VERSION]}
tree=$(cd "$(dirname "$0")/.." && pwd)
src=$("$tree"/scripts/kernel-source.sh "$cache" "${2:-6.1}")

# Kbuild products of the out-of-tree module build must not reach the
# source tree: a build with O= refuses a source tree that has any.
kbuild_products=(--exclude='*.o' --exclude='*.ko' --exclude='*.mod'
		 --exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a'
		 --exclude='*.d' --exclude='modules.order'
		 --exclude='Module.symvers' --exclude='*.lst')

exec 8>"$src.tree.lock"
flock 8
rsync -r --links --perms --checksum --delete "${kbuild_products[@]}" \
	"$tree/drivers/vfio/pci/" "$src/drivers/vfio/pci/"
rsync --perms --checksum "$tree/include/linux/vfio_pci_core.h" \
	"$src/include/linux/vfio_pci_core.h"
echo "$src"
