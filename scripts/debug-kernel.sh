#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# debug-kernel.sh CACHE [JOBS] [VERSION]
#
# Build the debug kernel that vm-run --debug-kernel boots: Debian's Linux
# VERSION (6.1, the default, or 6.12) source with our drivers/vfio/pci/ in
# tree (scripts/kernel-tree.sh), configured by
# tools/testing/selftests/vfio/config.debug on top of allnoconfig (KASAN,
# lockdep, kmemleak, debug objects, hung-task detection; the zoo's native
# drivers; VFIO and our drivers as modules), then for 6.12 by
# config.debug-6.12, whose lines override the first file's (iommufd and
# the VFIO device cdev, which Debian's 6.12 kernels lack). Prints the
# build directory, which holds the bzImage, our modules and the test-only
# variant driver built against it, and root/lib/modules/RELEASE (the
# installed modules, for the guest).
#
# The build directory is CACHE/debug-kernel-KEY (6.1) or
# CACHE/debug-kernel-VERSION-KEY, KEY a hash of everything the kernel
# depends on except our drivers (config fragments, kernel source,
# compiler): when one of those changes the kernel is built from scratch
# in a new directory and the old one of that version is removed; when
# only our drivers change, the rebuild is incremental.
set -euo pipefail

cache=${1:?usage: $0 CACHE [JOBS] [VERSION]}
jobs=${2:-$(nproc)}
version=${3:-6.1}
tree=$(cd "$(dirname "$0")/.." && pwd)
fragments=("$tree/tools/testing/selftests/vfio/config.debug")
prefix=debug-kernel-
if [ "$version" != 6.1 ]; then
	fragments+=("$tree/tools/testing/selftests/vfio/config.debug-$version")
	prefix=debug-kernel-$version-
fi
src=$("$tree"/scripts/kernel-tree.sh "$cache" "$version")
cache=$(dirname "$src")

key=$( {
	cat "${fragments[@]}"
	stat -c '%Y' "$src/.vfio-unpacked"
	sed -n '1,5p' "$src/Makefile"
	gcc --version | head -n 1
} | sha256sum | cut -c1-12)
build=$cache/$prefix$key

exec 8>"$cache/.$prefix.lock"
flock 8

# Older builds of this version; another version's have a '.' or '-' in
# what follows the prefix.
for old in "$cache/$prefix"*; do
	[ -d "$old" ] && [ "$old" != "$build" ] || continue
	case ${old#"$cache/$prefix"} in *.* | *-*) continue ;; esac
	rm -rf "$old"
done

kmake() {
	make -C "$src" O="$build" -j"$jobs" -s "$@"
}

# Configure once per key; check that every symbol of the fragment took
# (a dependency missing from it turns a symbol off without a word).
if [ ! -f "$build/.config-checked" ]; then
	echo "debug-kernel: configuring $build" >&2
	mkdir -p "$build"
	# One fragment, each symbol's last line winning.
	fragment=$build/config.fragment
	cat "${fragments[@]}" | tac | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { s = $2 }
		!/^(CONFIG_|# CONFIG_)/ { next }
		!seen[s]++' | tac >"$fragment"
	kmake KCONFIG_ALLCONFIG="$fragment" allnoconfig >&2
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) want=$line; sym=${line%%=*} ;;
		'# CONFIG_'*' is not set') want=$line; sym=${line#\# }; sym=${sym%% *} ;;
		*) continue ;;
		esac
		have=$(grep -E "^($sym=|# $sym is not set)" "$build/.config" || true)
		if [ "$have" != "$want" ]; then
			echo "debug-kernel: $fragment wants '$want'," \
				"the config has '${have:-nothing}'" >&2
			bad=1
		fi
	done <"$fragment"
	[ $bad = 0 ] || exit 1
	touch "$build/.config-checked"
fi

echo "debug-kernel: building in $build" >&2
kmake bzImage modules >&2
release=$(cat "$build/include/config/kernel.release")
rm -rf "$build/root.tmp"
kmake INSTALL_MOD_PATH="$build/root.tmp" INSTALL_MOD_STRIP=1 modules_install >&2
# Our modules reach the guest as vm-run's copies, like those built against
# Debian's headers; none in the installed tree, where tests that compare
# with the stock driver would take them for it.
rm -rf "$build/root.tmp/lib/modules/$release/kernel/drivers/vfio/pci"
depmod -b "$build/root.tmp" "$release"
rm -rf "$build/root"
mv "$build/root.tmp" "$build/root"

# The test-only variant driver, built against this kernel apart from the
# copy built against Debian's headers.
testdrv=$build/vfio_test_driver
mkdir -p "$testdrv"
rsync --checksum "$tree/tools/testing/selftests/vfio/vfio_test_driver/vfio_test_driver.c" \
	"$testdrv/"
# Our drivers are in the kernel's tree here: so are the compat header and
# its probes.
printf '%s\n' 'ccflags-y += -I$(srctree)/drivers/vfio/pci' \
	'include $(srctree)/drivers/vfio/pci/compat.mk' \
	'obj-m := vfio_test_driver.o' >"$testdrv/Kbuild"
make -C "$build" M="$testdrv" -s modules >&2

echo "debug-kernel: $release ready" >&2
echo "$build"
