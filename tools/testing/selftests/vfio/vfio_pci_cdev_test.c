// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO device cdev (/dev/vfio/devices/vfioN) with iommufd, on QEMU's
 * edu: the device file refuses everything before it is bound to an
 * iommufd; BIND_IOMMUFD, an IOAS with a mapping, ATTACH_IOMMUFD_PT; then
 * a DMA by edu in both directions through that IOAS; and hot reset the
 * cdev way (devices reported by device ID, ownership from the iommufd
 * context, an empty fd array), which a group user may not use.
 *
 * Needs a kernel with IOMMUFD and VFIO_DEVICE_CDEV (the 6.12 debug kernel:
 * Debian's kernels have neither) and edu bound to vfio-pci: vm-run
 * --debug-kernel. Built against the 6.12 uAPI headers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_irq_util.h"
#include "lib/vfio_util.h"

/* Within edu's buffer, short of its end (QEMU 7.2's edu aborts there) */
#define DMA_LEN		2048
/* edu's DMA engine reaches 28 bits */
#define DMA_IOVA	0x200000ull

FIXTURE(cdev) {
	char bdf[VFIO_BDF_LEN];
	int iommufd;
	int fd;
	uint32_t devid;
	uint32_t ioas;
	uint8_t *buf;
	volatile uint32_t *bar;
};

/* /dev/vfio/devices/vfioN of @bdf, from sysfs. */
static int cdev_path(const char *bdf, char *path, size_t len)
{
	char dir[128];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(path, len, "/dev/vfio/devices/%s", e->d_name);
			ret = 0;
			break;
		}
	closedir(d);
	return ret;
}

static int bind_iommufd(int fd, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	*devid = bind.out_devid;
	return 0;
}

FIXTURE_SETUP(cdev)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = 4096,
		.iova = DMA_IOVA,
	};
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info *bar0;
	char path[300], driver[64];
	void *p;

	self->fd = -1;
	self->iommufd = -1;
	self->buf = MAP_FAILED;
	self->bar = MAP_FAILED;
	if (access("/dev/iommu", F_OK))
		SETUP_SKIP("no /dev/iommu: this kernel has no iommufd");
	if (vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, self->bdf))
		SETUP_SKIP("no edu device");
	if (vfio_device_driver(self->bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("%s is not bound to vfio-pci", self->bdf);
	if (cdev_path(self->bdf, path, sizeof(path)))
		SETUP_SKIP("%s has no VFIO device cdev", self->bdf);

	self->fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", path, strerror(errno));
	/* Nothing but BIND_IOMMUFD before the device is bound */
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, bind_iommufd(self->fd, self->iommufd, &self->devid));
	EXPECT_LT(0u, self->devid);
	/* Once only */
	EXPECT_EQ(-EINVAL, bind_iommufd(self->fd, self->iommufd,
					&(uint32_t){ 0 }));

	ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_ALLOC, &alloc));
	self->ioas = alloc.out_ioas_id;
	attach.pt_id = self->ioas;
	ASSERT_EQ(0, ioctl(self->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));

	self->buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	map.user_va = (uintptr_t)self->buf;
	map.ioas_id = self->ioas;
	ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_MAP, &map))
		TH_LOG("IOAS_MAP: %s", strerror(errno));

	ASSERT_EQ(0, vfio_region_info(self->fd, VFIO_PCI_BAR0_REGION_INDEX,
				      &bar0));
	p = mmap(NULL, bar0->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, bar0->offset);
	free(bar0);
	ASSERT_NE(MAP_FAILED, p);
	self->bar = p;
	TH_LOG("%s as %s, device ID %u, IOAS %u, %s driver", self->bdf, path,
	       self->devid, self->ioas, vfio_driver_name());
}

FIXTURE_TEARDOWN(cdev)
{
	if (self->bar != MAP_FAILED)
		munmap((void *)self->bar, EDU_BAR0_SIZE);
	if (self->buf != MAP_FAILED)
		munmap(self->buf, 4096);
	if (self->fd >= 0)
		close(self->fd);
	if (self->iommufd >= 0)
		close(self->iommufd);
}

/* One edu DMA transfer, polled to its end; 0 or -ETIMEDOUT. */
static int edu_dma(volatile uint32_t *bar, uint64_t src, uint64_t dst,
		   bool to_ram)
{
	struct timespec ts = { .tv_nsec = 1000000 };
	int i;

	mmio_write64(bar, EDU_DMA_SRC, src);
	mmio_write64(bar, EDU_DMA_DST, dst);
	mmio_write64(bar, EDU_DMA_CNT, DMA_LEN);
	mmio_write64(bar, EDU_DMA_CMD,
		     EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0));
	for (i = 0; i < 5000; i++) {
		if (!(mmio_read32(bar, EDU_DMA_CMD) & EDU_DMA_START))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

TEST_F(cdev, dma_through_ioas)
{
	struct vfio_region_info *cfg;
	uint16_t cmd;
	off_t off;
	int i;

	EXPECT_EQ(EDU_ID_VALUE, self->bar[EDU_REG_ID / 4]);
	/* Bus mastering on, as a user would turn it on */
	ASSERT_EQ(0, vfio_region_info(self->fd, VFIO_PCI_CONFIG_REGION_INDEX,
				      &cfg));
	off = cfg->offset + PCI_COMMAND;
	free(cfg);
	ASSERT_EQ(sizeof(cmd), pread(self->fd, &cmd, sizeof(cmd), off));
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	ASSERT_EQ(sizeof(cmd), pwrite(self->fd, &cmd, sizeof(cmd), off));

	for (i = 0; i < DMA_LEN; i++)
		self->buf[i] = (uint8_t)(i * 13 + 5);
	memset(self->buf + DMA_LEN, 0, DMA_LEN);
	ASSERT_EQ(0, edu_dma(self->bar, DMA_IOVA, EDU_DMA_BUF, false));
	ASSERT_EQ(0, edu_dma(self->bar, EDU_DMA_BUF, DMA_IOVA + DMA_LEN, true));
	EXPECT_EQ(0, memcmp(self->buf, self->buf + DMA_LEN, DMA_LEN));
}

TEST_F(cdev, hot_reset_by_devid)
{
	struct {
		struct vfio_pci_hot_reset_info info;
		struct vfio_pci_dependent_device devices[8];
	} r = { .info.argsz = sizeof(r) };
	struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };
	struct {
		struct vfio_pci_hot_reset hdr;
		int32_t fd;
	} with_fd = { .hdr.argsz = sizeof(with_fd), .hdr.count = 1 };
	unsigned int seg, bus, dev, fn;
	int n;

	n = sscanf(self->bdf, "%x:%x:%x.%x", &seg, &bus, &dev, &fn);
	ASSERT_EQ(4, n);
	ASSERT_EQ(0, ioctl(self->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &r));
	EXPECT_EQ((uint32_t)(VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			     VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED),
		  r.info.flags);
	/* edu is alone behind its root port */
	ASSERT_EQ(1u, r.info.count);
	EXPECT_EQ(self->devid, r.devices[0].devid);
	EXPECT_EQ(seg, r.devices[0].segment);
	EXPECT_EQ(bus, r.devices[0].bus);
	EXPECT_EQ((dev << 3) | fn, r.devices[0].devfn);

	/* A cdev user proves ownership by its iommufd, not by fds */
	with_fd.fd = self->iommufd;
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_DEVICE_PCI_HOT_RESET, &with_fd));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->fd, VFIO_DEVICE_PCI_HOT_RESET, &reset))
		TH_LOG("hot reset: %s", strerror(errno));
	/* The device works after it */
	EXPECT_EQ(EDU_ID_VALUE, self->bar[EDU_REG_ID / 4]);
}

/* A user of the group interface must pass group fds: no empty array. */
TEST(group_user_needs_fds)
{
	struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };
	struct vfio_dev dev;

	if (vfio_open_id(&dev, EDU_VENDOR, EDU_DEVICE, 0))
		SKIP(return, "cannot open edu through its group");
	EXPECT_EQ(-1, ioctl(dev.fd, VFIO_DEVICE_PCI_HOT_RESET, &reset));
	EXPECT_EQ(EINVAL, errno);
	vfio_close(&dev);
}

TEST_HARNESS_MAIN
