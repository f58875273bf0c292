// SPDX-License-Identifier: GPL-2.0
/*
 * Power management of a vfio-pci device, checked on QEMU's e1000e
 * (8086:10d3, which has a PM capability): idle D3hot while nobody has the
 * device open, and the VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
 * _LOW_POWER_ENTRY_WITH_WAKEUP and _LOW_POWER_EXIT features: the device
 * goes to D3hot while userspace holds it, mmap'ed BARs fault, accesses
 * wake it as the uAPI says, the wake-up eventfd fires once, exit and close
 * bring it back.
 *
 * The power state is watched from the host side: the power_state sysfs
 * attribute and PMCSR read through the sysfs config file (which does not
 * wake a device in D3hot).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define E1000E_STATUS	0x08	/* BAR0 device status register */
#define PMCSR_D0	0
#define PMCSR_D3HOT	3
#define IDLE_D3_PARAM	"/sys/module/vfio_pci/parameters/disable_idle_d3"

static int feature(int fd, uint32_t flags, const void *data, size_t len)
{
	struct {
		struct vfio_device_feature hdr;
		unsigned char data[16];
	} f = { .hdr.argsz = sizeof(f.hdr) + len, .hdr.flags = flags };

	if (data)
		memcpy(f.data, data, len);
	return ioctl(fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

static int entry_wakeup(int fd, int efd)
{
	struct vfio_device_low_power_entry_with_wakeup w = {
		.wakeup_eventfd = efd,
	};

	return feature(fd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		       &w, sizeof(w));
}

static int entry(int fd)
{
	return feature(fd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0);
}

static int leave(int fd)
{
	return feature(fd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0);
}

static void power_state(const char *bdf, char *buf, size_t len)
{
	if (vfio_sysfs_read(bdf, "power_state", buf, len) < 0)
		snprintf(buf, len, "?");
}

/* Wait up to @ms for power_state to read @want; true if it did. */
static bool wait_state(const char *bdf, const char *want, int ms)
{
	char buf[32];

	for (;;) {
		power_state(bdf, buf, sizeof(buf));
		if (!strcmp(buf, want))
			return true;
		if (ms <= 0)
			return false;
		usleep(10000);
		ms -= 10;
	}
}

/*
 * Wait up to @ms for runtime PM to have suspended the device: low-power
 * entry only lets it suspend, and stock suspends asynchronously, after
 * the ioctl returned. A test whose outcome depends on the suspend having
 * happened (the device is in D3hot already when the user put it there)
 * waits for it. True if it happened.
 */
static bool wait_suspended(const char *bdf, int ms)
{
	char buf[32];

	for (;;) {
		if (vfio_sysfs_read(bdf, "power/runtime_status", buf,
				    sizeof(buf)) > 0 &&
		    !strncmp(buf, "suspended", 9))
			return true;
		if (ms <= 0)
			return false;
		usleep(10000);
		ms -= 10;
	}
}

/* True if power_state stays @want for @ms. */
static bool stays(const char *bdf, const char *want, int ms)
{
	char buf[32];

	for (; ms >= 0; ms -= 10) {
		power_state(bdf, buf, sizeof(buf));
		if (strcmp(buf, want))
			return false;
		usleep(10000);
	}
	return true;
}

/* PMCSR power state bits read through sysfs config, or -1. */
static int pmcsr_state(const char *bdf, int pm_cap)
{
	char path[128];
	uint16_t pmcsr;
	int fd, n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, &pmcsr, 2, pm_cap + PCI_PM_CTRL);
	close(fd);
	return n == 2 ? pmcsr & PCI_PM_CTRL_STATE_MASK : -1;
}

static bool eventfd_fired(int efd, int ms)
{
	uint64_t v;

	for (; ms >= 0; ms -= 10) {
		if (read(efd, &v, sizeof(v)) == sizeof(v))
			return true;
		usleep(10000);
	}
	return false;
}

FIXTURE(pm) {
	struct vfio_dev dev;
	bool idle_d3;
	int pm_cap;
	int efd;
	volatile uint32_t *bar0;
};

FIXTURE_SETUP(pm)
{
	char param[8] = "N";
	int fd;

	self->efd = -1;
	self->bar0 = NULL;
	vfio_setup_open_bound(_metadata, &self->dev, E1000E_VENDOR,
			      E1000E_DEVICE);
	self->pm_cap = vfio_find_cap(&self->dev, PCI_CAP_ID_PM);
	ASSERT_NE(0, self->pm_cap);
	fd = open(IDLE_D3_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, param, 1) != 1)
			param[0] = 'N';
		close(fd);
	}
	self->idle_d3 = param[0] != 'Y' && param[0] != '1';
	self->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
	TH_LOG("e1000e at %s, PM cap at 0x%x, idle D3 %s, %s driver", self->dev.bdf,
	       self->pm_cap, self->idle_d3 ? "on" : "off", vfio_driver_name());
}

FIXTURE_TEARDOWN(pm)
{
	if (self->bar0)
		vfio_region_munmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				   (void *)self->bar0);
	if (self->efd >= 0)
		close(self->efd);
	vfio_close(&self->dev);
}

/* Map BAR0 of @dev into *@bar0 and enable memory decoding. */
static void map_bar0(struct __test_metadata *_metadata, struct vfio_dev *dev,
		     volatile uint32_t **bar0)
{
	uint16_t cmd;
	uint32_t val;

	ASSERT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &cmd));
	ASSERT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY));
	*bar0 = vfio_region_mmap(dev, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, *bar0);
	ASSERT_EQ(0, vfio_try_read32(*bar0 + E1000E_STATUS / 4, &val));
}

TEST_F(pm, feature_probe)
{
	const uint32_t probe = VFIO_DEVICE_FEATURE_PROBE;
	uint32_t f;

	for (f = VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY;
	     f <= VFIO_DEVICE_FEATURE_LOW_POWER_EXIT; f++) {
		EXPECT_EQ(0, feature(self->dev.fd, probe | VFIO_DEVICE_FEATURE_SET | f,
				     NULL, 0)) TH_LOG("feature %u", f);
		EXPECT_EQ(-EINVAL, feature(self->dev.fd,
					   probe | VFIO_DEVICE_FEATURE_GET | f,
					   NULL, 0)) TH_LOG("feature %u", f);
		EXPECT_EQ(-EINVAL, feature(self->dev.fd, VFIO_DEVICE_FEATURE_GET | f,
					   NULL, 8)) TH_LOG("feature %u", f);
	}
	/* Neither GET nor SET nor PROBE. */
	EXPECT_EQ(-EINVAL, feature(self->dev.fd, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
				   NULL, 0));
	/* Features nobody implements. */
	EXPECT_EQ(-ENOTTY, feature(self->dev.fd, probe | VFIO_DEVICE_FEATURE_SET | 0x7fff,
				   NULL, 0));
	EXPECT_EQ(-ENOTTY, feature(self->dev.fd, VFIO_DEVICE_FEATURE_SET | 0x7fff,
				   NULL, 0));
	/* Still in D0: nothing was entered. */
	EXPECT_TRUE(stays(self->dev.bdf, "D0", 100));
}

TEST_F(pm, idle_d3)
{
	char bdf[VFIO_BDF_LEN], state[32];

	if (!self->idle_d3)
		SKIP(return, "disable_idle_d3 is set");
	memcpy(bdf, self->dev.bdf, sizeof(bdf));
	EXPECT_TRUE(stays(bdf, "D0", 100));
	vfio_close(&self->dev);
	EXPECT_TRUE(wait_state(bdf, "D3hot", 2000));
	EXPECT_EQ(PMCSR_D3HOT, pmcsr_state(bdf, self->pm_cap));
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
	power_state(bdf, state, sizeof(state));
	EXPECT_STREQ("D0", state);
	EXPECT_EQ(PMCSR_D0, pmcsr_state(bdf, self->pm_cap));
}

TEST_F(pm, entry_exit)
{
	const char *bdf = self->dev.bdf;
	uint32_t val;
	int round;

	map_bar0(_metadata, &self->dev, &self->bar0);
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, entry(self->dev.fd));
		EXPECT_TRUE(wait_state(bdf, "D3hot", 2000));
		EXPECT_EQ(PMCSR_D3HOT, pmcsr_state(bdf, self->pm_cap));
		/* mmap'ed BARs are off until LOW_POWER_EXIT. */
		EXPECT_EQ(-EFAULT, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
		/* Entering twice is an error. */
		EXPECT_EQ(-EINVAL, entry(self->dev.fd));
		ASSERT_EQ(0, leave(self->dev.fd));
		EXPECT_TRUE(stays(bdf, "D0", 200));
		EXPECT_EQ(PMCSR_D0, pmcsr_state(bdf, self->pm_cap));
		EXPECT_EQ(0, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
		/* Exit while not in low power is harmless. */
		EXPECT_EQ(0, leave(self->dev.fd));
	}
}

/*
 * The user put the device in D3hot through config space, then asks for
 * low power: afterwards (and after LOW_POWER_EXIT) it is in D0, in
 * hardware and as the user reads it, and its BAR works.
 */
TEST_F(pm, entry_from_user_d3hot)
{
	uint16_t pmcsr;
	uint32_t val;

	map_bar0(_metadata, &self->dev, &self->bar0);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, self->pm_cap + PCI_PM_CTRL, &pmcsr));
	ASSERT_EQ(0, vfio_cfg_write16(&self->dev, self->pm_cap + PCI_PM_CTRL,
				      (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | PMCSR_D3HOT));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, self->pm_cap + PCI_PM_CTRL, &pmcsr));
	ASSERT_EQ(PMCSR_D3HOT, pmcsr & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, entry(self->dev.fd));
	EXPECT_TRUE(wait_suspended(self->dev.bdf, 2000));
	ASSERT_EQ(0, leave(self->dev.fd));
	EXPECT_TRUE(stays(self->dev.bdf, "D0", 200));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, self->pm_cap + PCI_PM_CTRL, &pmcsr));
	EXPECT_EQ(PMCSR_D0, pmcsr & PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(0, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
	EXPECT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      E1000E_STATUS, &val, 4));
}

/*
 * In low power the host's runtime PM owns the power state and wakes the
 * device to D0 for every access: a D3hot the user writes through config
 * space meanwhile does not stick. The next accesses find D0, and the BAR
 * answers. (Stock applies the write and has runtime PM undo it when the
 * device suspends again, asynchronously: the test waits for that.)
 */
TEST_F(pm, user_d3hot_in_low_power)
{
	uint16_t pmcsr;
	uint32_t val;

	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, self->pm_cap + PCI_PM_CTRL, &pmcsr));
	ASSERT_EQ(0, entry(self->dev.fd));
	EXPECT_TRUE(wait_suspended(self->dev.bdf, 2000));
	EXPECT_EQ(0, vfio_cfg_write16(&self->dev, self->pm_cap + PCI_PM_CTRL,
				      (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | PMCSR_D3HOT));
	EXPECT_TRUE(wait_suspended(self->dev.bdf, 2000));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, self->pm_cap + PCI_PM_CTRL, &pmcsr));
	EXPECT_EQ(PMCSR_D0, pmcsr & PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      E1000E_STATUS, &val, 4));
	ASSERT_EQ(0, leave(self->dev.fd));
	EXPECT_TRUE(stays(self->dev.bdf, "D0", 200));
	EXPECT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      E1000E_STATUS, &val, 4));
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * LOW_POWER_ENTRY right after LOW_POWER_EXIT gets the device to D3hot
 * promptly: ours must not wait for the idle delay it gives closed devices
 * (the runtime-PM autosuspend delay since the last wake-up, which the exit
 * just was). To tell the two apart without betting on the machine's speed,
 * ours gets a 10 s autosuspend delay for the test: an entry that waited for
 * it would take 10 s, a prompt one takes milliseconds even under a slow
 * emulator. Stock has no autosuspend; its times are only logged. Only the
 * entry is timed: the exit may also wake the parent port, which is slow and
 * not the driver's doing.
 */
TEST_F(pm, entry_is_prompt)
{
	const char *bdf = self->dev.bdf;
	char delay[32] = "";
	struct timespec t0;
	long ms;
	int round;

	if (!vfio_driver_is_stock()) {
		ASSERT_LT(0, vfio_sysfs_read(bdf, "power/autosuspend_delay_ms",
					     delay, sizeof(delay)));
		delay[strcspn(delay, "\n")] = '\0';
		ASSERT_EQ(0, vfio_sysfs_write(bdf, "power/autosuspend_delay_ms",
					      "10000"));
	}
	ASSERT_EQ(0, entry(self->dev.fd));
	EXPECT_TRUE(wait_state(bdf, "D3hot", 5000));
	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, leave(self->dev.fd));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, entry(self->dev.fd));
		EXPECT_TRUE(wait_state(bdf, "D3hot", 5000));
		ms = ms_since(&t0);
		TH_LOG("entry to D3hot: %ld ms", ms);
		/* The bound is the delay set above, not a speed target. */
		if (delay[0])
			EXPECT_GT(10000, ms);
	}
	ASSERT_EQ(0, leave(self->dev.fd));
	if (delay[0])
		EXPECT_EQ(0, vfio_sysfs_write(bdf, "power/autosuspend_delay_ms",
					      delay));
	EXPECT_TRUE(stays(bdf, "D0", 200));
}

/* Without an eventfd the device goes back to sleep after an access. */
TEST_F(pm, access_wakes)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	const char *bdf = self->dev.bdf;
	uint32_t status, val;
	uint16_t vendor = 0;
	int ret;

	map_bar0(_metadata, &self->dev, &self->bar0);
	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      E1000E_STATUS, &status, 4));
	ASSERT_EQ(0, entry(self->dev.fd));
	ASSERT_TRUE(wait_state(bdf, "D3hot", 2000));

	/* An ioctl: VFIO wakes the device for it. */
	EXPECT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(wait_state(bdf, "D3hot", 2000));

	/* Config space through the device fd. */
	EXPECT_EQ(0, vfio_cfg_read16(&self->dev, PCI_VENDOR_ID, &vendor));
	EXPECT_EQ(E1000E_VENDOR, vendor);
	EXPECT_TRUE(wait_state(bdf, "D3hot", 2000));

	/* A BAR through read(). */
	ret = vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
			       E1000E_STATUS, &val, 4);
	TH_LOG("BAR0 read in low power: %s, 0x%08x (0x%08x in D0)",
	       ret ? strerror(-ret) : "ok", ret ? 0 : val, status);
	/* The uAPI: the host wakes the device for the access. */
	EXPECT_EQ(0, ret);
	EXPECT_EQ(status, val);
	EXPECT_TRUE(wait_state(bdf, "D3hot", 2000));

	/* Still no access through mmap. */
	EXPECT_EQ(-EFAULT, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
	ASSERT_EQ(0, leave(self->dev.fd));
	EXPECT_EQ(0, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
	EXPECT_EQ(status, val);
}

/* With an eventfd: the first wake-up ends low power and is signalled. */
TEST_F(pm, wakeup_eventfd)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	const char *bdf = self->dev.bdf;
	uint32_t val;

	map_bar0(_metadata, &self->dev, &self->bar0);
	ASSERT_EQ(0, entry_wakeup(self->dev.fd, self->efd));
	ASSERT_TRUE(wait_state(bdf, "D3hot", 2000));
	EXPECT_FALSE(eventfd_fired(self->efd, 100));
	EXPECT_EQ(-EFAULT, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));

	/* Any access wakes it: here an ioctl. */
	EXPECT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(eventfd_fired(self->efd, 1000));
	/* ... for good, without LOW_POWER_EXIT. */
	EXPECT_TRUE(stays(bdf, "D0", 300));
	EXPECT_EQ(0, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
	EXPECT_FALSE(eventfd_fired(self->efd, 50));
	/* Exit after the wake-up is optional and harmless. */
	EXPECT_EQ(0, leave(self->dev.fd));
	EXPECT_FALSE(eventfd_fired(self->efd, 50));

	/* Again, woken from the host side this time. */
	ASSERT_EQ(0, entry_wakeup(self->dev.fd, self->efd));
	ASSERT_TRUE(wait_state(bdf, "D3hot", 2000));
	ASSERT_EQ(0, vfio_sysfs_write(bdf, "power/control", "on"));
	EXPECT_TRUE(eventfd_fired(self->efd, 1000));
	ASSERT_EQ(0, vfio_sysfs_write(bdf, "power/control", "auto"));
	EXPECT_TRUE(stays(bdf, "D0", 300));
	EXPECT_EQ(0, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
}

/* LOW_POWER_EXIT after entry with an eventfd, before any wake-up. */
TEST_F(pm, wakeup_exit)
{
	const char *bdf = self->dev.bdf;
	bool fired;

	ASSERT_EQ(0, entry_wakeup(self->dev.fd, self->efd));
	ASSERT_TRUE(wait_state(bdf, "D3hot", 2000));
	ASSERT_EQ(0, leave(self->dev.fd));
	/* The uAPI allows, but does not require, a notification here. */
	fired = eventfd_fired(self->efd, 200);
	TH_LOG("exit from low power %s the eventfd", fired ? "signalled" : "did not signal");
	EXPECT_TRUE(stays(bdf, "D0", 200));

	/* Entry and exit before the device even got to D3hot: no signal. */
	ASSERT_EQ(0, entry_wakeup(self->dev.fd, self->efd));
	ASSERT_EQ(0, leave(self->dev.fd));
	EXPECT_TRUE(stays(bdf, "D0", 200));
}

TEST_F(pm, bad_eventfd)
{
	struct vfio_device_low_power_entry_with_wakeup w = { .wakeup_eventfd = -1 };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, entry_wakeup(self->dev.fd, -1));
	EXPECT_EQ(-EINVAL, entry_wakeup(self->dev.fd, null));
	/* An fd number nothing is open at. */
	EXPECT_EQ(-EBADF, entry_wakeup(self->dev.fd, 1000));
	/* Too short for the eventfd. */
	EXPECT_EQ(-EINVAL, feature(self->dev.fd, VFIO_DEVICE_FEATURE_SET |
				   VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
				   &w, 2));
	close(null);
	/* None of it entered low power. */
	EXPECT_TRUE(stays(self->dev.bdf, "D0", 200));
}

/* Closing the device in low power: it ends up idle and opens again. */
TEST_F(pm, close_in_low_power)
{
	char bdf[VFIO_BDF_LEN];
	uint16_t vendor = 0;
	uint32_t val;

	memcpy(bdf, self->dev.bdf, sizeof(bdf));
	ASSERT_EQ(0, entry_wakeup(self->dev.fd, self->efd));
	ASSERT_TRUE(wait_state(bdf, "D3hot", 2000));
	vfio_close(&self->dev);
	if (self->idle_d3)
		EXPECT_TRUE(wait_state(bdf, "D3hot", 2000));
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
	EXPECT_TRUE(stays(bdf, "D0", 200));
	EXPECT_EQ(0, vfio_cfg_read16(&self->dev, PCI_VENDOR_ID, &vendor));
	EXPECT_EQ(E1000E_VENDOR, vendor);
	map_bar0(_metadata, &self->dev, &self->bar0);
	EXPECT_EQ(0, vfio_try_read32(self->bar0 + E1000E_STATUS / 4, &val));
}

TEST_HARNESS_MAIN
