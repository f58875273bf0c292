#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real VFIO client: QEMU assigns edu (1234:11e8) and nvme (1b36:0010),
# bound to vfio-pci, to one nested guest. Its firmware sizes and places
# the BARs through the virtual config space; QEMU's "info pci" must then
# show each BAR at an address, with the size the host reports in sysfs.
# Run it in the VM (vm-run); KTAP output. QEMU defaults to
# qemu-system-x86_64 and the wait for the firmware to NESTED_TIMEOUT
# seconds (150).

set -u

. "$(dirname "$0")/lib/ktap.sh"

QEMU=${QEMU:-qemu-system-x86_64}
timeout=${NESTED_TIMEOUT:-150}

bound_to_vfio() {
	[ "$(basename "$(readlink -f "/sys/bus/pci/devices/$1/driver")")" = vfio-pci ]
}

# bar_size BDF N: size of BAR N from sysfs "resource", in hex
bar_size() {
	sed -n "$(($2 + 1))p" "/sys/bus/pci/devices/$1/resource" |
		{ read -r start end _; printf '0x%x\n' $((end - start + 1)); }
}

# bars BDF: the BARs the host sees (upper halves of 64-bit ones have none)
bars() {
	head -6 "/sys/bus/pci/devices/$1/resource" |
		awk '$2 != "0x0000000000000000" { print NR - 1 }'
}

# block ID: the "info pci" lines of the device with id "ID"
block() {
	awk -v id="\"$1\"" '
		/Bus +[0-9]+, device/ { blk = "" }
		{ blk = blk $0 "\n" }
		$1 == "id" && $2 == id { printf "%s", blk }' "$info"
}

# bar_line ID N: the BAR N line of device ID once it has an address
bar_line() {
	block "$1" | grep "BAR$2:" | grep -v 'at 0xffffffffffffffff'
}

# check_bar ID BDF N: BAR N is placed, with the host's size
check_bar() {
	local line start end size want

	line=$(bar_line "$1" "$3")
	if [ -z "$line" ]; then
		not_ok "$1 BAR$3 placed by the nested firmware"
		return
	fi
	echo "# $1: $(echo "$line" | sed 's/^ *//')"
	start=$(echo "$line" | sed -n 's/.* at \(0x[0-9a-f]*\) .*/\1/p')
	end=$(echo "$line" | sed -n 's/.*\[\(0x[0-9a-f]*\)\].*/\1/p')
	size=$(printf '0x%x' $((end - start + 1)))
	want=$(bar_size "$2" "$3")
	if [ "$size" = "$want" ]; then
		ok "$1 BAR$3 placed by the nested firmware, $size bytes"
	else
		not_ok "$1 BAR$3 is $size bytes, the host says $want"
	fi
}

echo "TAP version 13"
edu=$(find_bdf 1234:11e8) || skip_all "no edu device"
nvme=$(find_bdf 1b36:0010) || skip_all "no nvme device"
bound_to_vfio "$edu" || skip_all "edu $edu is not bound to vfio-pci"
bound_to_vfio "$nvme" || skip_all "nvme $nvme is not bound to vfio-pci"
command -v "$QEMU" >/dev/null || skip_all "no $QEMU"
edu_bars=$(bars "$edu")
nvme_bars=$(bars "$nvme")
echo "1..$((1 + $(echo $edu_bars $nvme_bars | wc -w) + 1))"
failed=0

tmp=$(mktemp -d)
info=$tmp/info
mkfifo "$tmp/mon"
"$QEMU" -accel tcg -m 128 -nodefaults -display none \
	-device "vfio-pci,host=$edu,id=edu" \
	-device "vfio-pci,host=$nvme,id=nvme" \
	-monitor stdio <"$tmp/mon" >"$tmp/out" 2>"$tmp/err" &
qemu=$!
exec 3>"$tmp/mon"

cleanup() {
	exec 3>&-
	for _ in $(seq 20); do
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.5
	done
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Ask "info pci" until both devices' BAR0 are placed or time runs out.
start=$SECONDS
while :; do
	if ! kill -0 "$qemu" 2>/dev/null; then
		sed 's/^/# qemu: /' "$tmp/err"
		break
	fi
	off=$(stat -c %s "$tmp/out")
	echo "info pci" >&3
	sleep 3
	tail -c +"$((off + 1))" "$tmp/out" | tr -d '\r' >"$info"
	if [ -n "$(bar_line edu 0)" ] && [ -n "$(bar_line nvme 0)" ]; then
		break
	fi
	[ $((SECONDS - start)) -lt "$timeout" ] || break
	sleep 2
done
echo "# waited $((SECONDS - start)) s for the nested firmware"

if kill -0 "$qemu" 2>/dev/null && grep -q '"edu"' "$info" &&
   grep -q '"nvme"' "$info"; then
	ok "nested QEMU runs with edu and nvme assigned"
else
	not_ok "nested QEMU runs with edu and nvme assigned"
fi
for i in $edu_bars; do
	check_bar edu "$edu" "$i"
done
for i in $nvme_bars; do
	check_bar nvme "$nvme" "$i"
done
if block nvme | grep -q "BAR0: 64 bit"; then
	ok "nvme BAR0 is 64-bit in the nested guest"
else
	not_ok "nvme BAR0 is 64-bit in the nested guest"
fi
echo "quit" >&3

if [ "$failed" = 0 ]; then
	echo "# Totals: pass:$n fail:0"
	exit 0
fi
sed 's/^/# info pci: /' "$info"
exit 1
