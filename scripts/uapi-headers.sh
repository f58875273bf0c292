#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# uapi-headers.sh CACHE [VERSION]
#
# Print the directory of the uAPI headers of Debian's Linux VERSION (6.12
# by default) source, installed once into CACHE/uapi-VERSION from the
# source kernel-source.sh unpacks (again when that is unpacked anew). The
# selftests that exercise uAPI newer than Debian 12's libc headers (6.1)
# are built against them.
set -euo pipefail

cache=${1:?usage: $0 CACHE [VERSION]}
version=${2:-6.12}
tree=$(cd "$(dirname "$0")/.." && pwd)
src=$("$tree"/scripts/kernel-source.sh "$cache" "$version")
out=$(dirname "$src")/uapi-$version

exec 8>"$out.lock"
flock 8
if [ ! -f "$out/.installed" ] || [ "$src/.vfio-unpacked" -nt "$out/.installed" ]; then
	echo "uapi-headers: installing $version's uAPI headers into $out" >&2
	rm -rf "$out"
	make -C "$src" O="$out" -s headers_install >&2
	touch "$out/.installed"
fi
echo "$out/usr/include"
