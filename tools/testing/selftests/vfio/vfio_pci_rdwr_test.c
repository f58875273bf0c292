// SPDX-License-Identifier: GPL-2.0
/*
 * Region read/write through the device fd: BARs (memory and I/O port),
 * the expansion ROM and the legacy VGA region, on the vm-run device zoo.
 *
 * Checked on both drivers. Where ours deliberately differs from Debian's
 * stock vfio-pci, the test says so and checks each side:
 * - aligned 8-byte (and larger) memory BAR accesses are single 8-byte
 *   transactions with ours; stock splits them into 4-byte ones. edu shows
 *   the difference: its 64-bit DMA address register takes 8-byte accesses,
 *   its 32-bit registers below 0x80 refuse them (read as all ones).
 * - a ROM read while memory decode is off is -EIO with ours; stock fails
 *   to map the ROM and returns -ENOMEM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

#define E1000E_VENDOR		0x8086
#define E1000E_DEVICE		0x10d3
#define E1000E_REG_STATUS	0x08
#define E1000E_REG_SWSM		0x5b50	/* reading sets bit 0, SMBI */
#define E1000E_IO_BAR		2	/* IOADDR at 0, IODATA at 4 */

#define NVME_VENDOR		0x1b36
#define NVME_DEVICE		0x0010

#define TESTDEV_VENDOR		0x1b36
#define TESTDEV_DEVICE		0x0005
#define TESTDEV_IO_BAR		1

#define VGA_VENDOR		0x1234
#define VGA_DEVICE		0x1111
#define VGA_TEXT_BUF		0xb8000	/* colour text mode frame buffer */
#define VGA_MISC_OUT_R		0x3cc

/* The fixed layout of vfio-pci device fd offsets. */
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((uint64_t)(index) << 40)

/* pread/pwrite of region @index at @off: the raw result, errno intact. */
static ssize_t rd(const struct vfio_dev *dev, int index, uint64_t off,
		  void *buf, size_t len)
{
	return pread(dev->fd, buf, len, VFIO_PCI_INDEX_TO_OFFSET(index) + off);
}

static ssize_t wr(const struct vfio_dev *dev, int index, uint64_t off,
		  const void *buf, size_t len)
{
	return pwrite(dev->fd, buf, len, VFIO_PCI_INDEX_TO_OFFSET(index) + off);
}

/* -errno of a failed call, or what it returned. */
#define RES(call) ({ ssize_t __r = (call); __r < 0 ? -errno : __r; })

/* ---- edu: a 1 MiB memory BAR ----------------------------------------- */

FIXTURE(edu) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(edu)
{
	vfio_setup_open_bound(_metadata, &self->dev, EDU_VENDOR,
			      EDU_DEVICE);
	TH_LOG("edu at %s, %s driver", self->dev.bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(edu)
{
	vfio_close(&self->dev);
}

/* 1, 2 and 4-byte accesses are passed on at their width. */
TEST_F(edu, widths)
{
	uint32_t v32, before;
	uint16_t v16 = 0x1234;
	uint8_t v8 = 0x56, odd[8];

	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_ID, &v32, 4)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, v32);
	EXPECT_EQ(2, RES(rd(&self->dev, 0, EDU_REG_ID, &v16, 2)));
	EXPECT_EQ(2, RES(rd(&self->dev, 0, 1, &v16, 2)));
	EXPECT_EQ(1, RES(rd(&self->dev, 0, 3, &v8, 1)));

	/* A user buffer of any alignment. */
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_ID, odd + 1, 4)));
	EXPECT_EQ(0, memcmp(odd + 1, &v32, 4));

	v32 = 0x12345678;
	ASSERT_EQ(4, RES(wr(&self->dev, 0, EDU_REG_LIVENESS, &v32, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_LIVENESS, &before, 4)));
	EXPECT_EQ(~0x12345678u, before);

	/*
	 * edu ignores narrower writes to its 32-bit registers: had they been
	 * widened to 4 bytes, the liveness register would change.
	 */
	EXPECT_EQ(2, RES(wr(&self->dev, 0, EDU_REG_LIVENESS, &v16, 2)));
	EXPECT_EQ(1, RES(wr(&self->dev, 0, EDU_REG_LIVENESS + 1, &v8, 1)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_LIVENESS, &v32, 4)));
	EXPECT_EQ(before, v32);
}

/*
 * 8-byte accesses: one transaction with ours and with 6.12's stock, two
 * with 6.1's stock.
 */
TEST_F(edu, eight_bytes)
{
	uint64_t v64 = 0x1122334455667788ull;
	uint32_t id;

	ASSERT_EQ(8, RES(wr(&self->dev, 0, EDU_DMA_SRC, &v64, 8)));
	v64 = 0;
	ASSERT_EQ(8, RES(rd(&self->dev, 0, EDU_DMA_SRC, &v64, 8)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_ID, &id, 4)));
	if (vfio_driver_is_stock() && !vfio_kernel_at_least(6, 12)) {
		/* Split: 0x80 takes the low half, 0x84 is no 32-bit register. */
		EXPECT_EQ(0xffffffff55667788ull, v64);
		ASSERT_EQ(8, RES(rd(&self->dev, 0, EDU_REG_ID, &v64, 8)));
		EXPECT_EQ(id, (uint32_t)v64);
	} else {
		EXPECT_EQ(0x1122334455667788ull, v64);
		/* edu refuses 8-byte reads of its 32-bit registers. */
		ASSERT_EQ(8, RES(rd(&self->dev, 0, EDU_REG_ID, &v64, 8)));
		EXPECT_EQ(~0ull, v64);
	}
	/* Unaligned, an 8-byte access is split by both: 4 at 0x4, 4 at 0x8. */
	v64 = 0x0000000100000002ull;
	ASSERT_EQ(8, RES(wr(&self->dev, 0, EDU_REG_LIVENESS, &v64, 8)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_LIVENESS, &id, 4)));
	EXPECT_EQ(~2u, id);
}

/* A bulk read sees what single accesses see. */
TEST_F(edu, bulk)
{
	static uint8_t buf[8192];
	uint32_t v32 = 0xa5a5a5a5, src;
	uint64_t v64;

	ASSERT_EQ(4, RES(wr(&self->dev, 0, EDU_DMA_SRC, &v32, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_DMA_SRC, &src, 4)));
	ASSERT_EQ(8, RES(rd(&self->dev, 0, EDU_DMA_SRC, &v64, 8)));

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(4096, RES(rd(&self->dev, 0, 0, buf, 4096)));
	EXPECT_EQ(0, memcmp(buf + EDU_DMA_SRC, &v64, 8));
	EXPECT_EQ(0, memcmp(buf + EDU_DMA_SRC, &src, 4));

	/* Unaligned start and length, more than one bounce buffer. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(8001, RES(rd(&self->dev, 0, EDU_DMA_SRC - 3, buf, 8001)));
	EXPECT_EQ(0, memcmp(buf + 3, &src, 4));

	/* Nothing decodes at 0x1000: bulk writes are accepted and dropped. */
	ASSERT_EQ(8192, RES(wr(&self->dev, 0, 0x1000, buf, 8192)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_ID, &v32, 4)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, v32);
}

/* Offsets and lengths against the end of the BAR. */
TEST_F(edu, bounds)
{
	static uint8_t buf[2 * EDU_BAR0_SIZE];
	uint64_t size = self->dev.regions[0].size;
	void *bad;

	ASSERT_EQ((uint64_t)EDU_BAR0_SIZE, size);
	EXPECT_EQ(0, RES(rd(&self->dev, 0, 0, buf, 0)));
	EXPECT_EQ(0, RES(wr(&self->dev, 0, 0, buf, 0)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, 0, size, buf, 4)));
	EXPECT_EQ(-EINVAL, RES(wr(&self->dev, 0, size, buf, 4)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, 0, size + 0x1000, buf, 1)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, 0, (1ull << 40) - 16, buf, 4)));
	/* Straddling the end: cut short. */
	EXPECT_EQ(4, RES(rd(&self->dev, 0, size - 4, buf, 8)));
	EXPECT_EQ(1, RES(rd(&self->dev, 0, size - 1, buf, 4)));
	EXPECT_EQ(4, RES(wr(&self->dev, 0, size - 4, buf, 8)));
	/* A huge count reads up to the end. */
	EXPECT_EQ((ssize_t)size, RES(rd(&self->dev, 0, 0, buf, sizeof(buf))));
	EXPECT_EQ(16, RES(rd(&self->dev, 0, size - 16, buf, sizeof(buf))));
	/* A bad user buffer faults cleanly. */
	bad = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	EXPECT_EQ(-EFAULT, RES(rd(&self->dev, 0, 0, bad, 4)));
	EXPECT_EQ(-EFAULT, RES(wr(&self->dev, 0, 0x1000, bad, 4096)));
	EXPECT_EQ(-EFAULT, RES(rd(&self->dev, 0, 0, bad, 8192)));
	munmap(bad, 8192);
}

/* Regions edu does not have. */
/* Zero bytes move wherever they point, even outside every region. */
TEST_F(edu, zero_length)
{
	static const uint64_t where[] = {
		0, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40 | 0x10000,
		(uint64_t)200 << 40, 0x4dd31e0a8002127cull,
	};
	uint8_t b = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		EXPECT_EQ(0, pread(self->dev.fd, &b, 0, where[i]))
			TH_LOG("read at 0x%llx", (unsigned long long)where[i]);
		EXPECT_EQ(0, pwrite(self->dev.fd, &b, 0, where[i]))
			TH_LOG("write at 0x%llx", (unsigned long long)where[i]);
	}
}

TEST_F(edu, absent_regions)
{
	uint32_t v;

	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, VFIO_PCI_BAR1_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(-EINVAL, RES(wr(&self->dev, VFIO_PCI_BAR5_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(-EINVAL, RES(wr(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, VFIO_PCI_VGA_REGION_INDEX, 0xa0000, &v, 4)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, VFIO_PCI_NUM_REGIONS, 0, &v, 4)));
}

/*
 * File offsets with the top bit set would give a negative region index if
 * computed on a signed offset. The VFS refuses negative offsets, and
 * offset + count past the largest positive one, before the driver sees
 * them (the device fd has no FMODE_UNSIGNED_OFFSET); large positive
 * indices are unknown regions.
 */
TEST_F(edu, offset_top_bit)
{
	static const uint64_t bad[] = {
		0x8000000000000000ull | EDU_REG_LIVENESS,
		0xfffffe0000000000ull,
		0xffffff0000000000ull | EDU_REG_LIVENESS,
		0xfffffffffffffffcull,
	};
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, RES(pread(self->dev.fd, &v, 4, bad[i])))
			TH_LOG("offset 0x%llx", (unsigned long long)bad[i]);
		EXPECT_EQ(-EINVAL, RES(pwrite(self->dev.fd, &v, 4, bad[i])))
			TH_LOG("offset 0x%llx", (unsigned long long)bad[i]);
	}
	/* Positive, but the end of the access is not. */
	EXPECT_EQ(-EINVAL, RES(pread(self->dev.fd, &v, 8, 0x7ffffffffffffffcll)));
	/* The largest positive region index. */
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, 0x7fffff, 0, &v, 4)));
	EXPECT_EQ(-EINVAL, RES(wr(&self->dev, 0x7fffff, EDU_REG_LIVENESS, &v, 4)));
	EXPECT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_ID, &v, 4)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, (uint32_t)v);
}

/* With memory decode off, BAR accesses fail with -EIO, not a bus error. */
TEST_F(edu, memory_decode_off)
{
	uint32_t v = 0x600d;

	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	EXPECT_EQ(-EIO, RES(rd(&self->dev, 0, EDU_REG_ID, &v, 4)));
	EXPECT_EQ(-EIO, RES(wr(&self->dev, 0, EDU_REG_LIVENESS, &v, 4)));
	EXPECT_EQ(-EIO, RES(rd(&self->dev, 0, 0, &v, 1)));
	EXPECT_EQ(0, RES(rd(&self->dev, 0, 0, &v, 0)));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));

	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_ID, &v, 4)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, v);
	v = 0x600d;
	ASSERT_EQ(4, RES(wr(&self->dev, 0, EDU_REG_LIVENESS, &v, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_LIVENESS, &v, 4)));
	EXPECT_EQ(~0x600du, v);
}

/*
 * The user buffer is the device's own mmap'ed BAR: the copy faults the
 * mapping in, which takes memory_lock, so it must not be held by then.
 */
TEST_F(edu, buffer_in_own_mmap)
{
	uint32_t v32 = 0x1234;
	uint8_t *map;

	/*
	 * Stock copies to and from the user buffer with memory_lock held;
	 * there the copies report success but do not reach the mapping.
	 */
	if (vfio_driver_is_stock())
		SKIP(return, "stock does not serve faults on its own BAR in read/write");

	map = vfio_region_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, map) TH_LOG("mmap BAR0: %s", strerror(errno));

	/* DMA source -> (copy_to_user) -> liveness */
	ASSERT_EQ(4, RES(wr(&self->dev, 0, EDU_DMA_SRC, &v32, 4)));
	EXPECT_EQ(4, RES(rd(&self->dev, 0, EDU_DMA_SRC,
			    map + EDU_REG_LIVENESS, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_REG_LIVENESS, &v32, 4)));
	EXPECT_EQ(~0x1234u, v32);

	/* ID -> (copy_from_user) -> DMA source */
	EXPECT_EQ(4, RES(wr(&self->dev, 0, EDU_DMA_SRC, map + EDU_REG_ID, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, EDU_DMA_SRC, &v32, 4)));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, v32);

	/* Bulk, through the bounce buffer, both ways. */
	EXPECT_EQ(4096, RES(rd(&self->dev, 0, 0x2000, map + 0x1000, 4096)));
	EXPECT_EQ(4096, RES(wr(&self->dev, 0, 0x2000, map + 0x1000, 4096)));

	vfio_region_munmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX, map);
}

/* ---- nvme: a 64-bit BAR holding the MSI-X table --------------------- */

FIXTURE(nvme) {
	struct vfio_dev dev;
	uint32_t table, table_size, pba;
	int bar;
};

FIXTURE_SETUP(nvme)
{
	uint32_t table, pba;
	uint16_t flags;
	int cap;

	vfio_setup_open_bound(_metadata, &self->dev, NVME_VENDOR,
			      NVME_DEVICE);
	TH_LOG("nvme at %s, %s driver", self->dev.bdf, vfio_driver_name());
	cap = vfio_find_cap(&self->dev, PCI_CAP_ID_MSIX);
	ASSERT_NE(0, cap);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, cap + PCI_MSIX_FLAGS, &flags));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, cap + PCI_MSIX_TABLE, &table));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, cap + PCI_MSIX_PBA, &pba));
	self->bar = table & PCI_MSIX_TABLE_BIR;
	self->table = table & PCI_MSIX_TABLE_OFFSET;
	self->table_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;
	self->pba = pba & PCI_MSIX_PBA_OFFSET;
	ASSERT_EQ(self->bar, (int)(pba & PCI_MSIX_PBA_BIR));
	TH_LOG("MSI-X table BAR%d 0x%x+0x%x, PBA 0x%x", self->bar,
	       self->table, self->table_size, self->pba);
}

FIXTURE_TEARDOWN(nvme)
{
	vfio_close(&self->dev);
}

/* The MSI-X table reads as all ones and ignores writes; around it, normal. */
TEST_F(nvme, msix_table)
{
	uint8_t buf[64], ones[64];
	uint32_t t = self->table, end = self->table + self->table_size;
	uint64_t v64 = 0x1122334455667788ull;
	uint32_t v = 0x12345678;

	memset(ones, 0xff, sizeof(ones));
	ASSERT_EQ(16, RES(rd(&self->dev, self->bar, t, buf, 16)));
	EXPECT_EQ(0, memcmp(buf, ones, 16));
	ASSERT_EQ(4, RES(wr(&self->dev, self->bar, t, &v, 4)));
	ASSERT_EQ(8, RES(wr(&self->dev, self->bar, end - 8, &v64, 8)));
	ASSERT_EQ(4, RES(rd(&self->dev, self->bar, t, buf, 4)));
	EXPECT_EQ(0, memcmp(buf, ones, 4));
	ASSERT_EQ(1, RES(rd(&self->dev, self->bar, end - 1, buf, 1)));
	EXPECT_EQ(0xff, buf[0]);

	/* Straddling the start and the end of the table. */
	ASSERT_EQ(8, RES(rd(&self->dev, self->bar, t - 4, buf, 8)));
	EXPECT_EQ(0, memcmp(buf + 4, ones, 4));
	ASSERT_EQ(8, RES(rd(&self->dev, self->bar, end - 4, buf, 8)));
	EXPECT_EQ(0, memcmp(buf, ones, 4));
	/* The PBA (clear: no vector pending) is readable. */
	ASSERT_EQ(8, RES(rd(&self->dev, self->bar, self->pba, &v64, 8)));
	EXPECT_EQ(0ull, v64);
	/* A bulk read across the whole table. */
	ASSERT_EQ(64, RES(rd(&self->dev, self->bar, end - 32, buf, 64)));
	EXPECT_EQ(0, memcmp(buf, ones, 32));
}

/* A 64-bit BAR: CAP is a 64-bit register, the upper half region is empty. */
TEST_F(nvme, bar64)
{
	uint32_t lo, hi;
	uint64_t cap;

	ASSERT_EQ(0, self->bar);
	ASSERT_EQ(8, RES(rd(&self->dev, 0, 0, &cap, 8)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, 0, &lo, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, 4, &hi, 4)));
	EXPECT_EQ(((uint64_t)hi << 32) | lo, cap);
	EXPECT_NE(0ull, cap);
	EXPECT_EQ(0ull, self->dev.regions[1].size);
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, 1, 0, &lo, 4)));
}

/* ---- e1000e: an I/O port BAR and an option ROM ------------------------ */

FIXTURE(e1000e) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(e1000e)
{
	vfio_setup_open_bound(_metadata, &self->dev, E1000E_VENDOR,
			      E1000E_DEVICE);
	TH_LOG("e1000e at %s, %s driver", self->dev.bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(e1000e)
{
	vfio_close(&self->dev);
}

/* IOADDR/IODATA reach the same register as BAR0 does; widths 1 to 8. */
TEST_F(e1000e, io_bar)
{
	struct vfio_region_info *ri = &self->dev.regions[E1000E_IO_BAR];
	uint32_t addr = E1000E_REG_STATUS, status, data;
	uint64_t both;
	uint16_t v16;
	uint8_t v8;

	ASSERT_EQ(32ull, ri->size);
	EXPECT_FALSE(!!(ri->flags & VFIO_REGION_INFO_FLAG_MMAP));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, E1000E_REG_STATUS, &status, 4)));

	ASSERT_EQ(4, RES(wr(&self->dev, E1000E_IO_BAR, 0, &addr, 4)));
	ASSERT_EQ(4, RES(rd(&self->dev, E1000E_IO_BAR, 4, &data, 4)));
	EXPECT_EQ(status, data);
	/* No 8-byte port access exists: both drivers split into two. */
	ASSERT_EQ(8, RES(rd(&self->dev, E1000E_IO_BAR, 0, &both, 8)));
	EXPECT_EQ(((uint64_t)status << 32) | addr, both);
	EXPECT_EQ(2, RES(rd(&self->dev, E1000E_IO_BAR, 0, &v16, 2)));
	EXPECT_EQ(1, RES(rd(&self->dev, E1000E_IO_BAR, 3, &v8, 1)));
	EXPECT_EQ(4, RES(rd(&self->dev, E1000E_IO_BAR, 28, &both, 8)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, E1000E_IO_BAR, 32, &both, 1)));

	/* Port accesses do not depend on memory decode. */
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	EXPECT_EQ(4, RES(rd(&self->dev, E1000E_IO_BAR, 4, &data, 4)));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
}

/* Enable the sysfs ROM file of @bdf and read it; returns its length. */
static ssize_t sysfs_rom(const char *bdf, uint8_t *buf, size_t len)
{
	char path[128];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/rom", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1) {
		close(fd);
		return -EIO;
	}
	while ((n = pread(fd, buf + got, len - got, got)) > 0)
		got += n;
	if (write(fd, "0", 1) != 1)
		got = -EIO;
	close(fd);
	return got;
}

/* Compare the ROM region with the sysfs copy: rest reads as all ones. */
static void check_rom(struct __test_metadata *_metadata,
		      const struct vfio_dev *dev)
{
	const struct vfio_region_info *ri = &dev->regions[VFIO_PCI_ROM_REGION_INDEX];
	uint8_t *rom, *ref;
	ssize_t reflen;
	size_t i;

	ASSERT_NE(0ull, ri->size);
	EXPECT_EQ((uint32_t)VFIO_REGION_INFO_FLAG_READ, ri->flags);
	rom = malloc(ri->size);
	ref = malloc(ri->size);
	ASSERT_TRUE(rom && ref);

	ASSERT_EQ((ssize_t)ri->size,
		  RES(rd(dev, VFIO_PCI_ROM_REGION_INDEX, 0, rom, ri->size)));
	EXPECT_EQ(0x55, rom[0]);
	EXPECT_EQ(0xaa, rom[1]);
	reflen = sysfs_rom(dev->bdf, ref, ri->size);
	ASSERT_LT(0, reflen);
	TH_LOG("ROM BAR 0x%llx bytes, image 0x%zx", (unsigned long long)ri->size,
	       (size_t)reflen);
	EXPECT_EQ(0, memcmp(rom, ref, reflen));
	for (i = reflen; i < ri->size && rom[i] == 0xff; i++)
		;
	EXPECT_EQ(ri->size, i);

	/* Unaligned pieces agree with the whole. */
	ASSERT_EQ(7, RES(rd(dev, VFIO_PCI_ROM_REGION_INDEX, 3, ref, 7)));
	EXPECT_EQ(0, memcmp(rom + 3, ref, 7));
	/* Read-only, bounded, cut short at the end. */
	EXPECT_EQ(-EINVAL, RES(wr(dev, VFIO_PCI_ROM_REGION_INDEX, 0, ref, 4)));
	EXPECT_EQ(-EINVAL, RES(rd(dev, VFIO_PCI_ROM_REGION_INDEX, ri->size, ref, 4)));
	EXPECT_EQ(4, RES(rd(dev, VFIO_PCI_ROM_REGION_INDEX, ri->size - 4, ref, 8)));
	EXPECT_EQ(0, RES(rd(dev, VFIO_PCI_ROM_REGION_INDEX, 0, ref, 0)));
	free(rom);
	free(ref);
}

TEST_F(e1000e, rom)
{
	check_rom(_metadata, &self->dev);
}

TEST_F(e1000e, rom_memory_decode_off)
{
	uint32_t v;

	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	/* Stock cannot map a ROM that does not decode: -ENOMEM. */
	EXPECT_EQ(vfio_driver_is_stock() ? -ENOMEM : -EIO,
		  RES(rd(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4)));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	ASSERT_EQ(4, RES(rd(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(0xaa55u, v & 0xffff);
}

/*
 * Accesses of several bounce-buffer chunks while the device is in low
 * power (LOW_POWER_ENTRY): the access wakes the device, and every chunk
 * finds it awake. The data is the same as in D0.
 *
 * The window holds SWSM, a semaphore taken by reading it: a read that
 * finds SMBI clear returns it clear and sets it. After boot the firmware
 * has left it taken, but e1000e's native driver gives it back (the device
 * may have been on it, vfio_tool_test puts it there), and the first
 * snapshot would then differ from the next. It is taken before the first
 * snapshot and put back as found at the end.
 */
TEST_F(e1000e, low_power_bulk)
{
	const size_t len = 3 * 4096 + 64, off = 0x5000;
	uint8_t *d0 = malloc(len), *lp = malloc(len);
	const int rom = VFIO_PCI_ROM_REGION_INDEX;
	uint32_t io_d0 = 0, io_lp = 0, swsm;

	ASSERT_TRUE(d0 && lp);
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	ASSERT_EQ(4, RES(rd(&self->dev, 0, E1000E_REG_SWSM, &swsm, 4)));
	ASSERT_EQ((ssize_t)len, RES(rd(&self->dev, 0, off, d0, len)));
	ASSERT_EQ(4, RES(rd(&self->dev, E1000E_IO_BAR, 0, &io_d0, 4)));

	ASSERT_EQ(0, vfio_low_power(self->dev.fd, true));
	ASSERT_TRUE(vfio_wait_power_state(self->dev.bdf, "D3hot"));
	memset(lp, 0, len);
	EXPECT_EQ((ssize_t)len, RES(rd(&self->dev, 0, off, lp, len)));
	EXPECT_EQ(0, memcmp(d0, lp, len));
	EXPECT_EQ((ssize_t)len, RES(wr(&self->dev, 0, off, d0, len)));
	EXPECT_EQ(4, RES(rd(&self->dev, E1000E_IO_BAR, 0, &io_lp, 4)));
	EXPECT_EQ(io_d0, io_lp);
	if (self->dev.regions[rom].size >= len) {
		EXPECT_EQ((ssize_t)len, RES(rd(&self->dev, rom, 0, lp, len)));
		EXPECT_EQ(0x55, lp[0]);
		EXPECT_EQ(0xaa, lp[1]);
	}
	EXPECT_TRUE(vfio_wait_power_state(self->dev.bdf, "D3hot"));
	ASSERT_EQ(0, vfio_low_power(self->dev.fd, false));
	EXPECT_TRUE(vfio_wait_power_state(self->dev.bdf, "D0"));
	memset(lp, 0, len);
	EXPECT_EQ((ssize_t)len, RES(rd(&self->dev, 0, off, lp, len)));
	EXPECT_EQ(0, memcmp(d0, lp, len));
	EXPECT_EQ(4, RES(wr(&self->dev, 0, E1000E_REG_SWSM, &swsm, 4)));
	free(d0);
	free(lp);
}

/* ---- pci-testdev: a 256-byte I/O port BAR ---------------------------- */

FIXTURE(testdev) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(testdev)
{
	vfio_setup_open_bound(_metadata, &self->dev, TESTDEV_VENDOR,
			      TESTDEV_DEVICE);
	TH_LOG("pci-testdev at %s, %s driver", self->dev.bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(testdev)
{
	vfio_close(&self->dev);
}

TEST_F(testdev, io_bar)
{
	struct vfio_region_info *ri = &self->dev.regions[TESTDEV_IO_BAR];
	uint8_t buf[512];
	int len;

	ASSERT_EQ(256ull, ri->size);
	for (len = 1; len <= 8; len *= 2)
		EXPECT_EQ(len, RES(rd(&self->dev, TESTDEV_IO_BAR, 0, buf, len)));
	EXPECT_EQ(3, RES(rd(&self->dev, TESTDEV_IO_BAR, 1, buf, 3)));
	EXPECT_EQ(256, RES(rd(&self->dev, TESTDEV_IO_BAR, 0, buf, sizeof(buf))));
	EXPECT_EQ(4, RES(rd(&self->dev, TESTDEV_IO_BAR, 252, buf, 8)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, TESTDEV_IO_BAR, 256, buf, 1)));
}

/* ---- std VGA: the legacy VGA region and a shadow ROM ---------------- */

FIXTURE(vga) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(vga)
{
	vfio_setup_open_bound(_metadata, &self->dev, VGA_VENDOR,
			      VGA_DEVICE);
	TH_LOG("std VGA at %s, %s driver", self->dev.bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(vga)
{
	vfio_close(&self->dev);
}

TEST_F(vga, region_info)
{
	struct vfio_region_info *ri = &self->dev.regions[VFIO_PCI_VGA_REGION_INDEX];

	EXPECT_EQ(0xc0000ull, ri->size);
	EXPECT_EQ((uint32_t)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
		  ri->flags);
}

TEST_F(vga, legacy_ranges)
{
	const int vga = VFIO_PCI_VGA_REGION_INDEX;
	uint64_t save, v64 = 0x0741074207430744ull, back;
	uint8_t misc, misc2, buf[32];

	/* The text frame buffer holds what is written to it. */
	ASSERT_EQ(8, RES(rd(&self->dev, vga, VGA_TEXT_BUF, &save, 8)));
	ASSERT_EQ(8, RES(wr(&self->dev, vga, VGA_TEXT_BUF, &v64, 8)));
	ASSERT_EQ(8, RES(rd(&self->dev, vga, VGA_TEXT_BUF, &back, 8)));
	EXPECT_EQ(v64, back);
	ASSERT_EQ(2, RES(rd(&self->dev, vga, VGA_TEXT_BUF + 2, &back, 2)));
	EXPECT_EQ(0x0743u, (uint16_t)back);
	ASSERT_EQ(8, RES(wr(&self->dev, vga, VGA_TEXT_BUF, &save, 8)));

	/* Ports: the misc output register reads back the same. */
	ASSERT_EQ(1, RES(rd(&self->dev, vga, VGA_MISC_OUT_R, &misc, 1)));
	ASSERT_EQ(1, RES(rd(&self->dev, vga, VGA_MISC_OUT_R, &misc2, 1)));
	EXPECT_EQ(misc, misc2);
	EXPECT_EQ(32, RES(rd(&self->dev, vga, 0x3c0, buf, 32)));
	EXPECT_EQ(12, RES(rd(&self->dev, vga, 0x3b0, buf, 12)));

	/* Between and outside the ranges: nothing. */
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, vga, 0x3bc, buf, 1)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, vga, 0x3af, buf, 1)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, vga, 0x3e0, buf, 1)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, vga, 0, buf, 4)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, vga, 0x9fffc, buf, 8)));
	EXPECT_EQ(-EINVAL, RES(rd(&self->dev, vga, 0xc0000, buf, 4)));
	/* Straddling the end of a range: cut short. */
	EXPECT_EQ(4, RES(rd(&self->dev, vga, 0x3b8, buf, 8)));
	EXPECT_EQ(2, RES(rd(&self->dev, vga, 0x3de, buf, 4)));
	EXPECT_EQ(4, RES(rd(&self->dev, vga, 0xbfffc, buf, 8)));
}

/* The std VGA's ROM is the shadow copy at 0xc0000. */
TEST_F(vga, shadow_rom)
{
	check_rom(_metadata, &self->dev);
}

/*
 * The boot VGA's ROM is a shadow copy in RAM. With memory decode off its
 * image does not read (EIO, as a BAR), but the rest of the ROM region,
 * past the image, reads as all ones: that needs nothing of the device.
 */
TEST_F(vga, shadow_rom_decode_off)
{
	struct vfio_region_info *ri =
		&self->dev.regions[VFIO_PCI_ROM_REGION_INDEX];
	uint32_t v = 0;

	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	EXPECT_EQ(-EIO, RES(rd(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(4, RES(rd(&self->dev, VFIO_PCI_ROM_REGION_INDEX, ri->size - 4,
			    &v, 4)));
	EXPECT_EQ(0xffffffffu, v);
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	ASSERT_EQ(4, RES(rd(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4)));
	EXPECT_EQ(0xaa55u, v & 0xffff);
}

TEST_HARNESS_MAIN
