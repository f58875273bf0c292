#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# trixie-build.sh CACHE
#
# Build our modules as a Debian 13 (trixie) machine does: against trixie's
# own 6.12 headers (linux-headers-amd64) with its compiler, gcc-14, W=1
# with warnings as errors, the test-only variant driver too. Debian 12
# cannot install either, so the build runs in a minimal trixie root file
# system that debootstrap makes once into CACHE/trixie-root-KEY (KEY: a
# hash of the package list; an older root is removed), from the Debian
# mirror, with trixie's archive key that Debian 12 ships.
set -euo pipefail

cache=${1:?usage: $0 CACHE}
tree=$(cd "$(dirname "$0")/.." && pwd)
packages=make,gcc,gcc-14,libc6-dev,linux-headers-amd64,kmod,perl
mirror=http://deb.debian.org/debian
key=$(echo "trixie $packages" | sha256sum | cut -c1-12)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
root=$cache/trixie-root-$key

exec 8>"$cache/.trixie-root.lock"
flock 8
for old in "$cache"/trixie-root-*; do
	[ -d "$old" ] && [ "$old" != "$root" ] && rm -rf "$old"
done
if [ ! -f "$root/.ready" ]; then
	echo "trixie-build: making a trixie root in $root (once)" >&2
	rm -rf "$root"
	debootstrap --variant=minbase --include="$packages" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		trixie "$root" "$mirror" >&2
	touch "$root/.ready"
fi

kver=$(ls "$root/lib/modules" | sort -V | tail -n 1)
[ -n "$kver" ] || { echo "trixie-build: no kernel headers in $root" >&2; exit 1; }
echo "trixie-build: $kver with $(chroot "$root" gcc-14 --version | head -n 1)"

# The tree's sources, build products aside, in the root.
rm -rf "$root/src"
mkdir -p "$root/src"
cd "$tree"
git ls-files -z --cached --others --exclude-standard |
	rsync -a --from0 --files-from=- --delete-missing-args "$tree/" "$root/src/"

unshare -m -- chroot "$root" /bin/sh -ec "
	mount -t proc proc /proc
	make -C /lib/modules/$kver/build M=/src W=1 KCFLAGS=-Werror modules
	make -C /src/tools/testing/selftests/vfio/vfio_test_driver \
		KDIR=/lib/modules/$kver/build KCFLAGS=-Werror
	for m in /src/drivers/vfio/pci/vfio-pci-core.ko /src/drivers/vfio/pci/vfio-pci.ko; do
		modinfo -F vermagic \$m
	done"
echo "trixie-build: $kver ok"
