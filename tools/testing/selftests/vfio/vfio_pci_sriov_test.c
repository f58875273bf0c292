// SPDX-License-Identifier: GPL-2.0
/*
 * SR-IOV through vfio-pci, checked on QEMU's nvme (1b36:0010, created by
 * vm-run with sriov_max_vfs=4): VFs are created and removed through
 * sriov_numvfs only with vfio-pci's enable_sriov set, new VFs are reserved
 * for vfio-pci (driver_override) even with the native nvme driver loaded,
 * they work through VFIO, and the VF token rules hold in every open order:
 * the vf_token=<uuid> option of VFIO_GROUP_GET_DEVICE_FD and
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN.
 *
 * Both drivers behave alike here: the VF token can change while VFs are
 * open (token_pf_first), and removing open VFs asks their users to let go
 * and waits for them (disable_while_open).
 *
 * A PF reset takes its VFs away (QEMU's nvme in a way the PCI core's
 * restore does not undo); ours brings them back, stock does not
 * (pf_close_keeps_vfs). The other tests never open the PF for the first
 * time, nor close it for the last time, while its VFs exist, so that they
 * test the same thing on both drivers.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_irq_util.h"
#include "lib/vfio_util.h"

#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define ENABLE_SRIOV	"/sys/module/vfio_pci/parameters/enable_sriov"

#define TOKEN_A	"7f0c3a52-3b5e-4a51-9d4e-0a9c1f1e2d01"
#define TOKEN_B	"d3b07384-d9a0-4c9b-8a4f-1c2e3d4f5a6b"

/* A container and one group in it: enough to ask for device fds by name. */
struct grp {
	int container;
	int group;
};

static int grp_open(const char *bdf, struct grp *g)
{
	char path[64];
	int id = vfio_iommu_group(bdf);

	g->container = -1;
	g->group = -1;
	if (id < 0)
		return id;
	g->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	g->group = open(path, O_RDWR | O_CLOEXEC);
	if (g->container < 0 || g->group < 0 ||
	    ioctl(g->group, VFIO_GROUP_SET_CONTAINER, &g->container) ||
	    ioctl(g->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	return 0;
}

static void grp_close(struct grp *g)
{
	if (g->group >= 0)
		close(g->group);
	if (g->container >= 0)
		close(g->container);
	g->group = -1;
	g->container = -1;
}

/* VFIO_GROUP_GET_DEVICE_FD for "@bdf[ @opts]": the fd or -errno. */
static int get_fd(struct grp *g, const char *bdf, const char *opts)
{
	char name[256];
	int fd;

	snprintf(name, sizeof(name), "%s%s%s", bdf, opts ? " " : "",
		 opts ? opts : "");
	fd = ioctl(g->group, VFIO_GROUP_GET_DEVICE_FD, name);
	return fd < 0 ? -errno : fd;
}

static int token_fd(struct grp *g, const char *bdf, const char *uuid)
{
	char opt[64];

	snprintf(opt, sizeof(opt), "vf_token=%s", uuid);
	return get_fd(g, bdf, opt);
}

/* VFIO_DEVICE_FEATURE_PCI_VF_TOKEN with @flags; @uuid is 16 bytes. */
static int set_token(int fd, uint32_t flags, const char *uuid, size_t len)
{
	struct {
		struct vfio_device_feature hdr;
		unsigned char uuid[16];
	} f = { .hdr.flags = flags | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN };
	unsigned int i, b;

	f.hdr.argsz = sizeof(f.hdr) + len;
	/* Parse "xxxxxxxx-xxxx-..." into bytes, in string order. */
	for (i = 0; uuid && i < 16; i++) {
		while (*uuid == '-')
			uuid++;
		if (sscanf(uuid, "%2x", &b) != 1)
			return -EINVAL;
		f.uuid[i] = b;
		uuid += 2;
	}
	return ioctl(fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

/* Address of VF @n of @pf, from the virtfn<n> link. */
static int vf_bdf(const char *pf, int n, char bdf[VFIO_BDF_LEN])
{
	char path[128], target[256];
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/virtfn%d", pf, n);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = 0;
	snprintf(bdf, VFIO_BDF_LEN, "%s", basename(target));
	return 0;
}

FIXTURE(sriov) {
	char pf[VFIO_BDF_LEN];
	char saved_param[8];
	char vf[2][VFIO_BDF_LEN];
	struct grp pfg, vfg[2];
	int pf_fd;	/* the PF held open across a test, or -1 */
};

FIXTURE_SETUP(sriov)
{
	char driver[64];
	unsigned long total = 0, num;

	self->pfg.group = -1;
	self->pfg.container = -1;
	self->vfg[0] = self->pfg;
	self->vfg[1] = self->pfg;
	self->pf_fd = -1;
	self->saved_param[0] = 0;
	if (vfio_find_device(NVME_VENDOR, NVME_DEVICE, 0, self->pf))
		SETUP_SKIP("no nvme device (1b36:0010)");
	if (vfio_sysfs_read_ulong(self->pf, "sriov_totalvfs", &total) || total < 2)
		SETUP_SKIP("nvme %s has no SR-IOV with 2 VFs", self->pf);
	if (vfio_device_driver(self->pf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("nvme %s is not bound to vfio-pci", self->pf);
	ASSERT_EQ(0, read_file(ENABLE_SRIOV, self->saved_param,
			       sizeof(self->saved_param)));
	ASSERT_EQ(0, write_file(ENABLE_SRIOV, "1"));
	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->pf, "sriov_numvfs", &num));
	if (num)
		ASSERT_EQ(0, vfio_sysfs_write(self->pf, "sriov_numvfs", "0"));
	ASSERT_EQ(0, grp_open(self->pf, &self->pfg));
	TH_LOG("PF %s, %lu VFs max, %s driver", self->pf, total,
	       vfio_driver_name());
}

FIXTURE_TEARDOWN(sriov)
{
	char driver[64] = "";

	grp_close(&self->vfg[0]);
	grp_close(&self->vfg[1]);
	if (self->saved_param[0]) {
		vfio_sysfs_write(self->pf, "sriov_numvfs", "0");
		write_file(ENABLE_SRIOV, self->saved_param);
		/* pf_not_vfio failed half-way: give the PF back to vfio-pci. */
		vfio_device_driver(self->pf, driver, sizeof(driver));
		if (strcmp(driver, "vfio-pci")) {
			grp_close(&self->pfg);
			vfio_sysfs_write(self->pf, "sriov_drivers_autoprobe", "1");
			vfio_bind(self->pf, "vfio-pci");
		}
	}
	/* The PF's last close resets it: only once its VFs are gone. */
	if (self->pf_fd >= 0)
		close(self->pf_fd);
	grp_close(&self->pfg);
}

/* Choose the token by opening the PF with it (no VF may be open). */
static int pf_open_with_token(struct grp *pfg, const char *pf, const char *uuid)
{
	int fd = token_fd(pfg, pf, uuid);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Create two VFs of @pf, store their addresses in @vf, open their groups. */
static int make_vfs(struct __test_metadata *_metadata, const char *pf,
		    char vf[2][VFIO_BDF_LEN], struct grp vfg[2])
{
	int i;

	ASSERT_EQ(0, vfio_sysfs_write(pf, "sriov_numvfs", "2"));
	for (i = 0; i < 2; i++) {
		char driver[64];

		ASSERT_EQ(0, vf_bdf(pf, i, vf[i]));
		ASSERT_EQ(0, vfio_device_driver(vf[i], driver, sizeof(driver)));
		ASSERT_STREQ("vfio-pci", driver);
		ASSERT_EQ(0, grp_open(vf[i], &vfg[i]));
	}
	return 0;
}

TEST_F(sriov, needs_enable_sriov)
{
	unsigned long num = 1;
	int ret;

	ASSERT_EQ(0, write_file(ENABLE_SRIOV, "0"));
	ret = vfio_sysfs_write(self->pf, "sriov_numvfs", "2");
	TH_LOG("sriov_numvfs=2 without enable_sriov: %s", strerror(-ret));
	EXPECT_EQ(-ENOENT, ret);
	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->pf, "sriov_numvfs", &num));
	EXPECT_EQ(0ul, num);
}

TEST_F_TIMEOUT(sriov, create_remove, 120)
{
	char path[128], buf[64];
	unsigned long num, vendor, pf_vendor;
	int round, i;

	/*
	 * With the native driver around, only the preset override keeps it
	 * from probing the new VFs.
	 */
	if (system("modprobe nvme 2>/dev/null"))
		TH_LOG("nvme module not loaded: override checked without it");

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, vfio_sysfs_write(self->pf, "sriov_numvfs", "2"));
		ASSERT_EQ(0, vfio_sysfs_read_ulong(self->pf, "sriov_numvfs", &num));
		ASSERT_EQ(2ul, num);
		ASSERT_EQ(0, vfio_sysfs_read_ulong(self->pf, "vendor", &pf_vendor));
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(0, vf_bdf(self->pf, i, self->vf[i]));
			ASSERT_EQ(0, vfio_sysfs_read_ulong(self->vf[i], "vendor", &vendor));
			EXPECT_EQ(pf_vendor, vendor);
			ASSERT_LE(0, vfio_sysfs_read(self->vf[i], "driver_override",
						     buf, sizeof(buf)));
			EXPECT_STREQ("vfio-pci", buf);
			ASSERT_EQ(0, vfio_device_driver(self->vf[i], buf, sizeof(buf)));
			EXPECT_STREQ("vfio-pci", buf);
		}
		/* Asking for VFs while some exist is the PCI core's -EBUSY. */
		EXPECT_EQ(-EBUSY, vfio_sysfs_write(self->pf, "sriov_numvfs", "1"));
		ASSERT_EQ(0, vfio_sysfs_write(self->pf, "sriov_numvfs", "0"));
		ASSERT_EQ(0, vfio_sysfs_read_ulong(self->pf, "sriov_numvfs", &num));
		EXPECT_EQ(0ul, num);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", self->vf[0]);
		EXPECT_NE(0, access(path, F_OK));
	}
}

/*
 * VFs opened while the PF is not: the PF's user chose the token by opening
 * the PF with it before creating the VFs.
 */
TEST_F_TIMEOUT(sriov, token_vf_first, 120)
{
	char name[VFIO_BDF_LEN + 1];
	int vf0, vf1, fd;

	/* No VF open: the PF opens with or without a token, which sets it. */
	ASSERT_EQ(0, pf_open_with_token(&self->pfg, self->pf, TOKEN_B));
	ASSERT_EQ(0, pf_open_with_token(&self->pfg, self->pf, TOKEN_A));
	make_vfs(_metadata, self->pf, self->vf, self->vfg);

	EXPECT_EQ(-EACCES, get_fd(&self->vfg[0], self->vf[0], NULL));
	EXPECT_EQ(-EACCES, token_fd(&self->vfg[0], self->vf[0], TOKEN_B));
	EXPECT_EQ(-EINVAL, get_fd(&self->vfg[0], self->vf[0], "vf_token=nonsense"));
	EXPECT_EQ(-EINVAL, get_fd(&self->vfg[0], self->vf[0], "bogus=1"));
	/* Not even with the right UUID in front. */
	EXPECT_EQ(-EINVAL, get_fd(&self->vfg[0], self->vf[0],
				  "vf_token=" TOKEN_A "0"));
	EXPECT_EQ(-EINVAL, get_fd(&self->vfg[0], self->vf[0],
				  "vf_token=" TOKEN_A " vf_token=" TOKEN_A));
	/* A name that merely starts like the VF's is another device. */
	snprintf(name, sizeof(name), "%sx", self->vf[0]);
	EXPECT_EQ(-ENODEV, get_fd(&self->vfg[0], name, NULL));

	vf0 = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	ASSERT_LE(0, vf0);
	EXPECT_EQ(-EACCES, token_fd(&self->vfg[1], self->vf[1], TOKEN_B));
	vf1 = token_fd(&self->vfg[1], self->vf[1], TOKEN_A);
	ASSERT_LE(0, vf1);
	/* A VF already open still checks the token of each new fd. */
	EXPECT_EQ(-EACCES, get_fd(&self->vfg[0], self->vf[0], NULL));
	fd = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);

	/*
	 * VFs in use: the PF needs the token now. (Opening it with the right
	 * one is token_pf_first's business: see the top of the file.)
	 */
	EXPECT_EQ(-EACCES, get_fd(&self->pfg, self->pf, NULL));
	EXPECT_EQ(-EACCES, token_fd(&self->pfg, self->pf, TOKEN_B));
	EXPECT_EQ(-EINVAL, get_fd(&self->pfg, self->pf, "vf_token=nonsense"));
	close(vf0);
	/* One VF is still open. */
	EXPECT_EQ(-EACCES, get_fd(&self->pfg, self->pf, NULL));
	close(vf1);
}

/* PF first: its user sets the token through the device feature. */
TEST_F_TIMEOUT(sriov, token_pf_first, 120)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int pf = -1, vf, ret;

	self->pf_fd = get_fd(&self->pfg, self->pf, NULL);
	ASSERT_LE(0, self->pf_fd);
	EXPECT_EQ(0, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_PROBE |
			       VFIO_DEVICE_FEATURE_SET, NULL, 0));
	/* Reading the token back would disclose it: no GET. */
	EXPECT_EQ(-EINVAL, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_GET, NULL, 0));
	EXPECT_EQ(-EINVAL, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_GET, NULL, 16));
	EXPECT_EQ(-EINVAL, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_SET, TOKEN_B, 15));
	ASSERT_EQ(0, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_SET, TOKEN_B, 16));

	/* VFs created by the PF's user while it holds the PF. */
	make_vfs(_metadata, self->pf, self->vf, self->vfg);
	EXPECT_EQ(-EACCES, get_fd(&self->vfg[0], self->vf[0], NULL));
	EXPECT_EQ(-EACCES, token_fd(&self->vfg[0], self->vf[0], TOKEN_A));
	vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_B);
	ASSERT_LE(0, vf);

	/* A VF has no token of its own. */
	EXPECT_EQ(-ENOTTY, set_token(vf, VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_SET, NULL, 0));

	/* A VF is open: more fds of the PF need the token. */
	EXPECT_EQ(-EACCES, get_fd(&self->pfg, self->pf, NULL));
	EXPECT_EQ(-EACCES, token_fd(&self->pfg, self->pf, TOKEN_A));
	pf = token_fd(&self->pfg, self->pf, TOKEN_B);
	EXPECT_LE(0, pf);
	if (pf >= 0)
		close(pf);

	/*
	 * The token changes with a VF open, as stock has it (the uAPI header
	 * asks for no open VFs; see vfio_pci_feature_vf_token()): the open VF
	 * keeps working, later opens need the new token.
	 */
	ASSERT_EQ(0, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_SET, TOKEN_A, 16));
	EXPECT_EQ(-EACCES, token_fd(&self->vfg[1], self->vf[1], TOKEN_B));
	ret = token_fd(&self->vfg[1], self->vf[1], TOKEN_A);
	EXPECT_LE(0, ret);
	if (ret >= 0)
		close(ret);
	EXPECT_EQ(-EACCES, token_fd(&self->pfg, self->pf, TOKEN_B));
	pf = token_fd(&self->pfg, self->pf, TOKEN_A);
	EXPECT_LE(0, pf);
	if (pf >= 0)
		close(pf);
	EXPECT_EQ(0, ioctl(vf, VFIO_DEVICE_GET_INFO, &info));
	ASSERT_EQ(0, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_SET, TOKEN_B, 16));

	close(vf);
	/* No VF open any more: the PF opens freely, the token can change. */
	pf = get_fd(&self->pfg, self->pf, NULL);
	EXPECT_LE(0, pf);
	if (pf >= 0)
		close(pf);
	ASSERT_EQ(0, set_token(self->pf_fd, VFIO_DEVICE_FEATURE_SET, TOKEN_A, 16));
	EXPECT_EQ(-EACCES, token_fd(&self->vfg[0], self->vf[0], TOKEN_B));
	vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	EXPECT_LE(0, vf);
	if (vf >= 0)
		close(vf);
}

/* Time in ms since @t0. */
static long since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * sriov_numvfs=0 while a VF is open: the admin wins. The VF's user gets a
 * device request (REQ eventfd), the write waits until the user lets go,
 * then the VFs are gone.
 */
TEST_F_TIMEOUT(sriov, disable_while_open, 120)
{
	struct timespec t0;
	unsigned long num;
	int vf, req, status = 0, ret;
	long long count;
	pid_t child;

	ASSERT_EQ(0, pf_open_with_token(&self->pfg, self->pf, TOKEN_A));
	make_vfs(_metadata, self->pf, self->vf, self->vfg);
	vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	ASSERT_LE(0, vf);
	req = vfio_eventfd();
	ASSERT_LE(0, req);
	ASSERT_EQ(0, vfio_irq_set_eventfds(vf, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &req));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* A copy of the VF's fd would keep it open for ever. */
		close(vf);
		_exit(-vfio_sysfs_write(self->pf, "sriov_numvfs", "0"));
	}
	count = vfio_eventfd_wait(req, 10000);
	TH_LOG("device request after %ld ms", since_ms(&t0));
	EXPECT_LT(0, count);
	/*
	 * The removal waits for the user. Ours goes further than stock:
	 * no VF opens while its removal is under way (stock lets one open,
	 * and asks its user to let go right after).
	 */
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG));
	ret = token_fd(&self->vfg[1], self->vf[1], TOKEN_A);
	TH_LOG("open of another VF meanwhile: %s",
	       ret < 0 ? strerror(-ret) : "opened");
	if (!vfio_driver_is_stock())
		EXPECT_EQ(-EBUSY, ret);
	if (ret >= 0)
		close(ret);

	close(vf);
	close(req);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	TH_LOG("VFs removed %ld ms after the request", since_ms(&t0));
	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->pf, "sriov_numvfs", &num));
	EXPECT_EQ(0ul, num);
}

/*
 * The PF's user comes and goes while VFs exist: its open and close reset
 * the PF, which takes the VFs away (QEMU's nvme keeps VF Enable set but
 * clears NumVFs, so the PCI core's restore does not bring them back).
 * Ours puts back the SR-IOV setup the admin made, so the VFs keep working
 * and a VF's open and close do not wait for a device that is gone. Stock
 * leaves the VFs dead (config space reads all ones); there the test only
 * says so, and does not open a dead VF (its reset would wait a minute).
 */
TEST_F_TIMEOUT(sriov, pf_close_keeps_vfs, 120)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint32_t class_before, class_after;
	struct timespec t0;
	int pf, vf;

	make_vfs(_metadata, self->pf, self->vf, self->vfg);
	ASSERT_EQ(0, vfio_sysfs_config_read(self->vf[0], PCI_CLASS_REVISION,
					    &class_before, 4));
	ASSERT_NE(~0u, class_before);

	pf = token_fd(&self->pfg, self->pf, TOKEN_A);
	ASSERT_LE(0, pf);
	close(pf);

	ASSERT_EQ(0, vfio_sysfs_config_read(self->vf[0], PCI_CLASS_REVISION,
					    &class_after, 4));
	TH_LOG("VF class before the PF's open and close 0x%08x, after 0x%08x",
	       class_before, class_after);
	if (vfio_driver_is_stock() && class_after == ~0u)
		SKIP(return, "stock leaves the VFs dead after a PF reset");
	EXPECT_EQ(class_before, class_after);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	ASSERT_LE(0, vf);
	EXPECT_EQ(0, ioctl(vf, VFIO_DEVICE_GET_INFO, &info));
	close(vf);
	TH_LOG("VF open and close: %ld ms", since_ms(&t0));
	EXPECT_GT(10000, since_ms(&t0));
}

/* Offset of the PF's SR-IOV capability in its config space, or 0. */
static unsigned int sriov_pos(const char *pf)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE, hops = 0;
	uint32_t hdr;

	while (pos && hops++ < 64 &&
	       !vfio_sysfs_config_read(pf, pos, &hdr, 4) && hdr && hdr != ~0u) {
		if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_SRIOV)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

/* Write the PF's SR-IOV control register behind the kernel's back. */
static int write_sriov_ctrl(const char *pf, unsigned int pos, uint16_t ctrl)
{
	char path[96];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", pf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, &ctrl, 2, pos + PCI_SRIOV_CTRL) != 2)
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * A VF that is gone (here: VF Enable cleared behind the kernel's back)
 * fails to open at once instead of waiting a minute in its reset for an
 * answer; a program that holds the PF's group and is killed while opening
 * it goes away at once, and the PF's group opens again. Stock waits in the
 * reset; not run there.
 */
TEST_F_TIMEOUT(sriov, gone_vf_fails_fast, 120)
{
	unsigned int pos;
	struct timespec t0;
	uint16_t ctrl;
	uint32_t class;
	int vf, pf, status;
	pid_t child;

	if (vfio_driver_is_stock())
		SKIP(return, "stock waits up to a minute to reset a VF that is gone");
	ASSERT_EQ(0, pf_open_with_token(&self->pfg, self->pf, TOKEN_A));
	make_vfs(_metadata, self->pf, self->vf, self->vfg);
	pos = sriov_pos(self->pf);
	ASSERT_NE(0u, pos);
	ASSERT_EQ(0, vfio_sysfs_config_read(self->pf, pos + PCI_SRIOV_CTRL,
					    &ctrl, 2));
	ASSERT_TRUE(!!(ctrl & PCI_SRIOV_CTRL_VFE));
	ASSERT_EQ(0, write_sriov_ctrl(self->pf, pos, ctrl & ~PCI_SRIOV_CTRL_VFE));
	ASSERT_EQ(0, vfio_sysfs_config_read(self->vf[0], PCI_CLASS_REVISION,
					    &class, 4));
	EXPECT_EQ(~0u, class);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	TH_LOG("open of the gone VF: %s after %ld ms",
	       vf < 0 ? strerror(-vf) : "opened", since_ms(&t0));
	EXPECT_EQ(-ENODEV, vf);
	if (vf >= 0)
		close(vf);
	EXPECT_GT(5000, since_ms(&t0));

	/*
	 * An opener holding the PF's group, killed a second into its open
	 * of the gone VF if it is still there: it must go away at once,
	 * and the PF's group open again.
	 */
	grp_close(&self->pfg);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct grp g;

		if (grp_open(self->pf, &g))
			_exit(1);
		pf = token_fd(&g, self->pf, TOKEN_A);
		vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
		pause();
		_exit(pf >= 0 && vf == -ENODEV ? 0 : 2);
	}
	usleep(1000 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	TH_LOG("killed opener gone after %ld ms", since_ms(&t0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(5000, since_ms(&t0));
	ASSERT_EQ(0, grp_open(self->pf, &self->pfg));
	pf = token_fd(&self->pfg, self->pf, TOKEN_A);
	EXPECT_LE(0, pf);
	if (pf >= 0)
		close(pf);

	ASSERT_EQ(0, write_sriov_ctrl(self->pf, pos, ctrl));
}

/* A VF is a VFIO device like any other. */
TEST_F_TIMEOUT(sriov, vf_works, 120)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = {
		.argsz = sizeof(reg),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	struct vfio_irq_info irq;
	unsigned long vendor, device;
	uint16_t id[2], cmd;
	uint32_t cap;
	int vf;

	ASSERT_EQ(0, pf_open_with_token(&self->pfg, self->pf, TOKEN_A));
	make_vfs(_metadata, self->pf, self->vf, self->vfg);
	vf = token_fd(&self->vfg[0], self->vf[0], TOKEN_A);
	ASSERT_LE(0, vf);

	ASSERT_EQ(0, ioctl(vf, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_PCI));
	ASSERT_EQ(0, ioctl(vf, VFIO_DEVICE_GET_REGION_INFO, &cfg));
	ASSERT_EQ(0, ioctl(vf, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_LT(0ull, (unsigned long long)reg.size);

	/* A VF's vendor/device read as ~0 in hardware: VFIO fills them in. */
	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->vf[0], "vendor", &vendor));
	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->vf[0], "device", &device));
	ASSERT_EQ((ssize_t)sizeof(id), pread(vf, id, sizeof(id), cfg.offset));
	EXPECT_EQ(vendor, id[0]);
	EXPECT_EQ(device, id[1]);

	/*
	 * Memory decoding, then the controller's CAP register in BAR0. Its
	 * value is not checked: QEMU's VF controllers read 0 until the PF's
	 * driver gives them resources.
	 */
	ASSERT_EQ(2, pread(vf, &cmd, 2, cfg.offset + PCI_COMMAND));
	cmd |= PCI_COMMAND_MEMORY;
	ASSERT_EQ(2, pwrite(vf, &cmd, 2, cfg.offset + PCI_COMMAND));
	ASSERT_EQ(4, pread(vf, &cap, 4, reg.offset));
	TH_LOG("VF %s: %04lx:%04lx, BAR0 %llu bytes, CAP.lo 0x%08x", self->vf[0],
	       vendor, device, (unsigned long long)reg.size, cap);
	/*
	 * A VF has no memory enable of its own (the PF's SR-IOV control has
	 * it): its command register does not gate BAR access.
	 */
	cmd &= ~PCI_COMMAND_MEMORY;
	ASSERT_EQ(2, pwrite(vf, &cmd, 2, cfg.offset + PCI_COMMAND));
	EXPECT_EQ(4, pread(vf, &cap, 4, reg.offset));

	/* VFs signal through MSI-X. */
	ASSERT_EQ(0, vfio_irq_info(vf, VFIO_PCI_MSIX_IRQ_INDEX, &irq));
	EXPECT_LE(1u, irq.count);
	/* VFs have no INTx, whatever QEMU's pin register says. */
	ASSERT_EQ(0, vfio_irq_info(vf, VFIO_PCI_INTX_IRQ_INDEX, &irq));
	EXPECT_EQ(0u, irq.count);
	EXPECT_EQ(0, ioctl(vf, VFIO_DEVICE_RESET) ? -errno : 0);
	close(vf);
}

/*
 * A VF whose PF belongs to a host driver (here nvme) can be bound to
 * vfio-pci and opened without a token; a token is refused.
 */
TEST_F_TIMEOUT(sriov, pf_not_vfio, 120)
{
	char driver[64];
	int fd;

	if (system("modprobe nvme 2>/dev/null"))
		SKIP(return, "no nvme module");
	/* The group must not be held while a DMA driver binds. */
	grp_close(&self->pfg);
	ASSERT_EQ(0, vfio_bind(self->pf, "nvme"));
	/* nvme would probe the new VFs, which QEMU leaves offline. */
	ASSERT_EQ(0, vfio_sysfs_write(self->pf, "sriov_drivers_autoprobe", "0"));
	ASSERT_EQ(0, vfio_sysfs_write(self->pf, "sriov_numvfs", "1"));
	ASSERT_EQ(0, vf_bdf(self->pf, 0, self->vf[0]));
	ASSERT_EQ(0, vfio_bind(self->vf[0], "vfio-pci"));
	ASSERT_EQ(0, grp_open(self->vf[0], &self->vfg[0]));

	EXPECT_EQ(-EINVAL, token_fd(&self->vfg[0], self->vf[0], TOKEN_A));
	fd = get_fd(&self->vfg[0], self->vf[0], NULL);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);

	grp_close(&self->vfg[0]);
	EXPECT_EQ(0, vfio_bind(self->vf[0], NULL));
	EXPECT_EQ(0, vfio_sysfs_write(self->pf, "sriov_numvfs", "0"));
	EXPECT_EQ(0, vfio_sysfs_write(self->pf, "sriov_drivers_autoprobe", "1"));
	ASSERT_EQ(0, vfio_bind(self->pf, "vfio-pci"));
	ASSERT_EQ(0, vfio_device_driver(self->pf, driver, sizeof(driver)));
	EXPECT_STREQ("vfio-pci", driver);
}

/* A device that is neither PF nor VF (edu) takes no token. */
FIXTURE(plain) {
	char bdf[VFIO_BDF_LEN];
	struct grp g;
};

FIXTURE_SETUP(plain)
{
	self->g.group = -1;
	self->g.container = -1;
	if (vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, self->bdf))
		SETUP_SKIP("no edu device (1234:11e8)");
	ASSERT_EQ(0, grp_open(self->bdf, &self->g));
}

FIXTURE_TEARDOWN(plain)
{
	grp_close(&self->g);
}

TEST_F(plain, no_token)
{
	int fd;

	EXPECT_EQ(-EINVAL, token_fd(&self->g, self->bdf, TOKEN_A));
	fd = get_fd(&self->g, self->bdf, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, set_token(fd, VFIO_DEVICE_FEATURE_PROBE |
				     VFIO_DEVICE_FEATURE_SET, NULL, 0));
	close(fd);
}

TEST_HARNESS_MAIN
