#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dkms-check.sh KVER...
#
# Build the DKMS package (dkms.conf) for each kernel KVER, the way DKMS
# does when Debian installs a kernel, in a scratch DKMS tree (nothing is
# installed), and check that both modules come out built for that kernel.
# make check runs it for Linux 6.1 and 6.12. DKMS signs what it builds
# with its own key, which it creates in /var/lib/dkms on first use.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 KVER..." >&2; exit 2; }
tree=$(cd "$(dirname "$0")/.." && pwd)
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$tree/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$tree/dkms.conf")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dkms-check.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The package's source, as a user copies it to /usr/src/NAME-VERSION.
src=$scratch/src/$name-$version
mkdir -p "$src" "$scratch/dkms"
cd "$tree"
git ls-files -z --cached --others --exclude-standard |
	rsync -a --from0 --files-from=- --delete-missing-args "$tree/" "$src/"

passed=0 failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok $*"; failed=$((failed + 1)); }
for kver in "$@"; do
	echo "dkms-check: $name/$version for $kver"
	if ! dkms build -m "$name" -v "$version" -k "$kver" \
		--sourcetree "$scratch/src" --dkmstree "$scratch/dkms"; then
		not_ok "$kver: dkms build"
		continue
	fi
	for m in vfio-pci-core vfio-pci; do
		ko=$(ls "$scratch/dkms/$name/$version/$kver"/*/module/"$m".ko* \
			2>/dev/null | head -n 1)
		vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
		if [ "$vermagic" = "$kver" ]; then
			ok "$kver: $m built ($(basename "$ko"))"
		else
			not_ok "$kver: $m built (${ko:-none}, vermagic '${vermagic}')"
		fi
	done
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
