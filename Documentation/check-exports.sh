#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-exports.sh KERNEL_DOC FILE.c...: every function a file exports with
# EXPORT_SYMBOL*() must have a kernel-doc comment. Exported variables are
# described where they are declared (kernel-doc has no syntax for them).

kdoc=$1
shift
rc=0
for f in "$@"; do
	documented=$("$kdoc" -rst -export "$f" 2>/dev/null |
		sed -n 's/^\.\. c:function:: [^(]*[ *]\([A-Za-z_][A-Za-z_0-9]*\) *(.*/\1/p')
	for sym in $(sed -n 's/^EXPORT_SYMBOL\(_GPL\)\?(\([A-Za-z_0-9]*\));.*/\2/p' "$f"); do
		grep -qx "$sym" <<<"$documented" && continue
		# a variable: "... sym = {" or "... sym;" rather than "sym("
		grep -Eq "^[a-z].*[ *]$sym( =|;|\[)" "$f" && continue
		echo "$f: exported function $sym() has no kernel-doc comment" >&2
		rc=1
	done
done
exit $rc
