// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual config space of vfio-pci devices, checked against the real
 * one on every device of the vm-run zoo bound to vfio-pci.
 *
 * Ground truth is /sys/bus/pci/devices/BDF/config (the real device) and
 * .../resource (BAR sizes). Checked: header fields, the capability chains
 * and each capability's read-only fields, BAR and ROM sizing, that writes
 * userspace may not make leave the real device unchanged, command register
 * decoding and bus mastering, MSI/MSI-X capability writes, D0<->D3hot
 * through PM (e1000e), FLR through the PCIe capability (nvme), VPD where
 * a device has it, and a sweep of random writes of every width at every
 * offset after which the real config space is intact and the device works.
 *
 * Deliberate differences with Debian's stock vfio-pci, checked per driver:
 * - ours never shows the real BAR addresses (virtual BARs read as their
 *   type bits until written); stock starts from the real values;
 * - ours hides Enhanced Allocation and SHPC capabilities only; what stock
 *   hides is only logged;
 * - ours sets the virtual MSI enable bit while the host has MSI enabled
 *   for userspace (VFIO_DEVICE_SET_IRQS); stock leaves it clear;
 * - a reset rebuilds our virtual config space, clearing userspace's
 *   INTx-disable bit, while the device's stays set as long as no INTx
 *   handler is set up; stock keeps both set.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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
#include "lib/vfio_irq_util.h"
#include "lib/vfio_util.h"

#define CFG_MAX		4096
#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010
#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3
#define NVME_REG_CAP	0x00
#define NVME_REG_CC	0x14

static uint16_t get16(const uint8_t *b, unsigned int off)
{
	return b[off] | b[off + 1] << 8;
}

static uint32_t get32(const uint8_t *b, unsigned int off)
{
	return get16(b, off) | (uint32_t)get16(b, off + 2) << 16;
}

/* The real config space, as the PCI core reads it. */
static int real_config(const char *bdf, uint8_t *buf, size_t *size)
{
	int n = vfio_sysfs_config_dump(bdf, buf, CFG_MAX);

	if (n < 0)
		return n;
	*size = n;
	return 0;
}

/* Sizes of the six BARs and the ROM from sysfs "resource". */
static int resource_sizes(const char *bdf, uint64_t sizes[7],
			  uint64_t flags[7])
{
	unsigned long long start, end, fl;
	char path[128];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (i = 0; i < 7; i++) {
		if (fscanf(f, "%llx %llx %llx", &start, &end, &fl) != 3) {
			fclose(f);
			return -EIO;
		}
		sizes[i] = end ? end - start + 1 : 0;
		flags[i] = fl;
	}
	fclose(f);
	return 0;
}

struct cap {
	uint16_t id;
	uint16_t off;
	uint8_t ver;
};

/* Walk a config-space buffer's standard (ext false) or extended list. */
static int walk_caps(const uint8_t *b, size_t size, bool ext, struct cap *caps,
		     int max)
{
	unsigned int pos;
	int n = 0, guard = ext ? 960 : 48;
	uint32_t hdr;

	if (!ext) {
		if (!(get16(b, PCI_STATUS) & PCI_STATUS_CAP_LIST))
			return 0;
		pos = b[PCI_CAPABILITY_LIST] & ~3;
		while (pos >= 0x40 && pos < 0x100 && guard-- && n < max) {
			caps[n].id = b[pos];
			caps[n].off = pos;
			caps[n++].ver = 0;
			pos = b[pos + 1] & ~3;
		}
		return n;
	}
	if (size <= 0x100)
		return 0;
	pos = 0x100;
	while (pos >= 0x100 && pos <= size - 4 && guard-- && n < max) {
		hdr = get32(b, pos);
		if (!hdr || hdr == ~0u)
			break;
		caps[n].id = PCI_EXT_CAP_ID(hdr);
		caps[n].ver = PCI_EXT_CAP_VER(hdr);
		caps[n++].off = pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return n;
}

static int find_in(const struct cap *caps, int n, uint16_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (caps[i].id == id)
			return caps[i].off;
	return 0;
}

static bool has_cap_at(const struct cap *caps, int n, uint16_t id,
		       uint16_t off)
{
	int i;

	for (i = 0; i < n; i++)
		if (caps[i].id == id && caps[i].off == off)
			return true;
	return false;
}

/* The parts of the real config space no userspace write may change. */
static void expect_intact(struct __test_metadata *_metadata,
			  const uint8_t *before, const uint8_t *after,
			  size_t size)
{
	struct cap cb[64], ca[64];
	int nb, na, i, pos;

	EXPECT_EQ(get32(before, PCI_VENDOR_ID), get32(after, PCI_VENDOR_ID));
	EXPECT_EQ(get32(before, PCI_CLASS_REVISION),
		  get32(after, PCI_CLASS_REVISION));
	EXPECT_EQ(before[PCI_HEADER_TYPE], after[PCI_HEADER_TYPE]);
	for (i = PCI_BASE_ADDRESS_0; i <= PCI_BASE_ADDRESS_5; i += 4)
		EXPECT_EQ(get32(before, i), get32(after, i))
			TH_LOG("real BAR at 0x%x changed", i);
	EXPECT_EQ(get32(before, PCI_ROM_ADDRESS) & PCI_ROM_ADDRESS_MASK,
		  get32(after, PCI_ROM_ADDRESS) & PCI_ROM_ADDRESS_MASK);
	EXPECT_EQ(get32(before, PCI_SUBSYSTEM_VENDOR_ID),
		  get32(after, PCI_SUBSYSTEM_VENDOR_ID));
	EXPECT_EQ(before[PCI_INTERRUPT_PIN], after[PCI_INTERRUPT_PIN]);

	nb = walk_caps(before, size, false, cb, 64);
	na = walk_caps(after, size, false, ca, 64);
	ASSERT_EQ(nb, na);
	for (i = 0; i < nb; i++) {
		EXPECT_EQ(cb[i].id, ca[i].id);
		EXPECT_EQ(cb[i].off, ca[i].off);
	}
	nb = walk_caps(before, size, true, cb, 64);
	na = walk_caps(after, size, true, ca, 64);
	ASSERT_EQ(nb, na);
	for (i = 0; i < nb; i++) {
		EXPECT_EQ(cb[i].id, ca[i].id);
		EXPECT_EQ(cb[i].off, ca[i].off);
	}

	/* The host owns interrupts: userspace cannot enable them directly. */
	pos = find_in(ca, walk_caps(after, size, false, ca, 64), PCI_CAP_ID_MSI);
	if (pos)
		EXPECT_EQ(0, get16(after, pos + PCI_MSI_FLAGS) &
			  PCI_MSI_FLAGS_ENABLE);
	pos = find_in(ca, walk_caps(after, size, false, ca, 64), PCI_CAP_ID_MSIX);
	if (pos) {
		EXPECT_EQ(0, get16(after, pos + PCI_MSIX_FLAGS) &
			  PCI_MSIX_FLAGS_ENABLE);
		EXPECT_EQ(get32(before, pos + PCI_MSIX_TABLE),
			  get32(after, pos + PCI_MSIX_TABLE));
	}
	/* Max_Payload_Size is the fabric's. */
	pos = find_in(ca, walk_caps(after, size, false, ca, 64), PCI_CAP_ID_EXP);
	if (pos)
		EXPECT_EQ(get16(before, pos + PCI_EXP_DEVCTL) &
			  PCI_EXP_DEVCTL_PAYLOAD,
			  get16(after, pos + PCI_EXP_DEVCTL) &
			  PCI_EXP_DEVCTL_PAYLOAD);
}

FIXTURE(zoo) {
	struct vfio_dev dev;
	uint8_t real[CFG_MAX];
	size_t real_size;
	uint8_t virt[CFG_MAX];
	size_t size;
};

FIXTURE_VARIANT(zoo) {
	const char *name;
	uint16_t vendor;
	uint16_t device;
};

FIXTURE_VARIANT_ADD(zoo, edu) { "edu", EDU_VENDOR, EDU_DEVICE };
FIXTURE_VARIANT_ADD(zoo, nvme) { "nvme", NVME_VENDOR, NVME_DEVICE };
FIXTURE_VARIANT_ADD(zoo, e1000e) { "e1000e", E1000E_VENDOR, E1000E_DEVICE };
FIXTURE_VARIANT_ADD(zoo, testdev) { "pci-testdev", 0x1b36, 0x0005 };
FIXTURE_VARIANT_ADD(zoo, virtio_net) { "virtio-net", 0x1af4, 0x1000 };
FIXTURE_VARIANT_ADD(zoo, vga) { "std-vga", 0x1234, 0x1111 };

FIXTURE_SETUP(zoo)
{
	char bdf[VFIO_BDF_LEN], driver[64];

	self->dev.fd = -1;
	self->dev.group = -1;
	self->dev.container = -1;
	if (vfio_find_device(variant->vendor, variant->device, 0, bdf))
		SETUP_SKIP("no %s (%04x:%04x)", variant->name,
			   variant->vendor, variant->device);
	if (vfio_device_driver(bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("%s %s is not bound to vfio-pci", variant->name,
			   bdf);
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
	ASSERT_EQ(0, real_config(bdf, self->real, &self->real_size));
	self->size = self->dev.regions[VFIO_PCI_CONFIG_REGION_INDEX].size;
	ASSERT_LE(self->size, (size_t)CFG_MAX);
	ASSERT_EQ(0, vfio_cfg_read(&self->dev, 0, self->virt, self->size));
	TH_LOG("%s at %s, %zu bytes of config space, %s driver",
	       variant->name, bdf, self->size, vfio_driver_name());
}

FIXTURE_TEARDOWN(zoo)
{
	vfio_close(&self->dev);
}

TEST_F(zoo, header)
{
	const uint8_t *v = self->virt, *r = self->real;
	uint64_t sizes[7], flags[7];
	uint32_t bar;
	int i;

	EXPECT_EQ(self->real_size, self->size);
	EXPECT_EQ(get32(r, PCI_VENDOR_ID), get32(v, PCI_VENDOR_ID));
	EXPECT_EQ(get32(r, PCI_CLASS_REVISION), get32(v, PCI_CLASS_REVISION));
	EXPECT_EQ(r[PCI_HEADER_TYPE], v[PCI_HEADER_TYPE]);
	EXPECT_EQ(get32(r, PCI_SUBSYSTEM_VENDOR_ID),
		  get32(v, PCI_SUBSYSTEM_VENDOR_ID));
	EXPECT_TRUE(v[PCI_INTERRUPT_PIN] == r[PCI_INTERRUPT_PIN] ||
		    !v[PCI_INTERRUPT_PIN]);
	/* Open enabled the device: it decodes memory. */
	EXPECT_TRUE(get16(v, PCI_COMMAND) & PCI_COMMAND_MEMORY);

	ASSERT_EQ(0, resource_sizes(self->dev.bdf, sizes, flags));
	for (i = 0; i < 6; i++) {
		bar = get32(v, PCI_BASE_ADDRESS_0 + 4 * i);
		if (!sizes[i])
			continue;
		/* Same type bits as the hardware. */
		if (get32(r, PCI_BASE_ADDRESS_0 + 4 * i) &
		    PCI_BASE_ADDRESS_SPACE_IO) {
			EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_IO,
				  (int)(bar & PCI_BASE_ADDRESS_SPACE_IO));
		} else {
			EXPECT_EQ(get32(r, PCI_BASE_ADDRESS_0 + 4 * i) & 0xf,
				  bar & 0xf);
		}
		if (!vfio_driver_is_stock()) {
			EXPECT_EQ(0u, bar & ~0xfu)
				TH_LOG("BAR%d shows address 0x%x", i, bar);
		}
	}
	if (!vfio_driver_is_stock()) {
		EXPECT_EQ(0u, get32(v, PCI_ROM_ADDRESS) &
			  PCI_ROM_ADDRESS_MASK);
	}
}

/* Size BAR @i through the virtual config space; 64-bit BARs use two. */
static uint64_t size_bar(struct __test_metadata *_metadata,
			 struct vfio_dev *dev, int i, bool *is64)
{
	uint32_t orig, lo, hi = ~0u, orig_hi = 0;
	unsigned int off = PCI_BASE_ADDRESS_0 + 4 * i;
	uint64_t mask;

	EXPECT_EQ(0, vfio_cfg_read32(dev, off, &orig));
	*is64 = !(orig & PCI_BASE_ADDRESS_SPACE_IO) &&
		(orig & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		PCI_BASE_ADDRESS_MEM_TYPE_64;
	EXPECT_EQ(0, vfio_cfg_write32(dev, off, ~0u));
	EXPECT_EQ(0, vfio_cfg_read32(dev, off, &lo));
	EXPECT_EQ(0, vfio_cfg_write32(dev, off, orig));
	if (*is64) {
		EXPECT_EQ(0, vfio_cfg_read32(dev, off + 4, &orig_hi));
		EXPECT_EQ(0, vfio_cfg_write32(dev, off + 4, ~0u));
		EXPECT_EQ(0, vfio_cfg_read32(dev, off + 4, &hi));
		EXPECT_EQ(0, vfio_cfg_write32(dev, off + 4, orig_hi));
	}
	if (!lo && !*is64)
		return 0;
	if (lo & PCI_BASE_ADDRESS_SPACE_IO)
		return (~(lo & 0xfffc) + 1) & 0xffff;
	mask = (uint64_t)hi << 32 | (lo & ~0xfu);
	return ~mask + 1;
}

TEST_F(zoo, bar_sizing)
{
	uint64_t sizes[7], flags[7], got;
	uint8_t after[CFG_MAX];
	size_t after_size;
	uint32_t orig, rom;
	bool is64;
	int i;

	ASSERT_EQ(0, resource_sizes(self->dev.bdf, sizes, flags));
	for (i = 0; i < 6; i++) {
		got = size_bar(_metadata, &self->dev, i, &is64);
		EXPECT_EQ(sizes[i], got)
			TH_LOG("BAR%d: resource size 0x%llx, sized 0x%llx", i,
			       (unsigned long long)sizes[i],
			       (unsigned long long)got);
		if (is64)
			i++;
	}

	EXPECT_EQ(0, vfio_cfg_read32(&self->dev, PCI_ROM_ADDRESS, &orig));
	EXPECT_EQ(0, vfio_cfg_write32(&self->dev, PCI_ROM_ADDRESS,
				      PCI_ROM_ADDRESS_MASK));
	EXPECT_EQ(0, vfio_cfg_read32(&self->dev, PCI_ROM_ADDRESS, &rom));
	EXPECT_EQ(0, vfio_cfg_write32(&self->dev, PCI_ROM_ADDRESS, orig));
	if (sizes[6]) {
		EXPECT_EQ(sizes[6],
			  (uint64_t)(~(rom & PCI_ROM_ADDRESS_MASK) + 1));
	} else {
		EXPECT_EQ(0u, rom & PCI_ROM_ADDRESS_MASK);
	}
	EXPECT_EQ(0u, rom & PCI_ROM_ADDRESS_ENABLE);

	ASSERT_EQ(0, real_config(self->dev.bdf, after, &after_size));
	expect_intact(_metadata, self->real, after, self->real_size);
}

TEST_F(zoo, capabilities)
{
	struct cap vc[64], rc[64];
	int nv, nr, i, pos;
	const uint8_t *v = self->virt, *r = self->real;

	for (int ext = 0; ext < 2; ext++) {
		nv = walk_caps(v, self->size, ext, vc, 64);
		nr = walk_caps(r, self->real_size, ext, rc, 64);
		for (i = 0; i < nv; i++) {
			if (ext && !vc[i].id && vc[i].off == 0x100)
				continue;	/* null header of a hidden one */
			EXPECT_TRUE(has_cap_at(rc, nr, vc[i].id, vc[i].off))
				TH_LOG("cap 0x%x at 0x%x is not real",
				       vc[i].id, vc[i].off);
		}
		for (i = 0; i < nr; i++) {
			if (has_cap_at(vc, nv, rc[i].id, rc[i].off))
				continue;
			TH_LOG("%s cap 0x%x at 0x%x hidden", ext ? "ext" : "std",
			       rc[i].id, rc[i].off);
			if (!vfio_driver_is_stock() && !ext)
				EXPECT_TRUE(rc[i].id == PCI_CAP_ID_EA ||
					    rc[i].id == PCI_CAP_ID_SHPC);
		}
	}

	nv = walk_caps(v, self->size, false, vc, 64);
	pos = find_in(vc, nv, PCI_CAP_ID_PM);
	if (pos)
		EXPECT_EQ(get16(r, pos + PCI_PM_PMC), get16(v, pos + PCI_PM_PMC));
	if (pos)
		EXPECT_EQ(0, get16(v, pos + PCI_PM_CTRL) &
			  PCI_PM_CTRL_STATE_MASK);
	pos = find_in(vc, nv, PCI_CAP_ID_MSI);
	if (pos) {
		uint16_t keep = PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT |
				PCI_MSI_FLAGS_MASKBIT;

		EXPECT_EQ(get16(r, pos + PCI_MSI_FLAGS) & keep,
			  get16(v, pos + PCI_MSI_FLAGS) & keep);
		EXPECT_EQ(0, get16(v, pos + PCI_MSI_FLAGS) &
			  PCI_MSI_FLAGS_ENABLE);
	}
	pos = find_in(vc, nv, PCI_CAP_ID_MSIX);
	if (pos) {
		EXPECT_EQ(get16(r, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE,
			  get16(v, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE);
		EXPECT_EQ(get32(r, pos + PCI_MSIX_TABLE),
			  get32(v, pos + PCI_MSIX_TABLE));
		EXPECT_EQ(get32(r, pos + PCI_MSIX_PBA),
			  get32(v, pos + PCI_MSIX_PBA));
		EXPECT_EQ(0, get16(v, pos + PCI_MSIX_FLAGS) &
			  PCI_MSIX_FLAGS_ENABLE);
	}
	pos = find_in(vc, nv, PCI_CAP_ID_EXP);
	if (pos) {
		EXPECT_EQ(get16(r, pos + PCI_EXP_FLAGS),
			  get16(v, pos + PCI_EXP_FLAGS));
		EXPECT_EQ(get32(r, pos + PCI_EXP_DEVCAP),
			  get32(v, pos + PCI_EXP_DEVCAP));
		EXPECT_EQ(get32(r, pos + PCI_EXP_LNKCAP),
			  get32(v, pos + PCI_EXP_LNKCAP));
		EXPECT_EQ(0, get16(v, pos + PCI_EXP_DEVCTL) &
			  PCI_EXP_DEVCTL_BCR_FLR);
	}
	pos = find_in(vc, nv, PCI_CAP_ID_VNDR);
	if (pos)
		EXPECT_EQ(0, memcmp(r + pos + 2, v + pos + 2, r[pos + 2] > 2 ?
				    r[pos + 2] - 2 : 0));
}

TEST_F(zoo, bounds)
{
	uint8_t buf[8];
	ssize_t n;
	off_t base = self->dev.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset;

	/* Every width at an unaligned offset is fine... */
	EXPECT_EQ(0, vfio_cfg_read(&self->dev, 1, buf, 4));
	EXPECT_EQ(0, vfio_cfg_read(&self->dev, 3, buf, 2));
	EXPECT_EQ(0, vfio_cfg_read(&self->dev, self->size - 4, buf, 4));
	/*
	 * ...nothing beyond the end is, nor across it: EFAULT, the errno
	 * VFIO PCI drivers have always given there, both ways.
	 */
	n = pread(self->dev.fd, buf, 4, base + self->size);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
	n = pread(self->dev.fd, buf, 4, base + self->size - 2);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
	n = pwrite(self->dev.fd, buf, 1, base + self->size + 0x100);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
}

/*
 * A naturally aligned register into an aligned buffer, the same register
 * into a misaligned buffer, and the register as part of the whole space
 * read at once all take different ways through the driver; they must give
 * the same bytes. The status register and PCIe Device Status are skipped:
 * their event bits may change between the reads.
 */
TEST_F(zoo, access_paths)
{
	uint8_t raw[8] __attribute__((aligned(8)));
	uint8_t whole[CFG_MAX];
	off_t base = self->dev.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	struct cap caps[64];
	unsigned int w, pos, exp;

	exp = find_in(caps, walk_caps(self->virt, self->size, false, caps, 64),
		      PCI_CAP_ID_EXP);
	ASSERT_EQ(0, vfio_cfg_read(&self->dev, 0, whole, self->size));
	for (w = 1; w <= 4; w *= 2) {
		for (pos = 0; pos < self->size; pos += w) {
			if (pos + w > PCI_STATUS && pos < PCI_STATUS + 2)
				continue;
			if (exp && pos + w > exp + PCI_EXP_DEVSTA &&
			    pos < exp + PCI_EXP_DEVSTA + 2)
				continue;
			ASSERT_EQ((ssize_t)w, pread(self->dev.fd, raw, w,
						    base + pos));
			ASSERT_EQ(0, memcmp(raw, whole + pos, w))
				TH_LOG("%u bytes at 0x%x, aligned buffer", w,
				       pos);
			ASSERT_EQ((ssize_t)w, pread(self->dev.fd, raw + 1, w,
						    base + pos));
			ASSERT_EQ(0, memcmp(raw + 1, whole + pos, w))
				TH_LOG("%u bytes at 0x%x, misaligned buffer",
				       w, pos);
		}
	}
}

/*
 * A user buffer that faults gives EFAULT, whichever way the access goes
 * (a register into an aligned buffer, or through the bounce buffer), and
 * a write from it changes nothing.
 */
TEST_F(zoo, bad_buffer)
{
	off_t base = self->dev.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	long page = sysconf(_SC_PAGESIZE);
	uint8_t after[CFG_MAX];
	unsigned int i;
	char *none;

	none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	for (i = 0; i < 4; i++) {
		errno = 0;
		EXPECT_EQ(-1, pread(self->dev.fd, none + i, 4,
				    base + PCI_COMMAND));
		EXPECT_EQ(EFAULT, errno);
		errno = 0;
		EXPECT_EQ(-1, pwrite(self->dev.fd, none + i, 4,
				     base + PCI_COMMAND));
		EXPECT_EQ(EFAULT, errno);
		errno = 0;
		EXPECT_EQ(-1, pwrite(self->dev.fd, none + i, 2,
				     base + PCI_BASE_ADDRESS_0));
		EXPECT_EQ(EFAULT, errno);
	}
	munmap(none, page);
	ASSERT_EQ(0, vfio_cfg_read(&self->dev, 0, after, self->size));
	EXPECT_EQ(0, memcmp(self->virt, after, PCI_STATUS));
	EXPECT_EQ(0, memcmp(self->virt + PCI_CLASS_REVISION,
			    after + PCI_CLASS_REVISION,
			    self->size - PCI_CLASS_REVISION));
}

TEST_F(zoo, protected_writes)
{
	struct cap caps[64];
	uint8_t after[CFG_MAX], v2[CFG_MAX];
	size_t after_size;
	int n, i, pos;

	EXPECT_EQ(0, vfio_cfg_write32(&self->dev, PCI_VENDOR_ID, ~0u));
	EXPECT_EQ(0, vfio_cfg_write32(&self->dev, PCI_CLASS_REVISION, 0));
	EXPECT_EQ(0, vfio_cfg_write8(&self->dev, PCI_HEADER_TYPE, 0xff));
	EXPECT_EQ(0, vfio_cfg_write32(&self->dev, PCI_SUBSYSTEM_VENDOR_ID, 0));
	EXPECT_EQ(0, vfio_cfg_write8(&self->dev, PCI_CAPABILITY_LIST, 0xfc));
	EXPECT_EQ(0, vfio_cfg_write8(&self->dev, PCI_INTERRUPT_PIN, 0x7));
	for (i = PCI_BASE_ADDRESS_0; i <= PCI_BASE_ADDRESS_5; i += 4)
		EXPECT_EQ(0, vfio_cfg_write32(&self->dev, i, 0x12345670));
	EXPECT_EQ(0, vfio_cfg_write32(&self->dev, PCI_ROM_ADDRESS, 0x87650001));

	n = walk_caps(self->virt, self->size, false, caps, 64);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, vfio_cfg_write16(&self->dev, caps[i].off, 0xfcff));
	pos = find_in(caps, n, PCI_CAP_ID_MSI);
	if (pos) {
		EXPECT_EQ(0, vfio_cfg_write32(&self->dev,
					      pos + PCI_MSI_ADDRESS_LO,
					      0xfee01000));
		EXPECT_EQ(0, vfio_cfg_write16(&self->dev, pos + PCI_MSI_FLAGS,
					      PCI_MSI_FLAGS_ENABLE));
	}
	pos = find_in(caps, n, PCI_CAP_ID_MSIX);
	if (pos) {
		EXPECT_EQ(0, vfio_cfg_write16(&self->dev, pos + PCI_MSIX_FLAGS,
					      0xffff));
		EXPECT_EQ(0, vfio_cfg_write32(&self->dev, pos + PCI_MSIX_TABLE,
					      0x12345));
	}
	pos = find_in(caps, n, PCI_CAP_ID_EXP);
	if (pos) {
		uint16_t devctl = get16(self->virt, pos + PCI_EXP_DEVCTL);

		devctl = (devctl & ~PCI_EXP_DEVCTL_BCR_FLR) ^
			 PCI_EXP_DEVCTL_PAYLOAD;
		EXPECT_EQ(0, vfio_cfg_write16(&self->dev, pos + PCI_EXP_DEVCTL,
					      devctl));
	}
	n = walk_caps(self->virt, self->size, true, caps, 64);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, vfio_cfg_write32(&self->dev, caps[i].off, 0));

	ASSERT_EQ(0, real_config(self->dev.bdf, after, &after_size));
	expect_intact(_metadata, self->real, after, self->real_size);

	/* The virtual view kept its identity and its capability lists. */
	ASSERT_EQ(0, vfio_cfg_read(&self->dev, 0, v2, self->size));
	EXPECT_EQ(get32(self->virt, PCI_VENDOR_ID), get32(v2, PCI_VENDOR_ID));
	EXPECT_EQ(get32(self->virt, PCI_CLASS_REVISION),
		  get32(v2, PCI_CLASS_REVISION));
	EXPECT_EQ(self->virt[PCI_CAPABILITY_LIST], v2[PCI_CAPABILITY_LIST]);
	EXPECT_EQ(self->virt[PCI_INTERRUPT_PIN], v2[PCI_INTERRUPT_PIN]);
	for (int ext = 0; ext < 2; ext++) {
		struct cap c2[64];
		int n2;

		n = walk_caps(self->virt, self->size, ext, caps, 64);
		n2 = walk_caps(v2, self->size, ext, c2, 64);
		EXPECT_EQ(n, n2);
		for (i = 0; i < n && i < n2; i++)
			EXPECT_EQ(caps[i].off, c2[i].off);
	}
}

/* xorshift: reproducible pseudo-random values. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

TEST_F(zoo, random_sweep)
{
	uint8_t after[CFG_MAX];
	size_t after_size;
	uint32_t seed = 0x9e3779b9, val;
	unsigned int off, w;
	struct cap caps[64];
	int n, pos;
	uint16_t cmd;

	for (w = 1; w <= 4; w <<= 1)
		for (off = 0; off + w <= self->size; off++) {
			val = rnd(&seed);
			/* Errors are fine (an FLR may fail); a crash is not. */
			vfio_cfg_write(&self->dev, off, &val, w);
		}

	ASSERT_EQ(0, real_config(self->dev.bdf, after, &after_size));
	expect_intact(_metadata, self->real, after, self->real_size);

	/* Back to a working device: D0, decoding memory. */
	n = walk_caps(self->virt, self->size, false, caps, 64);
	pos = find_in(caps, n, PCI_CAP_ID_PM);
	if (pos)
		EXPECT_EQ(0, vfio_cfg_write16(&self->dev, pos + PCI_PM_CTRL, 0));
	cmd = get16(self->virt, PCI_COMMAND) | PCI_COMMAND_MEMORY;
	EXPECT_EQ(0, vfio_cfg_write16(&self->dev, PCI_COMMAND, cmd));
	for (int i = 0; i < 6; i++) {
		uint32_t x;

		if (!self->dev.regions[i].size ||
		    !(self->dev.regions[i].flags & VFIO_REGION_INFO_FLAG_READ))
			continue;
		EXPECT_EQ(0, vfio_region_read(&self->dev, i, 0, &x, 4))
			TH_LOG("BAR%d unreadable after the sweep", i);
		if (variant->device == EDU_DEVICE && i == 0) {
			EXPECT_EQ((uint32_t)EDU_ID_VALUE, x);
		}
		break;
	}
}

/* ---- device-specific behaviour ------------------------------------------ */

static int find_cap(const struct vfio_dev *dev, uint16_t id)
{
	static uint8_t buf[CFG_MAX];
	struct cap caps[64];
	int n;

	if (vfio_cfg_read(dev, 0, buf, 256))
		return 0;
	n = walk_caps(buf, 256, false, caps, 64);
	return find_in(caps, n, id);
}

static uint32_t real32(const char *bdf, unsigned int off)
{
	static uint8_t buf[CFG_MAX];
	size_t size;

	if (real_config(bdf, buf, &size))
		return ~0u;
	return get32(buf, off);
}

/* Tests of one device each: they open it themselves, teardown closes it. */
FIXTURE(one) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(one)
{
	self->dev.fd = -1;
	self->dev.group = -1;
	self->dev.container = -1;
}

FIXTURE_TEARDOWN(one)
{
	vfio_close(&self->dev);
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

/* Does a load from @p fault with SIGBUS? */
static bool load_faults(volatile uint32_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool faulted = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1))
		faulted = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

TEST_F(one, edu_command)
{
	struct vfio_dev *dev = &self->dev;
	uint16_t cmd, v;
	uint32_t id;
	volatile uint32_t *bar;

	if (!vfio_open_bound_or_skip(_metadata, dev, EDU_VENDOR, EDU_DEVICE))
		return;
	ASSERT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &cmd));
	ASSERT_TRUE(cmd & PCI_COMMAND_MEMORY);
	bar = vfio_region_mmap(dev, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, bar);
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, bar[0]);

	/* Memory decode off: BAR access through read() and mmap stops. */
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_MEMORY));
	EXPECT_EQ(0u, real32(dev->bdf, PCI_COMMAND) & PCI_COMMAND_MEMORY);
	EXPECT_EQ(-EIO, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 0,
					 &id, 4));
	EXPECT_TRUE(load_faults(bar));
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND, cmd));
	EXPECT_TRUE(!!(real32(dev->bdf, PCI_COMMAND) & PCI_COMMAND_MEMORY));
	EXPECT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 0,
				      &id, 4));
	EXPECT_EQ((uint32_t)EDU_ID_VALUE, id);
	EXPECT_FALSE(load_faults(bar));

	/* Bus mastering reaches the device. */
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MASTER));
	EXPECT_TRUE(!!(real32(dev->bdf, PCI_COMMAND) & PCI_COMMAND_MASTER));
	EXPECT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &v));
	EXPECT_TRUE(v & PCI_COMMAND_MASTER);
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_MASTER));
	EXPECT_FALSE(!!(real32(dev->bdf, PCI_COMMAND) & PCI_COMMAND_MASTER));

	/* INTx disable is userspace's own view. */
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_INTX_DISABLE));
	EXPECT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &v));
	EXPECT_TRUE(v & PCI_COMMAND_INTX_DISABLE);
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND, cmd));
	EXPECT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &v));
	EXPECT_FALSE(v & PCI_COMMAND_INTX_DISABLE);

	/*
	 * The PCI core saves the config space before a function reset and
	 * restores it after: the user's bit stays, in both views.
	 */
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_INTX_DISABLE));
	EXPECT_TRUE(!!(real32(dev->bdf, PCI_COMMAND) &
		       PCI_COMMAND_INTX_DISABLE));
	EXPECT_EQ(0, ioctl(dev->fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &v));
	EXPECT_EQ((uint32_t)PCI_COMMAND_INTX_DISABLE,
		  (uint32_t)(v & PCI_COMMAND_INTX_DISABLE));
	EXPECT_EQ((uint32_t)PCI_COMMAND_INTX_DISABLE,
		  real32(dev->bdf, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
	EXPECT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND, cmd));
	/* The reset left the device decoding memory. */
	EXPECT_TRUE(v & PCI_COMMAND_MEMORY);
	EXPECT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 0,
				      &id, 4));

	vfio_region_munmap(dev, VFIO_PCI_BAR0_REGION_INDEX, (void *)bar);
	vfio_close(dev);
}

/*
 * The virtual MSI/MSI-X enable bits follow what VFIO_DEVICE_SET_IRQS did,
 * also after a VFIO_DEVICE_RESET, which keeps the interrupts enabled.
 * Deliberate difference: stock leaves the virtual MSI enable bit clear.
 */
static void check_irq_reflected(struct __test_metadata *_metadata,
				struct vfio_dev *dev, uint32_t index, int pos,
				uint16_t enable)
{
	bool shown = !(vfio_driver_is_stock() &&
		       index == VFIO_PCI_MSI_IRQ_INDEX);
	uint16_t flags;
	int32_t efd;

	efd = vfio_eventfd();
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_set_eventfds(dev->fd, index, 0, 1, &efd));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + 2, &flags));
	EXPECT_EQ(shown ? enable : 0, flags & enable);
	EXPECT_EQ(enable, real32(dev->bdf, pos) >> 16 & enable);
	ASSERT_EQ(0, ioctl(dev->fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + 2, &flags));
	EXPECT_EQ(shown ? enable : 0, flags & enable) TH_LOG("after reset");
	EXPECT_EQ(enable, real32(dev->bdf, pos) >> 16 & enable)
		TH_LOG("after reset");
	EXPECT_EQ(0, vfio_irq_disable(dev->fd, index));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + 2, &flags));
	EXPECT_EQ(0, flags & enable);
	EXPECT_EQ(0u, real32(dev->bdf, pos) >> 16 & enable);
	close(efd);
}

TEST_F(one, edu_msi)
{
	struct vfio_dev *dev = &self->dev;
	uint32_t real_addr, addr;
	uint16_t flags, data, v;
	unsigned int data_off;
	int pos;

	if (!vfio_open_bound_or_skip(_metadata, dev, EDU_VENDOR, EDU_DEVICE))
		return;
	pos = find_cap(dev, PCI_CAP_ID_MSI);
	ASSERT_NE(0, pos);
	real_addr = real32(dev->bdf, pos + PCI_MSI_ADDRESS_LO);
	ASSERT_EQ(0, vfio_cfg_read16(dev, pos + PCI_MSI_FLAGS, &flags));
	data_off = pos + (flags & PCI_MSI_FLAGS_64BIT ? PCI_MSI_DATA_64 :
						       PCI_MSI_DATA_32);

	/* Address and data are userspace's own... */
	EXPECT_EQ(0, vfio_cfg_write32(dev, pos + PCI_MSI_ADDRESS_LO,
				      0xfee0100c));
	EXPECT_EQ(0, vfio_cfg_write16(dev, data_off, 0x4041));
	EXPECT_EQ(0, vfio_cfg_read32(dev, pos + PCI_MSI_ADDRESS_LO, &addr));
	EXPECT_EQ(0xfee0100cu, addr);
	EXPECT_EQ(0, vfio_cfg_read16(dev, data_off, &data));
	EXPECT_EQ(0x4041, data);
	EXPECT_EQ(real_addr, real32(dev->bdf, pos + PCI_MSI_ADDRESS_LO));

	/* ...enabling MSI is the host's, through VFIO_DEVICE_SET_IRQS. */
	EXPECT_EQ(0, vfio_cfg_write16(dev, pos + PCI_MSI_FLAGS,
				      flags | PCI_MSI_FLAGS_ENABLE));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + PCI_MSI_FLAGS, &v));
	EXPECT_EQ(0, v & PCI_MSI_FLAGS_ENABLE);
	EXPECT_FALSE(!!(real32(dev->bdf, pos) >> 16 & PCI_MSI_FLAGS_ENABLE));
	check_irq_reflected(_metadata, dev, VFIO_PCI_MSI_IRQ_INDEX, pos,
			    PCI_MSI_FLAGS_ENABLE);
	EXPECT_EQ(0, vfio_cfg_write16(dev, pos + PCI_MSI_FLAGS, flags));
}

TEST_F(one, nvme_msix)
{
	struct vfio_dev *dev = &self->dev;
	uint16_t flags, v;
	int pos;

	if (!vfio_open_bound_or_skip(_metadata, dev, NVME_VENDOR, NVME_DEVICE))
		return;
	pos = find_cap(dev, PCI_CAP_ID_MSIX);
	ASSERT_NE(0, pos);
	ASSERT_EQ(0, vfio_cfg_read16(dev, pos + PCI_MSIX_FLAGS, &flags));
	EXPECT_EQ(0, vfio_cfg_write16(dev, pos + PCI_MSIX_FLAGS,
				      PCI_MSIX_FLAGS_ENABLE |
				      PCI_MSIX_FLAGS_MASKALL));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + PCI_MSIX_FLAGS, &v));
	EXPECT_EQ(flags, v);
	EXPECT_FALSE(!!(real32(dev->bdf, pos) >> 16 & PCI_MSIX_FLAGS_ENABLE));
	check_irq_reflected(_metadata, dev, VFIO_PCI_MSIX_IRQ_INDEX, pos,
			    PCI_MSIX_FLAGS_ENABLE);
}

TEST_F(one, e1000e_pm)
{
	struct vfio_dev *dev = &self->dev;
	uint32_t bars[6], x;
	uint16_t pmcsr, v;
	int pos, i;

	if (!vfio_open_bound_or_skip(_metadata, dev, E1000E_VENDOR,
				     E1000E_DEVICE))
		return;
	pos = find_cap(dev, PCI_CAP_ID_PM);
	ASSERT_NE(0, pos);
	for (i = 0; i < 6; i++)
		bars[i] = real32(dev->bdf, PCI_BASE_ADDRESS_0 + 4 * i);
	ASSERT_EQ(0, vfio_cfg_read16(dev, pos + PCI_PM_CTRL, &pmcsr));
	ASSERT_EQ(0, pmcsr & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 8,
				      &x, 4));

	EXPECT_EQ(0, vfio_cfg_write16(dev, pos + PCI_PM_CTRL,
				      (pmcsr & ~PCI_PM_CTRL_PME_STATUS) | 3));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + PCI_PM_CTRL, &v));
	EXPECT_EQ(3, v & PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(3u, real32(dev->bdf, pos + PCI_PM_CTRL) &
		  PCI_PM_CTRL_STATE_MASK);
	/* No memory access in D3hot. */
	EXPECT_EQ(-EIO, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 8,
					 &x, 4));

	EXPECT_EQ(0, vfio_cfg_write16(dev, pos + PCI_PM_CTRL,
				      pmcsr & ~PCI_PM_CTRL_PME_STATUS));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + PCI_PM_CTRL, &v));
	EXPECT_EQ(0, v & PCI_PM_CTRL_STATE_MASK);
	EXPECT_EQ(0u, real32(dev->bdf, pos + PCI_PM_CTRL) &
		  PCI_PM_CTRL_STATE_MASK);
	/* Back in D0 with the BARs it had. */
	for (i = 0; i < 6; i++)
		EXPECT_EQ(bars[i], real32(dev->bdf, PCI_BASE_ADDRESS_0 + 4 * i));
	EXPECT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX, 8,
				      &x, 4));
	vfio_close(dev);
}

/*
 * Program header registers a user owns (SERR enable flipped, INTx
 * disabled, cache line size, latency timer, interrupt line) and return the
 * header the user then sees in @hdr.
 */
static void program_header(struct __test_metadata *_metadata,
			   struct vfio_dev *dev, uint8_t hdr[PCI_STD_HEADER_SIZEOF])
{
	uint16_t cmd;

	ASSERT_EQ(0, vfio_cfg_read16(dev, PCI_COMMAND, &cmd));
	cmd ^= PCI_COMMAND_SERR;
	ASSERT_EQ(0, vfio_cfg_write16(dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_INTX_DISABLE));
	ASSERT_EQ(0, vfio_cfg_write8(dev, PCI_CACHE_LINE_SIZE, 0x10));
	ASSERT_EQ(0, vfio_cfg_write8(dev, PCI_LATENCY_TIMER, 0x40));
	ASSERT_EQ(0, vfio_cfg_write8(dev, PCI_INTERRUPT_LINE, 0x5a));
	ASSERT_EQ(0, vfio_cfg_read(dev, 0, hdr, PCI_STD_HEADER_SIZEOF));
}

/*
 * After a reset the user sees the header it programmed: the PCI core saves
 * the config space before a function reset and restores it after, and the
 * virtual registers stay what the user wrote (the status register aside,
 * whose error bits the device may set).
 */
static void expect_header_kept(struct __test_metadata *_metadata,
			       struct vfio_dev *dev,
			       const uint8_t hdr[PCI_STD_HEADER_SIZEOF])
{
	uint8_t now[PCI_STD_HEADER_SIZEOF];
	int i;

	ASSERT_EQ(0, vfio_cfg_read(dev, 0, now, sizeof(now)));
	for (i = 0; i < PCI_STD_HEADER_SIZEOF; i++) {
		if (i == PCI_STATUS || i == PCI_STATUS + 1)
			continue;
		EXPECT_EQ(hdr[i], now[i]) TH_LOG("header byte 0x%02x", i);
	}
}

TEST_F(one, reset_keeps_header)
{
	struct vfio_dev *dev = &self->dev;
	uint8_t hdr[PCI_STD_HEADER_SIZEOF];

	if (!vfio_open_bound_or_skip(_metadata, dev, E1000E_VENDOR,
				     E1000E_DEVICE))
		return;
	program_header(_metadata, dev, hdr);
	ASSERT_EQ(0, ioctl(dev->fd, VFIO_DEVICE_RESET));
	expect_header_kept(_metadata, dev, hdr);
}

TEST_F(one, nvme_flr)
{
	struct vfio_dev *dev = &self->dev;
	uint32_t cc = 0x00460000, x, bar0;
	uint8_t hdr[PCI_STD_HEADER_SIZEOF];
	uint16_t devctl;
	uint32_t devcap;
	int pos;

	if (!vfio_open_bound_or_skip(_metadata, dev, NVME_VENDOR, NVME_DEVICE))
		return;
	pos = find_cap(dev, PCI_CAP_ID_EXP);
	ASSERT_NE(0, pos);
	ASSERT_EQ(0, vfio_cfg_read32(dev, pos + PCI_EXP_DEVCAP, &devcap));
	ASSERT_TRUE(!!(devcap & PCI_EXP_DEVCAP_FLR));
	bar0 = real32(dev->bdf, PCI_BASE_ADDRESS_0);

	/* Queue entry sizes in CC (not enabling it): the reset clears CC. */
	ASSERT_EQ(0, vfio_region_write(dev, VFIO_PCI_BAR0_REGION_INDEX,
				       NVME_REG_CC, &cc, 4));
	ASSERT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX,
				      NVME_REG_CC, &x, 4));
	ASSERT_EQ(cc, x);
	program_header(_metadata, dev, hdr);

	ASSERT_EQ(0, vfio_cfg_read16(dev, pos + PCI_EXP_DEVCTL, &devctl));
	EXPECT_EQ(0, vfio_cfg_write16(dev, pos + PCI_EXP_DEVCTL,
				      devctl | PCI_EXP_DEVCTL_BCR_FLR));
	EXPECT_EQ(0, vfio_cfg_read16(dev, pos + PCI_EXP_DEVCTL, &devctl));
	EXPECT_FALSE(devctl & PCI_EXP_DEVCTL_BCR_FLR);

	EXPECT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX,
				      NVME_REG_CC, &x, 4));
	EXPECT_EQ(0u, x);
	EXPECT_EQ(0, vfio_region_read(dev, VFIO_PCI_BAR0_REGION_INDEX,
				      NVME_REG_CAP, &x, 4));
	EXPECT_NE(0u, x);
	EXPECT_EQ(bar0, real32(dev->bdf, PCI_BASE_ADDRESS_0));
	expect_header_kept(_metadata, dev, hdr);
	vfio_close(dev);
}

/* Read VPD dword @addr through the virtual VPD capability. */
static int vpd_read(struct vfio_dev *dev, int pos, uint16_t addr,
		    uint32_t *val)
{
	uint16_t a;
	int i;

	if (vfio_cfg_write16(dev, pos + PCI_VPD_ADDR, addr))
		return -EIO;
	for (i = 0; i < 1000; i++) {
		if (vfio_cfg_read16(dev, pos + PCI_VPD_ADDR, &a))
			return -EIO;
		if (a & PCI_VPD_ADDR_F)
			return vfio_cfg_read32(dev, pos + PCI_VPD_DATA, val);
		usleep(1000);
	}
	return -ETIMEDOUT;
}

TEST_F(one, vpd)
{
	struct vfio_dev *dev = &self->dev;
	static const uint16_t ids[][2] = {
		{ EDU_VENDOR, EDU_DEVICE }, { NVME_VENDOR, NVME_DEVICE },
		{ E1000E_VENDOR, E1000E_DEVICE }, { 0x1b36, 0x0005 },
		{ 0x1af4, 0x1000 }, { 0x1234, 0x1111 },
	};
	char path[128], why[128];
	uint8_t real[8];
	uint32_t v;
	unsigned int i;
	int pos, fd;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		if (vfio_open_bound(dev, ids[i][0], ids[i][1], why,
				    sizeof(why))) {
			vfio_close(dev);
			continue;
		}
		pos = find_cap(dev, PCI_CAP_ID_VPD);
		if (!pos) {
			vfio_close(dev);
			continue;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vpd",
			 dev->bdf);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(4, pread(fd, real, 4, 0));
		close(fd);
		ASSERT_EQ(0, vpd_read(dev, pos, 0, &v));
		EXPECT_EQ(get32(real, 0), v);
		vfio_close(dev);
		return;
	}
	SKIP(return, "no zoo device bound to vfio-pci has VPD");
}

TEST_HARNESS_MAIN
