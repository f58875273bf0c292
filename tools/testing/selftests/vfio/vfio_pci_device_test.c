// SPDX-License-Identifier: GPL-2.0
/*
 * Basic uAPI of a vfio-pci device, checked on QEMU's edu device: device,
 * region and interrupt info, config space reads and BAR sizing, BAR0
 * access through read/write and mmap.
 *
 * The expected values come from the device itself (sysfs, its config
 * space) where they can, from edu's documented register map otherwise.
 * Needs edu (1234:11e8) bound to vfio-pci: run it with vm-run.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

FIXTURE(edu) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(edu)
{
	vfio_setup_open_bound(_metadata, &self->dev, EDU_VENDOR,
			      EDU_DEVICE);
	TH_LOG("edu at %s, group %d, %s driver", self->dev.bdf, self->dev.group_id,
	       vfio_driver_name());
}

FIXTURE_TEARDOWN(edu)
{
	vfio_close(&self->dev);
}

TEST_F(edu, device_info)
{
	struct vfio_device_info *info = &self->dev.info;
	struct vfio_device_info small = { .argsz = 4 };
	char reset_method[128] = "";

	EXPECT_TRUE(!!(info->flags & VFIO_DEVICE_FLAGS_PCI));
	/* edu sits alone behind a root port: a bus reset is available. */
	ASSERT_LT(0, vfio_sysfs_read(self->dev.bdf, "reset_method", reset_method,
				     sizeof(reset_method)));
	TH_LOG("reset_method: %s, flags 0x%x", reset_method, info->flags);
	EXPECT_TRUE(!!(info->flags & VFIO_DEVICE_FLAGS_RESET));
	EXPECT_LE((unsigned int)VFIO_PCI_NUM_REGIONS, info->num_regions);
	EXPECT_LE((unsigned int)VFIO_PCI_NUM_IRQS, info->num_irqs);

	/* A short argsz is refused, not written past. */
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &small));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(edu, region_info_bars)
{
	uint32_t i;

	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_ROM_REGION_INDEX; i++) {
		struct vfio_region_info *r;

		ASSERT_EQ(0, vfio_region_info(self->dev.fd, i, &r));
		EXPECT_EQ(i, r->index);
		if (i == VFIO_PCI_BAR0_REGION_INDEX) {
			EXPECT_EQ(EDU_BAR0_SIZE, r->size);
			EXPECT_EQ((unsigned int)(VFIO_REGION_INFO_FLAG_READ |
				  VFIO_REGION_INFO_FLAG_WRITE |
				  VFIO_REGION_INFO_FLAG_MMAP), r->flags);
		} else {
			/* edu has BAR0 only and no ROM. */
			EXPECT_EQ(0u, r->size) TH_LOG("region %u", i);
			EXPECT_EQ(0u, r->flags) TH_LOG("region %u", i);
		}
		/* Regions must not overlap in the device fd's offset space. */
		EXPECT_EQ(self->dev.regions[i].offset, r->offset);
		free(r);
	}
}

TEST_F(edu, region_info_config)
{
	char path[128];
	struct stat st;
	struct vfio_region_info *r;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", self->dev.bdf);
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0, vfio_region_info(self->dev.fd, VFIO_PCI_CONFIG_REGION_INDEX, &r));
	TH_LOG("config region 0x%llx bytes, sysfs config %lld bytes",
	       (unsigned long long)r->size, (long long)st.st_size);
	EXPECT_EQ((uint64_t)st.st_size, r->size);
	EXPECT_EQ((unsigned int)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
		  r->flags);
	free(r);
}

TEST_F(edu, region_info_vga_absent)
{
	struct vfio_region_info r = {
		.argsz = sizeof(r),
		.index = VFIO_PCI_VGA_REGION_INDEX,
	};

	/* edu is no VGA device: no legacy VGA region. */
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(edu, region_info_bad_index)
{
	struct vfio_region_info r = { .argsz = sizeof(r) };

	r.index = self->dev.info.num_regions;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
	EXPECT_EQ(EINVAL, errno);
	r.index = ~0u;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
	EXPECT_EQ(EINVAL, errno);
	r.index = VFIO_PCI_BAR0_REGION_INDEX;
	r.argsz = 8;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(edu, config_ids)
{
	unsigned long vendor, device;
	uint16_t v16;
	uint32_t v32;

	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->dev.bdf, "vendor", &vendor));
	ASSERT_EQ(0, vfio_sysfs_read_ulong(self->dev.bdf, "device", &device));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_VENDOR_ID, &v16));
	EXPECT_EQ(vendor, v16);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_DEVICE_ID, &v16));
	EXPECT_EQ(device, v16);
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, PCI_VENDOR_ID, &v32));
	EXPECT_EQ((uint32_t)(EDU_VENDOR | (EDU_DEVICE << 16)), v32);
}

TEST_F(edu, bar0_sizing)
{
	uint32_t orig, mask, back;

	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, PCI_BASE_ADDRESS_0, &orig));
	/* 32-bit, non-prefetchable memory BAR. */
	EXPECT_EQ((uint32_t)(PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32),
		  orig & ~PCI_BASE_ADDRESS_MEM_MASK);

	ASSERT_EQ(0, vfio_cfg_write32(&self->dev, PCI_BASE_ADDRESS_0, 0xffffffff));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, PCI_BASE_ADDRESS_0, &mask));
	EXPECT_EQ(~(EDU_BAR0_SIZE - 1) | (orig & ~PCI_BASE_ADDRESS_MEM_MASK), mask);

	ASSERT_EQ(0, vfio_cfg_write32(&self->dev, PCI_BASE_ADDRESS_0, orig));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, PCI_BASE_ADDRESS_0, &back));
	EXPECT_EQ(orig, back);

	/* BAR1 does not exist: it sizes to 0. */
	ASSERT_EQ(0, vfio_cfg_write32(&self->dev, PCI_BASE_ADDRESS_1, 0xffffffff));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, PCI_BASE_ADDRESS_1, &mask));
	EXPECT_EQ(0u, mask);
}

TEST_F(edu, bar0_rw)
{
	uint32_t val;

	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      EDU_REG_ID, &val, sizeof(val)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, val);

	val = 0x12345678;
	ASSERT_EQ(0, vfio_region_write(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				       EDU_REG_LIVENESS, &val, sizeof(val)));
	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      EDU_REG_LIVENESS, &val, sizeof(val)));
	EXPECT_EQ(~0x12345678u, val);
}

TEST_F(edu, bar0_mmap)
{
	volatile uint32_t *bar;

	bar = vfio_region_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, bar) TH_LOG("mmap BAR0: %s", strerror(errno));

	EXPECT_EQ((uint32_t)EDU_ID_VALUE, bar[EDU_REG_ID / 4]);
	bar[EDU_REG_LIVENESS / 4] = 0xcafe0042;
	EXPECT_EQ(~0xcafe0042u, bar[EDU_REG_LIVENESS / 4]);

	vfio_region_munmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX, (void *)bar);
}

TEST_F(edu, irq_info)
{
	struct vfio_irq_info irq;
	uint16_t msi_flags;
	uint8_t pin;
	int msi, pcie;

	ASSERT_EQ(0, vfio_cfg_read8(&self->dev, PCI_INTERRUPT_PIN, &pin));
	msi = vfio_find_cap(&self->dev, PCI_CAP_ID_MSI);
	ASSERT_NE(0, msi);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, msi + PCI_MSI_FLAGS, &msi_flags));
	pcie = vfio_find_cap(&self->dev, PCI_CAP_ID_EXP);
	TH_LOG("pin %u, MSI cap 0x%x flags 0x%x, PCIe cap 0x%x", pin, msi,
	       msi_flags, pcie);

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX, &irq));
	EXPECT_EQ(pin ? 1u : 0u, irq.count);
	EXPECT_EQ((unsigned int)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
				 VFIO_IRQ_INFO_AUTOMASKED), irq.flags);

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX, &irq));
	EXPECT_EQ(1u << ((msi_flags & PCI_MSI_FLAGS_QMASK) >> 1), irq.count);
	EXPECT_EQ((unsigned int)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
		  irq.flags);

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX, &irq));
	EXPECT_EQ(0u, irq.count);

	/*
	 * Error reporting needs PCI Express; edu is conventional PCI, and the
	 * index does not exist for it at all.
	 */
	if (pcie) {
		ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX, &irq));
		EXPECT_EQ(1u, irq.count);
		EXPECT_TRUE(!!(irq.flags & VFIO_IRQ_INFO_EVENTFD));
	} else {
		EXPECT_EQ(-EINVAL, vfio_irq_info(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX, &irq));
	}

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_REQ_IRQ_INDEX, &irq));
	EXPECT_EQ(1u, irq.count);
	EXPECT_EQ((unsigned int)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
		  irq.flags);
}

TEST_F(edu, irq_info_bad_index)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };

	irq.index = self->dev.info.num_irqs;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.index = VFIO_PCI_INTX_IRQ_INDEX;
	irq.argsz = 8;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Several fds of one device share it: the device is set up on the first
 * open and torn down on the last close only, so closing one fd must not
 * disable the device under the other.
 */
TEST_F(edu, second_device_fd)
{
	uint32_t val = 0x00c0ffee;
	uint16_t cmd1, cmd2;
	int fd2;

	fd2 = ioctl(self->dev.group, VFIO_GROUP_GET_DEVICE_FD, self->dev.bdf);
	ASSERT_LE(0, fd2) TH_LOG("second device fd: %s", strerror(errno));

	/* Both fds reach the same device. */
	ASSERT_EQ(0, vfio_region_write(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				       EDU_REG_LIVENESS, &val, sizeof(val)));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd1));

	close(self->dev.fd);
	self->dev.fd = fd2;

	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      EDU_REG_LIVENESS, &val, sizeof(val)));
	EXPECT_EQ(~0x00c0ffeeu, val);
	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      EDU_REG_ID, &val, sizeof(val)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, val);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd2));
	EXPECT_EQ(cmd1, cmd2);
}

TEST_HARNESS_MAIN
