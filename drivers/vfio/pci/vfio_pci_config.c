// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual PCI config space of a VFIO PCI device: the engine that serves
 * accesses, and the device's config state from probe to close.
 *
 * Every byte of config space carries four bit masks, computed once when the
 * device is probed from the capability list the hardware reports
 * (vfio_pci_config_layout.c):
 *
 *   virt - bits read from the virtual copy (vconfig) instead of hardware
 *   wr   - bits userspace may write
 *   hw   - written bits forwarded to hardware
 *   w1c  - hardware write-one-to-clear bits, written as 0 unless userspace
 *          may clear them
 *
 * An access is split into naturally aligned pieces of 1, 2 or 4 bytes; each
 * piece is one masked merge of vconfig and (only when some bit of it is not
 * virtual) one hardware access of the same width. The few registers with
 * side effects (command, PM control, PCIe/AF FLR, VPD) are handled by the
 * caller of the merge from a summary of what changed, so that the generic
 * path stays a handful of instructions per piece.
 *
 * Bytes outside the header and every capability pass through to hardware
 * unchanged, since devices keep registers there that their drivers use.
 * Hidden capabilities read as zero and are unlinked from the list.
 */

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio_pci_core.h>

#include "vfio_pci_priv.h"
#include "vfio_pci_config.h"

/* Bytes moved between userspace and the engine per locked step. */
#define CFG_CHUNK	256

/* The hardware layer: the only place the engine reaches the device. */
static int vfio_pci_cfg_hw_read(struct vfio_pci_config_state *cfg,
				unsigned int pos, unsigned int len, u32 *val)
{
	u16 w;
	u8 b;
	int ret;

	if (unlikely(cfg->io))
		return cfg->io->read(cfg->io, pos, len, val);
	if (len == 4)
		return pci_user_read_config_dword(cfg->pdev, pos, val);
	if (len == 2) {
		ret = pci_user_read_config_word(cfg->pdev, pos, &w);
		*val = w;
		return ret;
	}
	ret = pci_user_read_config_byte(cfg->pdev, pos, &b);
	*val = b;
	return ret;
}

static int vfio_pci_cfg_hw_write(struct vfio_pci_config_state *cfg,
				 unsigned int pos, unsigned int len, u32 val)
{
	if (unlikely(cfg->io))
		return cfg->io->write(cfg->io, pos, len, val);
	if (len == 4)
		return pci_user_write_config_dword(cfg->pdev, pos, val);
	if (len == 2)
		return pci_user_write_config_word(cfg->pdev, pos, val);
	return pci_user_write_config_byte(cfg->pdev, pos, val);
}

/* Largest naturally aligned access of at most 4 bytes at @pos. */
static inline unsigned int cfg_piece(unsigned int pos, unsigned int left)
{
	if (!(pos & 3) && left >= 4)
		return 4;
	if (!(pos & 1) && left >= 2)
		return 2;
	return 1;
}

/* Shrink a piece so that a single capability owns all of it. */
static unsigned int cfg_piece_owner(struct vfio_pci_config_state *cfg,
				    unsigned int pos, unsigned int len)
{
	unsigned int i;

	for (i = 1; i < len; i++)
		if (cfg->owner[pos + i] != cfg->owner[pos])
			return i >= 2 ? 2 : 1;
	return len;
}

static const struct vfio_pci_cap_handler *
cfg_override(struct vfio_pci_config_state *cfg, unsigned int pos)
{
	u8 owner = cfg->owner[pos];

	return owner ? cfg->caps[owner - 1].ops : NULL;
}

/*
 * Read a naturally aligned piece no variant handler owns: its virtual bits
 * from vconfig, the others (if any) from hardware. Caller holds cfg->lock.
 */
static inline int cfg_read_piece(struct vfio_pci_config_state *cfg,
				 unsigned int pos, unsigned int len, u32 *val)
{
	u32 vm = cfg_get(cfg->virt, pos, len), hv;
	int ret;

	*val = cfg_get(cfg->vconfig, pos, len) & vm;
	if (vm == cfg_width_mask(len))
		return 0;
	ret = vfio_pci_cfg_hw_read(cfg, pos, len, &hv);
	if (ret)
		return ret;
	*val |= hv & ~vm;
	return 0;
}

/**
 * vfio_pci_cfg_read - read virtual config space into a buffer
 * @cfg: config state
 * @pos: offset in config space
 * @count: bytes to read; @pos + @count must not exceed @cfg->size
 * @buf: destination
 *
 * Caller holds @cfg->lock. Returns 0 or a negative errno from hardware.
 */
int vfio_pci_cfg_read(struct vfio_pci_config_state *cfg, unsigned int pos,
		      unsigned int count, u8 *buf)
{
	unsigned int end = pos + count, len;
	u32 val;
	int ret;

	for (; pos < end; pos += len, buf += len) {
		len = cfg_piece(pos, end - pos);
		if (unlikely(cfg->overrides)) {
			const struct vfio_pci_cap_handler *ops;
			__le32 lv = 0;

			len = cfg_piece_owner(cfg, pos, len);
			ops = cfg_override(cfg, pos);
			if (ops && ops->read) {
				ret = ops->read(cfg->vdev, pos, len,
						cfg->caps[cfg->owner[pos] - 1].start,
						&lv);
				if (ret < 0)
					return ret;
				cfg_put(buf, 0, len, le32_to_cpu(lv));
				continue;
			}
		}
		ret = cfg_read_piece(cfg, pos, len, &val);
		if (ret)
			return ret;
		cfg_put(buf, 0, len, val);
	}
	return 0;
}

static u8 cfg_power_state(struct vfio_pci_config_state *cfg)
{
	if (!cfg->pm_pos)
		return 0;
	return cfg->vconfig[cfg->pm_pos + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK;
}

/*
 * What the user reads as the power state: the state the function is in,
 * as on hardware (one may keep its state whatever is written: QEMU's VFs
 * stay in D0); @fallback when the PCI core does not know it.
 */
static void cfg_show_power_state(struct vfio_pci_core_device *vdev,
				 struct vfio_pci_config_state *cfg, u8 fallback)
{
	pci_power_t now = vdev->pdev->current_state;
	u8 state = fallback;

	if ((__force int)now <= (__force int)PCI_D3hot)
		state = (__force u8)now;
	mutex_lock(&cfg->lock);
	cfg->vconfig[cfg->pm_pos + PCI_PM_CTRL] &= ~PCI_PM_CTRL_STATE_MASK;
	cfg->vconfig[cfg->pm_pos + PCI_PM_CTRL] |= state;
	mutex_unlock(&cfg->lock);
}

/* Consume an emulated FLR bit: it always reads back as 0. */
static bool cfg_take_flr(struct vfio_pci_config_state *cfg)
{
	bool flr = false;
	unsigned int p;
	u16 v;

	if (cfg->exp_pos) {
		p = cfg->exp_pos + PCI_EXP_DEVCTL;
		v = get_unaligned_le16(cfg->vconfig + p);
		if (v & PCI_EXP_DEVCTL_BCR_FLR) {
			put_unaligned_le16(v & ~PCI_EXP_DEVCTL_BCR_FLR,
					   cfg->vconfig + p);
			flr = true;
		}
	}
	if (cfg->af_pos) {
		p = cfg->af_pos + PCI_AF_CTRL;
		if (cfg->vconfig[p] & PCI_AF_CTRL_FLR) {
			cfg->vconfig[p] &= ~PCI_AF_CTRL_FLR;
			flr = true;
		}
	}
	return flr;
}

/* Read-modify-write the bits @hm of a naturally aligned register piece. */
static int cfg_hw_rmw(struct vfio_pci_config_state *cfg, unsigned int pos,
		      unsigned int len, u32 val, u32 hm)
{
	u32 cur, w1c = cfg_get(cfg->w1c, pos, len);
	int ret;

	/* Zeroes written to status bits only: nothing to do. */
	if (!(hm & ~w1c) && !(val & hm))
		return 0;
	if (hm != cfg_width_mask(len)) {
		ret = vfio_pci_cfg_hw_read(cfg, pos, len, &cur);
		if (ret)
			return ret;
		val = (val & hm) | (cur & ~hm & ~w1c);
	}
	return vfio_pci_cfg_hw_write(cfg, pos, len, val);
}

/*
 * Forward the bits @hm of a written piece to the device. Bytes without a
 * forwarded bit are left out of the hardware access, so that a register
 * shared with host-owned bits (command, PM control) is only touched where
 * userspace may write.
 */
static int cfg_hw_merge(struct vfio_pci_config_state *cfg, unsigned int pos,
			unsigned int len, u32 val, u32 hm)
{
	unsigned int p, end, n;
	int ret;

	if (len == 1 || (hm & 0xff && hm & 0xff00 &&
			 (len == 2 || (hm & 0xff0000 && hm & 0xff000000))))
		return cfg_hw_rmw(cfg, pos, len, val, hm);

	for (p = 0; p < len; p = end) {
		if (!((hm >> (8 * p)) & 0xff)) {
			end = p + 1;
			continue;
		}
		for (end = p + 1; end < len && (hm >> (8 * end)) & 0xff; end++)
			;
		for (; p < end; p += n) {
			n = cfg_piece(pos + p, end - p);
			ret = cfg_hw_rmw(cfg, pos + p, n, val >> (8 * p),
					 (hm >> (8 * p)) & cfg_width_mask(n));
			if (ret)
				return ret;
		}
	}
	return 0;
}

/**
 * vfio_pci_cfg_write - write a buffer into virtual config space
 * @cfg: config state
 * @pos: offset in config space
 * @count: bytes to write; @pos + @count must not exceed @cfg->size
 * @buf: source
 * @ev: filled with the side effects the caller must carry out, also when
 *	an error stops the write part way
 *
 * Caller holds @cfg->lock, and the device's memory_lock for write when
 * vfio_pci_cfg_needs_memory_lock() says so. Returns 0 or a negative errno.
 */
int vfio_pci_cfg_write(struct vfio_pci_config_state *cfg, unsigned int pos,
		       unsigned int count, const u8 *buf,
		       struct vfio_pci_cfg_events *ev)
{
	unsigned int end = pos + count, len;
	u32 val, vw, hm, cur;
	int ret = 0;

	ev->cmd_old = get_unaligned_le16(cfg->vconfig + PCI_COMMAND);
	ev->power_old = cfg_power_state(cfg);
	ev->flr = false;
	ev->vpd = false;

	for (; pos < end; pos += len, buf += len) {
		len = cfg_piece(pos, end - pos);
		val = cfg_get(buf, 0, len);
		if (unlikely(cfg->overrides)) {
			const struct vfio_pci_cap_handler *ops;

			len = cfg_piece_owner(cfg, pos, len);
			val &= cfg_width_mask(len);
			ops = cfg_override(cfg, pos);
			if (ops && ops->write) {
				ret = ops->write(cfg->vdev, pos, len,
						 cfg->caps[cfg->owner[pos] - 1].start,
						 cpu_to_le32(val));
				if (ret < 0)
					break;
				ret = 0;
				continue;
			}
		}
		vw = cfg_get(cfg->wr, pos, len) & cfg_get(cfg->virt, pos, len);
		if (vw) {
			cur = cfg_get(cfg->vconfig, pos, len);
			cfg_put(cfg->vconfig, pos, len, (cur & ~vw) | (val & vw));
		}
		hm = cfg_get(cfg->hw, pos, len);
		if (hm) {
			ret = cfg_hw_merge(cfg, pos, len, val, hm);
			if (ret)
				break;
		}
		if (cfg->vpd_pos && pos < cfg->vpd_pos + PCI_VPD_DATA &&
		    pos + len > cfg->vpd_pos + PCI_VPD_ADDR)
			ev->vpd = true;
	}

	ev->cmd_new = get_unaligned_le16(cfg->vconfig + PCI_COMMAND);
	ev->power_new = cfg_power_state(cfg);
	if (cfg->flr)
		ev->flr = cfg_take_flr(cfg);
	return ret;
}

/**
 * vfio_pci_cfg_needs_memory_lock - does a write change memory decoding?
 * @cfg: config state
 * @pos: offset of the write
 * @count: length of the write
 *
 * Writes to the low byte of the command register (memory enable) or to the
 * PM control register (power state) must hold memory_lock for write.
 */
bool vfio_pci_cfg_needs_memory_lock(struct vfio_pci_config_state *cfg,
				    unsigned int pos, unsigned int count)
{
	unsigned int pmcsr = cfg->pm_pos + PCI_PM_CTRL;

	if (pos <= PCI_COMMAND && pos + count > PCI_COMMAND)
		return true;
	return cfg->pm_pos && pos <= pmcsr && pos + count > pmcsr;
}

/**
 * vfio_pci_cfg_write_stops_decode - will a write stop memory decoding?
 * @cfg: config state
 * @pos: offset of the write
 * @count: length of the write
 * @buf: the bytes to be written
 *
 * True when the write clears the memory enable bit of a virtual command
 * register that has it set, or moves a virtual power state of D0 to
 * another one. The caller must revoke every mapping of the BARs before it
 * lets such a write reach the device: a mapped access racing with the
 * write would otherwise hit a BAR that no longer decodes. Both bits only
 * change with memory_lock held for write, which the caller holds: no
 * config lock is needed.
 */
bool vfio_pci_cfg_write_stops_decode(struct vfio_pci_config_state *cfg,
				     unsigned int pos, unsigned int count,
				     const u8 *buf)
{
	unsigned int pmcsr = cfg->pm_pos + PCI_PM_CTRL;

	if (pos <= PCI_COMMAND && pos + count > PCI_COMMAND &&
	    READ_ONCE(cfg->vconfig[PCI_COMMAND]) & ~buf[PCI_COMMAND - pos] &
	    PCI_COMMAND_MEMORY)
		return true;
	return cfg->pm_pos && pos <= pmcsr && pos + count > pmcsr &&
	       !(READ_ONCE(cfg->vconfig[pmcsr]) & PCI_PM_CTRL_STATE_MASK) &&
	       (buf[pmcsr - pos] & PCI_PM_CTRL_STATE_MASK);
}

/**
 * vfio_pci_cfg_set_msi - reflect enabled MSI vectors in the virtual MSI cap
 * @cfg: config state
 * @nvec: vectors the host enabled, 0 when MSI is disabled
 *
 * Caller holds @cfg->lock.
 */
void vfio_pci_cfg_set_msi(struct vfio_pci_config_state *cfg, int nvec)
{
	unsigned int p = cfg->msi_pos + PCI_MSI_FLAGS;
	u16 flags;

	if (!cfg->msi_pos)
		return;
	flags = get_unaligned_le16(cfg->vconfig + p);
	flags &= ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	if (nvec > 0)
		flags |= PCI_MSI_FLAGS_ENABLE |
			 ((min(order_base_2(nvec), 5) << 4) & PCI_MSI_FLAGS_QSIZE);
	put_unaligned_le16(flags, cfg->vconfig + p);
}

/**
 * vfio_pci_cfg_reset - return the virtual config space to its reset state
 * @cfg: config state
 *
 * Caller holds @cfg->lock or is the only user of @cfg.
 */
void vfio_pci_cfg_reset(struct vfio_pci_config_state *cfg)
{
	memcpy(cfg->vconfig, cfg->snapshot, cfg->size);
}

/**
 * vfio_pci_cfg_alloc - allocate config state for a config space
 * @size: 256 or 4096
 *
 * The per-byte tables live in one allocation behind the structure.
 */
struct vfio_pci_config_state *vfio_pci_cfg_alloc(unsigned int size)
{
	struct vfio_pci_config_state *cfg;
	u8 *p;

	cfg = kvzalloc(sizeof(*cfg) + 7 * size, GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return NULL;
	mutex_init(&cfg->lock);
	cfg->size = size;
	p = (u8 *)(cfg + 1);
	cfg->owner = p;
	cfg->virt = p + size;
	cfg->wr = p + 2 * size;
	cfg->hw = p + 3 * size;
	cfg->w1c = p + 4 * size;
	cfg->snapshot = p + 5 * size;
	cfg->vconfig = p + 6 * size;
	return cfg;
}

/**
 * vfio_pci_cfg_free - free config state from vfio_pci_cfg_alloc()
 * @cfg: config state, may be %NULL
 */
void vfio_pci_cfg_free(struct vfio_pci_config_state *cfg)
{
	if (!cfg)
		return;
	mutex_destroy(&cfg->lock);
	kvfree(cfg);
}

static int cfg_read_hw(struct pci_dev *pdev, u8 *buf, unsigned int size)
{
	unsigned int pos;
	u32 v;
	int ret;

	for (pos = 0; pos < size; pos += 4) {
		ret = pci_read_config_dword(pdev, pos, &v);
		if (ret)
			return pcibios_err_to_errno(ret);
		put_unaligned_le32(v, buf + pos);
	}
	return 0;
}

static void cfg_get_bars(struct pci_dev *pdev, struct vfio_pci_cfg_bar *bars)
{
	unsigned long flags;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		flags = pci_resource_flags(pdev, i);
		bars[i].size = pci_resource_len(pdev, i);
		bars[i].flags = 0;
		if (flags & IORESOURCE_IO) {
			bars[i].flags = PCI_BASE_ADDRESS_SPACE_IO;
		} else if (flags & IORESOURCE_MEM) {
			if (flags & IORESOURCE_MEM_64)
				bars[i].flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
			if (flags & IORESOURCE_PREFETCH)
				bars[i].flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		} else {
			bars[i].size = 0;
		}
	}
	bars[VFIO_PCI_CFG_ROM].size = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	bars[VFIO_PCI_CFG_ROM].flags = 0;
}

/**
 * vfio_pci_config_init - build the config-space virtualization of a device
 * @vdev: the device, whose pdev and cap_handlers are set
 *
 * Reads the whole config space once and computes everything that does not
 * change while the device stays bound. Returns 0 or a negative errno.
 */
int vfio_pci_config_init(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_cfg_bar bars[VFIO_PCI_CFG_NUM_BARS];
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_config_state *cfg;
	unsigned int size;
	u8 *hwcfg;
	int ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;
	size = pdev->cfg_size > PCI_CFG_SPACE_SIZE ? PCI_CFG_SPACE_EXP_SIZE :
						      PCI_CFG_SPACE_SIZE;
	cfg = vfio_pci_cfg_alloc(size);
	if (!cfg)
		return -ENOMEM;
	hwcfg = kvmalloc(size, GFP_KERNEL);
	if (!hwcfg) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = cfg_read_hw(pdev, hwcfg, size);
	if (ret)
		goto err_free_hw;
	/* A VF reports no IDs of its own; the PCI core knows them. */
	if (pdev->is_virtfn) {
		put_unaligned_le16(pdev->vendor, hwcfg + PCI_VENDOR_ID);
		put_unaligned_le16(pdev->device, hwcfg + PCI_DEVICE_ID);
	}
	cfg_get_bars(pdev, bars);
	cfg->vdev = vdev;
	cfg->pdev = pdev;
	ret = vfio_pci_cfg_build(cfg, hwcfg, bars, vdev->cap_handlers);
	if (ret)
		goto err_free_hw;
	kvfree(hwcfg);
	vdev->config = cfg;
	return 0;

err_free_hw:
	kvfree(hwcfg);
err_free:
	vfio_pci_cfg_free(cfg);
	return ret;
}

/**
 * vfio_pci_config_exit - free the config-space virtualization of a device
 * @vdev: the device
 */
void vfio_pci_config_exit(struct vfio_pci_core_device *vdev)
{
	vfio_pci_cfg_free(vdev->config);
	vdev->config = NULL;
}

/**
 * vfio_pci_config_reset - the virtual config space a new user starts with
 * @vdev: the device
 *
 * Called on open. Decoding and bus mastering reflect what the hardware does
 * now (the core enabled the device); everything else comes from the
 * snapshot taken at probe time. Takes memory_lock for write, as the memory
 * decode and power state bits change, and the config lock; then calls
 * vfio_pci_intx_user_disable(), which takes the interrupt lock. Returns 0
 * or a negative errno.
 */
int vfio_pci_config_reset(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_config_state *cfg = vdev->config;
	u16 cmd, vcmd;
	int ret;

	down_write(&vdev->memory_lock);
	ret = pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	if (ret) {
		up_write(&vdev->memory_lock);
		return pcibios_err_to_errno(ret);
	}
	/* A VF's memory decoding is enabled by its PF, never by itself. */
	if (vdev->pdev->is_virtfn)
		cmd |= PCI_COMMAND_MEMORY;

	mutex_lock(&cfg->lock);
	vfio_pci_cfg_reset(cfg);
	vcmd = get_unaligned_le16(cfg->vconfig + PCI_COMMAND);
	vcmd &= ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		  PCI_COMMAND_INTX_DISABLE);
	vcmd |= cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
		       PCI_COMMAND_MASTER);
	put_unaligned_le16(vcmd, cfg->vconfig + PCI_COMMAND);
	if (!vdev->has_intx)
		cfg->vconfig[PCI_INTERRUPT_PIN] = 0;
	mutex_unlock(&cfg->lock);
	/* Pages faulted in while the old view still decoded memory */
	if (!(cmd & PCI_COMMAND_MEMORY))
		vfio_pci_zap_bars(vdev);
	up_write(&vdev->memory_lock);

	/*
	 * The new user's INTx-disable bit is clear. Tell the bit's owner even
	 * if it was: pci_enable_device() and the reset on the last close
	 * rewrote the hardware bit behind its back, and only it knows whether
	 * a handler is there for INTx to be enabled.
	 */
	vfio_pci_intx_user_disable(vdev, false);
	return 0;
}

/**
 * vfio_pci_config_reset_done - the device of an open user was reset
 * @vdev: the device
 *
 * A function, slot or bus reset (VFIO_DEVICE_RESET, an FLR written through
 * config space, a hot reset) goes through the PCI core, which saves the
 * config space before and restores it after: the device comes back with the
 * registers its user programmed, and so the virtual config space stays as
 * it is. The one thing to redo is the hardware INTx-disable bit, which the
 * reset path rewrote while our INTx handler may have been changing it.
 * Takes the config and interrupt locks; the caller holds neither.
 */
void vfio_pci_config_reset_done(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_config_state *cfg = vdev->config;
	bool disable;

	mutex_lock(&cfg->lock);
	disable = cfg->vconfig[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
	mutex_unlock(&cfg->lock);
	vfio_pci_intx_user_disable(vdev, disable);
}

/**
 * vfio_pci_config_memory_enabled - does the virtual device decode memory?
 * @vdev: the device
 *
 * True when the virtual command register enables memory space and the
 * virtual power state is D0. Both only change with memory_lock held for
 * write (config writes that touch them, and vfio_pci_config_reset()), so a
 * caller holding it (for read or write) gets a stable answer. A VF has no
 * memory enable of its own (its PF's SR-IOV control has it), so its
 * command register does not count.
 */
bool vfio_pci_config_memory_enabled(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_config_state *cfg = vdev->config;

	if (!vdev->pdev->no_command_memory &&
	    !(READ_ONCE(cfg->vconfig[PCI_COMMAND]) & PCI_COMMAND_MEMORY))
		return false;
	return !cfg->pm_pos ||
	       !(READ_ONCE(cfg->vconfig[cfg->pm_pos + PCI_PM_CTRL]) &
		 PCI_PM_CTRL_STATE_MASK);
}

/**
 * vfio_pci_config_power_d0 - back to D0 from a state the user chose
 * @vdev: the device; memory_lock held for write
 *
 * Low-power entry starts from D0, as it always has: the runtime PM core
 * takes the device down itself and brings it back to D0, which is what
 * the user reads afterwards.
 */
void vfio_pci_config_power_d0(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_config_state *cfg = vdev->config;

	lockdep_assert_held_write(&vdev->memory_lock);

	if (!cfg_power_state(cfg))
		return;
	vfio_pci_set_power_state(vdev, PCI_D0);
	cfg_show_power_state(vdev, cfg, 0);
}

/**
 * vfio_pci_config_size - size of the config region
 * @vdev: the device
 */
size_t vfio_pci_config_size(struct vfio_pci_core_device *vdev)
{
	return vdev->config->size;
}

/**
 * vfio_pci_config_msi_enabled - reflect the host's MSI setup to userspace
 * @vdev: the device
 * @nvec: number of vectors enabled, 0 when MSI was disabled
 *
 * Sets the virtual MSI enable bit and Multiple Message Enable field.
 * Takes the config lock: callers must not hold it.
 */
void vfio_pci_config_msi_enabled(struct vfio_pci_core_device *vdev, int nvec)
{
	struct vfio_pci_config_state *cfg = vdev->config;

	mutex_lock(&cfg->lock);
	vfio_pci_cfg_set_msi(cfg, nvec);
	mutex_unlock(&cfg->lock);
}

/* A VPD address write starts a transfer; complete it before returning. */
static void config_vpd(struct vfio_pci_core_device *vdev,
		       struct vfio_pci_config_state *cfg)
{
	unsigned int p = cfg->vpd_pos;
	u16 addr = get_unaligned_le16(cfg->vconfig + p + PCI_VPD_ADDR);
	__le32 data = cpu_to_le32(get_unaligned_le32(cfg->vconfig + p +
						     PCI_VPD_DATA));
	loff_t off = addr & PCI_VPD_ADDR_MASK;

	if (addr & PCI_VPD_ADDR_F) {
		pci_write_vpd(vdev->pdev, off, sizeof(data), &data);
		addr &= ~PCI_VPD_ADDR_F;
	} else {
		if (pci_read_vpd(vdev->pdev, off, sizeof(data), &data) !=
		    sizeof(data))
			data = 0;
		addr |= PCI_VPD_ADDR_F;
		put_unaligned_le32(le32_to_cpu(data),
				   cfg->vconfig + p + PCI_VPD_DATA);
	}
	put_unaligned_le16(addr, cfg->vconfig + p + PCI_VPD_ADDR);
}

/* Apply a virtual power-state change; memory_lock is held for write. */
static void config_set_power(struct vfio_pci_core_device *vdev,
			     struct vfio_pci_config_state *cfg,
			     struct vfio_pci_cfg_events *ev)
{
	struct pci_dev *pdev = vdev->pdev;
	u8 state = ev->power_new;
	/*
	 * Writes of an unsupported state are ignored, as the spec says. In
	 * low power (VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY*) the host's runtime
	 * PM owns the power state: it suspends the device between accesses
	 * and wakes it to D0 for each, this write included, so a state
	 * written meanwhile is not applied either; the user reads D0, as at
	 * any access in low power. The caller holds memory_lock for write,
	 * which pm_runtime_engaged is read under.
	 */
	bool apply = !vdev->pm_runtime_engaged &&
		     !(state == 1 && !pdev->d1_support) &&
		     !(state == 2 && !pdev->d2_support);

	if (apply && vfio_pci_set_power_state(vdev, (__force pci_power_t)state))
		apply = false;
	cfg_show_power_state(vdev, cfg, apply ? state : ev->power_old);
}

static int config_write(struct vfio_pci_core_device *vdev,
			struct vfio_pci_config_state *cfg, unsigned int pos,
			unsigned int count, const u8 *kbuf)
{
	struct vfio_pci_cfg_events ev;
	bool mlock;
	int ret;

	mlock = vfio_pci_cfg_needs_memory_lock(cfg, pos, count);
	if (mlock) {
		down_write(&vdev->memory_lock);
		/*
		 * Revoke first, then write: between the two, faults wait
		 * for memory_lock and then find decoding off (SIGBUS).
		 */
		if (vfio_pci_cfg_write_stops_decode(cfg, pos, count, kbuf))
			vfio_pci_zap_bars(vdev);
	}
	mutex_lock(&cfg->lock);
	ret = vfio_pci_cfg_write(cfg, pos, count, kbuf, &ev);
	if (ev.vpd)
		config_vpd(vdev, cfg);
	mutex_unlock(&cfg->lock);

	if (mlock) {
		if (ev.power_new != ev.power_old)
			config_set_power(vdev, cfg, &ev);
		up_write(&vdev->memory_lock);
	}
	if ((ev.cmd_old ^ ev.cmd_new) & PCI_COMMAND_INTX_DISABLE)
		vfio_pci_intx_user_disable(vdev, ev.cmd_new &
					   PCI_COMMAND_INTX_DISABLE);
	if (ev.flr && !ret)
		ret = vfio_pci_core_reset_function(vdev);
	return ret;
}

/*
 * One naturally aligned register of 1, 2 or 4 bytes: what a guest's config
 * cycles are. It moves through a local with get_user()/put_user(), which
 * skips the generic user copy and the bounce buffer (zeroed on every call
 * in kernels built with auto-initialised stack variables).
 */
union cfg_reg {
	u8 b[4];
	u16 w;
	u32 d;
};

static int config_rw_reg(struct vfio_pci_core_device *vdev,
			 struct vfio_pci_config_state *cfg, char __user *buf,
			 unsigned int pos, unsigned int count, bool iswrite)
{
	union cfg_reg reg;
	u32 val;
	int ret;

	if (iswrite) {
		if (count == 4)
			ret = get_user(reg.d, (u32 __user *)buf);
		else if (count == 2)
			ret = get_user(reg.w, (u16 __user *)buf);
		else
			ret = get_user(reg.b[0], (u8 __user *)buf);
		return ret ? ret : config_write(vdev, cfg, pos, count, reg.b);
	}

	mutex_lock(&cfg->lock);
	if (likely(!cfg->overrides)) {
		ret = cfg_read_piece(cfg, pos, count, &val);
		cfg_put(reg.b, 0, count, val);
	} else {
		ret = vfio_pci_cfg_read(cfg, pos, count, reg.b);
	}
	mutex_unlock(&cfg->lock);
	if (ret)
		return ret;
	if (count == 4)
		return put_user(reg.d, (u32 __user *)buf);
	if (count == 2)
		return put_user(reg.w, (u16 __user *)buf);
	return put_user(reg.b[0], (u8 __user *)buf);
}

/* Any other access, in locked steps of at most CFG_CHUNK bytes. */
static ssize_t config_rw_chunks(struct vfio_pci_core_device *vdev,
				struct vfio_pci_config_state *cfg,
				char __user *buf, unsigned int pos,
				size_t count, bool iswrite)
{
	u8 kbuf[CFG_CHUNK];
	size_t done = 0;
	unsigned int n;
	int ret = 0;

	while (done < count) {
		n = min_t(size_t, count - done, CFG_CHUNK);
		if (iswrite) {
			if (copy_from_user(kbuf, buf + done, n)) {
				ret = -EFAULT;
				break;
			}
			ret = config_write(vdev, cfg, pos, n, kbuf);
		} else {
			mutex_lock(&cfg->lock);
			ret = vfio_pci_cfg_read(cfg, pos, n, kbuf);
			mutex_unlock(&cfg->lock);
			if (!ret && copy_to_user(buf + done, kbuf, n))
				ret = -EFAULT;
		}
		if (ret)
			break;
		done += n;
		pos += n;
	}
	return done ? done : ret;
}

/**
 * vfio_pci_config_rw - access the config region
 * @vdev: the device
 * @buf: userspace buffer
 * @count: bytes to transfer
 * @ppos: offset in the config region; advanced by the bytes transferred
 * @iswrite: direction
 *
 * Returns the bytes transferred, or a negative errno when none were. An
 * access that does not lie wholly inside config space fails with -EFAULT,
 * the errno VFIO PCI drivers have always given for it.
 */
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite)
{
	struct vfio_pci_config_state *cfg = vdev->config;
	loff_t start = *ppos;
	ssize_t ret;

	if (start < 0 || start >= cfg->size || count > cfg->size - start)
		return -EFAULT;

	if ((count == 4 || count == 2 || count == 1) &&
	    IS_ALIGNED(start, count) && IS_ALIGNED((unsigned long)buf, count)) {
		ret = config_rw_reg(vdev, cfg, buf, start, count, iswrite);
		if (!ret)
			ret = count;
	} else {
		ret = config_rw_chunks(vdev, cfg, buf, start, count, iswrite);
	}
	if (ret > 0)
		*ppos += ret;
	return ret;
}
