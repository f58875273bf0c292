// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the config-space virtualization engine, on synthetic config
 * spaces behind a fake device that logs every hardware access.
 */

#include <kunit/test.h>
#include <linux/pci.h>

#include "vfio_pci_config.h"

struct fake_access {
	u16 pos;
	u8 len;
	bool write;
};

struct fake_dev {
	struct vfio_pci_cfg_io io;
	struct vfio_pci_config_state *cfg;
	u8 regs[PCI_CFG_SPACE_EXP_SIZE];
	u8 w1c[PCI_CFG_SPACE_EXP_SIZE];
	unsigned int nreads;
	unsigned int nwrites;
	unsigned int nlog;
	struct fake_access log[16];
};

static void fake_log(struct fake_dev *f, unsigned int pos, unsigned int len,
		     bool write)
{
	if (f->nlog < ARRAY_SIZE(f->log))
		f->log[f->nlog++] = (struct fake_access){ pos, len, write };
}

static u32 get(const u8 *a, unsigned int pos, unsigned int len)
{
	if (len == 4)
		return get_unaligned_le32(a + pos);
	if (len == 2)
		return get_unaligned_le16(a + pos);
	return a[pos];
}

static int fake_read(struct vfio_pci_cfg_io *io, unsigned int pos,
		     unsigned int len, u32 *val)
{
	struct fake_dev *f = container_of(io, struct fake_dev, io);

	f->nreads++;
	fake_log(f, pos, len, false);
	*val = get(f->regs, pos, len);
	return 0;
}

/* Write-one-to-clear bits clear on 1, every other bit takes the value. */
static int fake_write(struct vfio_pci_cfg_io *io, unsigned int pos,
		      unsigned int len, u32 val)
{
	struct fake_dev *f = container_of(io, struct fake_dev, io);
	unsigned int i;
	u8 b;

	f->nwrites++;
	fake_log(f, pos, len, true);
	for (i = 0; i < len; i++, val >>= 8) {
		b = val;
		f->regs[pos + i] = (b & ~f->w1c[pos + i]) |
				   (f->regs[pos + i] & f->w1c[pos + i] & ~b);
	}
	return 0;
}

static void put16(struct fake_dev *f, unsigned int pos, u16 v)
{
	put_unaligned_le16(v, f->regs + pos);
}

static void put32(struct fake_dev *f, unsigned int pos, u32 v)
{
	put_unaligned_le32(v, f->regs + pos);
}

static void std_cap(struct fake_dev *f, unsigned int pos, u8 id, u8 next)
{
	f->regs[pos] = id;
	f->regs[pos + 1] = next;
}

static void ext_cap(struct fake_dev *f, unsigned int pos, u16 id,
		    unsigned int next)
{
	put32(f, pos, id | 1 << 16 | next << 20);
}

/*
 * A PCIe endpoint: PM 0x40 -> EA 0x50 -> MSI 0x58 -> PCIe 0x70 ->
 * MSI-X 0xb0 -> vendor 0xc0; device-specific registers at 0xd0-0xff;
 * AER 0x100 -> ATS 0x140 -> DSN 0x150.
 */
static void fake_fill(struct fake_dev *f, bool flr)
{
	unsigned int i;

	put16(f, PCI_VENDOR_ID, 0x1234);
	put16(f, PCI_DEVICE_ID, 0x5678);
	put16(f, PCI_COMMAND, PCI_COMMAND_MEMORY);
	put16(f, PCI_STATUS, PCI_STATUS_CAP_LIST | PCI_STATUS_DETECTED_PARITY |
	      PCI_STATUS_PARITY);
	f->w1c[PCI_STATUS + 1] = 0xf9;
	put32(f, PCI_CLASS_REVISION, 0x02000003);
	/* Real BAR addresses must never show. */
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		put32(f, PCI_BASE_ADDRESS_0 + 4 * i, 0xfe000000 + i * 0x10000);
	put32(f, PCI_ROM_ADDRESS, 0xfd000000);
	put16(f, PCI_SUBSYSTEM_VENDOR_ID, 0xabcd);
	put16(f, PCI_SUBSYSTEM_ID, 0xef01);
	f->regs[PCI_CAPABILITY_LIST] = 0x40;
	f->regs[PCI_INTERRUPT_LINE] = 11;
	f->regs[PCI_INTERRUPT_PIN] = 1;

	std_cap(f, 0x40, PCI_CAP_ID_PM, 0x50);
	put16(f, 0x40 + PCI_PM_PMC, 0x0003);
	put16(f, 0x40 + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET |
	      PCI_PM_CTRL_PME_STATUS);
	f->w1c[0x40 + PCI_PM_CTRL + 1] = PCI_PM_CTRL_PME_STATUS >> 8;

	std_cap(f, 0x50, PCI_CAP_ID_EA, 0x58);
	put32(f, 0x54, 0xfe000000);

	std_cap(f, 0x58, PCI_CAP_ID_MSI, 0x70);
	put16(f, 0x58 + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT |
	      PCI_MSI_FLAGS_MASKBIT | 0x4);
	put32(f, 0x58 + PCI_MSI_ADDRESS_LO, 0xfee00000);

	std_cap(f, 0x70, PCI_CAP_ID_EXP, 0xb0);
	put16(f, 0x70 + PCI_EXP_FLAGS, 2);
	put32(f, 0x70 + PCI_EXP_DEVCAP, flr ? PCI_EXP_DEVCAP_FLR : 0);
	put16(f, 0x70 + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_READRQ_512B |
	      PCI_EXP_DEVCTL_PAYLOAD_256B);
	put16(f, 0x70 + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_URD);
	f->w1c[0x70 + PCI_EXP_DEVSTA] = 0x0f;

	std_cap(f, 0xb0, PCI_CAP_ID_MSIX, 0xc0);
	put16(f, 0xb0 + PCI_MSIX_FLAGS, 7);
	put32(f, 0xb0 + PCI_MSIX_TABLE, 0x2000);
	put32(f, 0xb0 + PCI_MSIX_PBA, 0x3000);

	std_cap(f, 0xc0, PCI_CAP_ID_VNDR, 0);
	f->regs[0xc2] = 12;
	for (i = 0xd0; i < 0x100; i++)
		f->regs[i] = i;

	ext_cap(f, 0x100, PCI_EXT_CAP_ID_ERR, 0x140);
	put32(f, 0x100 + PCI_ERR_UNCOR_STATUS, 0x00100010);
	memset(f->w1c + 0x100 + PCI_ERR_UNCOR_STATUS, 0xff, 4);
	ext_cap(f, 0x140, PCI_EXT_CAP_ID_ATS, 0x150);
	put16(f, 0x140 + PCI_ATS_CTRL, PCI_ATS_CTRL_ENABLE);
	ext_cap(f, 0x150, PCI_EXT_CAP_ID_DSN, 0);
	put32(f, 0x154, 0x11223344);
}

static const struct vfio_pci_cfg_bar test_bars[VFIO_PCI_CFG_NUM_BARS] = {
	{ .size = SZ_4K },
	{ .size = 32, .flags = PCI_BASE_ADDRESS_SPACE_IO },
	{ .size = SZ_8G, .flags = PCI_BASE_ADDRESS_MEM_TYPE_64 |
				  PCI_BASE_ADDRESS_MEM_PREFETCH },
	{ },
	{ },
	{ .size = SZ_1M },
	{ .size = SZ_64K },
};

static struct vfio_pci_config_state *
setup(struct kunit *test, bool flr, const struct vfio_pci_cap_handler *h)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_config_state *cfg;

	fake_fill(f, flr);
	cfg = vfio_pci_cfg_alloc(PCI_CFG_SPACE_EXP_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	f->cfg = cfg;
	cfg->io = &f->io;
	KUNIT_ASSERT_EQ(test, vfio_pci_cfg_build(cfg, f->regs, test_bars, h),
			0);
	f->nreads = 0;
	f->nwrites = 0;
	f->nlog = 0;
	return cfg;
}

static u32 rd(struct kunit *test, unsigned int pos, unsigned int len)
{
	struct fake_dev *f = test->priv;
	u8 buf[4] = {};

	KUNIT_EXPECT_EQ(test, vfio_pci_cfg_read(f->cfg, pos, len, buf), 0);
	return get(buf, 0, len);
}

static struct vfio_pci_cfg_events wr(struct kunit *test, unsigned int pos,
				     unsigned int len, u32 val)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_cfg_events ev;
	u8 buf[4];

	put_unaligned_le32(val, buf);
	KUNIT_EXPECT_EQ(test, vfio_pci_cfg_write(f->cfg, pos, len, buf, &ev),
			0);
	return ev;
}

static void header_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;

	setup(test, true, NULL);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_VENDOR_ID, 4), 0x56781234U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_CLASS_REVISION, 4), 0x02000003U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_SUBSYSTEM_VENDOR_ID, 4),
			0xef01abcdU);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_INTERRUPT_PIN, 1), 1U);
	/* Constant registers come from the snapshot. */
	KUNIT_EXPECT_EQ(test, f->nreads, 0U);

	wr(test, PCI_VENDOR_ID, 4, 0);
	wr(test, PCI_CLASS_REVISION, 4, 0);
	wr(test, PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
	wr(test, PCI_INTERRUPT_PIN, 1, 0);
	wr(test, PCI_CAPABILITY_LIST, 1, 0x80);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_VENDOR_ID, 4), 0x56781234U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_CAPABILITY_LIST, 1), 0x40U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_INTERRUPT_PIN, 1), 1U);

	/* The interrupt line and cache line size are emulated. */
	wr(test, PCI_INTERRUPT_LINE, 1, 5);
	wr(test, PCI_CACHE_LINE_SIZE, 1, 16);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_INTERRUPT_LINE, 1), 5U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_CACHE_LINE_SIZE, 1), 16U);
	KUNIT_EXPECT_EQ(test, f->regs[PCI_INTERRUPT_LINE], 11);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
}

static void bar_sizing_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	unsigned int i;

	setup(test, true, NULL);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_0, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_1, 4),
			(u32)PCI_BASE_ADDRESS_SPACE_IO);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_2, 4), 0xcU);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_3, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_ROM_ADDRESS, 4), 0U);

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		wr(test, PCI_BASE_ADDRESS_0 + 4 * i, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_0, 4), 0xfffff000U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_1, 4), 0xffffffe1U);
	/* 8 GiB 64-bit prefetchable: no address bits in the low half. */
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_2, 4), 0xcU);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_3, 4), 0xfffffffeU);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_4, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_5, 4), 0xfff00000U);

	wr(test, PCI_ROM_ADDRESS, 4, (u32)PCI_ROM_ADDRESS_MASK);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_ROM_ADDRESS, 4), 0xffff0000U);
	wr(test, PCI_ROM_ADDRESS, 4, 0x12345679);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_ROM_ADDRESS, 4), 0x12340001U);

	wr(test, PCI_BASE_ADDRESS_0, 4, 0x12345678);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_0, 4), 0x12345000U);
	/* Byte writes size too. */
	wr(test, PCI_BASE_ADDRESS_5 + 2, 2, 0xabcd);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_5, 4), 0xabc00000U);

	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
	KUNIT_EXPECT_EQ(test, f->nreads, 0U);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_BASE_ADDRESS_0, 4), 0xfe000000U);
}

static void command_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_cfg_events ev;
	unsigned int i;

	setup(test, true, NULL);
	ev = wr(test, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SPECIAL);
	KUNIT_EXPECT_EQ(test, ev.cmd_new & PCI_COMMAND_INTX_DISABLE,
			PCI_COMMAND_INTX_DISABLE);
	KUNIT_EXPECT_EQ(test, ev.cmd_old & PCI_COMMAND_INTX_DISABLE, 0);
	/* Decoding and mastering reach the device, INTx disable does not. */
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_COMMAND, 2),
			(u32)(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
	KUNIT_EXPECT_EQ(test, rd(test, PCI_COMMAND, 2),
			(u32)(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			      PCI_COMMAND_INTX_DISABLE));

	ev = wr(test, PCI_COMMAND, 1, 0);
	KUNIT_EXPECT_TRUE(test, ev.cmd_old & PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_FALSE(test, ev.cmd_new & PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_COMMAND, 2), 0U);

	/* The high byte, with the host's INTx-disable bit, is never touched. */
	f->nlog = 0;
	ev = wr(test, PCI_COMMAND, 4, ~0U);
	KUNIT_EXPECT_EQ(test, f->nlog, 4U);
	for (i = 0; i < f->nlog; i++)
		KUNIT_EXPECT_FALSE(test, f->log[i].pos <= PCI_COMMAND + 1 &&
				   f->log[i].pos + f->log[i].len >
				   PCI_COMMAND + 1);
	KUNIT_EXPECT_EQ(test, ev.cmd_new & PCI_COMMAND_SERR, PCI_COMMAND_SERR);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_COMMAND, 2),
			(u32)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			      PCI_COMMAND_MASTER | PCI_COMMAND_PARITY));

	KUNIT_EXPECT_TRUE(test, vfio_pci_cfg_needs_memory_lock(f->cfg, 4, 1));
	KUNIT_EXPECT_TRUE(test, vfio_pci_cfg_needs_memory_lock(f->cfg, 2, 4));
	KUNIT_EXPECT_FALSE(test, vfio_pci_cfg_needs_memory_lock(f->cfg, 5, 1));
	KUNIT_EXPECT_FALSE(test, vfio_pci_cfg_needs_memory_lock(f->cfg, 0, 4));
	KUNIT_EXPECT_TRUE(test, vfio_pci_cfg_needs_memory_lock(f->cfg, 0x44, 2));
}

static void w1c_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	u16 both = PCI_STATUS_DETECTED_PARITY | PCI_STATUS_PARITY;

	setup(test, true, NULL);
	/* Writing the command register leaves status bits alone... */
	wr(test, PCI_COMMAND, 4, PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_STATUS, 2) & both, (u32)both);
	/* ...and a status write clears exactly the bits written as 1. */
	wr(test, PCI_COMMAND, 4, PCI_STATUS_DETECTED_PARITY << 16 |
	   PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_STATUS, 2) & both,
			(u32)PCI_STATUS_PARITY);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_STATUS, 2) & both,
			(u32)PCI_STATUS_PARITY);

	/* PCIe Device Status, sharing a dword with Device Control. */
	wr(test, 0x70 + PCI_EXP_DEVCTL, 4, PCI_EXP_DEVSTA_URD << 16);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x70 + PCI_EXP_DEVSTA, 2),
			(u32)PCI_EXP_DEVSTA_CED);

	/* PME status passes, the emulated power state does not. */
	wr(test, 0x40 + PCI_PM_CTRL, 2, PCI_PM_CTRL_PME_STATUS);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x40 + PCI_PM_CTRL, 2),
			(u32)PCI_PM_CTRL_NO_SOFT_RESET);

	/* AER status is write-one-to-clear end to end. */
	wr(test, 0x100 + PCI_ERR_UNCOR_STATUS, 4, 0x10);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x100 + PCI_ERR_UNCOR_STATUS, 4),
			0x00100000U);
}

static void cap_chain_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_config_state *cfg;
	unsigned int i;

	cfg = setup(test, true, NULL);
	KUNIT_EXPECT_TRUE(test, rd(test, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_CAPABILITY_LIST, 1), 0x40U);
	/* EA at 0x50 is hidden: PM links straight to MSI. */
	KUNIT_EXPECT_EQ(test, rd(test, 0x40, 2), 0x5801U);
	for (i = 0x50; i < 0x58; i += 4)
		KUNIT_EXPECT_EQ(test, rd(test, i, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58, 2), 0x7005U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x70, 2), 0xb010U);
	KUNIT_EXPECT_EQ(test, rd(test, 0xb0, 2), 0xc011U);
	KUNIT_EXPECT_EQ(test, rd(test, 0xc0, 2), 0x0009U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x100, 4),
			(u32)(PCI_EXT_CAP_ID_ERR | 1 << 16 | 0x140 << 20));

	/* The map: owners are contiguous and the gap has none. */
	KUNIT_EXPECT_EQ(test, cfg->pm_pos, 0x40);
	KUNIT_EXPECT_EQ(test, cfg->msi_pos, 0x58);
	KUNIT_EXPECT_EQ(test, cfg->exp_pos, 0x70);
	KUNIT_EXPECT_EQ(test, cfg->msix_pos, 0xb0);
	KUNIT_EXPECT_EQ(test, cfg->owner[0x40], cfg->owner[0x47]);
	KUNIT_EXPECT_NE(test, cfg->owner[0x40], 0);
	KUNIT_EXPECT_EQ(test, cfg->owner[0x50], 0);
	KUNIT_EXPECT_EQ(test, cfg->owner[0x77], cfg->owner[0xab]);
	KUNIT_EXPECT_EQ(test, cfg->owner[0xac], 0);
	KUNIT_EXPECT_EQ(test, cfg->owner[0xd0], 0);
	KUNIT_EXPECT_NE(test, cfg->owner[0x100], cfg->owner[0x140]);

	/* Device-specific registers outside capabilities pass through. */
	KUNIT_EXPECT_EQ(test, rd(test, 0xd0, 4), 0xd3d2d1d0U);
	wr(test, 0xd0, 4, 0x01020304);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0xd0, 4), 0x01020304U);
	/* Read-only capability registers are protected. */
	wr(test, 0xb0 + PCI_MSIX_TABLE, 4, 0);
	wr(test, 0x150 + 4, 4, 0);
	KUNIT_EXPECT_EQ(test, rd(test, 0xb0 + PCI_MSIX_TABLE, 4), 0x2000U);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x154, 4), 0x11223344U);
}

static const struct vfio_pci_cap_handler hide_handlers[] = {
	{ .cap_id = PCI_CAP_ID_MSI, .hide = true },
	{ .cap_id = PCI_CAP_ID_VNDR, .hide = true },
	{ .cap_id = PCI_EXT_CAP_ID_ERR, .extended = true, .hide = true },
	{ }
};

static void cap_hide_test(struct kunit *test)
{
	struct vfio_pci_config_state *cfg;

	cfg = setup(test, true, hide_handlers);
	KUNIT_EXPECT_EQ(test, rd(test, 0x40, 2), 0x7001U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58, 4), 0U);
	/* MSI-X is now last. */
	KUNIT_EXPECT_EQ(test, rd(test, 0xb0, 2), 0x0011U);
	KUNIT_EXPECT_EQ(test, cfg->msi_pos, 0);
	/* The first extended capability became a null header leading on. */
	KUNIT_EXPECT_EQ(test, rd(test, 0x100, 4), 0x140U << 20);
	KUNIT_EXPECT_EQ(test, rd(test, 0x104, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x140, 2), (u32)PCI_EXT_CAP_ID_ATS);
}

static const struct vfio_pci_cap_handler hide_all_handlers[] = {
	{ .cap_id = PCI_CAP_ID_PM, .hide = true },
	{ .cap_id = PCI_CAP_ID_MSI, .hide = true },
	{ .cap_id = PCI_CAP_ID_EXP, .hide = true },
	{ .cap_id = PCI_CAP_ID_MSIX, .hide = true },
	{ .cap_id = PCI_CAP_ID_VNDR, .hide = true },
	{ .cap_id = PCI_EXT_CAP_ID_ERR, .extended = true, .hide = true },
	{ .cap_id = PCI_EXT_CAP_ID_ATS, .extended = true, .hide = true },
	{ .cap_id = PCI_EXT_CAP_ID_DSN, .extended = true, .hide = true },
	{ }
};

static void cap_hide_all_test(struct kunit *test)
{
	setup(test, true, hide_all_handlers);
	KUNIT_EXPECT_FALSE(test, rd(test, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_CAPABILITY_LIST, 1), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x100, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x150, 4), 0U);
}

static void split_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_config_state *cfg;
	unsigned int i, expect = 0;
	u8 buf[PCI_CFG_SPACE_SIZE];

	cfg = setup(test, true, NULL);
	/* An unaligned dword in device-specific space: byte, word, byte. */
	KUNIT_EXPECT_EQ(test, rd(test, 0xd1, 4), 0xd4d3d2d1U);
	KUNIT_ASSERT_EQ(test, f->nlog, 3U);
	KUNIT_EXPECT_EQ(test, f->log[0].pos, 0xd1);
	KUNIT_EXPECT_EQ(test, f->log[0].len, 1);
	KUNIT_EXPECT_EQ(test, f->log[1].pos, 0xd2);
	KUNIT_EXPECT_EQ(test, f->log[1].len, 2);
	KUNIT_EXPECT_EQ(test, f->log[2].pos, 0xd4);
	KUNIT_EXPECT_EQ(test, f->log[2].len, 1);

	/* A write across the end of PCIe into the gap, unaligned. */
	f->nlog = 0;
	wr(test, 0xab, 2, 0x5a5a);
	KUNIT_EXPECT_EQ(test, f->regs[0xab], 0);
	KUNIT_EXPECT_EQ(test, f->regs[0xac], 0x5a);

	/* Unaligned access straddling two registers keeps each's rules. */
	wr(test, PCI_COMMAND + 1, 3, 0xffffff);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_COMMAND, 2) &
			PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_INTX_DISABLE);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_COMMAND, 2),
			(u32)PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_EQ(test, get(f->regs, PCI_STATUS, 2) &
			(PCI_STATUS_DETECTED_PARITY | PCI_STATUS_PARITY), 0U);

	/* A full read: one aligned dword access per not-virtual dword. */
	for (i = 0; i < PCI_CFG_SPACE_SIZE; i += 4)
		if (get(cfg->virt, i, 4) != ~0U)
			expect++;
	f->nreads = 0;
	f->nlog = 0;
	KUNIT_EXPECT_EQ(test, vfio_pci_cfg_read(cfg, 0, sizeof(buf), buf), 0);
	KUNIT_EXPECT_EQ(test, f->nreads, expect);
	for (i = 0; i < f->nlog; i++)
		KUNIT_EXPECT_EQ(test, f->log[i].len, 4);
	KUNIT_EXPECT_EQ(test, get(buf, 0, 4), 0x56781234U);
	KUNIT_EXPECT_EQ(test, get(buf, 0xd4, 4), 0xd7d6d5d4U);
}

static void msi_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_config_state *cfg;

	cfg = setup(test, true, NULL);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_ADDRESS_LO, 4), 0U);
	wr(test, 0x58 + PCI_MSI_ADDRESS_LO, 4, 0xfee01234);
	wr(test, 0x58 + PCI_MSI_ADDRESS_HI, 4, 0x1);
	wr(test, 0x58 + PCI_MSI_DATA_64, 2, 0x4041);
	wr(test, 0x58 + PCI_MSI_MASK_64, 4, 0x3);
	/* Only the host enables MSI; the vector count is userspace's. */
	wr(test, 0x58 + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | 0x10 |
	   PCI_MSI_FLAGS_64BIT);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_ADDRESS_LO, 4),
			0xfee01234U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_DATA_64, 4), 0x4041U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_MASK_64, 4), 3U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_FLAGS, 2),
			(u32)(0x10 | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT |
			      0x4));

	vfio_pci_cfg_set_msi(cfg, 3);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_FLAGS, 2) & 0x71U,
			0x21U);
	vfio_pci_cfg_set_msi(cfg, 0);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_FLAGS, 2) & 0x71U, 0U);

	/* MSI-X control is read-only and shows what the host programmed. */
	wr(test, 0xb0 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE |
	   PCI_MSIX_FLAGS_MASKALL | 0x3f);
	KUNIT_EXPECT_EQ(test, rd(test, 0xb0 + PCI_MSIX_FLAGS, 2), 7U);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
	put16(f, 0xb0 + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | 0x3f);
	KUNIT_EXPECT_EQ(test, rd(test, 0xb0 + PCI_MSIX_FLAGS, 2),
			(u32)(PCI_MSIX_FLAGS_ENABLE | 7));
}

static void pm_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_cfg_events ev;

	setup(test, true, NULL);
	KUNIT_EXPECT_EQ(test, rd(test, 0x40 + PCI_PM_CTRL, 2) &
			~PCI_PM_CTRL_PME_STATUS,
			(u32)PCI_PM_CTRL_NO_SOFT_RESET);
	ev = wr(test, 0x40 + PCI_PM_CTRL, 2, 3);
	KUNIT_EXPECT_EQ(test, ev.power_old, 0);
	KUNIT_EXPECT_EQ(test, ev.power_new, 3);
	KUNIT_EXPECT_EQ(test, rd(test, 0x40 + PCI_PM_CTRL, 1) & 3, 3U);
	/* The core moves the device; the engine never writes the state. */
	KUNIT_EXPECT_EQ(test, f->regs[0x40 + PCI_PM_CTRL] & 3, 0);
	ev = wr(test, 0x40 + PCI_PM_CTRL, 1, 0);
	KUNIT_EXPECT_EQ(test, ev.power_old, 3);
	KUNIT_EXPECT_EQ(test, ev.power_new, 0);
}

static bool stops(struct kunit *test, unsigned int pos, unsigned int len,
		  const u8 *buf)
{
	struct fake_dev *f = test->priv;

	return vfio_pci_cfg_write_stops_decode(f->cfg, pos, len, buf);
}

/* Which writes must find the BARs' mappings already revoked. */
static void stops_decode_test(struct kunit *test)
{
	static const u8 off[4], mem[4] = { PCI_COMMAND_MEMORY };
	static const u8 d3[2] = { 3 }, io_only[4] = { 0, 0, PCI_COMMAND_IO };

	setup(test, true, NULL);
	wr(test, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	KUNIT_EXPECT_TRUE(test, stops(test, PCI_COMMAND, 1, off));
	KUNIT_EXPECT_FALSE(test, stops(test, PCI_COMMAND, 2, mem));
	/* A dword write at 2 puts its third byte into the command register. */
	KUNIT_EXPECT_TRUE(test, stops(test, 2, 4, io_only));
	KUNIT_EXPECT_FALSE(test, stops(test, PCI_COMMAND + 1, 1, off));
	KUNIT_EXPECT_FALSE(test, stops(test, PCI_VENDOR_ID, 4, off));

	/* D0 to D3hot stops decoding, a write keeping D0 does not. */
	KUNIT_EXPECT_TRUE(test, stops(test, 0x40 + PCI_PM_CTRL, 2, d3));
	KUNIT_EXPECT_FALSE(test, stops(test, 0x40 + PCI_PM_CTRL, 2, off));

	/* Nothing left to stop once decoding is off. */
	wr(test, PCI_COMMAND, 2, 0);
	KUNIT_EXPECT_FALSE(test, stops(test, PCI_COMMAND, 1, off));
	wr(test, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	wr(test, 0x40 + PCI_PM_CTRL, 2, 3);
	KUNIT_EXPECT_FALSE(test, stops(test, 0x40 + PCI_PM_CTRL, 2, d3));
}

static void flr_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_cfg_events ev;
	u32 devctl = PCI_EXP_DEVCTL_READRQ_512B | PCI_EXP_DEVCTL_PAYLOAD_256B;

	setup(test, true, NULL);
	/* Max_Payload_Size is emulated, Max_Read_Request passes. */
	ev = wr(test, 0x70 + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_READRQ_128B |
		PCI_EXP_DEVCTL_PAYLOAD_512B);
	KUNIT_EXPECT_FALSE(test, ev.flr);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x70 + PCI_EXP_DEVCTL, 2),
			(u32)PCI_EXP_DEVCTL_PAYLOAD_256B);
	KUNIT_EXPECT_EQ(test, rd(test, 0x70 + PCI_EXP_DEVCTL, 2),
			(u32)PCI_EXP_DEVCTL_PAYLOAD_512B);

	ev = wr(test, 0x70 + PCI_EXP_DEVCTL, 2, devctl |
		PCI_EXP_DEVCTL_BCR_FLR);
	KUNIT_EXPECT_TRUE(test, ev.flr);
	KUNIT_EXPECT_EQ(test, rd(test, 0x70 + PCI_EXP_DEVCTL, 2), devctl);
	KUNIT_EXPECT_FALSE(test, get(f->regs, 0x70 + PCI_EXP_DEVCTL, 2) &
			   PCI_EXP_DEVCTL_BCR_FLR);
	vfio_pci_cfg_free(f->cfg);

	/* Without FLR support the bit is read-only. */
	setup(test, false, NULL);
	ev = wr(test, 0x70 + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	KUNIT_EXPECT_FALSE(test, ev.flr);
}

static void emulated_ext_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;

	setup(test, true, NULL);
	/* ATS belongs to the host IOMMU: the enable bit starts clear. */
	KUNIT_EXPECT_EQ(test, rd(test, 0x140 + PCI_ATS_CTRL, 2), 0U);
	wr(test, 0x140 + PCI_ATS_CTRL, 2, PCI_ATS_CTRL_ENABLE | 3);
	KUNIT_EXPECT_EQ(test, rd(test, 0x140 + PCI_ATS_CTRL, 2),
			(u32)(PCI_ATS_CTRL_ENABLE | 3));
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x140 + PCI_ATS_CTRL, 2),
			(u32)PCI_ATS_CTRL_ENABLE);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
}

static void reset_test(struct kunit *test)
{
	struct vfio_pci_config_state *cfg;

	cfg = setup(test, true, NULL);
	wr(test, PCI_BASE_ADDRESS_0, 4, ~0U);
	wr(test, PCI_INTERRUPT_LINE, 1, 3);
	wr(test, 0x58 + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	vfio_pci_cfg_reset(cfg);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_0, 4), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_INTERRUPT_LINE, 1), 11U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x58 + PCI_MSI_FLAGS, 2) &
			PCI_MSI_FLAGS_ENABLE, 0U);
}

static int vndr_reads;
static u32 vndr_written;

static int vndr_read(struct vfio_pci_core_device *vdev, int pos, int count,
		     int cap_start, __le32 *val)
{
	vndr_reads++;
	*val = cpu_to_le32(0xa5a5a5a5 & (count == 4 ? ~0U :
					 (1U << (count * 8)) - 1));
	return count;
}

static int vndr_write(struct vfio_pci_core_device *vdev, int pos, int count,
		      int cap_start, __le32 val)
{
	vndr_written = (pos - cap_start) << 24 | le32_to_cpu(val);
	return count;
}

static const struct vfio_pci_cap_handler override_handlers[] = {
	{ .cap_id = PCI_CAP_ID_VNDR, .read = vndr_read, .write = vndr_write },
	{ }
};

static void override_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;

	vndr_reads = 0;
	vndr_written = 0;
	setup(test, true, override_handlers);
	KUNIT_EXPECT_EQ(test, rd(test, 0xc4, 4), 0xa5a5a5a5U);
	KUNIT_EXPECT_EQ(test, vndr_reads, 1);
	/* The vendor cap is 12 bytes: a read across its end is split. */
	KUNIT_EXPECT_EQ(test, rd(test, 0xca, 4), 0x0000a5a5U);
	KUNIT_EXPECT_EQ(test, vndr_reads, 2);
	wr(test, 0xc8, 2, 0x1234);
	KUNIT_EXPECT_EQ(test, vndr_written, 0x08001234U);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
	/* Other capabilities keep the library's handling. */
	KUNIT_EXPECT_EQ(test, rd(test, 0xb0 + PCI_MSIX_TABLE, 4), 0x2000U);
}

/*
 * A conventional device: VPD 0x40 -> AF 0x48 -> PCI-X 0x50, a 64-bit type
 * claimed by BAR5 (which has no upper half to use).
 */
static void legacy_fill(struct fake_dev *f)
{
	memset(f->regs, 0, sizeof(f->regs));
	put16(f, PCI_VENDOR_ID, 0x8086);
	put16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	f->regs[PCI_CAPABILITY_LIST] = 0x40;
	std_cap(f, 0x40, PCI_CAP_ID_VPD, 0x48);
	put16(f, 0x40 + PCI_VPD_ADDR, 0x8010);
	put32(f, 0x40 + PCI_VPD_DATA, 0xdeadbeef);
	std_cap(f, 0x48, PCI_CAP_ID_AF, 0x50);
	f->regs[0x48 + PCI_AF_LENGTH] = PCI_CAP_AF_SIZEOF;
	f->regs[0x48 + PCI_AF_CAP] = PCI_AF_CAP_TP | PCI_AF_CAP_FLR;
	std_cap(f, 0x50, PCI_CAP_ID_PCIX, 0);
	put16(f, 0x50 + PCI_X_CMD, PCI_X_CMD_ERO);
	put32(f, 0x50 + PCI_X_STATUS, PCI_X_STATUS_SPL_DISC | 0x0100);
	f->w1c[0x50 + PCI_X_STATUS + 2] = (PCI_X_STATUS_SPL_DISC |
					   PCI_X_STATUS_UNX_SPL) >> 16;
	f->w1c[0x50 + PCI_X_STATUS + 3] = PCI_X_STATUS_SPL_ERR >> 24;
}

static const struct vfio_pci_cfg_bar legacy_bars[VFIO_PCI_CFG_NUM_BARS] = {
	[5] = { .size = SZ_64K, .flags = PCI_BASE_ADDRESS_MEM_TYPE_64 },
};

static void legacy_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_config_state *cfg;
	struct vfio_pci_cfg_events ev;

	legacy_fill(f);
	cfg = vfio_pci_cfg_alloc(PCI_CFG_SPACE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	f->cfg = cfg;
	cfg->io = &f->io;
	KUNIT_ASSERT_EQ(test, vfio_pci_cfg_build(cfg, f->regs, legacy_bars,
						 NULL), 0);
	f->nwrites = 0;

	/* VPD is emulated: it starts idle and an address write asks for I/O. */
	KUNIT_EXPECT_EQ(test, rd(test, 0x40 + PCI_VPD_ADDR, 2), 0U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x40 + PCI_VPD_DATA, 4), 0U);
	ev = wr(test, 0x40 + PCI_VPD_DATA, 4, 0x12345678);
	KUNIT_EXPECT_FALSE(test, ev.vpd);
	ev = wr(test, 0x40 + PCI_VPD_ADDR, 2, 0x8004);
	KUNIT_EXPECT_TRUE(test, ev.vpd);
	KUNIT_EXPECT_EQ(test, rd(test, 0x40 + PCI_VPD_ADDR, 2), 0x8004U);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x40 + PCI_VPD_ADDR, 2), 0x8010U);

	/* AF FLR: emulated, consumed, and reads back as 0. */
	ev = wr(test, 0x48 + PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR);
	KUNIT_EXPECT_TRUE(test, ev.flr);
	KUNIT_EXPECT_EQ(test, rd(test, 0x48 + PCI_AF_CTRL, 1), 0U);

	/* PCI-X: command bits pass, status bits clear on one. */
	wr(test, 0x50 + PCI_X_CMD, 2, PCI_X_CMD_DPERR_E | 0x3000);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x50 + PCI_X_CMD, 2),
			(u32)PCI_X_CMD_DPERR_E);
	wr(test, 0x50 + PCI_X_STATUS, 4, ~0U);
	KUNIT_EXPECT_EQ(test, get(f->regs, 0x50 + PCI_X_STATUS, 4), 0x0100U);
	KUNIT_EXPECT_EQ(test, rd(test, 0x50 + PCI_X_STATUS, 4), 0x0100U);

	/* No upper half: BAR5 sizes as a 32-bit BAR. */
	wr(test, PCI_BASE_ADDRESS_5, 4, ~0U);
	KUNIT_EXPECT_EQ(test, rd(test, PCI_BASE_ADDRESS_5, 4), 0xffff0000U);
	KUNIT_EXPECT_EQ(test, cfg->size, PCI_CFG_SPACE_SIZE);
	KUNIT_EXPECT_EQ(test, cfg->ncaps, 3U);
}

static void overflow_test(struct kunit *test)
{
	struct fake_dev *f = test->priv;
	struct vfio_pci_config_state *cfg;
	unsigned int i, pos;

	fake_fill(f, true);
	/* A chain longer than the capability table. */
	for (i = 0; i < 2 * VFIO_PCI_CFG_MAX_CAPS; i++) {
		pos = PCI_CFG_SPACE_SIZE + 8 * i;
		ext_cap(f, pos, PCI_EXT_CAP_ID_VNDR,
			i + 1 < 2 * VFIO_PCI_CFG_MAX_CAPS ? pos + 8 : 0);
	}
	cfg = vfio_pci_cfg_alloc(PCI_CFG_SPACE_EXP_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, cfg);
	f->cfg = cfg;
	cfg->io = &f->io;
	KUNIT_ASSERT_EQ(test, vfio_pci_cfg_build(cfg, f->regs, test_bars,
						 NULL), 0);
	KUNIT_EXPECT_EQ(test, cfg->ncaps, VFIO_PCI_CFG_MAX_CAPS);
	f->nwrites = 0;
	wr(test, 0xd0, 4, 0);
	wr(test, PCI_CFG_SPACE_SIZE + 8 * (VFIO_PCI_CFG_MAX_CAPS + 4), 4, 0);
	KUNIT_EXPECT_EQ(test, f->nwrites, 0U);
	/* The command register is unaffected. */
	wr(test, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	KUNIT_EXPECT_EQ(test, f->nwrites, 1U);
}

static int config_test_init(struct kunit *test)
{
	struct fake_dev *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->io.read = fake_read;
	f->io.write = fake_write;
	test->priv = f;
	return 0;
}

static void config_test_exit(struct kunit *test)
{
	struct fake_dev *f = test->priv;

	vfio_pci_cfg_free(f->cfg);
}

static struct kunit_case vfio_pci_config_test_cases[] = {
	KUNIT_CASE(header_test),
	KUNIT_CASE(bar_sizing_test),
	KUNIT_CASE(command_test),
	KUNIT_CASE(w1c_test),
	KUNIT_CASE(cap_chain_test),
	KUNIT_CASE(cap_hide_test),
	KUNIT_CASE(cap_hide_all_test),
	KUNIT_CASE(split_test),
	KUNIT_CASE(msi_test),
	KUNIT_CASE(pm_test),
	KUNIT_CASE(stops_decode_test),
	KUNIT_CASE(flr_test),
	KUNIT_CASE(emulated_ext_test),
	KUNIT_CASE(reset_test),
	KUNIT_CASE(override_test),
	KUNIT_CASE(legacy_test),
	KUNIT_CASE(overflow_test),
	{}
};

static struct kunit_suite vfio_pci_config_test_suite = {
	.name = "vfio-pci-config",
	.init = config_test_init,
	.exit = config_test_exit,
	.test_cases = vfio_pci_config_test_cases,
};

kunit_test_suite(vfio_pci_config_test_suite);
