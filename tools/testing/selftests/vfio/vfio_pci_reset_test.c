// SPDX-License-Identifier: GPL-2.0
/*
 * Resets of vfio-pci devices: VFIO_DEVICE_RESET, the hot reset info and
 * the hot reset itself with its proof of ownership (group fds), and what
 * closing a device leaves behind: no bus mastering, D3hot when the device
 * can and idle D3 is not disabled, and a device the next user can use.
 *
 * Needs the vm-run zoo bound to vfio-pci: run it with vm-run (ours and
 * --stock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

#define EDU_ID	((uint32_t)EDU_ID_VALUE)

#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define NVME_REG_CC	0x14
#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define TESTDEV_VENDOR	0x1b36
#define TESTDEV_DEVICE	0x0005

/* Open the first @vendor:@device bound to vfio-pci: 0 when it is open. */
static int open_bound(struct vfio_dev *dev, uint16_t vendor, uint16_t device)
{
	char why[128];

	return vfio_open_bound(dev, vendor, device, why, sizeof(why));
}

static uint16_t sysfs_command(const char *bdf)
{
	uint16_t cmd;

	if (vfio_sysfs_config_read(bdf, PCI_COMMAND, &cmd, sizeof(cmd)))
		return 0xffff;
	return cmd;
}

/* Wait up to @ms for power_state to read @state. */
static bool wait_power_state(const char *bdf, const char *state, int ms)
{
	char buf[32] = "";

	for (;;) {
		if (vfio_sysfs_read(bdf, "power_state", buf, sizeof(buf)) > 0 &&
		    !strcmp(buf, state))
			return true;
		if (ms <= 0)
			return false;
		usleep(10000);
		ms -= 10;
	}
}

/* For tests that open devices of their own. */
FIXTURE(any) {
	int unused;
};

FIXTURE_SETUP(any)
{
	(void)self;
}

FIXTURE_TEARDOWN(any)
{
	(void)self;
}

TEST_F(any, device_reset)
{
	struct vfio_dev dev;
	uint32_t cc;

	if (open_bound(&dev, NVME_VENDOR, NVME_DEVICE))
		SKIP(return, "no nvme bound to vfio-pci");
	ASSERT_TRUE(!!(dev.info.flags & VFIO_DEVICE_FLAGS_RESET));

	/* CC with EN=0 just stores the value; a function reset clears it. */
	cc = (6 << 16) | (4 << 20);
	ASSERT_EQ(0, vfio_region_write(&dev, 0, NVME_REG_CC, &cc, 4));
	cc = 0;
	ASSERT_EQ(0, vfio_region_read(&dev, 0, NVME_REG_CC, &cc, 4));
	EXPECT_EQ((uint32_t)((6 << 16) | (4 << 20)), cc);

	ASSERT_EQ(0, ioctl(dev.fd, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, vfio_region_read(&dev, 0, NVME_REG_CC, &cc, 4));
	EXPECT_EQ(0u, cc);
	vfio_close(&dev);
}

TEST_F(any, device_reset_unsupported)
{
	char reset_method[64];
	struct vfio_dev dev;

	if (open_bound(&dev, TESTDEV_VENDOR, TESTDEV_DEVICE))
		SKIP(return, "no pci-testdev bound to vfio-pci");
	if (vfio_sysfs_read(dev.bdf, "reset_method", reset_method,
			    sizeof(reset_method)) > 0) {
		vfio_close(&dev);
		SKIP(return, "pci-testdev can be reset (%s)", reset_method);
	}
	EXPECT_FALSE(!!(dev.info.flags & VFIO_DEVICE_FLAGS_RESET));
	EXPECT_EQ(-1, ioctl(dev.fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);

	/* Alone on the root bus: no slot or bus reset either. */
	struct vfio_pci_hot_reset_info info = { .argsz = sizeof(info) };

	EXPECT_EQ(-1, ioctl(dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	vfio_close(&dev);
}

TEST_F(any, close_resets)
{
	struct vfio_dev dev;
	uint32_t cc;
	int round;

	/*
	 * What one user leaves in the device is gone for the next one, each
	 * time: ours resets on close only and skips the reset at an open
	 * that follows its own close.
	 */
	for (round = 0; round < 3; round++) {
		if (open_bound(&dev, NVME_VENDOR, NVME_DEVICE))
			SKIP(return, "no nvme bound to vfio-pci");
		ASSERT_EQ(0, vfio_region_read(&dev, 0, NVME_REG_CC, &cc, 4));
		EXPECT_EQ(0u, cc) TH_LOG("round %d", round);
		cc = (6 << 16) | (4 << 20) | (round << 11);
		ASSERT_EQ(0, vfio_region_write(&dev, 0, NVME_REG_CC, &cc, 4));
		vfio_close(&dev);
	}
}

FIXTURE(edu) {
	struct vfio_dev dev;
	unsigned int dom, bus, slot, fn;
};

FIXTURE_SETUP(edu)
{
	int fields;

	if (open_bound(&self->dev, EDU_VENDOR, EDU_DEVICE))
		SETUP_SKIP("no edu bound to vfio-pci");
	fields = sscanf(self->dev.bdf, "%x:%x:%x.%x", &self->dom, &self->bus,
			&self->slot, &self->fn);
	ASSERT_EQ(4, fields);
	TH_LOG("edu at %s, group %d, %s driver", self->dev.bdf,
	       self->dev.group_id, vfio_driver_name());
}

FIXTURE_TEARDOWN(edu)
{
	vfio_close(&self->dev);
}

TEST_F(edu, hot_reset_info)
{
	struct {
		struct vfio_pci_hot_reset_info hdr;
		struct vfio_pci_dependent_device devs[8];
	} buf;

	/* edu sits alone behind its root port. */
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &buf));
	ASSERT_EQ(1u, buf.hdr.count);
	EXPECT_EQ(0u, buf.hdr.flags);
	EXPECT_EQ((uint32_t)self->dev.group_id, buf.devs[0].group_id);
	EXPECT_EQ(self->dom, buf.devs[0].segment);
	EXPECT_EQ(self->bus, buf.devs[0].bus);
	EXPECT_EQ((self->slot << 3) | self->fn, buf.devs[0].devfn);

	/* No room for the devices: ENOSPC and the count needed. */
	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = sizeof(buf.hdr);
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &buf));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(1u, buf.hdr.count);
	EXPECT_EQ(0u, buf.devs[0].group_id);

	/* Not even room for the header. */
	buf.hdr.argsz = offsetof(struct vfio_pci_hot_reset_info, count);
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &buf));
	EXPECT_EQ(EINVAL, errno);
}

static int hot_reset(int fd, uint32_t flags, uint32_t argsz, uint32_t count,
		     const int32_t *fds)
{
	struct {
		struct vfio_pci_hot_reset hdr;
		int32_t fds[4];
	} buf;

	memset(&buf, 0, sizeof(buf));
	buf.hdr.argsz = argsz;
	buf.hdr.flags = flags;
	buf.hdr.count = count;
	if (count)
		memcpy(buf.fds, fds, (count > 4 ? 4 : count) * sizeof(*fds));
	return ioctl(fd, VFIO_DEVICE_PCI_HOT_RESET, &buf) ? -errno : 0;
}

TEST_F(edu, hot_reset)
{
	uint32_t sz1 = sizeof(struct vfio_pci_hot_reset) + sizeof(int32_t);
	uint32_t id, live = 0x1234;
	volatile uint32_t *regs;
	int32_t fds[2];

	regs = vfio_region_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, regs);
	EXPECT_EQ(EDU_ID, regs[0]);

	/* The group that proves ownership of edu. */
	fds[0] = self->dev.group;
	ASSERT_EQ(0, hot_reset(self->dev.fd, 0, sz1, 1, fds));

	/* The device works afterwards, through read and through the mapping. */
	ASSERT_EQ(0, vfio_region_read(&self->dev, 0, EDU_REG_ID, &id, 4));
	EXPECT_EQ(EDU_ID, id);
	EXPECT_EQ(EDU_ID, regs[0]);
	ASSERT_EQ(0, vfio_region_write(&self->dev, 0, EDU_REG_LIVENESS, &live, 4));
	ASSERT_EQ(0, vfio_region_read(&self->dev, 0, EDU_REG_LIVENESS, &live, 4));
	EXPECT_EQ(~0x1234u, live);

	/* More groups than affected devices: refused. */
	fds[1] = self->dev.group;
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, sz1 + 4, 2, fds));
	vfio_region_munmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX, (void *)regs);
}

TEST_F(edu, hot_reset_bad)
{
	uint32_t sz1 = sizeof(struct vfio_pci_hot_reset) + sizeof(int32_t);
	struct vfio_dev other;
	int32_t fds[2];
	int devnull;

	fds[0] = self->dev.group;
	/* No flags are defined. */
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 1, sz1, 1, fds));
	/* argsz short of the header (count alone says how many fds follow). */
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, 8, 1, fds));
	/* No group at all. */
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, sizeof(struct vfio_pci_hot_reset),
				     0, fds));

	/* Fds that are not VFIO groups. */
	fds[0] = self->dev.fd;
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, sz1, 1, fds));
	fds[0] = self->dev.container;
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, sz1, 1, fds));
	devnull = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, devnull);
	fds[0] = devnull;
	EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, sz1, 1, fds));
	close(devnull);
	fds[0] = -1;
	EXPECT_EQ(-EBADF, hot_reset(self->dev.fd, 0, sz1, 1, fds));

	/* The group of another device proves nothing about edu. */
	if (!open_bound(&other, NVME_VENDOR, NVME_DEVICE)) {
		fds[0] = other.group;
		EXPECT_EQ(-EINVAL, hot_reset(self->dev.fd, 0, sz1, 1, fds));
		vfio_close(&other);
	}
}

TEST_F(edu, close_stops_bus_master)
{
	uint16_t cmd;

	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd));
	ASSERT_EQ(0, vfio_cfg_write16(&self->dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY));
	EXPECT_TRUE(!!(sysfs_command(self->dev.bdf) & PCI_COMMAND_MASTER));
	vfio_close(&self->dev);
	EXPECT_FALSE(!!(sysfs_command(self->dev.bdf) & PCI_COMMAND_MASTER));

	/* The next user gets a working device. */
	ASSERT_EQ(0, open_bound(&self->dev, EDU_VENDOR, EDU_DEVICE));
	uint32_t id = 0;

	ASSERT_EQ(0, vfio_region_read(&self->dev, 0, EDU_REG_ID, &id, 4));
	EXPECT_EQ(EDU_ID, id);
}

/*
 * Nobody handles INTx of a device that is closed, or open without INTx set
 * up: ours keeps INTx disabled in hardware then (the user's view of the bit
 * is virtual and stays clear). Stock leaves it enabled in both cases.
 */
TEST_F(edu, intx_disabled_while_unhandled)
{
	uint16_t want = vfio_driver_is_stock() ? 0 : PCI_COMMAND_INTX_DISABLE;
	uint16_t cmd;
	int round;

	for (round = 0; round < 2; round++) {
		EXPECT_EQ(want, sysfs_command(self->dev.bdf) &
			  PCI_COMMAND_INTX_DISABLE) TH_LOG("open, round %d", round);
		ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd));
		EXPECT_EQ(0, cmd & PCI_COMMAND_INTX_DISABLE);
		vfio_close(&self->dev);
		EXPECT_EQ(want, sysfs_command(self->dev.bdf) &
			  PCI_COMMAND_INTX_DISABLE) TH_LOG("closed, round %d", round);
		ASSERT_EQ(0, open_bound(&self->dev, EDU_VENDOR, EDU_DEVICE));
	}
}

TEST_F(edu, open_close_time)
{
	struct timespec t0, t1;
	int i, n = 5;

	vfio_close(&self->dev);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, open_bound(&self->dev, EDU_VENDOR, EDU_DEVICE));
		vfio_close(&self->dev);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("open+close (with container and group): %.1f ms per cycle",
	       ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / n);
	ASSERT_EQ(0, open_bound(&self->dev, EDU_VENDOR, EDU_DEVICE));
}

TEST_F(any, idle_d3)
{
	struct vfio_dev dev;
	char bdf[VFIO_BDF_LEN], param[8] = "N";
	FILE *f;

	if (open_bound(&dev, E1000E_VENDOR, E1000E_DEVICE))
		SKIP(return, "no e1000e bound to vfio-pci");
	strcpy(bdf, dev.bdf);
	f = fopen("/sys/module/vfio_pci/parameters/disable_idle_d3", "r");
	if (f) {
		if (!fgets(param, sizeof(param), f))
			param[0] = 'N';
		fclose(f);
	}
	/* Open: D0. */
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));
	vfio_close(&dev);
	if (param[0] == 'Y') {
		EXPECT_TRUE(wait_power_state(bdf, "D0", 500));
		return;
	}
	/* Closed: D3hot once runtime PM got to it. */
	EXPECT_TRUE(wait_power_state(bdf, "D3hot", 3000));
	ASSERT_EQ(0, open_bound(&dev, E1000E_VENDOR, E1000E_DEVICE));
	EXPECT_TRUE(wait_power_state(bdf, "D0", 0));
	vfio_close(&dev);
}

TEST_HARNESS_MAIN
