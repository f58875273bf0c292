#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh [--check | --kver-6.12]
#
# Install, by Debian package name, everything the Makefile's targets need.
# That includes Linux 6.12's headers and image from bookworm-backports, whose
# source entry this adds to APT's sources as an admin would; --kver-6.12
# prints that kernel's release, the one place it is named.
# Checking takes one dpkg-query call (a few milliseconds), so every target
# runs this first and a newcomer never has to think about it; apt-get (and
# its slow `update`) runs only when something is actually missing.
# With --check, only report what is missing (exit 1 if anything is).
set -euo pipefail

kver_612=6.12.95+deb12-amd64
# The Debian version of that kernel's packages: its source is pinned to it
# (bookworm-security carries later 6.12 sources under the same name).
deb_612=6.12.95-1~bpo12+1
if [ "${1:-}" = --kver-6.12 ]; then
	echo "$kver_612"
	exit 0
fi

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
	# the Makefile itself, and the DKMS packaging it checks
	make util-linux git dkms
	# the Debian 13 build runs in a trixie root made with debootstrap
	debootstrap debian-archive-keyring
	# the same sources built against Linux 6.12 (bookworm-backports), and
	# the VM suite booted on it
	"linux-headers-$kver_612" "linux-image-$kver_612"
	# its source, for the 6.12 debug kernel and its uAPI headers
	"linux-source-6.12=$deb_612"
)

# A package is NAME, or NAME=VERSION where the version matters.
missing=()
status=$(dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' \
	"${packages[@]%%=*}" 2>/dev/null || true)
for p in "${packages[@]}"; do
	name=${p%%=*}
	version=${p#"$name"}
	version=${version#=}
	awk -v n="$name" -v v="$version" \
		'$1 == n && (v == "" || $2 == v) && $3 == "ii" { f = 1 }
		 END { exit !f }' <<<"$status" || missing+=("$p")
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
# Linux 6.12 comes from bookworm-backports, at its default (low) priority:
# only the packages asked for by name come from there.
backports=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -e "$backports" ] &&
   ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d; then
	echo "deps: adding bookworm-backports to APT's sources ($backports)" >&2
	printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
		'Suites: bookworm-backports' 'Components: main' \
		'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
		"${sudo[@]}" tee "$backports" >/dev/null
fi
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
