#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Tests of vfio_override_check: crafted objects compiled from crafted.c,
# then a good and a deliberately bad module built with Kbuild against the
# kernel headers (KDIR), then our own modules if they are built.
# Prints KTAP, ends with "N passed, N failed".

cd "$(dirname "$0")/.." || exit 1
CHECK=$PWD/vfio_override_check
KDIR=${KDIR:-/lib/modules/6.1.0-56-amd64/build}
CC=${CC:-gcc}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
passed=0
failed=0

t() {	# t NAME WANT_STATUS FILE [GREP]
	local name=$1 want=$2 file=$3 pat=$4 rc
	n=$((n + 1))
	"$CHECK" -v "$file" >"$T/out" 2>&1
	rc=$?
	if [ $rc -eq "$want" ] && { [ -z "$pat" ] || grep -q -- "$pat" "$T/out"; }; then
		echo "ok $n $name"
		passed=$((passed + 1))
	else
		sed 's/^/# /' "$T/out"
		echo "# exit status $rc, expected $want${pat:+ and '$pat'}"
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
	passed=$((passed + 1))
}

echo "KTAP version 1"
echo "1..20"

for c in good library bad_flag bad_value bad_alias after_terminator \
	 no_terminator bad_size other_table; do
	$CC -c -O2 -DCASE_$c -o "$T/$c.o" tests/crafted.c || exit 1
done
t crafted_good 0 "$T/good.o" "2 override-only entries"
t crafted_library_without_table 0 "$T/library.o" "ok"
t crafted_entry_without_flag 1 "$T/bad_flag.o" "ids_device_table\[1\] (vendor 0x1234 device 0x11e9.*override_only is 0"
t crafted_wrong_flag_value 1 "$T/bad_value.o" "override_only is 2"
t crafted_pci_alias 1 "$T/bad_alias.o" "alias=pci:v00001234.* is not a vfio_pci: alias"
t crafted_entries_after_terminator_ignored 0 "$T/after_terminator.o"
t crafted_no_terminator 1 "$T/no_terminator.o" "no all-zero terminating entry"
t crafted_bad_table_size 1 "$T/bad_size.o" "36 bytes, not a multiple"
t crafted_other_device_table 1 "$T/other_table.o" "__mod_of__ids_device_table"

head -c 40 "$T/good.o" >"$T/truncated.o"
t truncated_elf 2 "$T/truncated.o" "truncated ELF header"
size=$(stat -c %s "$T/good.o")
head -c $((size - 64)) "$T/good.o" >"$T/cut.o"
t section_headers_cut 2 "$T/cut.o" "section header table beyond"
echo "not an object" >"$T/text.o"
t not_elf 2 "$T/text.o" "not an ELF file"
t missing_file 2 "$T/nonexistent.ko" "cannot read"
if $CC -m32 -c -DCASE_good -o "$T/good32.o" tests/crafted.c 2>/dev/null; then
	t elf32_rejected 2 "$T/good32.o" "not a 64-bit ELF"
else
	skip elf32_rejected "no -m32 compiler"
fi

# A good and a bad module, built the way our modules are.
mkdir -p "$T/kb"
for kind in good bad; do
	if [ $kind = good ]; then
		entry='PCI_DRIVER_OVERRIDE_DEVICE_VFIO(0x1234, 0x11e8)'
	else
		entry='PCI_DEVICE(0x1234, 0x11e8)'
	fi
	cat >"$T/kb/guard_$kind.c" <<EOC
// SPDX-License-Identifier: GPL-2.0-only
#include <linux/module.h>
#include <linux/pci.h>

static const struct pci_device_id guard_${kind}_ids[] = {
	{ $entry },
	{ }
};
MODULE_DEVICE_TABLE(pci, guard_${kind}_ids);

static int guard_${kind}_probe(struct pci_dev *pdev,
			       const struct pci_device_id *id)
{
	return -ENODEV;
}

static struct pci_driver guard_${kind}_driver = {
	.name = "guard_$kind",
	.id_table = guard_${kind}_ids,
	.probe = guard_${kind}_probe,
};
module_pci_driver(guard_${kind}_driver);
MODULE_LICENSE("GPL");
EOC
done
echo "obj-m := guard_good.o guard_bad.o" >"$T/kb/Kbuild"
if [ -d "$KDIR" ] && make -C "$KDIR" M="$T/kb" modules >"$T/kbuild.log" 2>&1; then
	t kbuild_good_module 0 "$T/kb/guard_good.ko" "1 override-only entries"
	t kbuild_bad_module_fails 1 "$T/kb/guard_bad.ko" "override_only is 0"
	t kbuild_bad_module_alias 1 "$T/kb/guard_bad.ko" "alias=pci:v00001234d000011E8"
	t kbuild_good_module_alias 0 "$T/kb/guard_good.ko" "1 alias(es) checked"
else
	sed 's/^/# /' "$T/kbuild.log" | tail -20
	for i in 1 2 3 4; do
		n=$((n + 1))
		echo "not ok $n kbuild_modules"
		failed=$((failed + 1))
	done
fi

# Our own modules, when built: the library has no table, vfio-pci has one.
for ko in drivers/vfio/pci/vfio-pci-core.ko drivers/vfio/pci/vfio-pci.ko; do
	if [ -f "../../$ko" ]; then
		t "ours_$(basename "$ko" .ko)" 0 "../../$ko"
	else
		skip "ours_$(basename "$ko" .ko)" "$ko not built"
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
