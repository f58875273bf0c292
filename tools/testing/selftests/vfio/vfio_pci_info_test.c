// SPDX-License-Identifier: GPL-2.0
/*
 * Device, region and interrupt information of every device of the vm-run
 * zoo, checked against what sysfs says about the device, and the refusal
 * of bad input to the device fd's ioctls, read and write.
 *
 * Needs the zoo bound to vfio-pci: run it with vm-run (ours and --stock).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

/*
 * Where region @index starts in the device fd. Both drivers place regions
 * 2^40 bytes apart; the tests that rely on it check it against the offsets
 * GET_REGION_INFO reports.
 */
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((uint64_t)(index) << 40)

/* The parts of /sys/bus/pci/devices/BDF/resource line @index. */
static int sysfs_resource(const char *bdf, int index, uint64_t *start,
			  uint64_t *size, uint64_t *flags)
{
	char path[128], line[128];
	uint64_t end;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	for (i = 0; i <= index; i++) {
		if (!fgets(line, sizeof(line), f)) {
			fclose(f);
			return -EIO;
		}
	}
	fclose(f);
	if (sscanf(line, "%lx %lx %lx", start, &end, flags) != 3)
		return -EIO;
	*size = *start || end ? end - *start + 1 : 0;
	return 0;
}

#define IORESOURCE_IO		0x00000100
#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_ROM_SHADOW	0x00020000

FIXTURE(zoo) {
	struct vfio_dev dev;
	bool present;
};

FIXTURE_VARIANT(zoo) {
	uint16_t vendor;
	uint16_t device;
	bool vga;
};

FIXTURE_VARIANT_ADD(zoo, edu) { .vendor = 0x1234, .device = 0x11e8 };
FIXTURE_VARIANT_ADD(zoo, nvme) { .vendor = 0x1b36, .device = 0x0010 };
FIXTURE_VARIANT_ADD(zoo, e1000e) { .vendor = 0x8086, .device = 0x10d3 };
FIXTURE_VARIANT_ADD(zoo, testdev) { .vendor = 0x1b36, .device = 0x0005 };
FIXTURE_VARIANT_ADD(zoo, vga) { .vendor = 0x1234, .device = 0x1111, .vga = true };

FIXTURE_SETUP(zoo)
{
	vfio_setup_open_bound(_metadata, &self->dev, variant->vendor,
			      variant->device);
	TH_LOG("%04x:%04x at %s, %s driver", variant->vendor, variant->device,
	       self->dev.bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(zoo)
{
	vfio_close(&self->dev);
}

TEST_F(zoo, device_info)
{
	struct {
		struct vfio_device_info info;
		uint32_t canary;
	} buf;
	char reset_method[128];
	bool can_reset;

	can_reset = vfio_sysfs_read(self->dev.bdf, "reset_method", reset_method,
				    sizeof(reset_method)) > 0;
	TH_LOG("reset_method: %s", can_reset ? reset_method : "(none)");

	memset(&buf, 0xa5, sizeof(buf));
	buf.info.argsz = sizeof(buf.info);
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &buf));
	EXPECT_EQ(sizeof(buf.info), buf.info.argsz);
	EXPECT_EQ((uint32_t)(VFIO_DEVICE_FLAGS_PCI |
			     (can_reset ? VFIO_DEVICE_FLAGS_RESET : 0)),
		  buf.info.flags);
	EXPECT_EQ((uint32_t)VFIO_PCI_NUM_REGIONS, buf.info.num_regions);
	EXPECT_EQ((uint32_t)VFIO_PCI_NUM_IRQS, buf.info.num_irqs);
	/* No capability applies to these devices. */
	EXPECT_EQ(0u, buf.info.cap_offset);
	EXPECT_EQ(0xa5a5a5a5u, buf.canary);

	/* A caller from before cap_offset existed: nothing written past num_irqs. */
	memset(&buf, 0xa5, sizeof(buf));
	buf.info.argsz = offsetof(struct vfio_device_info, cap_offset);
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &buf));
	EXPECT_EQ((uint32_t)VFIO_PCI_NUM_IRQS, buf.info.num_irqs);
	EXPECT_EQ(0xa5a5a5a5u, buf.info.cap_offset);

	/* Too short for num_irqs: refused. */
	buf.info.argsz = offsetof(struct vfio_device_info, num_irqs);
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &buf));
	EXPECT_EQ(EINVAL, errno);
	buf.info.argsz = 0;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &buf));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* The PCI Express capability's offset in @cfg (4 KiB of config), 0 if none. */
static unsigned int pcie_cap(const uint8_t *cfg)
{
	unsigned int pos = cfg[PCI_CAPABILITY_LIST] & ~3u, n;

	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	for (n = 0; pos >= 0x40 && n < 48; n++) {
		if (cfg[pos] == PCI_CAP_ID_EXP)
			return pos;
		pos = cfg[pos + 1] & ~3u;
	}
	return 0;
}

#define ATOMIC_COMP_BITS	(PCI_EXP_DEVCAP2_ATOMIC_COMP32 | \
				 PCI_EXP_DEVCAP2_ATOMIC_COMP64 | \
				 PCI_EXP_DEVCAP2_ATOMIC_COMP128)

/*
 * The AtomicOp completer widths (DEVCAP2 bits) a VFIO driver should report
 * for @bdf, from sysfs: the widths the function advertises, narrowed to
 * those its root port completes. Handles the zoo's shapes: a device on the
 * root bus, or right below a root port; -1 for anything else.
 */
static int expected_atomic_widths(const char *bdf)
{
	char path[256], parent[256], *slash;
	uint8_t cfg[4096];
	unsigned int pos;
	uint32_t devcap2, rp_devcap2;
	uint16_t flags;

	if (vfio_sysfs_config_dump(bdf, cfg, sizeof(cfg)) < 0x100)
		return -1;
	pos = pcie_cap(cfg);
	if (!pos)
		return 0;
	memcpy(&devcap2, cfg + pos + PCI_EXP_DEVCAP2, 4);
	devcap2 &= ATOMIC_COMP_BITS;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (!realpath(path, parent))
		return -1;
	slash = strrchr(parent, '/');
	if (!slash)
		return -1;
	*slash = 0;
	slash = strrchr(parent, '/');
	if (!slash || !strncmp(slash + 1, "pci", 3))
		return devcap2;		/* on the root bus */
	if (vfio_sysfs_config_dump(slash + 1, cfg, sizeof(cfg)) < 0x100)
		return -1;
	pos = pcie_cap(cfg);
	if (!pos)
		return -1;
	memcpy(&flags, cfg + pos + PCI_EXP_FLAGS, 2);
	if (((flags & PCI_EXP_FLAGS_TYPE) >> 4) != PCI_EXP_TYPE_ROOT_PORT)
		return -1;
	memcpy(&rp_devcap2, cfg + pos + PCI_EXP_DEVCAP2, 4);
	return devcap2 & rp_devcap2;
}

/*
 * The capability chain of GET_INFO: where the uAPI has the PCIe AtomicOp
 * completion capability (6.8), it is there exactly when the device and its
 * root port complete some width, with those widths; no other capability
 * applies to the zoo. A caller with too little room is told how much.
 */
TEST_F(zoo, device_info_caps)
{
	struct {
		struct vfio_device_info info;
		uint8_t caps[256];
	} buf;
	int widths = expected_atomic_widths(self->dev.bdf);
	uint32_t want = 0, off, seen = 0;

	if (widths < 0)
		SKIP(return, "%s: not a device shape this test knows",
		     self->dev.bdf);
	if (vfio_kernel_at_least(6, 8)) {
		if (widths & PCI_EXP_DEVCAP2_ATOMIC_COMP32)
			want |= 1;
		if (widths & PCI_EXP_DEVCAP2_ATOMIC_COMP64)
			want |= 2;
		if (widths & PCI_EXP_DEVCAP2_ATOMIC_COMP128)
			want |= 4;
	}
	TH_LOG("AtomicOp completer widths 0x%x, capability flags expected 0x%x",
	       widths, want);

	memset(&buf, 0, sizeof(buf));
	buf.info.argsz = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &buf));
	EXPECT_EQ(sizeof(buf), buf.info.argsz);
	EXPECT_EQ(!!want, !!(buf.info.flags & VFIO_DEVICE_FLAGS_CAPS));
	for (off = buf.info.cap_offset; off; ) {
		struct vfio_info_cap_header *h = (void *)((uint8_t *)&buf + off);

		ASSERT_LE(sizeof(buf.info), off);
		ASSERT_GE(sizeof(buf) - sizeof(*h), off);
		/* 5: VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP, flags after the header */
		ASSERT_EQ(5, h->id);
		EXPECT_EQ(1, h->version);
		memcpy(&seen, (uint8_t *)h + sizeof(*h), sizeof(seen));
		off = h->next;
	}
	EXPECT_EQ(want, seen);

	if (want) {
		buf.info.argsz = sizeof(buf.info);
		ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &buf));
		EXPECT_LT(sizeof(buf.info), buf.info.argsz);
		EXPECT_EQ(0u, buf.info.cap_offset);
	}
}

TEST_F(zoo, bar_regions)
{
	long page = sysconf(_SC_PAGESIZE);
	int i;

	for (i = 0; i < 6; i++) {
		uint64_t start, size, flags;
		struct vfio_region_info *r;
		uint32_t want;

		ASSERT_EQ(0, sysfs_resource(self->dev.bdf, i, &start, &size, &flags));
		ASSERT_EQ(0, vfio_region_info(self->dev.fd, i, &r));
		TH_LOG("BAR%d: sysfs size %#lx flags %#lx; region size %#llx flags %#x",
		       i, size, flags, (unsigned long long)r->size, r->flags);
		EXPECT_EQ((uint32_t)i, r->index);
		EXPECT_EQ(size, r->size);
		EXPECT_EQ(VFIO_PCI_INDEX_TO_OFFSET(i), r->offset);

		want = 0;
		if (size)
			want = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		if ((flags & IORESOURCE_MEM) && size >= (uint64_t)page)
			want |= VFIO_REGION_INFO_FLAG_MMAP;
		EXPECT_EQ(want, r->flags & ~VFIO_REGION_INFO_FLAG_CAPS);
		free(r);
	}
}

TEST_F(zoo, rom_region)
{
	uint64_t start, size, flags;
	struct vfio_region_info *r;

	ASSERT_EQ(0, sysfs_resource(self->dev.bdf, 6, &start,
				    &size, &flags));
	ASSERT_EQ(0, vfio_region_info(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, &r));
	TH_LOG("ROM: sysfs size %#lx flags %#lx; region size %#llx flags %#x",
	       size, flags, (unsigned long long)r->size, r->flags);
	EXPECT_EQ(VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX), r->offset);
	if (r->size) {
		/* Read-only, and as big as the ROM BAR (or a shadow copy). */
		EXPECT_EQ((uint32_t)VFIO_REGION_INFO_FLAG_READ, r->flags);
		if (!(flags & IORESOURCE_ROM_SHADOW))
			EXPECT_EQ(size, r->size);
	} else {
		EXPECT_EQ(0u, r->flags);
	}
	free(r);
}

/*
 * Asking for the ROM region's size while another thread of the user reads
 * the ROM must not disturb the read: ours sizes the ROM once, when the
 * device is registered. Stock maps and unmaps the ROM for each query,
 * which can turn the ROM's decode off under a read in progress: its
 * mismatches are logged, not checked.
 */
TEST_F(zoo, rom_read_while_sized)
{
	/*
	 * Stock's reads crawl under the concurrent remapping, and its result
	 * is only logged: a few reads show it without risking the time limit.
	 */
	const int reads = vfio_driver_is_stock() ? 3 : 20;
	struct vfio_region_info *r;
	int i, bad = 0, status;
	uint8_t *ref, *buf;
	uint64_t size;
	pid_t child;

	ASSERT_EQ(0, vfio_region_info(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, &r));
	size = r->size;
	free(r);
	if (!size)
		SKIP(return, "no ROM");
	ref = malloc(size);
	buf = malloc(size);
	ASSERT_NE(NULL, ref);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0,
				      ref, size));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		struct vfio_region_info info = {
			.argsz = sizeof(info),
			.index = VFIO_PCI_ROM_REGION_INDEX,
		};

		/* Should the harness kill the test, the device fd goes too. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			if (ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info))
				_exit(1);
	}
	for (i = 0; i < reads; i++) {
		memset(buf, 0, size);
		if (vfio_region_read(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0,
				     buf, size) || memcmp(ref, buf, size))
			bad++;
	}
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	TH_LOG("%d of %d ROM reads disturbed by concurrent size queries", bad, i);
	if (!vfio_driver_is_stock())
		EXPECT_EQ(0, bad);
	free(ref);
	free(buf);
}

TEST_F(zoo, config_region)
{
	struct vfio_region_info *r;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", self->dev.bdf);
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0, vfio_region_info(self->dev.fd, VFIO_PCI_CONFIG_REGION_INDEX, &r));
	EXPECT_EQ((uint64_t)st.st_size, r->size);
	EXPECT_EQ((uint32_t)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
		  r->flags);
	EXPECT_EQ(VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX), r->offset);
	free(r);
}

TEST_F(zoo, vga_region)
{
	struct vfio_region_info r = {
		.argsz = sizeof(r),
		.index = VFIO_PCI_VGA_REGION_INDEX,
	};
	char buf[1];

	if (!variant->vga) {
		EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
		EXPECT_EQ(EINVAL, errno);
		/* And no access through read/write either. */
		EXPECT_EQ(-1, pread(self->dev.fd, buf, 1,
				    VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_VGA_REGION_INDEX) + 0x3c0));
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &r));
	/* Legacy VGA: I/O 0x3b0-0x3df and memory 0xa0000-0xbffff, identity mapped. */
	EXPECT_EQ(0xc0000u, r.size);
	EXPECT_EQ((uint32_t)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
		  r.flags);
	EXPECT_EQ(VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_VGA_REGION_INDEX), r.offset);
}

TEST_F(zoo, msix_bar_caps)
{
	struct vfio_region_info *r, small;
	struct vfio_info_cap_header *cap;
	uint32_t table;
	int pos, bar;

	pos = vfio_find_cap(&self->dev, PCI_CAP_ID_MSIX);
	if (!pos)
		SKIP(return, "no MSI-X");
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, pos + PCI_MSIX_TABLE, &table));
	bar = table & PCI_MSIX_TABLE_BIR;
	ASSERT_EQ(0, vfio_region_info(self->dev.fd, bar, &r));
	TH_LOG("MSI-X table in BAR%d at %#x, region flags %#x", bar,
	       table & PCI_MSIX_TABLE_OFFSET, r->flags);
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		free(r);
		SKIP(return, "MSI-X BAR cannot be mapped");
	}

	/* The table may be mapped along with the rest of the BAR. */
	cap = vfio_region_cap(r, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	ASSERT_NE(NULL, cap);
	EXPECT_EQ(1, cap->version);
	EXPECT_EQ(NULL, vfio_region_cap(r, VFIO_REGION_INFO_CAP_SPARSE_MMAP));
	EXPECT_EQ((uint32_t)sizeof(*r), r->cap_offset);

	/* No room for the chain: the kernel says how much it needs. */
	memset(&small, 0, sizeof(small));
	small.argsz = sizeof(small);
	small.index = bar;
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &small));
	EXPECT_EQ(r->argsz, small.argsz);
	EXPECT_LT(sizeof(small), small.argsz);
	EXPECT_TRUE(!!(small.flags & VFIO_REGION_INFO_FLAG_CAPS));
	EXPECT_EQ(0u, small.cap_offset);
	EXPECT_EQ(r->size, small.size);
	free(r);
}

TEST_F(zoo, region_info_bad_input)
{
	struct {
		struct vfio_region_info info;
		uint32_t canary;
	} buf;

	memset(&buf, 0, sizeof(buf));
	buf.info.argsz = sizeof(buf.info);
	buf.info.index = VFIO_PCI_NUM_REGIONS;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &buf));
	EXPECT_EQ(EINVAL, errno);
	buf.info.index = 0x80000000u;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &buf));
	EXPECT_EQ(EINVAL, errno);

	/* argsz must cover up to offset. */
	buf.info.index = VFIO_PCI_CONFIG_REGION_INDEX;
	buf.info.argsz = offsetof(struct vfio_region_info, offset);
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &buf));
	EXPECT_EQ(EINVAL, errno);

	/* Exactly enough: accepted, nothing written past it. */
	buf.info.argsz = sizeof(buf.info);
	buf.canary = 0x5a5a5a5a;
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &buf));
	EXPECT_EQ(0x5a5a5a5au, buf.canary);

	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(zoo, irq_info_bad_input)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	bool pcie = vfio_find_cap(&self->dev, PCI_CAP_ID_EXP);
	uint32_t i;

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		irq.argsz = sizeof(irq);
		irq.index = i;
		/* AER errors are only reported for PCI Express devices. */
		if (i == VFIO_PCI_ERR_IRQ_INDEX && !pcie) {
			EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
			EXPECT_EQ(EINVAL, errno);
			continue;
		}
		EXPECT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
		EXPECT_EQ(i, irq.index);
	}
	irq.index = VFIO_PCI_NUM_IRQS;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.index = ~0u;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.index = 0;
	irq.argsz = offsetof(struct vfio_irq_info, count);
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(zoo, unknown_ioctls)
{
	struct {
		struct vfio_device_feature hdr;
		uint8_t data[16];
	} feature;

	EXPECT_EQ(-1, ioctl(self->dev.fd, _IO(VFIO_TYPE, VFIO_BASE + 60), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev.fd, _IO('x', 1), 0));
	EXPECT_EQ(ENOTTY, errno);

	/* A device feature nobody implements. */
	memset(&feature, 0, sizeof(feature));
	feature.hdr.argsz = sizeof(feature);
	feature.hdr.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | 0xfff0;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_FEATURE, &feature));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(zoo, rw_bad_region)
{
	char buf[4] = { 0 };

	EXPECT_EQ(-1, pread(self->dev.fd, buf, 1,
			    VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_NUM_REGIONS)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(self->dev.fd, buf, 1,
			     VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_NUM_REGIONS)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(self->dev.fd, buf, 1, VFIO_PCI_INDEX_TO_OFFSET(1000)));
	EXPECT_EQ(EINVAL, errno);

	/* The ROM is read-only, whether the device has one or not. */
	EXPECT_EQ(-1, pwrite(self->dev.fd, buf, 1,
			     VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(self->dev.fd, buf, 4,
			     VFIO_PCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX) + 4));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(zoo, rom_contents)
{
	struct vfio_region_info *r;
	uint8_t sig[2];

	ASSERT_EQ(0, vfio_region_info(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, &r));
	if (!r->size) {
		free(r);
		SKIP(return, "no ROM");
	}
	/* Every PCI option ROM image starts with 55 aa. */
	ASSERT_EQ(0, vfio_region_read(&self->dev, VFIO_PCI_ROM_REGION_INDEX, 0, sig, 2));
	EXPECT_EQ(0x55, sig[0]);
	EXPECT_EQ(0xaa, sig[1]);
	free(r);
}

TEST_HARNESS_MAIN
