#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel-source.sh CACHE
#
# Print the path of Debian's Linux 6.1 source, unpacked once from the
# linux-source-6.1 package into CACHE (again only when the package is
# updated).  KUnit builds it with our driver in place of the kernel's; the
# kernel's own drivers/vfio/pci/ is never unpacked, ours is copied in by
# scripts/kunit.sh.
set -euo pipefail

cache=${1:?usage: $0 CACHE}
tarball=/usr/src/linux-source-6.1.tar.xz

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
src=$cache/linux-source-6.1
stamp=$src/.vfio-unpacked

unpack() {
	[ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ] && return 0
	echo "unpacking $tarball into $cache (once)" >&2
	rm -rf "$src" "$src.tmp" "$cache/kunit-build"
	mkdir "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xJf "$tarball" \
		--exclude=linux-source-6.1/drivers/vfio/pci \
		--exclude=linux-source-6.1/include/linux/vfio_pci_core.h
	touch "$src.tmp/.vfio-unpacked"
	mv "$src.tmp" "$src"
}

[ -f "$tarball" ] || { echo "$tarball missing: make deps" >&2; exit 1; }
exec 8>"$cache/.source.lock"
flock 8
unpack
echo "$src"
