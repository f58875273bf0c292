// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_IOEVENTFD: an eventfd that, when signalled, writes a fixed
 * value of 1, 2, 4 or 8 bytes at a BAR offset.
 *
 * The effect is watched on edu: its liveness register (0x04) reads back
 * the bitwise NOT of the last 4-byte write, and ignores narrower ones; its
 * DMA source address (0x80) is a 64-bit register. Also nvme (the MSI-X
 * table is off limits) and e1000e (an I/O port BAR).
 *
 * Checked on both drivers. Ours writes an 8-byte value as one 8-byte
 * transaction and reads it back the same way; stock reads 8 bytes as two
 * 4-byte halves, so there only the low half can be compared.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

#define VFIO_PCI_INDEX_TO_OFFSET(index)	((uint64_t)(index) << 40)

#define NVME_VENDOR		0x1b36
#define NVME_DEVICE		0x0010

#define E1000E_VENDOR		0x8086
#define E1000E_DEVICE		0x10d3
#define E1000E_IO_BAR		2	/* IOADDR at 0 */
#define E1000E_REG_RDBAL0	0x2800	/* receive descriptor base, low */

/* The per-device limit of the uAPI implementation (both drivers). */
#define IOEVENTFD_MAX		1000

/* The VFIO_DEVICE_IOEVENTFD size flag of an @n byte write. */
static uint32_t SZ(unsigned int n)
{
	switch (n) {
	case 1:
		return VFIO_DEVICE_IOEVENTFD_8;
	case 2:
		return VFIO_DEVICE_IOEVENTFD_16;
	case 4:
		return VFIO_DEVICE_IOEVENTFD_32;
	default:
		return VFIO_DEVICE_IOEVENTFD_64;
	}
}

/* VFIO_DEVICE_IOEVENTFD: 0 or -errno. */
static int ioeventfd(int devfd, uint32_t flags, int index, uint64_t off,
		     uint64_t data, int fd)
{
	struct vfio_device_ioeventfd e = {
		.argsz = sizeof(e),
		.flags = flags,
		.offset = VFIO_PCI_INDEX_TO_OFFSET(index) + off,
		.data = data,
		.fd = fd,
	};

	return ioctl(devfd, VFIO_DEVICE_IOEVENTFD, &e) ? -errno : 0;
}

static int signal_efd(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static uint32_t rd32(const struct vfio_dev *dev, int index, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	if (pread(dev->fd, &v, 4, VFIO_PCI_INDEX_TO_OFFSET(index) + off) != 4)
		return 0xdeadbeef;
	return v;
}

static void wr32(const struct vfio_dev *dev, int index, uint64_t off,
		 uint32_t v)
{
	if (pwrite(dev->fd, &v, 4, VFIO_PCI_INDEX_TO_OFFSET(index) + off) != 4)
		ksft_print_msg("write at 0x%llx failed: %s\n",
			       (unsigned long long)off, strerror(errno));
}

/*
 * Wait up to a second for the 4-byte register at @off of BAR @index to
 * read @want: the write may be deferred to a worker. Returns the last
 * value read.
 */
static uint32_t wait32(const struct vfio_dev *dev, int index, uint64_t off,
		       uint32_t want)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint32_t v = 0;
	int i;

	for (i = 0; i < 100; i++) {
		v = rd32(dev, index, off);
		if (v == want)
			break;
		nanosleep(&ts, NULL);
	}
	return v;
}

/* Let a deferred write land before concluding that none happened. */
static void settle(void)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

FIXTURE(edu) {
	struct vfio_dev dev;
	int efd;
};

FIXTURE_SETUP(edu)
{
	self->efd = -1;
	vfio_setup_open_bound(_metadata, &self->dev, EDU_VENDOR,
			      EDU_DEVICE);
	TH_LOG("edu at %s, %s driver", self->dev.bdf, vfio_driver_name());
	self->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
	wr32(&self->dev, 0, EDU_REG_LIVENESS, 0);
}

FIXTURE_TEARDOWN(edu)
{
	vfio_close(&self->dev);
	if (self->efd >= 0)
		close(self->efd);
}

/* Each signal performs the write; unregistering stops it. */
TEST_F(edu, write_on_signal)
{
	const int fd = self->dev.fd;

	ASSERT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 0x1234, self->efd));
	ASSERT_EQ(0, signal_efd(self->efd));
	EXPECT_EQ(~0x1234u, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~0x1234u));

	/* Again after userspace changed the register. */
	wr32(&self->dev, 0, EDU_REG_LIVENESS, 0x77);
	ASSERT_EQ(0, signal_efd(self->efd));
	EXPECT_EQ(~0x1234u, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~0x1234u));

	ASSERT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 0x1234, -1));
	wr32(&self->dev, 0, EDU_REG_LIVENESS, 0x77);
	ASSERT_EQ(0, signal_efd(self->efd));
	settle();
	EXPECT_EQ(~0x77u, rd32(&self->dev, 0, EDU_REG_LIVENESS));
}

/* A signal pending before registration is acted on at registration. */
TEST_F(edu, pending_signal)
{
	ASSERT_EQ(0, signal_efd(self->efd));
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 0xabc,
			       self->efd));
	EXPECT_EQ(~0xabcu, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~0xabcu));
}

/* The access width is the registered one. */
TEST_F(edu, widths)
{
	const int fd = self->dev.fd;
	uint64_t v64 = 0;
	int efd8 = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd8);
	/* edu drops 1 and 2-byte writes to a 32-bit register. */
	wr32(&self->dev, 0, EDU_REG_LIVENESS, 0x55);
	ASSERT_EQ(0, ioeventfd(fd, SZ(1), 0, EDU_REG_LIVENESS, 0x11, self->efd));
	ASSERT_EQ(0, ioeventfd(fd, SZ(2), 0, EDU_REG_LIVENESS, 0x2222, self->efd));
	ASSERT_EQ(0, signal_efd(self->efd));
	settle();
	EXPECT_EQ(~0x55u, rd32(&self->dev, 0, EDU_REG_LIVENESS));

	/* An 8-byte write to a 64-bit register. */
	ASSERT_EQ(0, ioeventfd(fd, SZ(8), 0, EDU_DMA_SRC,
			       0x1122334455667788ull, efd8));
	ASSERT_EQ(0, signal_efd(efd8));
	EXPECT_EQ(0x55667788u, wait32(&self->dev, 0, EDU_DMA_SRC, 0x55667788u));
	ASSERT_EQ(8, pread(fd, &v64, 8, EDU_DMA_SRC));
	if (vfio_driver_is_stock()) {
		EXPECT_EQ(0x55667788u, (uint32_t)v64);
	} else {
		EXPECT_EQ(0x1122334455667788ull, v64);
	}
	close(efd8);
}

/* Duplicates and unregistering: offset, data and size must all match. */
TEST_F(edu, duplicates)
{
	const int fd = self->dev.fd;
	int efd2 = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, self->efd));
	EXPECT_EQ(-EEXIST, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, self->efd));
	EXPECT_EQ(-EEXIST, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, efd2));
	/* Another value, size or offset is another ioeventfd. */
	EXPECT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 2, self->efd));
	EXPECT_EQ(0, ioeventfd(fd, SZ(2), 0, EDU_REG_LIVENESS, 1, self->efd));
	EXPECT_EQ(0, ioeventfd(fd, SZ(4), 0, 0x08, 1, self->efd));

	EXPECT_EQ(-ENODEV, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 3, -1));
	EXPECT_EQ(-ENODEV, ioeventfd(fd, SZ(1), 0, EDU_REG_LIVENESS, 1, -1));
	EXPECT_EQ(-ENODEV, ioeventfd(fd, SZ(4), 0, 0x0c, 1, -1));
	EXPECT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, -1));
	EXPECT_EQ(-ENODEV, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, -1));
	/* Gone, so it can come back. */
	EXPECT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, efd2));
	close(efd2);
}

TEST_F(edu, bad_input)
{
	struct vfio_device_ioeventfd e = {
		/* One byte short of the fd field. */
		.argsz = offsetof(struct vfio_device_ioeventfd, fd) + 3,
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = EDU_REG_LIVENESS,
		.fd = self->efd,
	};
	const int fd = self->dev.fd, efd = self->efd;
	uint64_t size = self->dev.regions[0].size;
	int null;

	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_IOEVENTFD, &e));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_IOEVENTFD, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Exactly one size flag, nothing else. */
	EXPECT_EQ(-EINVAL, ioeventfd(fd, 0, 0, EDU_REG_LIVENESS, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(1) | SZ(2), 0, EDU_REG_LIVENESS, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4) | 0x10, 0, EDU_REG_LIVENESS, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, 1u << 31, 0, EDU_REG_LIVENESS, 1, efd));

	/* Inside a BAR the device has. */
	EXPECT_EQ(0, ioeventfd(fd, SZ(4), 0, size - 4, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(8), 0, size - 4, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), 0, size, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), 0, (1ull << 40) - 4, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), VFIO_PCI_BAR1_REGION_INDEX, 0, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), VFIO_PCI_ROM_REGION_INDEX, 0, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), VFIO_PCI_CONFIG_REGION_INDEX, 0, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), VFIO_PCI_VGA_REGION_INDEX, 0, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), VFIO_PCI_NUM_REGIONS, 0, 1, efd));

	/* An eventfd, or -1 to unregister. */
	EXPECT_EQ(-EBADF, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, 999));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, -2));
	null = open("/dev/null", O_RDWR);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, null));
	close(null);
	/* Failed registrations left nothing behind. */
	EXPECT_EQ(-ENODEV, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, -1));
}

/*
 * Offsets whose region index has the top bit set: negative as a signed
 * 64-bit number, so an index computed on loff_t would be negative too and
 * pick an array slot before the BARs. Each must be -EINVAL and nothing
 * else. Stock computes the index on a signed offset: the first one oopses
 * in its VFIO_DEVICE_IOEVENTFD (a page fault reading far before the BAR
 * array), so these are not tried there.
 */
TEST_F(edu, offset_top_bit)
{
	static const uint64_t bad[] = {
		0x8000000000000000ull | EDU_REG_LIVENESS,
		0x8000000000000000ull,
		0xfffffe0000000000ull,			/* index -2 */
		0xffffff0000000000ull | EDU_REG_LIVENESS,	/* index -1 */
		0xfffffffffffffff8ull,
		0xfffffa0000000000ull,			/* index -6 */
	};
	const int fd = self->dev.fd, efd = self->efd;
	unsigned int i, n;

	if (vfio_driver_is_stock())
		SKIP(return, "stock oopses on these (a negative BAR index), not tried");

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (n = 1; n <= 8; n <<= 1) {
			EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(n), 0, bad[i], 1, efd))
				TH_LOG("offset 0x%llx, %u bytes",
				       (unsigned long long)bad[i], n);
			EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(n), 0, bad[i], 1, -1))
				TH_LOG("offset 0x%llx, %u bytes, unregister",
				       (unsigned long long)bad[i], n);
		}
	}
	/* Nothing was registered, BAR0 still works. */
	EXPECT_EQ(0, ioeventfd(fd, SZ(4), 0, EDU_REG_LIVENESS, 1, efd));
	ASSERT_EQ(0, signal_efd(efd));
	EXPECT_EQ(~1u, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~1u));
}

/*
 * Region indices past the BARs, up to the largest positive one, and
 * registers that end past the BAR (the last byte of the 2^40 window
 * included). -EINVAL on both drivers.
 */
TEST_F(edu, offset_range)
{
	static const uint64_t index[] = {
		VFIO_PCI_ROM_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX,
		VFIO_PCI_VGA_REGION_INDEX, VFIO_PCI_NUM_REGIONS, 0x10, 0xffff,
		0x7fffff,
	};
	const uint64_t size = self->dev.regions[0].size;
	const int fd = self->dev.fd, efd = self->efd;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(index); i++)
		for (n = 1; n <= 8; n <<= 1)
			EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(n), 0,
						     (index[i] << 40) | EDU_REG_LIVENESS,
						     1, efd))
				TH_LOG("index 0x%llx, %u bytes",
				       (unsigned long long)index[i], n);
	for (n = 1; n <= 8; n <<= 1) {
		EXPECT_EQ(0, ioeventfd(fd, SZ(n), 0, size - n, 1, efd))
			TH_LOG("%u bytes at the end", n);
		EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(n), 0, size - n + 1, 1, efd))
			TH_LOG("%u bytes crossing the end", n);
		EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(n), 0, (1ull << 40) - 1, 1, efd))
			TH_LOG("%u bytes at the end of the window", n);
		EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(n), 0, 0xffffffffffull, 1, -1))
			TH_LOG("%u bytes at the end of the window, unregister", n);
	}
	/* No size, or sizes that are not one of 1, 2, 4, 8. */
	EXPECT_EQ(-EINVAL, ioeventfd(fd, 0, 0, EDU_REG_LIVENESS, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(2) | SZ(4), 0, EDU_REG_LIVENESS, 1, efd));
	EXPECT_EQ(-EINVAL, ioeventfd(fd, SZ(1) | SZ(2) | SZ(4) | SZ(8), 0,
				     EDU_REG_LIVENESS, 1, efd));
}

/* With memory decode off, the write is dropped, not a bus error. */
TEST_F(edu, memory_decode_off)
{
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 0x42,
			       self->efd));
	wr32(&self->dev, 0, EDU_REG_LIVENESS, 0x55);
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	ASSERT_EQ(0, signal_efd(self->efd));
	settle();
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	EXPECT_EQ(~0x55u, rd32(&self->dev, 0, EDU_REG_LIVENESS));

	ASSERT_EQ(0, signal_efd(self->efd));
	EXPECT_EQ(~0x42u, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~0x42u));
}

/* The per-device limit, with every ioeventfd on one eventfd. */
TEST_F(edu, limit)
{
	int i, ret = 0;

	for (i = 0; i < IOEVENTFD_MAX && !ret; i++)
		ret = ioeventfd(self->dev.fd, SZ(4), 0, 0x100, i, self->efd);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(-ENOSPC, ioeventfd(self->dev.fd, SZ(4), 0, 0x100, i, self->efd));
	/* Removing one makes room for one. */
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, 0x100, 7, -1));
	EXPECT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, 0x100, i, self->efd));
}

/* Closing the eventfd detaches it; the registration itself stays. */
TEST_F(edu, eventfd_closed)
{
	int efd2 = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 9, efd2));
	close(efd2);
	settle();
	EXPECT_EQ(-EEXIST, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 9,
				     self->efd));
	EXPECT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 9, -1));
}

/* Closing the device removes them all. */
TEST_F(edu, released_on_close)
{
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 0x99,
			       self->efd));
	close(self->dev.fd);
	self->dev.fd = ioctl(self->dev.group, VFIO_GROUP_GET_DEVICE_FD, self->dev.bdf);
	ASSERT_LE(0, self->dev.fd);

	wr32(&self->dev, 0, EDU_REG_LIVENESS, 0x55);
	ASSERT_EQ(0, signal_efd(self->efd));
	settle();
	EXPECT_EQ(~0x55u, rd32(&self->dev, 0, EDU_REG_LIVENESS));
	EXPECT_EQ(-ENODEV, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS,
				     0x99, -1));
	EXPECT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 0x99,
			       self->efd));
}

/* A device reset leaves the registrations in place. */
TEST_F(edu, kept_across_reset)
{
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 0x5150,
			       self->efd));
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	ASSERT_EQ(0, signal_efd(self->efd));
	EXPECT_EQ(~0x5150u, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~0x5150u));
	EXPECT_EQ(-EEXIST, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS,
				     0x5150, self->efd));
}

/* Many signals in a row: each one writes, the last one wins. */
TEST_F(edu, many_signals)
{
	int i;

	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), 0, EDU_REG_LIVENESS, 0xf00d,
			       self->efd));
	for (i = 0; i < 1000; i++) {
		wr32(&self->dev, 0, EDU_REG_LIVENESS, i);
		ASSERT_EQ(0, signal_efd(self->efd));
	}
	EXPECT_EQ(~0xf00du, wait32(&self->dev, 0, EDU_REG_LIVENESS, ~0xf00du));
}

/* ---- nvme: the MSI-X table is off limits ---------------------------- */

FIXTURE(nvme) {
	struct vfio_dev dev;
	int efd;
};

FIXTURE_SETUP(nvme)
{
	self->efd = -1;
	vfio_setup_open_bound(_metadata, &self->dev, NVME_VENDOR,
			      NVME_DEVICE);
	TH_LOG("nvme at %s, %s driver", self->dev.bdf, vfio_driver_name());
	self->efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(nvme)
{
	vfio_close(&self->dev);
	if (self->efd >= 0)
		close(self->efd);
}

TEST_F(nvme, msix_table)
{
	uint32_t table, pba, t, end;
	uint16_t flags;
	int bar, pos;

	pos = vfio_find_cap(&self->dev, PCI_CAP_ID_MSIX);
	ASSERT_NE(0, pos);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, pos + PCI_MSIX_FLAGS, &flags));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, pos + PCI_MSIX_TABLE, &table));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, pos + PCI_MSIX_PBA, &pba));
	bar = table & PCI_MSIX_TABLE_BIR;
	t = table & PCI_MSIX_TABLE_OFFSET;
	end = t + ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;

	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(4), bar, t, 0, self->efd));
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(4), bar, end - 4, 0, self->efd));
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(8), bar, t - 4, 0, self->efd));
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(2), bar, end - 1, 0, self->efd));
	EXPECT_EQ(0, ioeventfd(self->dev.fd, SZ(4), bar, t - 4, 0, self->efd));
	EXPECT_EQ(0, ioeventfd(self->dev.fd, SZ(4), bar, end, 0, self->efd));
	EXPECT_EQ(0, ioeventfd(self->dev.fd, SZ(8), bar, pba & PCI_MSIX_PBA_OFFSET,
			       0, self->efd));
}

/* The upper half of a 64-bit BAR is a region of length 0. */
TEST_F(nvme, bar64_upper_half)
{
	ASSERT_EQ(0ull, self->dev.regions[1].size);
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(4), 1, 0, 0, self->efd));
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(1), 1, 0, 0, self->efd));
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(4), 1, 0, 0, -1));
}

/* ---- e1000e: an I/O port BAR, power management ---------------------- */

FIXTURE(e1000e) {
	struct vfio_dev dev;
	int efd;
};

FIXTURE_SETUP(e1000e)
{
	self->efd = -1;
	vfio_setup_open_bound(_metadata, &self->dev, E1000E_VENDOR,
			      E1000E_DEVICE);
	TH_LOG("e1000e at %s, %s driver", self->dev.bdf, vfio_driver_name());
	self->efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(e1000e)
{
	vfio_close(&self->dev);
	if (self->efd >= 0)
		close(self->efd);
}

/* IOADDR takes the value; port writes do not depend on memory decode. */
TEST_F(e1000e, io_bar)
{
	wr32(&self->dev, E1000E_IO_BAR, 0, 0);
	ASSERT_EQ(0, ioeventfd(self->dev.fd, SZ(4), E1000E_IO_BAR, 0, 0x10, self->efd));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	ASSERT_EQ(0, signal_efd(self->efd));
	EXPECT_EQ(0x10u, wait32(&self->dev, E1000E_IO_BAR, 0, 0x10));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	EXPECT_EQ(-EINVAL, ioeventfd(self->dev.fd, SZ(8), E1000E_IO_BAR,
				     self->dev.regions[E1000E_IO_BAR].size - 4, 0,
				     self->efd));
}

/*
 * In low power (LOW_POWER_ENTRY, the device in D3hot), a signalled
 * ioeventfd must not reach the device: a device in D3hot only answers
 * config cycles. The write is dropped, as with memory decode off, and
 * the device stays in D3hot. Watched on RDBAL0 (BAR0), a plain register
 * nothing else writes while the device is unused, and on IOADDR (the I/O
 * port BAR): QEMU's e1000e takes writes in D3hot, so a write that got
 * through shows up after LOW_POWER_EXIT.
 */
TEST_F(e1000e, low_power)
{
	const uint32_t before = 0x12340000, written = 0x56780000;
	const int fd = self->dev.fd;
	int efd_io = eventfd(0, EFD_NONBLOCK);

	ASSERT_LE(0, efd_io);
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	wr32(&self->dev, 0, E1000E_REG_RDBAL0, before);
	ASSERT_EQ(before, rd32(&self->dev, 0, E1000E_REG_RDBAL0));
	wr32(&self->dev, E1000E_IO_BAR, 0, 0x10);
	ASSERT_EQ(0x10u, rd32(&self->dev, E1000E_IO_BAR, 0));
	ASSERT_EQ(0, ioeventfd(fd, SZ(4), 0, E1000E_REG_RDBAL0, written, self->efd));
	ASSERT_EQ(0, ioeventfd(fd, SZ(4), E1000E_IO_BAR, 0, 0x18, efd_io));

	ASSERT_EQ(0, vfio_low_power(fd, true));
	ASSERT_TRUE(vfio_wait_power_state(self->dev.bdf, "D3hot"));
	ASSERT_EQ(0, signal_efd(self->efd));
	ASSERT_EQ(0, signal_efd(efd_io));
	settle();
	EXPECT_TRUE(vfio_wait_power_state(self->dev.bdf, "D3hot"));
	ASSERT_EQ(0, vfio_low_power(fd, false));
	EXPECT_TRUE(vfio_wait_power_state(self->dev.bdf, "D0"));

	if (vfio_driver_is_stock()) {
		/* Stock drops the memory write but lets the port write through. */
		EXPECT_EQ(before, rd32(&self->dev, 0, E1000E_REG_RDBAL0));
		EXPECT_EQ(0x18u, rd32(&self->dev, E1000E_IO_BAR, 0));
	} else {
		EXPECT_EQ(before, rd32(&self->dev, 0, E1000E_REG_RDBAL0));
		EXPECT_EQ(0x10u, rd32(&self->dev, E1000E_IO_BAR, 0));
	}

	/* Back in D0 the ioeventfds write again. */
	ASSERT_EQ(0, signal_efd(self->efd));
	EXPECT_EQ(written, wait32(&self->dev, 0, E1000E_REG_RDBAL0, written));
	wr32(&self->dev, E1000E_IO_BAR, 0, 0x10);
	ASSERT_EQ(0, signal_efd(efd_io));
	EXPECT_EQ(0x18u, wait32(&self->dev, E1000E_IO_BAR, 0, 0x18));
	close(efd_io);
}

TEST_HARNESS_MAIN
