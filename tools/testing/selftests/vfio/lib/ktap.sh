# SPDX-License-Identifier: GPL-2.0
#
# KTAP output and device lookup for the shell selftests: source it. Test
# lines are numbered in $n; a failure sets $failed to 1.

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n $*"
	failed=1
}

# skip DESCRIPTION WHY
skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

# The whole test does not apply: exit with kselftest's skip status.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

diag() {
	echo "# $*"
}

# find_bdf VENDOR:DEVICE: the first PCI function with that ID
find_bdf() {
	local d

	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = "0x${1%:*}" ] &&
		   [ "$(cat "$d/device")" = "0x${1#*:}" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}
