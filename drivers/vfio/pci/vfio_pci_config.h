/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Config-space virtualization: the state and the buffer-level engine of
 * vfio_pci_config.c, shared with its KUnit test. Nothing here touches a
 * pci_dev directly: hardware is reached through vfio_pci_cfg_hw_read() and
 * vfio_pci_cfg_hw_write(), which a test redirects to a fake device with
 * vfio_pci_config_state.io.
 */
#ifndef VFIO_PCI_CONFIG_H
#define VFIO_PCI_CONFIG_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "vfio_pci_priv.h"

/* At most this many capabilities get an owner id; any further ones are hidden. */
#define VFIO_PCI_CFG_MAX_CAPS	128

/* Number of BAR descriptors: the six standard BARs and the ROM BAR. */
#define VFIO_PCI_CFG_NUM_BARS	(PCI_STD_NUM_BARS + 1)
#define VFIO_PCI_CFG_ROM	PCI_STD_NUM_BARS

/**
 * struct vfio_pci_cfg_bar - what the device decodes through one BAR
 * @size: decoded size in bytes, 0 when the BAR is not implemented
 * @flags: the read-only low bits of the BAR (PCI_BASE_ADDRESS_SPACE_IO, or
 *	the memory type and prefetchable bits); unused for the ROM
 */
struct vfio_pci_cfg_bar {
	u64 size;
	u32 flags;
};

/**
 * struct vfio_pci_cfg_cap - one capability of the device
 * @id: PCI_CAP_ID_* or PCI_EXT_CAP_ID_*
 * @extended: @id is an extended capability id
 * @hidden: removed from the virtual capability list
 * @start: offset of the capability header
 * @len: bytes owned by the capability
 * @ops: variant driver override, or %NULL
 */
struct vfio_pci_cfg_cap {
	u16 id;
	bool extended;
	bool hidden;
	u16 start;
	u16 len;
	const struct vfio_pci_cap_handler *ops;
};

/**
 * struct vfio_pci_cfg_io - replacement hardware accessors (KUnit only)
 * @read: read @len (1, 2 or 4) bytes at @pos
 * @write: write @len bytes at @pos
 */
struct vfio_pci_cfg_io {
	int (*read)(struct vfio_pci_cfg_io *io, unsigned int pos,
		    unsigned int len, u32 *val);
	int (*write)(struct vfio_pci_cfg_io *io, unsigned int pos,
		     unsigned int len, u32 val);
};

/**
 * struct vfio_pci_config_state - virtual config space of one device
 * @lock: serialises config-space accesses: @vconfig, the read-modify-write
 *	of hardware registers and VPD transfers. Lock order: memory_lock ->
 *	@lock. Never held while calling into vfio_pci_core.c or
 *	vfio_pci_intrs.c.
 * @vdev: the device, %NULL in KUnit
 * @pdev: the PCI device, %NULL in KUnit
 * @io: hardware accessors replacing @pdev, %NULL outside KUnit
 * @size: bytes of config space (256 or 4096)
 * @overrides: some capability has a variant read or write handler
 * @pm_pos: offset of the visible PM capability, 0 if none
 * @msi_pos: offset of the visible MSI capability, 0 if none
 * @msix_pos: offset of the visible MSI-X capability, 0 if none
 * @exp_pos: offset of the visible PCIe capability, 0 if none
 * @af_pos: offset of the visible AF capability, 0 if none
 * @vpd_pos: offset of the visible VPD capability, 0 if none
 * @flr: a Function Level Reset may be requested through the PCIe or AF
 *	capability
 * @ncaps: entries used in @caps
 * @caps: every capability found, in list order (standard then extended)
 * @owner: per byte, 1 + index in @caps of the owning capability, 0 for the
 *	header and for bytes outside any capability
 * @virt: per byte, bits served from @vconfig rather than hardware
 * @wr: per byte, bits userspace may write
 * @hw: per byte, bits whose written value is forwarded to hardware
 * @w1c: per byte, hardware write-one-to-clear bits that must be written
 *	as 0 unless userspace wrote them
 * @snapshot: @vconfig as it is after an open or a reset
 * @vconfig: the virtual config space
 *
 * The masks and @snapshot are built once when the device is probed; an
 * open or reset only copies @snapshot into @vconfig.
 */
struct vfio_pci_config_state {
	struct mutex lock; /* see @lock above */
	struct vfio_pci_core_device *vdev;
	struct pci_dev *pdev;
	struct vfio_pci_cfg_io *io;
	unsigned int size;
	bool overrides;
	u8 pm_pos;
	u8 msi_pos;
	u8 msix_pos;
	u8 exp_pos;
	u8 af_pos;
	u8 vpd_pos;
	bool flr;
	unsigned int ncaps;
	struct vfio_pci_cfg_cap caps[VFIO_PCI_CFG_MAX_CAPS];
	u8 *owner;
	u8 *virt;
	u8 *wr;
	u8 *hw;
	u8 *w1c;
	u8 *snapshot;
	u8 *vconfig;
};

/**
 * struct vfio_pci_cfg_events - side effects of a write, acted on by the
 *	caller once the buffer-level write is done
 * @cmd_old: virtual command register before the write
 * @cmd_new: virtual command register after the write
 * @power_old: virtual PM power state (0-3) before the write
 * @power_new: virtual PM power state after the write
 * @flr: userspace requested a Function Level Reset
 * @vpd: userspace wrote the VPD address register
 */
struct vfio_pci_cfg_events {
	u16 cmd_old;
	u16 cmd_new;
	u8 power_old;
	u8 power_new;
	bool flr;
	bool vpd;
};

struct vfio_pci_config_state *vfio_pci_cfg_alloc(unsigned int size);
void vfio_pci_cfg_free(struct vfio_pci_config_state *cfg);
int vfio_pci_cfg_build(struct vfio_pci_config_state *cfg, const u8 *hwcfg,
		       const struct vfio_pci_cfg_bar *bars,
		       const struct vfio_pci_cap_handler *handlers);
void vfio_pci_cfg_reset(struct vfio_pci_config_state *cfg);
int vfio_pci_cfg_read(struct vfio_pci_config_state *cfg, unsigned int pos,
		      unsigned int count, u8 *buf);
int vfio_pci_cfg_write(struct vfio_pci_config_state *cfg, unsigned int pos,
		       unsigned int count, const u8 *buf,
		       struct vfio_pci_cfg_events *ev);
bool vfio_pci_cfg_needs_memory_lock(struct vfio_pci_config_state *cfg,
				    unsigned int pos, unsigned int count);
bool vfio_pci_cfg_write_stops_decode(struct vfio_pci_config_state *cfg,
				     unsigned int pos, unsigned int count,
				     const u8 *buf);
void vfio_pci_cfg_set_msi(struct vfio_pci_config_state *cfg, int nvec);

/* Registers of 1, 2 or 4 bytes in a little-endian byte array */
static inline u32 cfg_width_mask(unsigned int len)
{
	return len == 4 ? ~0U : (1U << (len * 8)) - 1;
}

static inline u32 cfg_get(const u8 *a, unsigned int pos, unsigned int len)
{
	if (len == 4)
		return get_unaligned_le32(a + pos);
	if (len == 2)
		return get_unaligned_le16(a + pos);
	return a[pos];
}

static inline void cfg_put(u8 *a, unsigned int pos, unsigned int len, u32 v)
{
	if (len == 4)
		put_unaligned_le32(v, a + pos);
	else if (len == 2)
		put_unaligned_le16(v, a + pos);
	else
		a[pos] = v;
}

#endif /* VFIO_PCI_CONFIG_H */
