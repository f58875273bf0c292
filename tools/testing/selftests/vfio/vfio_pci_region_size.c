// SPDX-License-Identifier: GPL-2.0
/*
 * Print the size of one region of a device bound to vfio-pci, for the
 * shell tests (vfio_pci_params_test.sh) that need a single uAPI fact
 * without a test harness around it.
 *
 *	vfio_pci_region_size VENDOR:DEVICE INDEX
 *
 * Prints the size in hex, or "absent" when VFIO_DEVICE_GET_REGION_INFO
 * refuses the index with EINVAL. Exits 0 on either answer, 4 when the
 * device is missing or not bound to vfio-pci, 1 on any other failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vfio_util.h"

int main(int argc, char **argv)
{
	struct vfio_region_info *info;
	unsigned int vendor, device;
	unsigned long index;
	struct vfio_dev dev;
	char why[128], *end;
	int ret;

	if (argc != 3 || sscanf(argv[1], "%x:%x", &vendor, &device) != 2 ||
	    vendor > 0xffff || device > 0xffff) {
		fprintf(stderr, "usage: %s VENDOR:DEVICE INDEX\n", argv[0]);
		return 1;
	}
	errno = 0;
	index = strtoul(argv[2], &end, 0);
	if (errno || *end || end == argv[2] || index > 0xffffffffUL) {
		fprintf(stderr, "%s: bad region index '%s'\n", argv[0], argv[2]);
		return 1;
	}

	ret = vfio_open_bound(&dev, vendor, device, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "%s: %s\n", argv[0],
			ret > 0 ? why : strerror(-ret));
		vfio_close(&dev);
		return ret > 0 ? 4 : 1;
	}

	ret = vfio_region_info(dev.fd, index, &info);
	if (!ret) {
		printf("0x%llx\n", (unsigned long long)info->size);
		free(info);
	} else if (ret == -EINVAL) {
		printf("absent\n");
		ret = 0;
	} else {
		fprintf(stderr, "%s: region %lu: %s\n", argv[0], index,
			strerror(-ret));
	}
	vfio_close(&dev);
	return ret ? 1 : 0;
}
