// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and configuring the test-only variant driver, see
 * vfio_test_driver.h.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "vfio_test_driver.h"

#define MODULE_DIR	"/sys/module/vfio_test_driver"
/* The module, relative to the tree the test binaries are built in */
#define MODULE_KO	"vfio_test_driver/vfio_test_driver.ko"

void vfio_test_driver_require_edu(char bdf[VFIO_BDF_LEN])
{
	char drv[64];

	if (geteuid())
		ksft_exit_skip("needs root\n");
	if (vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, bdf))
		ksft_exit_skip("no edu device (1234:11e8)\n");
	if (vfio_device_driver(bdf, drv, sizeof(drv)) ||
	    strcmp(drv, "vfio-pci"))
		ksft_exit_skip("%s is not bound to vfio-pci\n", bdf);
}

int vfio_test_driver_load(const char *args, bool *loaded)
{
	char self[PATH_MAX], cmd[2 * PATH_MAX];
	ssize_t n;

	*loaded = false;
	if (!access(MODULE_DIR, F_OK))
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	if (!access(VFIO_RUN_MODULE_DIR "/vfio_test_driver.ko", R_OK))
		snprintf(cmd, sizeof(cmd), "insmod %s %s",
			 VFIO_RUN_MODULE_DIR "/vfio_test_driver.ko", args);
	else
		snprintf(cmd, sizeof(cmd), "insmod %s/%s %s", dirname(self),
			 MODULE_KO, args);
	if (system(cmd))
		return -EIO;
	*loaded = true;
	return 0;
}

int vfio_test_driver_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), MODULE_DIR "/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(val, f) < 0) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

int vfio_test_driver_unload(void)
{
	return system("rmmod vfio_test_driver") ? -EIO : 0;
}
