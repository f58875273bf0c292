#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# checkpatch.sh CACHE
#
# checkpatch.pl --strict, from Debian's 6.1 source unpacked in CACHE, over
# every C file and header of ours.  Any finding (ERROR, WARNING or CHECK)
# fails.
#
# Kernel code (drivers/, include/, and any directory under tools/ or
# samples/ that builds a module) is checked against the kernel tree, as a
# patch to it would be.  Userspace code (tools/, scripts/, samples/) is
# checked with --no-tree and without the rules that only make sense inside
# the kernel:
#   PREFER_KERNEL_TYPES            u8/u32/... do not exist in userspace;
#                                  the uAPI and libc types are the right ones
#   PREFER_DEFINED_ATTRIBUTE_MACRO __packed, __printf, ... are kernel macros
#   BIT_MACRO                      so is BIT()
#   PREFER_FALLTHROUGH             `fallthrough` is a kernel macro
#   SSCANF_TO_KSTRTO, STRLCPY      kstrto*() and strscpy() are kernel-only
#   VOLATILE                       volatile is the correct way to access
#                                  a device's BAR mapped into userspace
# and, in files using kselftest_harness.h, also without
#   BRACES                         its EXPECT_*() and ASSERT_*() expand to
#                                  two statements: a lone one under
#                                  if/else must be braced
set -euo pipefail

cache=${1:?usage: $0 CACHE}
tree=$(cd "$(dirname "$0")/.." && pwd)
src=$("$tree"/scripts/kernel-source.sh "$cache")
checkpatch=$src/scripts/checkpatch.pl

userspace_ignore=PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,BIT_MACRO
userspace_ignore+=,PREFER_FALLTHROUGH,SSCANF_TO_KSTRTO,STRLCPY,VOLATILE

cd "$tree"
kernel=()
user=()
harness=()
while IFS= read -r f; do
	case $f in
	drivers/*|include/*)
		kernel+=("$f")
		continue
		;;
	esac
	dir=$(dirname "$f")
	if cat "$dir"/Kbuild "$dir"/Makefile 2>/dev/null | grep -q '^obj-'; then
		kernel+=("$f")
	elif grep -q '^#include.*kselftest_harness\.h' "$f"; then
		harness+=("$f")
	else
		user+=("$f")
	fi
done < <(find drivers include tools scripts samples -name '*.[ch]' \
	 -not -name '*.mod.c' -not -path '*/build/*' 2>/dev/null | sort)

# checkpatch caches what it learns about CamelCase in its working
# directory, and in a git work tree takes its include/ from git: run it
# from a scratch directory that only links to our sources, so it leaves
# nothing in the tree and reads the kernel's include/ in tree mode.
work=$(mktemp -d "$(dirname "$src")/checkpatch.XXXXXX")
trap 'rm -rf "$work"' EXIT
for d in drivers include tools scripts samples; do
	[ -e "$d" ] && ln -s "$tree/$d" "$work/$d"
done
cd "$work"

rc=0
echo "checkpatch --strict: ${#kernel[@]} kernel files, $((${#user[@]} + ${#harness[@]})) userspace files"
if [ ${#kernel[@]} -gt 0 ]; then
	"$checkpatch" --strict --quiet --show-types --root="$src" -f \
		"${kernel[@]}" || rc=1
fi
if [ ${#user[@]} -gt 0 ]; then
	"$checkpatch" --strict --quiet --show-types --no-tree \
		--ignore="$userspace_ignore" -f "${user[@]}" || rc=1
fi
if [ ${#harness[@]} -gt 0 ]; then
	"$checkpatch" --strict --quiet --show-types --no-tree \
		--ignore="$userspace_ignore,BRACES" -f "${harness[@]}" || rc=1
fi
if [ $rc -eq 0 ]; then
	echo "checkpatch: clean"
else
	echo "checkpatch: findings above" >&2
fi
exit $rc
