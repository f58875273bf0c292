#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh [--check]
#
# Install, by Debian package name, everything the Makefile's targets need.
# Checking takes one dpkg-query call (a few milliseconds), so every target
# runs this first and a newcomer never has to think about it; apt-get (and
# its slow `update`) runs only when something is actually missing.
# With --check, only report what is missing (exit 1 if anything is).
set -euo pipefail

packages=(
	# out-of-tree module build against the installed kernel
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod
	linux-headers-amd64
	# the VM bench boots the same kernel under QEMU
	linux-image-amd64 qemu-system-x86 busybox-static cpio pciutils
	# KUnit and checkpatch come from the kernel source
	linux-source-6.1 python3 rsync
	# static checks, userspace tools and tests, documentation
	sparse libkmod-dev pkg-config gawk python3-sphinx
	# the Makefile itself
	make util-linux git
)

missing=()
status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
	grep -qx "$p ii " <<<"$status" || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = --check ]; then
	echo "missing packages: ${missing[*]}"
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
		exit 1
	}
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
