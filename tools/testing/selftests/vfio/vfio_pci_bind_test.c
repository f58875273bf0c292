// SPDX-License-Identifier: GPL-2.0
/*
 * Binding rules of the vfio-pci driver: it never binds a device on its own
 * (its ID table only matches through driver_override), it does bind
 * through driver_override and through new_id, it gives a device back on
 * unbind and on hot removal (waiting for the user to close it), and it
 * refuses bridges. ids= binds the devices it names at load time.
 *
 * Uses edu (1234:11e8) behind its root port, bound to vfio-pci: run it
 * with vm-run (ours and --stock). Leaves edu bound to vfio-pci.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define VFIO_PCI_DRV	"/sys/bus/pci/drivers/vfio-pci"

static int write_str(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void driver_of(const char *bdf, char *buf, size_t len)
{
	if (vfio_device_driver(bdf, buf, len))
		snprintf(buf, len, "?");
}

/* Wait up to 5 s for edu to (re)appear; its address into @bdf. */
static int wait_edu(char bdf[VFIO_BDF_LEN])
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, bdf))
			return 0;
		usleep(10000);
	}
	return -ENODEV;
}

/* (Re)load vfio-pci with module parameters @params. */
static int load_vfio_pci(const char *params)
{
	char cmd[256];

	if (vfio_driver_is_stock())
		snprintf(cmd, sizeof(cmd), "modprobe vfio-pci %s", params);
	else
		snprintf(cmd, sizeof(cmd), "insmod /run/vm-run/ours/vfio-pci.ko %s",
			 params);
	return system(cmd) ? -EIO : 0;
}

FIXTURE(edu) {
	char bdf[VFIO_BDF_LEN];
};

FIXTURE_SETUP(edu)
{
	char driver[64];

	if (vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, self->bdf))
		SETUP_SKIP("no edu device");
	driver_of(self->bdf, driver, sizeof(driver));
	if (strcmp(driver, "vfio-pci"))
		SETUP_SKIP("edu %s is bound to '%s', not vfio-pci", self->bdf, driver);
	TH_LOG("edu at %s, %s driver", self->bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(edu)
{
	char bdf[VFIO_BDF_LEN];

	if (access(VFIO_PCI_DRV, F_OK))
		load_vfio_pci("");

	/* Whatever happened, leave edu bound to vfio-pci for the next test. */
	write_str(VFIO_PCI_DRV "/remove_id", "1234 11e8");
	if (!wait_edu(bdf))
		vfio_bind(bdf, "vfio-pci");
}

TEST_F(edu, new_device_not_bound)
{
	char path[PATH_MAX], driver[64], modalias[256];

	/* Hot removal while bound: the driver lets go of it. */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/remove", self->bdf);
	ASSERT_EQ(0, write_str(path, "1"));
	ASSERT_EQ(-ENODEV, vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, self->bdf));

	/* Rediscovered, it matches vfio-pci's ID table but is not bound. */
	ASSERT_EQ(0, write_str("/sys/bus/pci/rescan", "1"));
	ASSERT_EQ(0, wait_edu(self->bdf));
	ASSERT_LT(0, vfio_sysfs_read(self->bdf, "modalias", modalias, sizeof(modalias)));
	TH_LOG("rescanned %s, modalias %s", self->bdf, modalias);
	usleep(200000);
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("", driver);

	/* Probing it explicitly does not bind it either... */
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers_probe", self->bdf));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("", driver);
	/* ...nor does an explicit bind without driver_override. */
	EXPECT_NE(0, write_str(VFIO_PCI_DRV "/bind", self->bdf));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("", driver);

	/* driver_override does. */
	ASSERT_EQ(0, vfio_bind(self->bdf, "vfio-pci"));

	/* Unbind gives it back. */
	ASSERT_EQ(0, vfio_unbind(self->bdf));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("", driver);
	/* And the override alone binds it again. */
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers_probe", self->bdf));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("vfio-pci", driver);
}

TEST_F(edu, new_id_binds)
{
	char driver[64];

	ASSERT_EQ(0, vfio_bind(self->bdf, NULL));
	driver_of(self->bdf, driver, sizeof(driver));
	ASSERT_STREQ("", driver);

	/* A dynamic ID matches on its own: the device is bound right away. */
	ASSERT_EQ(0, write_str(VFIO_PCI_DRV "/new_id", "1234 11e8"));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("vfio-pci", driver);
	ASSERT_EQ(0, write_str(VFIO_PCI_DRV "/remove_id", "1234 11e8"));

	/* Still bound, and usable. */
	struct vfio_dev dev;
	uint32_t id = 0;

	ASSERT_EQ(0, vfio_open(&dev, self->bdf));
	ASSERT_EQ(0, vfio_region_read(&dev, 0, EDU_REG_ID, &id, 4));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, id);
	vfio_close(&dev);
}

TEST_F(edu, remove_while_open)
{
	char path[PATH_MAX];
	struct vfio_dev dev;
	int status;
	pid_t pid;

	ASSERT_EQ(0, vfio_open(&dev, self->bdf));
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/remove", self->bdf);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Our copies of the fds would keep the device open. */
		close(dev.fd);
		close(dev.group);
		close(dev.container);
		_exit(write_str(path, "1") ? 1 : 0);
	}

	/* Removal waits for the user to let go of the device. */
	usleep(500000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	uint32_t id = 0;

	EXPECT_EQ(0, vfio_region_read(&dev, 0, EDU_REG_ID, &id, 4));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, id);

	vfio_close(&dev);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(-ENODEV, vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, self->bdf));

	ASSERT_EQ(0, write_str("/sys/bus/pci/rescan", "1"));
	ASSERT_EQ(0, wait_edu(self->bdf));
}

TEST_F(edu, ids_param)
{
	char driver[64];

	/* Without an override, only the ID given at load time binds edu. */
	ASSERT_EQ(0, vfio_bind(self->bdf, NULL));
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, load_vfio_pci("ids=8086:ffff,1234:11e8:ffffffff:ffffffff"));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("vfio-pci", driver);

	/* A malformed entry is skipped, the others still apply. */
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, load_vfio_pci("ids=nonsense,1234:11e8"));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("vfio-pci", driver);

	/* Without ids=, edu stays unbound. */
	ASSERT_EQ(0, system("rmmod vfio_pci"));
	ASSERT_EQ(0, load_vfio_pci(""));
	driver_of(self->bdf, driver, sizeof(driver));
	EXPECT_STREQ("", driver);
}

/* Lines of /dev/kmsg that appeared since @fd was opened, into @buf. */
static void read_kmsg(int fd, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;

	buf[0] = 0;
	while (used + 1024 < len) {
		n = read(fd, buf + used, len - used - 1);
		if (n <= 0)
			break;
		used += n;
		buf[used] = 0;
	}
}

TEST_F(edu, bridge_refused)
{
	char link[PATH_MAX], path[PATH_MAX], bridge[64], driver[64], log[16384];
	ssize_t n;
	int kmsg;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", self->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	snprintf(bridge, sizeof(bridge), "%s", basename(dirname(link)));
	driver_of(bridge, driver, sizeof(driver));
	TH_LOG("edu's bridge %s, bound to '%s'", bridge, driver);

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);

	EXPECT_EQ(-ENXIO, vfio_bind(bridge, "vfio-pci"));
	char now[64];

	driver_of(bridge, now, sizeof(now));
	EXPECT_STRNE("vfio-pci", now);

	read_kmsg(kmsg, log, sizeof(log));
	close(kmsg);
	if (!vfio_driver_is_stock())
		EXPECT_NE(NULL, strstr(log, "refusing to bind")) TH_LOG("log: %s", log);

	/* Back to its own driver. */
	ASSERT_EQ(0, vfio_sysfs_write(bridge, "driver_override", "\n"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers_probe", bridge));
	driver_of(bridge, now, sizeof(now));
	EXPECT_STREQ(driver, now);
}

TEST_HARNESS_MAIN
