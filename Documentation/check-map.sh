#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-map.sh: keep Documentation/driver-api/vfio-pci/map.rst true. Every
# file it names (``name.c``, ``name.h``, ``name.sh``, a path or a bare file
# name) must exist in the tree, and every source file of the drivers, the
# library's header, the tools and the samples must be named in it. Run from
# the top of the tree.

map=Documentation/driver-api/vfio-pci/map.rst
rc=0

[ -r "$map" ] || { echo "$map: missing" >&2; exit 1; }

# The tree's files, committed or not (ignored build products aside).
sources() {
	git ls-files --cached --others --exclude-standard "$@"
}

# A name is a path from the top or the tail of one.
while read -r name; do
	[ -e "$name" ] && continue
	[ -n "$(sources -- "*/$name")" ] && continue
	echo "$map names $name, which is not in the tree" >&2
	rc=1
done < <(grep -o '``[^`]*\.\(c\|h\|sh\)``' "$map" | tr -d '`' | sort -u)

while read -r f; do
	grep -q "\`\`$f\`\`" "$map" && continue
	echo "$map does not name $f" >&2
	rc=1
done < <(sources -- 'drivers/*.c' 'drivers/*.h' 'include/*.h' \
	 'tools/vfio/*.c' 'tools/vfio/*.h' 'scripts/mod/*.c' 'samples/*.c' \
	 ':!tools/vfio/tests/*' ':!scripts/mod/tests/*' ':!*.mod.c' | sort -u)

exit $rc
