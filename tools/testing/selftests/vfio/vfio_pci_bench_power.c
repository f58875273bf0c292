// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_bench rows for runtime power management (the tracker's issue
 * 6): VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY and _EXIT on e1000e.
 *
 * lowpower_cycle is entry then exit: whether the device reaches D3hot in
 * between is up to the driver (one that suspends asynchronously may find
 * the exit cancelling the pending suspend, and then costs ~1000x less).
 * lowpower_d3_cycle waits for D3 before the exit: the full cycle.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "vfio_pci_bench.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3

static int setup_e1000e(struct bench *b)
{
	return open_other(b, E1000E_VENDOR, E1000E_DEVICE);
}

static int low_power(struct bench *b, uint32_t feature)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET | feature,
	};

	return ioctl(b->other.fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

static int op_lowpower_cycle(struct bench *b)
{
	int ret = low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);

	return ret ? ret : low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
}

/* Entry, then sysfs polls (every 100 us) until the device is in D3. */
static int op_lowpower_d3_cycle(struct bench *b)
{
	double deadline = now_ns() + 2e9;
	char state[16];
	int exit_ret, ret = low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);

	while (!ret) {
		ret = vfio_sysfs_read(b->other.bdf, "power_state", state,
				      sizeof(state));
		if (ret < 0)
			break;
		ret = 0;
		if (!strncmp(state, "D3", 2))
			break;
		if (now_ns() > deadline)
			ret = -ETIMEDOUT;
		else
			usleep(100);
	}
	exit_ret = low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
	return ret ? ret : exit_ret;
}

static const struct bench_row rows[] = {
	{ "lowpower_cycle", 3, setup_e1000e, op_lowpower_cycle, close_other },
	{ "lowpower_d3_cycle", 3, setup_e1000e, op_lowpower_d3_cycle,
	  close_other },
};

const struct bench_rows bench_power_rows = { rows, ARRAY_SIZE(rows) };
