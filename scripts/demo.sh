#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh EDU_DEMO
#
# `make demo` runs this inside the test VM (vm-run), after our modules were
# loaded and the device zoo bound to vfio-pci: show which driver has which
# device, then let a VFIO client (samples/vfio-pci/edu-demo.c) drive edu.
set -euo pipefail

client=${1:?usage: $0 EDU_DEMO}

echo "== VFIO PCI modules: ${VFIO_DRIVER:-?} =="
# Our modules are out of tree and unsigned: the kernel taints with O and E.
for m in vfio_pci_core vfio_pci; do
	printf '%-14s taint "%s"\n' "$m" "$(cat /sys/module/$m/taint)"
done
echo
echo "== the device zoo (lspci -k) =="
for id in 1234:11e8 1b36:0010 8086:10d3 1b36:0005 1af4:1000 1af4:1041 1234:1111; do
	lspci -nn -k -d "$id"
done
echo
echo "== a VFIO client drives edu (1234:11e8) =="
"$client"
