#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel-source.sh CACHE [VERSION]
#
# Print the path of Debian's Linux source of VERSION (6.1, the default, or
# 6.12), unpacked once from the linux-source-VERSION package into CACHE
# (again only when the package is updated). The debug kernels are built
# from it with our drivers in place of the kernel's; the kernel's own
# drivers/vfio/pci/ is never unpacked, ours is copied in by
# scripts/kernel-tree.sh.
set -euo pipefail

cache=${1:?usage: $0 CACHE [VERSION]}
version=${2:-6.1}
tarball=/usr/src/linux-source-$version.tar.xz

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
src=$cache/linux-source-$version
stamp=$src/.vfio-unpacked

unpack() {
	[ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ] && return 0
	echo "unpacking $tarball into $cache (once)" >&2
	rm -rf "$src" "$src.tmp"
	mkdir "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xJf "$tarball" \
		--exclude="linux-source-$version/drivers/vfio/pci" \
		--exclude="linux-source-$version/include/linux/vfio_pci_core.h"
	touch "$src.tmp/.vfio-unpacked"
	mv "$src.tmp" "$src"
}

[ -f "$tarball" ] || { echo "$tarball missing: make deps" >&2; exit 1; }
exec 8>"$cache/.source-$version.lock"
flock 8
unpack
echo "$src"
