#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# lock.sh LOCKFILE COMMAND [ARG]...
#
# Run COMMAND holding an exclusive flock(1) on LOCKFILE.  Several people
# build in one work tree at the same time, so every build of the tree takes
# /tmp/vfio-build.lock.  Developers are told to run
# `flock /tmp/vfio-build.lock make ...`, and make then takes the same lock
# again internally: a second flock on the file would wait for ever on the
# first.  So when this process or one of its ancestors has LOCKFILE open (flock(1)
# itself, or a shell that did `exec 9>LOCKFILE; flock 9`), the lock is
# taken to be ours already and COMMAND runs directly.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 LOCKFILE COMMAND [ARG]..." >&2
	exit 2
fi
lock=$1
shift

ancestor_holds_lock() {
	local pid=$$ fd target

	target=$(readlink -f -- "$lock") || return 1
	while [ "$pid" -gt 1 ] && [ -d "/proc/$pid" ]; do
		for fd in /proc/"$pid"/fd/*; do
			[ "$(readlink -- "$fd" 2>/dev/null)" = "$target" ] && return 0
		done
		pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
	done
	return 1
}

if [ -e "$lock" ] && ancestor_holds_lock; then
	exec "$@"
fi
exec flock "$lock" "$@"
