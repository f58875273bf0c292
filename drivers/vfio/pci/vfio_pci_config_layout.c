// SPDX-License-Identifier: GPL-2.0-only
/*
 * The layout of a virtual PCI config space, built once when the device is
 * probed: the permission table of every register the library virtualizes
 * (header and capabilities), the walk of the standard and extended
 * capability lists the hardware reports, the capabilities hidden from the
 * user and the list relinked around them, and the virtual BARs. The result
 * is the four per-byte masks and the snapshot that vfio_pci_config.c's
 * engine serves accesses from.
 */

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/pci.h>
#include <linux/vfio_pci_core.h>

#include "vfio_pci_priv.h"
#include "vfio_pci_config.h"

/**
 * struct cfg_perm - permissions of one register inside a capability
 * @off: offset of the register in the capability
 * @len: width of the register in bytes
 * @virt: bits served from vconfig
 * @wr: bits userspace may write
 * @hw: bits of @wr written through to hardware
 * @w1c: hardware write-one-to-clear bits
 *
 * Bytes of a capability no entry covers are read-only and read from
 * hardware.
 */
struct cfg_perm {
	u16 off;
	u8 len;
	u32 virt;
	u32 wr;
	u32 hw;
	u32 w1c;
};

#define PERM(o, l, v, w, h, c) \
	{ .off = (o), .len = (l), .virt = (v), .wr = (w), .hw = (h), .w1c = (c) }
/* Read-only and constant: served from the snapshot taken at probe time. */
#define PERM_CONST(o, l)	PERM(o, l, ~0U, 0, 0, 0)
/* Emulated: userspace writes bits @w of the virtual register only. */
#define PERM_VIRT(o, l, w)	PERM(o, l, ~0U, w, 0, 0)
/*
 * Passed-through registers are written as PERM(off, len, 0, w, w, 0), and
 * write-one-to-clear status registers as PERM(off, len, 0, c, c, c).
 */

/*
 * The high byte of the command register is never written to the device:
 * the INTx-disable bit there belongs to vfio_pci_intrs.c, which changes it
 * from interrupt context, and a read-modify-write from here would race.
 */
#define CMD_VIRT	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | \
			 PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | \
			 PCI_COMMAND_SERR)
#define CMD_HW		(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | \
			 PCI_COMMAND_MASTER | PCI_COMMAND_PARITY)
#define STATUS_W1C	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
			 PCI_STATUS_REC_TARGET_ABORT | \
			 PCI_STATUS_REC_MASTER_ABORT | \
			 PCI_STATUS_SIG_SYSTEM_ERROR | \
			 PCI_STATUS_DETECTED_PARITY)

/*
 * Type 0 header. Identification, class and subsystem registers never
 * change, so they are served from the snapshot; the BAR and ROM write masks
 * are filled in from the BAR sizes. Only command/status is read live.
 */
static const struct cfg_perm cfg_header_perms[] = {
	PERM_CONST(PCI_VENDOR_ID, 4),
	PERM(PCI_COMMAND, 2, CMD_VIRT, CMD_VIRT | CMD_HW, CMD_HW, 0),
	PERM(PCI_STATUS, 2, PCI_STATUS_CAP_LIST, STATUS_W1C, STATUS_W1C,
	     STATUS_W1C),
	PERM_CONST(PCI_CLASS_REVISION, 4),
	PERM_VIRT(PCI_CACHE_LINE_SIZE, 1, 0xff),
	PERM_VIRT(PCI_LATENCY_TIMER, 1, 0xff),
	PERM_CONST(PCI_HEADER_TYPE, 1),
	PERM_CONST(PCI_BIST, 1),
	PERM_CONST(PCI_BASE_ADDRESS_0, 4),
	PERM_CONST(PCI_BASE_ADDRESS_1, 4),
	PERM_CONST(PCI_BASE_ADDRESS_2, 4),
	PERM_CONST(PCI_BASE_ADDRESS_3, 4),
	PERM_CONST(PCI_BASE_ADDRESS_4, 4),
	PERM_CONST(PCI_BASE_ADDRESS_5, 4),
	PERM_CONST(PCI_CARDBUS_CIS, 4),
	PERM_CONST(PCI_SUBSYSTEM_VENDOR_ID, 4),
	PERM_CONST(PCI_ROM_ADDRESS, 4),
	PERM_CONST(PCI_CAPABILITY_LIST, 4),
	PERM_CONST(PCI_CAPABILITY_LIST + 4, 4),
	PERM_VIRT(PCI_INTERRUPT_LINE, 1, 0xff),
	PERM_CONST(PCI_INTERRUPT_PIN, 1),
	PERM_CONST(PCI_MIN_GNT, 2),
};

/*
 * Power management: the power state is emulated and applied through the
 * core; PME enable is emulated because wake-up belongs to the host.
 */
static const struct cfg_perm cfg_pm_perms[] = {
	PERM_CONST(PCI_PM_PMC, 2),
	PERM(PCI_PM_CTRL, 2, PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE,
	     PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE |
	     PCI_PM_CTRL_PME_STATUS, PCI_PM_CTRL_PME_STATUS,
	     PCI_PM_CTRL_PME_STATUS),
};

/*
 * MSI-X is set up by the host (VFIO_DEVICE_SET_IRQS): enable and function
 * mask read what the host programmed and are not writable.
 */
static const struct cfg_perm cfg_msix_perms[] = {
	PERM_CONST(PCI_MSIX_FLAGS, 2),
	PERM_CONST(PCI_MSIX_TABLE, 4),
	PERM_CONST(PCI_MSIX_PBA, 4),
};

#define DEVCTL_HW	(PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | \
			 PCI_EXP_DEVCTL_FERE | PCI_EXP_DEVCTL_URRE | \
			 PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_EXT_TAG | \
			 PCI_EXP_DEVCTL_AUX_PME | PCI_EXP_DEVCTL_NOSNOOP_EN | \
			 PCI_EXP_DEVCTL_READRQ)
#define DEVSTA_W1C	(PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | \
			 PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD)
#define DEVCTL2_HW	(PCI_EXP_DEVCTL2_COMP_TIMEOUT | \
			 PCI_EXP_DEVCTL2_COMP_TMOUT_DIS | \
			 PCI_EXP_DEVCTL2_ATOMIC_REQ | \
			 PCI_EXP_DEVCTL2_IDO_REQ_EN | PCI_EXP_DEVCTL2_IDO_CMP_EN)

/*
 * PCI Express: Max_Payload_Size must match the fabric, so the device keeps
 * the host's value and userspace sees its own; the FLR bit is emulated and
 * turned into a host-side reset. Link and slot control belong to the host.
 */
static const struct cfg_perm cfg_exp_perms[] = {
	PERM_CONST(PCI_EXP_FLAGS, 2),
	PERM_CONST(PCI_EXP_DEVCAP, 4),
	PERM(PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_BCR_FLR,
	     PCI_EXP_DEVCTL_PAYLOAD | DEVCTL_HW, DEVCTL_HW, 0),
	PERM(PCI_EXP_DEVSTA, 2, 0, DEVSTA_W1C, DEVSTA_W1C, DEVSTA_W1C),
	PERM_CONST(PCI_EXP_LNKCAP, 4),
	PERM(PCI_EXP_LNKSTA, 2, 0, 0, 0,
	     PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS),
	/* Slot and root registers are reserved in a type 0 function. */
	PERM_CONST(PCI_EXP_SLTCAP, 4),
	PERM_CONST(PCI_EXP_SLTCTL, 4),
	PERM_CONST(PCI_EXP_RTCTL, 4),
	PERM_CONST(PCI_EXP_RTSTA, 4),
	PERM_CONST(PCI_EXP_DEVCAP2, 4),
	PERM(PCI_EXP_DEVCTL2, 2, 0, DEVCTL2_HW, DEVCTL2_HW, 0),
	PERM_CONST(PCI_EXP_LNKCAP2, 4),
	PERM_CONST(PCI_EXP_SLTCAP2, 4),
	PERM_CONST(PCI_EXP_SLTCTL2, 4),
};

#define PCIX_CMD_HW	(PCI_X_CMD_DPERR_E | PCI_X_CMD_ERO | \
			 PCI_X_CMD_MAX_READ | PCI_X_CMD_MAX_SPLIT)
#define PCIX_STATUS_W1C	(PCI_X_STATUS_SPL_DISC | PCI_X_STATUS_UNX_SPL | \
			 PCI_X_STATUS_SPL_ERR)

static const struct cfg_perm cfg_pcix_perms[] = {
	PERM(PCI_X_CMD, 2, 0, PCIX_CMD_HW, PCIX_CMD_HW, 0),
	PERM(PCI_X_STATUS, 4, 0, PCIX_STATUS_W1C, PCIX_STATUS_W1C,
	     PCIX_STATUS_W1C),
};

/* AF: the FLR bit is emulated (write mask added when FLR is supported). */
static const struct cfg_perm cfg_af_perms[] = {
	PERM_CONST(PCI_AF_LENGTH, 1),
	PERM_CONST(PCI_AF_CAP, 1),
	PERM(PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR, 0, 0, 0),
};

/* VPD: both registers emulated, transfers go through the PCI core's API. */
static const struct cfg_perm cfg_vpd_perms[] = {
	PERM_VIRT(PCI_VPD_ADDR, 2, 0xffff),
	PERM_VIRT(PCI_VPD_DATA, 4, ~0U),
};

#define AER_CAP_HW	(PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE)

/* AER: the function's own masks, severities and status are its business. */
static const struct cfg_perm cfg_aer_perms[] = {
	PERM(PCI_ERR_UNCOR_STATUS, 4, 0, ~0U, ~0U, ~0U),
	PERM(PCI_ERR_UNCOR_MASK, 4, 0, ~0U, ~0U, 0),
	PERM(PCI_ERR_UNCOR_SEVER, 4, 0, ~0U, ~0U, 0),
	PERM(PCI_ERR_COR_STATUS, 4, 0, ~0U, ~0U, ~0U),
	PERM(PCI_ERR_COR_MASK, 4, 0, ~0U, ~0U, 0),
	PERM(PCI_ERR_CAP, 4, 0, AER_CAP_HW, AER_CAP_HW, 0),
};

static const struct cfg_perm cfg_pwr_perms[] = {
	PERM(PCI_PWR_DSR, 1, 0, 0xff, 0xff, 0),
};

/* SR-IOV is the host's: read-only, and the VF BARs' addresses are hidden. */
static const struct cfg_perm cfg_sriov_perms[] = {
	PERM_CONST(PCI_SRIOV_BAR + 0, 4),
	PERM_CONST(PCI_SRIOV_BAR + 4, 4),
	PERM_CONST(PCI_SRIOV_BAR + 8, 4),
	PERM_CONST(PCI_SRIOV_BAR + 12, 4),
	PERM_CONST(PCI_SRIOV_BAR + 16, 4),
	PERM_CONST(PCI_SRIOV_BAR + 20, 4),
};

/* ATS, PRI and PASID are configured by the host IOMMU driver: emulate them. */
static const struct cfg_perm cfg_ats_perms[] = {
	PERM_CONST(PCI_ATS_CAP, 2),
	PERM_VIRT(PCI_ATS_CTRL, 2, PCI_ATS_CTRL_ENABLE | PCI_ATS_CTRL_STU(~0)),
};

static const struct cfg_perm cfg_pri_perms[] = {
	PERM_VIRT(PCI_PRI_CTRL, 2, PCI_PRI_CTRL_ENABLE),
	PERM_CONST(PCI_PRI_STATUS, 2),
	PERM_CONST(PCI_PRI_MAX_REQ, 4),
	PERM_VIRT(PCI_PRI_ALLOC_REQ, 4, ~0U),
};

static const struct cfg_perm cfg_pasid_perms[] = {
	PERM_CONST(PCI_PASID_CAP, 2),
	PERM_VIRT(PCI_PASID_CTRL, 2, PCI_PASID_CTRL_ENABLE |
		  PCI_PASID_CTRL_EXEC | PCI_PASID_CTRL_PRIV),
};

static void cfg_set_bytes(struct vfio_pci_config_state *cfg, unsigned int pos,
			  unsigned int len, u32 virt, u32 wr, u32 hw, u32 w1c)
{
	unsigned int i;

	for (i = 0; i < len; i++, virt >>= 8, wr >>= 8, hw >>= 8, w1c >>= 8) {
		cfg->virt[pos + i] = virt;
		cfg->wr[pos + i] = wr;
		cfg->hw[pos + i] = hw;
		cfg->w1c[pos + i] = w1c;
	}
}

/* Apply a permission table to the capability at [@base, @base + @len). */
static void cfg_apply(struct vfio_pci_config_state *cfg, unsigned int base,
		      unsigned int len, const struct cfg_perm *perm,
		      unsigned int n)
{
	unsigned int i, rlen;

	for (i = 0; i < n; i++) {
		if (perm[i].off >= len)
			continue;
		rlen = min_t(unsigned int, perm[i].len, len - perm[i].off);
		cfg_set_bytes(cfg, base + perm[i].off, rlen, perm[i].virt,
			      perm[i].wr, perm[i].hw, perm[i].w1c);
	}
}

static void cfg_zero(struct vfio_pci_config_state *cfg, unsigned int pos,
		     unsigned int len)
{
	memset(cfg->snapshot + pos, 0, len);
}

static void cfg_build_bars(struct vfio_pci_config_state *cfg,
			   const struct vfio_pci_cfg_bar *bars)
{
	unsigned int i, pos;
	u64 size, mask;
	u32 flags;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		pos = PCI_BASE_ADDRESS_0 + 4 * i;
		size = bars[i].size;
		put_unaligned_le32(0, cfg->snapshot + pos);
		if (!size)
			continue;
		if (size & (size - 1))
			size = 1ULL << fls64(size);
		if (bars[i].flags & PCI_BASE_ADDRESS_SPACE_IO) {
			flags = PCI_BASE_ADDRESS_SPACE_IO;
			size = max_t(u64, size, 4);
			mask = ~(size - 1) & ~(u64)3;
		} else {
			flags = bars[i].flags & ~PCI_BASE_ADDRESS_MEM_MASK;
			size = max_t(u64, size, 16);
			mask = ~(size - 1) & ~(u64)0xf;
			if ((flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK) !=
			    PCI_BASE_ADDRESS_MEM_TYPE_64)
				mask &= U32_MAX;
			else if (i == PCI_STD_NUM_BARS - 1)
				flags &= ~PCI_BASE_ADDRESS_MEM_TYPE_MASK;
		}
		put_unaligned_le32(flags, cfg->snapshot + pos);
		cfg_set_bytes(cfg, pos, 4, ~0U, (u32)mask, 0, 0);
		if ((flags & (PCI_BASE_ADDRESS_SPACE_IO |
			      PCI_BASE_ADDRESS_MEM_TYPE_MASK)) ==
		    PCI_BASE_ADDRESS_MEM_TYPE_64) {
			i++;
			put_unaligned_le32(0, cfg->snapshot + pos + 4);
			cfg_set_bytes(cfg, pos + 4, 4, ~0U, mask >> 32, 0, 0);
		}
	}

	put_unaligned_le32(0, cfg->snapshot + PCI_ROM_ADDRESS);
	size = bars[VFIO_PCI_CFG_ROM].size;
	if (size) {
		if (size & (size - 1))
			size = 1ULL << fls64(size);
		mask = (~(size - 1) & PCI_ROM_ADDRESS_MASK) |
		       PCI_ROM_ADDRESS_ENABLE;
		cfg_set_bytes(cfg, PCI_ROM_ADDRESS, 4, ~0U, (u32)mask, 0, 0);
	}
}

/* Registers a standard capability occupies, 0 when only its successor tells. */
static unsigned int cfg_std_len(const u8 *hw, u8 id, unsigned int pos)
{
	u16 flags;

	switch (id) {
	case PCI_CAP_ID_PM:
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_AGP:
		return PCI_AGP_SIZEOF;
	case PCI_CAP_ID_VPD:
		return PCI_CAP_VPD_SIZEOF;
	case PCI_CAP_ID_MSI:
		flags = get_unaligned_le16(hw + pos + PCI_MSI_FLAGS);
		return PCI_MSI_DATA_32 + 2 +
		       (flags & PCI_MSI_FLAGS_64BIT ? 4 : 0) +
		       (flags & PCI_MSI_FLAGS_MASKBIT ? 10 : 0);
	case PCI_CAP_ID_PCIX:
		flags = get_unaligned_le16(hw + pos + PCI_X_CMD);
		return PCI_X_CMD_VERSION(flags) ? PCI_CAP_PCIX_SIZEOF_V1 :
						  PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_VNDR:
		return max_t(unsigned int, hw[pos + PCI_CAP_FLAGS], 3);
	case PCI_CAP_ID_SSVID:
		return 8;
	case PCI_CAP_ID_EXP:
		flags = get_unaligned_le16(hw + pos + PCI_EXP_FLAGS);
		if ((flags & PCI_EXP_FLAGS_VERS) > 1)
			return PCI_EXP_SLTSTA2 + 2;
		if (((flags & PCI_EXP_FLAGS_TYPE) >> 4) == PCI_EXP_TYPE_ROOT_PORT ||
		    ((flags & PCI_EXP_FLAGS_TYPE) >> 4) == PCI_EXP_TYPE_RC_EC)
			return PCI_EXP_RTSTA + 4;
		if (flags & PCI_EXP_FLAGS_SLOT)
			return PCI_EXP_SLTSTA + 2;
		return PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_AF:
		return PCI_CAP_AF_SIZEOF;
	default:
		return 0;
	}
}

static unsigned int cfg_ext_len(u16 id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_DSN:
		return PCI_EXT_CAP_DSN_SIZEOF;
	case PCI_EXT_CAP_ID_PWR:
		return PCI_EXT_CAP_PWR_SIZEOF;
	case PCI_EXT_CAP_ID_ARI:
		return PCI_EXT_CAP_ARI_SIZEOF;
	case PCI_EXT_CAP_ID_ATS:
		return PCI_EXT_CAP_ATS_SIZEOF;
	case PCI_EXT_CAP_ID_PRI:
		return PCI_EXT_CAP_PRI_SIZEOF;
	case PCI_EXT_CAP_ID_PASID:
		return PCI_EXT_CAP_PASID_SIZEOF;
	case PCI_EXT_CAP_ID_SRIOV:
		return PCI_EXT_CAP_SRIOV_SIZEOF;
	case PCI_EXT_CAP_ID_LTR:
		return PCI_EXT_CAP_LTR_SIZEOF;
	default:
		return 0;
	}
}

static const struct vfio_pci_cap_handler *
cfg_find_handler(const struct vfio_pci_cap_handler *h, u16 id, bool ext)
{
	for (; h && h->cap_id; h++)
		if (h->cap_id == id && h->extended == ext)
			return h;
	return NULL;
}

/*
 * Record every capability of the hardware lists, in list order. Returns
 * true when the table filled up, so some capabilities may have no entry.
 */
static bool cfg_walk(struct vfio_pci_config_state *cfg, const u8 *hw)
{
	DECLARE_BITMAP(seen, PCI_CFG_SPACE_EXP_SIZE / 4);
	struct vfio_pci_cfg_cap *cap;
	unsigned int pos;
	u32 hdr;

	bitmap_zero(seen, PCI_CFG_SPACE_EXP_SIZE / 4);
	cfg->ncaps = 0;

	pos = hw[PCI_STATUS] & PCI_STATUS_CAP_LIST ?
	      hw[PCI_CAPABILITY_LIST] & ~3 : 0;
	while (pos >= PCI_STD_HEADER_SIZEOF && pos < PCI_CFG_SPACE_SIZE &&
	       !test_and_set_bit(pos / 4, seen) &&
	       cfg->ncaps < VFIO_PCI_CFG_MAX_CAPS) {
		cap = &cfg->caps[cfg->ncaps++];
		cap->id = hw[pos + PCI_CAP_LIST_ID];
		cap->extended = false;
		cap->start = pos;
		pos = hw[pos + PCI_CAP_LIST_NEXT] & ~3;
	}

	if (cfg->size <= PCI_CFG_SPACE_SIZE)
		return cfg->ncaps == VFIO_PCI_CFG_MAX_CAPS;
	pos = PCI_CFG_SPACE_SIZE;
	while (pos >= PCI_CFG_SPACE_SIZE && pos <= cfg->size - 4 &&
	       !test_and_set_bit(pos / 4, seen) &&
	       cfg->ncaps < VFIO_PCI_CFG_MAX_CAPS) {
		hdr = get_unaligned_le32(hw + pos);
		if (!hdr || hdr == ~0U)
			break;
		cap = &cfg->caps[cfg->ncaps++];
		cap->id = PCI_EXT_CAP_ID(hdr);
		cap->extended = true;
		cap->start = pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return cfg->ncaps == VFIO_PCI_CFG_MAX_CAPS;
}

/* Bound each capability by the next one in address order and its space. */
static void cfg_size_caps(struct vfio_pci_config_state *cfg, const u8 *hw)
{
	unsigned int i, j, limit, len;
	struct vfio_pci_cfg_cap *c;

	for (i = 0; i < cfg->ncaps; i++) {
		c = &cfg->caps[i];
		limit = c->extended ? cfg->size : PCI_CFG_SPACE_SIZE;
		for (j = 0; j < cfg->ncaps; j++)
			if (cfg->caps[j].start > c->start &&
			    cfg->caps[j].start < limit)
				limit = cfg->caps[j].start;
		len = c->extended ? cfg_ext_len(c->id) :
				    cfg_std_len(hw, c->id, c->start);
		if (!len || len > limit - c->start)
			len = limit - c->start;
		c->len = len;
	}
}

static bool cfg_must_hide(const struct vfio_pci_cfg_cap *c)
{
	/*
	 * Enhanced Allocation publishes the real BAR addresses; an SHPC
	 * controls hotplug of slots that belong to the host.
	 */
	return !c->extended &&
	       (c->id == PCI_CAP_ID_EA || c->id == PCI_CAP_ID_SHPC);
}

/*
 * Registers a capability must have for the library to emulate it; one cut
 * short by the next capability is left read-only.
 */
static unsigned int cfg_std_min_len(const u8 *hw, u8 id, unsigned int pos)
{
	switch (id) {
	case PCI_CAP_ID_EXP:
		return PCI_EXP_DEVSTA + 2;
	case PCI_CAP_ID_PM:
	case PCI_CAP_ID_MSI:
	case PCI_CAP_ID_MSIX:
	case PCI_CAP_ID_AF:
	case PCI_CAP_ID_VPD:
		return cfg_std_len(hw, id, pos);
	default:
		return 0;
	}
}

static void cfg_build_std(struct vfio_pci_config_state *cfg,
			  struct vfio_pci_cfg_cap *c, const u8 *hw)
{
	unsigned int pos = c->start, p;
	struct cfg_perm perm[6];
	unsigned int n = 0;
	u16 flags;

	if (c->len < cfg_std_min_len(hw, c->id, pos))
		return;

	switch (c->id) {
	case PCI_CAP_ID_PM:
		cfg->pm_pos = pos;
		cfg_apply(cfg, pos, c->len, cfg_pm_perms,
			  ARRAY_SIZE(cfg_pm_perms));
		cfg->snapshot[pos + PCI_PM_CTRL] &= ~PCI_PM_CTRL_STATE_MASK;
		cfg->snapshot[pos + PCI_PM_CTRL + 1] &=
			~(PCI_PM_CTRL_PME_ENABLE >> 8);
		break;
	case PCI_CAP_ID_MSI:
		cfg->msi_pos = pos;
		flags = get_unaligned_le16(hw + pos + PCI_MSI_FLAGS);
		/* Enable is the host's: vfio_pci_config_msi_enabled() sets it. */
		perm[n++] = (struct cfg_perm)PERM_VIRT(PCI_MSI_FLAGS, 2,
						       PCI_MSI_FLAGS_QSIZE);
		perm[n++] = (struct cfg_perm)PERM_VIRT(PCI_MSI_ADDRESS_LO, 4,
						       0xfffffffc);
		p = PCI_MSI_DATA_32;
		if (flags & PCI_MSI_FLAGS_64BIT) {
			perm[n++] = (struct cfg_perm)PERM_VIRT(PCI_MSI_ADDRESS_HI,
							       4, ~0U);
			p = PCI_MSI_DATA_64;
		}
		perm[n++] = (struct cfg_perm)PERM_VIRT(p, 2, 0xffff);
		perm[n++] = (struct cfg_perm)PERM_CONST(p + 2, 2);
		if (flags & PCI_MSI_FLAGS_MASKBIT)
			perm[n++] = (struct cfg_perm)PERM_VIRT(p + 4, 4, ~0U);
		cfg_apply(cfg, pos, c->len, perm, n);
		put_unaligned_le16(flags & ~(PCI_MSI_FLAGS_ENABLE |
					     PCI_MSI_FLAGS_QSIZE),
				   cfg->snapshot + pos + PCI_MSI_FLAGS);
		cfg_zero(cfg, pos + PCI_MSI_ADDRESS_LO,
			 min_t(unsigned int, c->len, p + 8) - PCI_MSI_ADDRESS_LO);
		break;
	case PCI_CAP_ID_MSIX:
		cfg->msix_pos = pos;
		cfg_apply(cfg, pos, c->len, cfg_msix_perms,
			  ARRAY_SIZE(cfg_msix_perms));
		cfg->virt[pos + PCI_MSIX_FLAGS + 1] &=
			~((PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8);
		break;
	case PCI_CAP_ID_EXP:
		cfg->exp_pos = pos;
		cfg_apply(cfg, pos, c->len, cfg_exp_perms,
			  ARRAY_SIZE(cfg_exp_perms));
		if (get_unaligned_le32(hw + pos + PCI_EXP_DEVCAP) &
		    PCI_EXP_DEVCAP_FLR) {
			cfg->wr[pos + PCI_EXP_DEVCTL + 1] |=
				PCI_EXP_DEVCTL_BCR_FLR >> 8;
			cfg->flr = true;
		}
		cfg->snapshot[pos + PCI_EXP_DEVCTL + 1] &=
			~(PCI_EXP_DEVCTL_BCR_FLR >> 8);
		break;
	case PCI_CAP_ID_PCIX:
		cfg_apply(cfg, pos, c->len, cfg_pcix_perms,
			  ARRAY_SIZE(cfg_pcix_perms));
		break;
	case PCI_CAP_ID_AF:
		cfg->af_pos = pos;
		cfg_apply(cfg, pos, c->len, cfg_af_perms,
			  ARRAY_SIZE(cfg_af_perms));
		if ((hw[pos + PCI_AF_CAP] & (PCI_AF_CAP_TP | PCI_AF_CAP_FLR)) ==
		    (PCI_AF_CAP_TP | PCI_AF_CAP_FLR)) {
			cfg->wr[pos + PCI_AF_CTRL] |= PCI_AF_CTRL_FLR;
			cfg->flr = true;
		}
		cfg->snapshot[pos + PCI_AF_CTRL] &= ~PCI_AF_CTRL_FLR;
		break;
	case PCI_CAP_ID_VPD:
		cfg->vpd_pos = pos;
		cfg_apply(cfg, pos, c->len, cfg_vpd_perms,
			  ARRAY_SIZE(cfg_vpd_perms));
		cfg_zero(cfg, pos + PCI_VPD_ADDR, c->len - PCI_VPD_ADDR);
		break;
	default:
		/* Vendor-specific, HyperTransport and the rest: read-only. */
		break;
	}
}

static void cfg_build_ext(struct vfio_pci_config_state *cfg,
			  struct vfio_pci_cfg_cap *c)
{
	unsigned int pos = c->start;

	if (c->len < cfg_ext_len(c->id))
		return;

	switch (c->id) {
	case PCI_EXT_CAP_ID_ERR:
		cfg_apply(cfg, pos, c->len, cfg_aer_perms,
			  ARRAY_SIZE(cfg_aer_perms));
		break;
	case PCI_EXT_CAP_ID_PWR:
		cfg_apply(cfg, pos, c->len, cfg_pwr_perms,
			  ARRAY_SIZE(cfg_pwr_perms));
		break;
	case PCI_EXT_CAP_ID_SRIOV:
		cfg_apply(cfg, pos, c->len, cfg_sriov_perms,
			  ARRAY_SIZE(cfg_sriov_perms));
		cfg_zero(cfg, pos + PCI_SRIOV_BAR, 4 * PCI_SRIOV_NUM_BARS);
		break;
	case PCI_EXT_CAP_ID_ATS:
		cfg_apply(cfg, pos, c->len, cfg_ats_perms,
			  ARRAY_SIZE(cfg_ats_perms));
		cfg_zero(cfg, pos + PCI_ATS_CTRL, 2);
		break;
	case PCI_EXT_CAP_ID_PRI:
		cfg_apply(cfg, pos, c->len, cfg_pri_perms,
			  ARRAY_SIZE(cfg_pri_perms));
		put_unaligned_le16(0, cfg->snapshot + pos + PCI_PRI_CTRL);
		put_unaligned_le16(PCI_PRI_STATUS_STOPPED,
				   cfg->snapshot + pos + PCI_PRI_STATUS);
		put_unaligned_le32(0, cfg->snapshot + pos + PCI_PRI_ALLOC_REQ);
		break;
	case PCI_EXT_CAP_ID_PASID:
		cfg_apply(cfg, pos, c->len, cfg_pasid_perms,
			  ARRAY_SIZE(cfg_pasid_perms));
		cfg_zero(cfg, pos + PCI_PASID_CTRL, 2);
		break;
	default:
		/* VC, MFVC, DSN, ACS, LTR, vendor-specific and the rest. */
		break;
	}
}

/* Point every visible capability at the next visible one. */
static void cfg_relink(struct vfio_pci_config_state *cfg)
{
	struct vfio_pci_cfg_cap *c, *prev = NULL;
	unsigned int i, ptr = PCI_CAPABILITY_LIST;
	u32 hdr;

	for (i = 0; i < cfg->ncaps; i++) {
		c = &cfg->caps[i];
		if (c->extended || c->hidden)
			continue;
		cfg->snapshot[ptr] = c->start;
		ptr = c->start + PCI_CAP_LIST_NEXT;
	}
	cfg->snapshot[ptr] = 0;
	if (ptr == PCI_CAPABILITY_LIST)
		cfg->snapshot[PCI_STATUS] &= ~PCI_STATUS_CAP_LIST;
	else
		cfg->snapshot[PCI_STATUS] |= PCI_STATUS_CAP_LIST;

	for (i = 0; i < cfg->ncaps; i++) {
		c = &cfg->caps[i];
		if (!c->extended || c->hidden)
			continue;
		if (prev) {
			hdr = get_unaligned_le32(cfg->snapshot + prev->start);
			hdr = (hdr & 0xfffff) | (u32)c->start << 20;
			put_unaligned_le32(hdr, cfg->snapshot + prev->start);
		} else if (c->start != PCI_CFG_SPACE_SIZE) {
			/* The first one is hidden: a null header leads on. */
			put_unaligned_le32((u32)c->start << 20,
					   cfg->snapshot + PCI_CFG_SPACE_SIZE);
		}
		prev = c;
	}
	if (prev) {
		hdr = get_unaligned_le32(cfg->snapshot + prev->start);
		put_unaligned_le32(hdr & 0xfffff, cfg->snapshot + prev->start);
	}
}

/**
 * vfio_pci_cfg_build - compute the per-byte tables and the reset state
 * @cfg: config state from vfio_pci_cfg_alloc()
 * @hwcfg: the device's config space as read from hardware, @cfg->size bytes
 * @bars: the sizes and types of the six BARs and the ROM BAR
 * @handlers: a variant driver's capability overrides, or %NULL
 *
 * Leaves @cfg->vconfig in its reset state. Returns 0.
 */
int vfio_pci_cfg_build(struct vfio_pci_config_state *cfg, const u8 *hwcfg,
		       const struct vfio_pci_cfg_bar *bars,
		       const struct vfio_pci_cap_handler *handlers)
{
	const struct vfio_pci_cap_handler *h;
	struct vfio_pci_cfg_cap *c;
	unsigned int i;

	memcpy(cfg->snapshot, hwcfg, cfg->size);
	/* Bytes outside the header and the capabilities pass through. */
	memset(cfg->owner, 0, cfg->size);
	memset(cfg->virt, 0, cfg->size);
	memset(cfg->wr, 0xff, cfg->size);
	memset(cfg->hw, 0xff, cfg->size);
	memset(cfg->w1c, 0, cfg->size);
	cfg->overrides = false;
	cfg->flr = false;
	cfg->pm_pos = 0;
	cfg->msi_pos = 0;
	cfg->msix_pos = 0;
	cfg->exp_pos = 0;
	cfg->af_pos = 0;
	cfg->vpd_pos = 0;

	cfg_apply(cfg, 0, PCI_STD_HEADER_SIZEOF, cfg_header_perms,
		  ARRAY_SIZE(cfg_header_perms));
	cfg_zero(cfg, PCI_CAPABILITY_LIST + 1, 7);
	cfg_build_bars(cfg, bars);

	/*
	 * Registers of capabilities beyond the table would pass through as
	 * device-specific ones: make everything outside a known capability
	 * read-only instead.
	 */
	if (cfg_walk(cfg, hwcfg)) {
		memset(cfg->wr + PCI_STD_HEADER_SIZEOF, 0,
		       cfg->size - PCI_STD_HEADER_SIZEOF);
		memset(cfg->hw + PCI_STD_HEADER_SIZEOF, 0,
		       cfg->size - PCI_STD_HEADER_SIZEOF);
	}
	cfg_size_caps(cfg, hwcfg);

	for (i = 0; i < cfg->ncaps; i++) {
		c = &cfg->caps[i];
		h = cfg_find_handler(handlers, c->id, c->extended);
		c->ops = NULL;
		c->hidden = cfg_must_hide(c) || (h && h->hide);
		if (c->hidden) {
			memset(cfg->virt + c->start, 0xff, c->len);
			memset(cfg->wr + c->start, 0, c->len);
			memset(cfg->hw + c->start, 0, c->len);
			memset(cfg->w1c + c->start, 0, c->len);
			cfg_zero(cfg, c->start, c->len);
			continue;
		}
		memset(cfg->owner + c->start, i + 1, c->len);
		memset(cfg->virt + c->start, 0, c->len);
		memset(cfg->wr + c->start, 0, c->len);
		memset(cfg->hw + c->start, 0, c->len);
		memset(cfg->w1c + c->start, 0, c->len);
		/* The id and the link are emulated; so is an extended header. */
		memset(cfg->virt + c->start, 0xff, c->extended ? 4 : 2);
		if (c->extended)
			cfg_build_ext(cfg, c);
		else
			cfg_build_std(cfg, c, hwcfg);
		if (h && (h->read || h->write)) {
			c->ops = h;
			cfg->overrides = true;
		}
	}
	cfg_relink(cfg);
	vfio_pci_cfg_reset(cfg);
	return 0;
}
