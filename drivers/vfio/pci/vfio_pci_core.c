// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO PCI core library: turns a struct pci_dev into a VFIO device.
 *
 * This file owns the device life cycle (init, registration, open, close),
 * the ioctl dispatch, the region table and the power state of closed
 * devices. BAR mappings, resets, config space, interrupts, BAR/ROM/VGA
 * access, low power and SR-IOV live in the other vfio_pci_*.c files (see
 * vfio_pci_priv.h).
 *
 * Open and close are built around one invariant: a closed device is
 * quiesced (no interrupt, no bus mastering, no user mapping) and, as far as
 * the hardware allows, reset and restored to the state it had when first
 * opened. Everything that cannot change between opens (capability layout,
 * MSI-X location, INTx masking, reset methods, the saved config state) is
 * computed once, at registration or first open.
 */

#include <linux/module.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vgaarb.h>

#include "vfio_pci_priv.h"

#define VFIO_PCI_VGA_REGION_SIZE	0xc0000

/*
 * How long a closed device stays in D0 before runtime PM puts it in D3hot:
 * a user that closes and reopens a device (or a test suite, or a VM
 * rebooting) does not pay for a D3hot round trip, with its state save and
 * restore and the 10 ms D3hot->D0 recovery delay, every time.
 */
#define VFIO_PCI_IDLE_DELAY_MS		100

bool vfio_pci_nointxmask;
bool vfio_pci_disable_vga;
bool vfio_pci_disable_idle_d3;

/**
 * vfio_pci_core_set_params - set the library-wide parameters
 * @nointxmask: never use the PCI 2.3 INTx-disable bit to mask INTx, take
 *	the host line exclusively instead
 * @is_disable_vga: do not expose the legacy VGA ranges of VGA devices
 * @is_disable_idle_d3: keep closed devices in D0
 *
 * The parameters are owned by vfio-pci.ko (its module parameters of the
 * same names). They apply to devices registered afterwards.
 */
void vfio_pci_core_set_params(bool nointxmask, bool is_disable_vga,
			      bool is_disable_idle_d3)
{
	vfio_pci_nointxmask = nointxmask;
	vfio_pci_disable_vga = is_disable_vga;
	vfio_pci_disable_idle_d3 = is_disable_idle_d3;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_set_params);

/* ---- open and close ---- */

/**
 * vfio_pci_core_enable - bring a device up for a new user
 * @vdev: the device, being opened for the first time (dev_set lock held)
 *
 * Powers the device up, enables it the first time and, unless it has
 * stayed reset and quiesced in our hands since it was last closed, resets
 * it; the first time, saves the state that every close restores. Rebuilds
 * the virtual config space. A driver's open_device calls this, then does its own
 * setup, then calls vfio_pci_core_finish_enable(); on failure after this
 * succeeded, it calls vfio_pci_core_disable().
 *
 * Return: 0 or a negative errno; -EAGAIN if the device is busy being
 * reset by someone else.
 */
int vfio_pci_core_enable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	lockdep_assert_held(&vdev->vdev.dev_set->lock);

	ret = pm_runtime_resume_and_get(&pdev->dev);
	if (ret)
		return ret;

	ret = vfio_pci_sriov_open(vdev);
	if (ret)
		goto out_pm;

	/*
	 * Enabled at first open, disabled at unregistration: what
	 * pci_enable_device() sets up does not change while the device is
	 * bound. The decode bits are part of the state every close restores,
	 * and the platform's INTx routing (an ACPI evaluation, milliseconds)
	 * is only used once userspace sets up INTx.
	 */
	if (!pci_is_enabled(pdev)) {
		ret = pci_enable_device(pdev);
		if (ret)
			goto out_sriov;
	}

	/*
	 * The close path reset the device and restored its saved state, and
	 * a closed device is only touched by us (bus resets of its dev_set
	 * restore it too): a second reset would only cost time.
	 */
	if (!vdev->reset_clean) {
		/* A reset would wait up to a minute for it to answer. */
		if (vfio_pci_device_gone(pdev)) {
			pci_info(pdev, "not opened: the device does not answer\n");
			ret = -ENODEV;
			goto out_sriov;
		}
		ret = pci_try_reset_function(pdev);
		if (ret == -EAGAIN)
			goto out_sriov;
		if (!ret)
			vfio_pci_sriov_reset_done(vdev);
	}

	/*
	 * A device is handed over, and left after close, unable to master
	 * DMA: firmware or the previous driver may have left bus mastering
	 * on, and the function reset above restores what it found. Cleared
	 * before the save, so the state every close restores has it off too.
	 */
	pci_clear_master(pdev);

	if (!vdev->pci_saved_state) {
		pci_save_state(pdev);
		vdev->pci_saved_state = pci_store_saved_state(pdev);
		if (!vdev->pci_saved_state)
			pci_dbg(pdev, "cannot save config state\n");
	}

	/*
	 * pci_enable_device() and the reset may have enabled INTx, which has
	 * no handler until userspace sets one up: the rebuild of the virtual
	 * command register hands the hardware bit to vfio_pci_intrs.c, which
	 * keeps INTx disabled meanwhile and sets the bit as SET_IRQS and the
	 * user's (virtual) INTx-disable bit ask from then on.
	 */
	ret = vfio_pci_config_reset(vdev);
	if (ret)
		goto out_sriov;
	return 0;

out_sriov:
	vfio_pci_sriov_close(vdev);
out_pm:
	pm_runtime_put(&pdev->dev);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_enable);

/**
 * vfio_pci_core_finish_enable - hand an enabled device over to its user
 * @vdev: the device, enabled by vfio_pci_core_enable()
 *
 * From here on the device state belongs to userspace: it will need a reset
 * before the next user even if this open fails later.
 */
void vfio_pci_core_finish_enable(struct vfio_pci_core_device *vdev)
{
	vdev->reset_clean = false;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_finish_enable);

/**
 * vfio_pci_core_disable - quiesce a device its last user closed
 * @vdev: the device (dev_set lock held)
 *
 * Leaves low power, tears down interrupts, ioeventfds, BAR mappings and
 * device-specific regions, stops DMA and decoding, resets the device if a
 * reset method can be used (else asks for a slot or bus reset once its
 * whole dev_set is closed), restores the state saved at first open and
 * lets the device drop to D3hot.
 */
void vfio_pci_core_disable(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	bool reset_done = false;
	int i;
	u16 cmd;

	lockdep_assert_held(&vdev->vdev.dev_set->lock);

	vfio_pci_pm_close(vdev);
	vfio_pci_irqs_release(vdev);
	vfio_pci_ioeventfds_release(vdev);
	vfio_pci_release_barmaps(vdev);

	for (i = 0; i < vdev->num_regions; i++)
		if (vdev->regions[i].ops->release)
			vdev->regions[i].ops->release(vdev, &vdev->regions[i]);
	vdev->num_regions = 0;
	kfree(vdev->regions);
	vdev->regions = NULL;

	down_write(&vdev->memory_lock);
	vfio_pci_zap_bars(vdev);
	vfio_pci_set_power_state(vdev, PCI_D0);

	pci_clear_master(pdev);

	/*
	 * The raw reset, not pci_try_reset_function(): that one would save
	 * the state the user left and restore it after the reset, while we
	 * restore the state saved at first open anyway. Only try the device
	 * lock: whoever holds it (an unbind waiting for this close) may wait
	 * for us. Without a saved state (it could not be allocated), the
	 * device keeps the user's config, bus mastering off, until a reset
	 * at the next open.
	 */
	if (vdev->pci_saved_state) {
		pci_read_config_word(pdev, PCI_COMMAND, &cmd);
		cmd &= ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_INTX_DISABLE);

		pci_load_saved_state(pdev, vdev->pci_saved_state);
		if (vdev->reset_works && !vfio_pci_device_gone(pdev) &&
		    pci_dev_trylock(pdev)) {
			reset_done = !__pci_reset_function_locked(pdev);
			pci_dev_unlock(pdev);
		}
		pci_restore_state(pdev);
		vfio_pci_sriov_reset_done(vdev);
	}
	/*
	 * The saved state may have INTx enabled; a closed device has no
	 * handler on its line, and must not assert it at the line's other
	 * users.
	 */
	pci_intx(pdev, 0);
	up_write(&vdev->memory_lock);

	vfio_pci_sriov_close(vdev);

	vdev->needs_reset = !reset_done;
	vfio_pci_dev_set_try_reset(vdev);
	vdev->reset_clean = !vdev->needs_reset && vdev->pci_saved_state;

	pm_runtime_mark_last_busy(&pdev->dev);
	pm_runtime_put_autosuspend(&pdev->dev);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_disable);

/**
 * vfio_pci_core_open_device - the open_device op of a VFIO PCI device
 * @core_vdev: the VFIO device, being opened by its first user
 *
 * For drivers with nothing of their own to set up at open.
 *
 * Return: 0 or a negative errno from vfio_pci_core_enable().
 */
int vfio_pci_core_open_device(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	int ret;

	ret = vfio_pci_core_enable(vdev);
	if (ret)
		return ret;
	vfio_pci_core_finish_enable(vdev);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_open_device);

/**
 * vfio_pci_core_close_device - the close_device op of a VFIO PCI device
 * @core_vdev: the VFIO device, closed by its last user
 */
void vfio_pci_core_close_device(struct vfio_device *core_vdev)
{
	vfio_pci_core_disable(to_vfio_pci(core_vdev));
}
EXPORT_SYMBOL_GPL(vfio_pci_core_close_device);

/* ---- ioctls ---- */

/*
 * Place a capability chain built for an info ioctl: after the structure of
 * @hdr_size bytes at @arg when the caller's @argsz leaves room for it,
 * with *@cap_offset pointing at it; otherwise only grow *@argsz to what
 * the chain needs, so that the caller can ask again.
 */
static int vfio_pci_place_caps(void __user *arg, size_t hdr_size, u32 *argsz,
			       u32 *cap_offset, struct vfio_info_cap *caps)
{
	*cap_offset = 0;
	if (!caps->size)
		return 0;
	if (*argsz < hdr_size + caps->size) {
		*argsz = hdr_size + caps->size;
		return 0;
	}
	vfio_info_cap_shift(caps, hdr_size);
	if (copy_to_user(arg + hdr_size, caps->buf, caps->size))
		return -EFAULT;
	*cap_offset = hdr_size;
	return 0;
}

static long vfio_pci_ioctl_get_info(struct vfio_pci_core_device *vdev,
				    struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_device_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (vdev->reset_works)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS + vdev->num_regions;
	info.num_irqs = VFIO_PCI_NUM_IRQS;

	/*
	 * Callers that know of cap_offset get it, and the capabilities that
	 * apply; older ones get the structure they know.
	 */
	if (info.argsz >= offsetofend(struct vfio_device_info, cap_offset)) {
		minsz = offsetofend(struct vfio_device_info, cap_offset);
		ret = vfio_pci_info_atomic_cap(vdev, &caps);
		if (!ret && caps.size)
			info.flags |= VFIO_DEVICE_FLAGS_CAPS;
		if (!ret)
			ret = vfio_pci_place_caps(arg, sizeof(info),
						  &info.argsz,
						  &info.cap_offset, &caps);
		kfree(caps.buf);
		if (ret)
			return ret;
	}

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_pci_add_msix_mappable_cap(struct vfio_info_cap *caps)
{
	struct vfio_info_cap_header header = {
		.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
		.version = 1,
	};

	return vfio_info_add_capability(caps, &header, sizeof(header));
}

static int vfio_pci_region_info(struct vfio_pci_core_device *vdev,
				struct vfio_region_info *info,
				struct vfio_info_cap *caps)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_dev_region *region;
	struct vfio_region_info_cap_type type = {
		.header.id = VFIO_REGION_INFO_CAP_TYPE,
		.header.version = 1,
	};
	unsigned int i;
	int ret;

	info->offset = VFIO_PCI_INDEX_TO_OFFSET(info->index);

	switch (info->index) {
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info->size = pci_resource_len(pdev, info->index);
		if (!info->size) {
			info->flags = 0;
			return 0;
		}
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		if (vdev->bar_mmap_ok[info->index]) {
			info->flags |= VFIO_REGION_INFO_FLAG_MMAP;
			if (vdev->msix_size && info->index == vdev->msix_bar)
				return vfio_pci_add_msix_mappable_cap(caps);
		}
		return 0;
	case VFIO_PCI_ROM_REGION_INDEX:
		info->size = vdev->rom_size;
		info->flags = info->size ? VFIO_REGION_INFO_FLAG_READ : 0;
		return 0;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->size = vfio_pci_config_size(vdev);
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	case VFIO_PCI_VGA_REGION_INDEX:
		if (!vdev->has_vga)
			return -EINVAL;
		info->size = VFIO_PCI_VGA_REGION_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		return 0;
	}

	i = info->index - VFIO_PCI_NUM_REGIONS;
	if (i >= vdev->num_regions)
		return -EINVAL;
	region = &vdev->regions[i];

	info->size = region->size;
	info->flags = region->flags;
	type.type = region->type;
	type.subtype = region->subtype;
	ret = vfio_info_add_capability(caps, &type.header, sizeof(type));
	if (ret)
		return ret;
	if (region->ops->add_capability)
		return region->ops->add_capability(vdev, region, caps);
	return 0;
}

static long vfio_pci_ioctl_get_region_info(struct vfio_pci_core_device *vdev,
					   struct vfio_region_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	ret = vfio_pci_region_info(vdev, &info, &caps);
	if (ret)
		goto out;

	if (caps.size)
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
	ret = vfio_pci_place_caps(arg, sizeof(info), &info.argsz,
				  &info.cap_offset, &caps);
	if (ret)
		goto out;

	if (copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
out:
	kfree(caps.buf);
	return ret;
}

/**
 * vfio_pci_core_ioctl - the ioctl op of a VFIO PCI device
 * @core_vdev: the VFIO device
 * @cmd: VFIO_DEVICE_* ioctl
 * @arg: its user argument
 *
 * Handles VFIO_DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO, SET_IRQS,
 * RESET, GET_PCI_HOT_RESET_INFO, PCI_HOT_RESET and IOEVENTFD. A variant
 * driver's ioctl handles its own commands and passes the others here.
 *
 * Return: as documented for each ioctl in <uapi/linux/vfio.h>; -ENOTTY
 * for an unknown command.
 */
long vfio_pci_core_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_pci_ioctl_get_info(vdev, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_pci_ioctl_get_region_info(vdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_pci_ioctl_get_irq_info(vdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(vdev, uarg);
	case VFIO_DEVICE_RESET:
		return vfio_pci_core_reset_function(vdev);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return vfio_pci_ioctl_get_hot_reset_info(vdev, uarg);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vfio_pci_ioctl_hot_reset(vdev, uarg);
	case VFIO_DEVICE_IOEVENTFD:
		return vfio_pci_ioctl_ioeventfd(vdev, uarg);
	}
	return -ENOTTY;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_ioctl);

/**
 * vfio_pci_core_ioctl_feature - the device_feature op of a VFIO PCI device
 * @device: the VFIO device
 * @flags: VFIO_DEVICE_FEATURE flags, the feature index included
 * @arg: the feature data
 * @argsz: size of the data
 *
 * Dispatches the low-power features and the SR-IOV VF token.
 *
 * Return: the feature's result, -ENOTTY for a feature the library does
 * not know.
 */
int vfio_pci_core_ioctl_feature(struct vfio_device *device, u32 flags,
				void __user *arg, size_t argsz)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(device);

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return vfio_pci_pm_feature(vdev, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		return vfio_pci_feature_vf_token(vdev, flags, arg, argsz);
	}
	return -ENOTTY;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_ioctl_feature);

/* ---- read and write ---- */

/* Inlined into the read and the write op: one call less per access. */
static __always_inline ssize_t vfio_pci_rw(struct vfio_pci_core_device *vdev,
					   char __user *buf, size_t count,
					   loff_t *ppos, bool iswrite)
{
	u64 index = VFIO_PCI_OFFSET_TO_INDEX((u64)*ppos);
	loff_t pos;
	ssize_t ret;

	if (index >= VFIO_PCI_NUM_REGIONS + vdev->num_regions)
		return -EINVAL;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		pos = *ppos & VFIO_PCI_OFFSET_MASK;
		ret = vfio_pci_config_rw(vdev, buf, count, &pos, iswrite);
		if (ret > 0)
			*ppos += ret;
		return ret;
	case VFIO_PCI_ROM_REGION_INDEX:
		if (iswrite)
			return -EINVAL;
		return vfio_pci_rom_read(vdev, buf, count, ppos);
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		return vfio_pci_bar_rw(vdev, buf, count, ppos, iswrite);
	case VFIO_PCI_VGA_REGION_INDEX:
		return vfio_pci_vga_rw(vdev, buf, count, ppos, iswrite);
	}
	return vdev->regions[index - VFIO_PCI_NUM_REGIONS].ops->rw(vdev, buf,
								   count, ppos,
								   iswrite);
}

static ssize_t vfio_pci_rw_awake(struct vfio_pci_core_device *vdev,
				 char __user *buf, size_t count, loff_t *ppos,
				 bool iswrite)
{
	int cookie;
	ssize_t ret;

	/* Nothing to move: done, wherever it points, as it always was */
	if (!count)
		return 0;
	cookie = vfio_pci_pm_access_begin(vdev);
	if (cookie < 0)
		return cookie;
	ret = vfio_pci_rw(vdev, buf, count, ppos, iswrite);
	vfio_pci_pm_access_end(vdev, cookie);
	return ret;
}

/**
 * vfio_pci_core_read - the read op of a VFIO PCI device
 * @core_vdev: the VFIO device
 * @buf: user buffer
 * @count: bytes to read
 * @ppos: device fd offset: region index in the top bits, then the offset
 *	in the region; advanced by the bytes read
 *
 * Return: bytes read (0 for @count 0, wherever @ppos points), or -EINVAL
 * for an unknown region or an access out of it, -EIO while the device does
 * not decode memory, or another errno of the region's access.
 */
ssize_t vfio_pci_core_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos)
{
	return vfio_pci_rw_awake(to_vfio_pci(core_vdev), buf, count, ppos,
				 false);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_read);

/**
 * vfio_pci_core_write - the write op of a VFIO PCI device
 * @core_vdev: the VFIO device
 * @buf: user buffer
 * @count: bytes to write
 * @ppos: device fd offset, see vfio_pci_core_read()
 *
 * Return: bytes written, or an errno as for vfio_pci_core_read(); -EINVAL
 * for the read-only ROM region.
 */
ssize_t vfio_pci_core_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count,
			    loff_t *ppos)
{
	return vfio_pci_rw_awake(to_vfio_pci(core_vdev), (char __user *)buf,
				 count, ppos, true);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_write);

/* ---- request, match, errors ---- */

/**
 * vfio_pci_core_request - the request op of a VFIO PCI device
 * @core_vdev: the VFIO device, being unregistered while open
 * @count: how many times the request was made already
 *
 * Asks the user to release the device through the REQ eventfd.
 */
void vfio_pci_core_request(struct vfio_device *core_vdev, unsigned int count)
{
	struct pci_dev *pdev = to_vfio_pci(core_vdev)->pdev;

	if (vfio_pci_irqs_signal_req(to_vfio_pci(core_vdev))) {
		if (!(count % 10))
			pci_notice_ratelimited(pdev,
					       "asked the user to let go of the device (request #%u)\n",
					       count);
	} else if (!count) {
		pci_warn(pdev,
			 "device in use and its user set no request eventfd: waiting for the user to close it\n");
	}
}
EXPORT_SYMBOL_GPL(vfio_pci_core_request);

/**
 * vfio_pci_core_match - the match op of a VFIO PCI device
 * @core_vdev: the VFIO device
 * @buf: the name given to VFIO_GROUP_GET_DEVICE_FD: the PCI name of the
 *	device, optionally followed by " vf_token=<uuid>"
 *
 * Return: 1 if @buf names the device and it may be opened, 0 if it names
 * another device, a negative errno for a bad option or VF token.
 */
int vfio_pci_core_match(struct vfio_device *core_vdev, char *buf)
{
	return vfio_pci_sriov_match(to_vfio_pci(core_vdev), buf);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_match);

/**
 * vfio_pci_core_aer_err_detected - pci_error_handlers.error_detected
 * @pdev: the PCI device, whose drvdata is its vfio_pci_core_device
 * @state: the channel state
 *
 * Relays the error to the user through the ERR eventfd; recovery is the
 * user's business.
 *
 * Return: %PCI_ERS_RESULT_CAN_RECOVER.
 */
pci_ers_result_t vfio_pci_core_aer_err_detected(struct pci_dev *pdev,
						pci_channel_state_t state)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	if (vdev)
		vfio_pci_irqs_signal_err(vdev);
	return PCI_ERS_RESULT_CAN_RECOVER;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_aer_err_detected);

/* The error handlers of drivers built on the library. */
const struct pci_error_handlers vfio_pci_core_err_handlers = {
	.error_detected = vfio_pci_core_aer_err_detected,
};
EXPORT_SYMBOL_GPL(vfio_pci_core_err_handlers);

/* ---- device-specific regions ---- */

/**
 * vfio_pci_core_register_dev_region - add a device-specific region
 * @vdev: the device, being opened (call from open_device, after
 *	vfio_pci_core_enable())
 * @type: ``VFIO_REGION_TYPE_*`` for the region-type capability
 * @subtype: ``VFIO_REGION_SUBTYPE_*`` for the region-type capability
 * @ops: how the region is accessed; @ops->rw is required
 * @size: size in bytes
 * @flags: ``VFIO_REGION_INFO_FLAG_*`` to report
 * @data: private data for @ops
 *
 * The region gets the next index from %VFIO_PCI_NUM_REGIONS up. Regions
 * live until the device is closed: vfio_pci_core_disable() calls
 * @ops->release and forgets them.
 *
 * Return: 0 or -ENOMEM.
 */
int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      u32 type, u32 subtype,
				      const struct vfio_pci_dev_region_ops *ops,
				      size_t size, u32 flags, void *data)
{
	struct vfio_pci_dev_region *regions;

	regions = krealloc_array(vdev->regions, vdev->num_regions + 1,
				 sizeof(*regions), GFP_KERNEL_ACCOUNT);
	if (!regions)
		return -ENOMEM;

	regions[vdev->num_regions] = (struct vfio_pci_dev_region) {
		.type = type,
		.subtype = subtype,
		.ops = ops,
		.data = data,
		.size = size,
		.flags = flags,
	};
	vdev->regions = regions;
	vdev->num_regions++;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_register_dev_region);

/* ---- life cycle ---- */

/**
 * vfio_pci_core_init_dev - the init op of a VFIO PCI device
 * @core_vdev: the VFIO device being allocated by vfio_alloc_device()
 *
 * Sets up the library's state of the device. A variant driver with state
 * of its own calls this first from its init op.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_core_init_dev(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	int ret;

	vdev->pdev = to_pci_dev(core_vdev->dev);
	init_rwsem(&vdev->memory_lock);
	INIT_LIST_HEAD(&vdev->sriov_pfs_item);

	ret = vfio_pci_mmap_init_dev(vdev);
	if (ret)
		return ret;

	ret = vfio_pci_irqs_init(vdev);
	if (ret)
		goto out_inode;
	ret = vfio_pci_ioeventfds_init(vdev);
	if (ret)
		goto out_irqs;
	return 0;

out_irqs:
	vfio_pci_irqs_exit(vdev);
out_inode:
	vfio_pci_mmap_release_dev(vdev);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_init_dev);

/**
 * vfio_pci_core_release_dev - the release op of a VFIO PCI device
 * @core_vdev: the VFIO device whose last reference is gone
 *
 * Frees the library's state and the device itself (vfio_free_device()). A
 * variant driver with state of its own frees it first, then calls this.
 */
void vfio_pci_core_release_dev(struct vfio_device *core_vdev)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);

	vfio_pci_ioeventfds_exit(vdev);
	vfio_pci_irqs_exit(vdev);
	kfree(vdev->pci_saved_state);
	kfree(vdev->pm_saved_state);
	vfio_pci_mmap_release_dev(vdev);
	vfio_pci_release_free(core_vdev);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_release_dev);

static bool vfio_pci_is_vga(struct pci_dev *pdev)
{
	return (pdev->class >> 8) == PCI_CLASS_DISPLAY_VGA;
}

/*
 * VGA arbiter callback: the legacy VGA ranges are only needed when they are
 * exposed to the user, and a device on a root bus cannot be isolated from
 * them by a bridge anyway.
 */
static unsigned int vfio_pci_set_decode(struct pci_dev *pdev, bool single_vga)
{
	unsigned int decodes = VGA_RSRC_NORMAL_IO | VGA_RSRC_NORMAL_MEM;

	if (single_vga || !vfio_pci_disable_vga || pci_is_root_bus(pdev->bus))
		decodes |= VGA_RSRC_LEGACY_IO | VGA_RSRC_LEGACY_MEM;
	return decodes;
}

/*
 * Size of the ROM region: the ROM BAR, or the shadow copy of the boot VGA.
 * Called once, at registration: mapping the ROM turns its decode on and
 * unmapping turns it off, which would cut short a ROM read in progress
 * (vfio_pci_rom_read() maps it for the whole read under a lock of
 * vfio_pci_rdwr.c); and an image that is there stays there.
 */
static u64 vfio_pci_rom_size(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;
	size_t size;
	u64 len;
	u16 cmd;

	len = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	if (!len) {
		if (!(pdev->resource[PCI_ROM_RESOURCE].flags &
		      IORESOURCE_ROM_SHADOW))
			return 0;
		len = 0x20000;
	}

	/* Only report a ROM whose image is actually there. */
	cmd = vfio_pci_memory_lock_and_enable(vdev);
	io = pci_map_rom(pdev, &size);
	if (io)
		pci_unmap_rom(pdev, io);
	vfio_pci_memory_unlock_and_restore(vdev, cmd);

	return io ? len : 0;
}

/* What cannot change while the device is bound: computed once. */
static void vfio_pci_probe_device(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 flags;
	u32 table, pba;
	u8 pin;
	int i;

	if (pdev->msix_cap) {
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &flags);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE,
				      &table);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_PBA,
				      &pba);
		vdev->msix_bar = table & PCI_MSIX_TABLE_BIR;
		vdev->msix_offset = table & PCI_MSIX_TABLE_OFFSET;
		vdev->pba_offset = pba & PCI_MSIX_PBA_OFFSET;
		vdev->msix_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) *
				  PCI_MSIX_ENTRY_SIZE;
	}

	/* VFs have no INTx, whatever their pin register says (QEMU's: 1). */
	pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
	vdev->has_intx = pin && !pdev->is_virtfn &&
			 pdev->irq != IRQ_NOTCONNECTED;
	vdev->pci_2_3 = !vfio_pci_nointxmask && pci_intx_mask_supported(pdev);
	vdev->reset_works = pdev->reset_methods[0] != 0;
	vdev->has_vga = !vfio_pci_disable_vga && vfio_pci_is_vga(pdev);

	if (pdev->pm_cap) {
		pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, &flags);
		vdev->needs_pm_restore = !(flags & PCI_PM_CTRL_NO_SOFT_RESET);
	}

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		vdev->bar_mmap_ok[i] =
			(pci_resource_flags(pdev, i) & IORESOURCE_MEM) &&
			(pci_resource_len(pdev, i) >= PAGE_SIZE ||
			 vfio_pci_claim_page_tail(vdev, i));

	vdev->rom_size = vfio_pci_rom_size(vdev);
}

/*
 * vfio.ko calls these ops without checking them, from the first ioctl on:
 * a hole would be a NULL call reachable from userspace, so it is refused
 * at probe, where the driver's author sees it.
 */
static int vfio_pci_check_mig_ops(struct vfio_pci_core_device *vdev)
{
	const struct vfio_migration_ops *mig = vdev->vdev.mig_ops;
	const struct vfio_log_ops *log = vdev->vdev.log_ops;

	if (mig && !vfio_pci_mig_ops_complete(mig)) {
		pci_warn(vdev->pdev, "migration ops lack migration_set_state, migration_get_state or (where the kernel calls it) migration_get_data_size\n");
		return -EINVAL;
	}
	if (mig && !(vdev->vdev.migration_flags & VFIO_MIGRATION_STOP_COPY)) {
		pci_warn(vdev->pdev, "migration ops without VFIO_MIGRATION_STOP_COPY in migration_flags\n");
		return -EINVAL;
	}
	if (log && (!log->log_start || !log->log_stop ||
		    !log->log_read_and_clear)) {
		pci_warn(vdev->pdev, "DMA logging ops lack log_start, log_stop or log_read_and_clear\n");
		return -EINVAL;
	}
	return 0;
}

/**
 * vfio_pci_core_register_device - make a PCI device available through VFIO
 * @vdev: the device, allocated with vfio_alloc_device() and set as the PCI
 *	device's drvdata
 *
 * Called from a driver's probe. Refuses what the library cannot drive
 * (bridges and other non-type-0 headers, PFs with VFs already enabled),
 * computes what does not change between opens, puts the device in the
 * dev_set of its reset domain and registers it with VFIO. Unless
 * disable_idle_d3 is set, the device then drops to D3hot until opened.
 *
 * A variant driver that supports live migration sets @vdev->vdev.mig_ops,
 * @vdev->vdev.migration_flags and, for DMA dirty logging,
 * @vdev->vdev.log_ops in its vfio_device_ops.init, after calling
 * vfio_pci_core_init_dev(), and before calling this function: vfio.ko
 * dispatches the migration and logging device features to them as soon as
 * the device is registered. They are checked here, once: mig_ops must have
 * migration_set_state and migration_get_state (and migration_get_data_size
 * on kernels whose VFIO core calls it) and the flags must include
 * %VFIO_MIGRATION_STOP_COPY (the one mandatory protocol of the 6.1 uAPI);
 * log_ops must have log_start, log_stop and log_read_and_clear. The
 * driver's close_device must bring its migration state back to RUNNING
 * (dropping any data fd state) before calling vfio_pci_core_close_device(),
 * so that the next user finds a running device.
 *
 * Return: 0 or a negative errno (-EINVAL for incomplete migration or
 * logging ops).
 */
int vfio_pci_core_register_device(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct device *dev = &pdev->dev;
	int ret;

	if (WARN_ON(vdev != dev_get_drvdata(dev)))
		return -EINVAL;

	ret = vfio_pci_check_mig_ops(vdev);
	if (ret)
		return ret;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info(pdev, "header type %#x is not supported by VFIO\n",
			 pdev->hdr_type);
		return -EINVAL;
	}
	if (pci_num_vf(pdev)) {
		pci_warn(pdev, "cannot bind to a PF with VFs enabled\n");
		return -EBUSY;
	}

	vfio_pci_probe_device(vdev);

	/* Devices that can only be reset together are opened together. */
	if (!pci_probe_reset_slot(pdev->slot))
		ret = vfio_assign_device_set(&vdev->vdev, pdev->slot);
	else if (!pci_probe_reset_bus(pdev->bus))
		ret = vfio_assign_device_set(&vdev->vdev, pdev->bus);
	else
		ret = 0;
	if (ret)
		goto out_tails;

	ret = vfio_pci_config_init(vdev);
	if (ret)
		goto out_tails;

	ret = vfio_pci_sriov_register(vdev);
	if (ret)
		goto out_config;

	if (vfio_pci_is_vga(pdev)) {
		ret = vga_client_register(pdev, vfio_pci_set_decode);
		if (ret)
			goto out_sriov;
		vga_set_legacy_decoding(pdev, vfio_pci_set_decode(pdev, false));
	}

	/*
	 * Until a user opens the device, nothing may have it master DMA or
	 * assert INTx with no handler on the line: whatever firmware or the
	 * previous driver left on goes off now, before a user can open it,
	 * not only at the first open.
	 */
	pci_clear_master(pdev);
	pci_intx(pdev, 0);
	vfio_pci_atomic_probe(vdev);

	ret = vfio_register_group_dev(&vdev->vdev);
	if (ret)
		goto out_vga;

	/*
	 * A device no driver had (a new VF, one just unbound) is in an
	 * unknown power state for the PCI core, which only moves such a
	 * device to D0: do so, so that it is in a known state whether or
	 * not it is let drop to D3hot below.
	 */
	pci_set_power_state(pdev, PCI_D0);

	/*
	 * Closed devices sit in D3hot through runtime PM: undo the PCI
	 * core's default policy and give back the reference probe holds;
	 * open takes one while the device is in use.
	 */
	pm_runtime_set_autosuspend_delay(dev, VFIO_PCI_IDLE_DELAY_MS);
	pm_runtime_use_autosuspend(dev);
	pm_runtime_allow(dev);
	vdev->idle_d3 = !vfio_pci_disable_idle_d3;
	if (vdev->idle_d3)
		pm_runtime_put(dev);
	return 0;

out_vga:
	if (vfio_pci_is_vga(pdev))
		vga_client_unregister(pdev);
out_sriov:
	vfio_pci_sriov_unregister(vdev);
out_config:
	vfio_pci_config_exit(vdev);
out_tails:
	vfio_pci_release_page_tails(vdev);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_register_device);

/**
 * vfio_pci_core_unregister_device - undo vfio_pci_core_register_device()
 * @vdev: the device
 *
 * Called from a driver's remove. Waits for the device's users to close it
 * (asking them through the request op), removes the VFs of a PF, and
 * leaves the device in D0 for the next driver, with the rest of the pages
 * of its sub-page BARs free again.
 */
void vfio_pci_core_unregister_device(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	vfio_unregister_group_dev(&vdev->vdev);
	vfio_pci_sriov_unregister(vdev);
	if (vfio_pci_is_vga(pdev))
		vga_client_unregister(pdev);

	if (vdev->idle_d3)
		pm_runtime_get_noresume(&pdev->dev);
	pm_runtime_forbid(&pdev->dev);
	pm_runtime_dont_use_autosuspend(&pdev->dev);
	if (pci_is_enabled(pdev))
		pci_disable_device(pdev);

	vfio_pci_config_exit(vdev);
	vfio_pci_release_page_tails(vdev);
}
EXPORT_SYMBOL_GPL(vfio_pci_core_unregister_device);

static int __init vfio_pci_core_init(void)
{
	return vfio_pci_mmap_fs_init();
}

static void __exit vfio_pci_core_exit(void)
{
	vfio_pci_mmap_fs_exit();
}

module_init(vfio_pci_core_init);
module_exit(vfio_pci_core_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VFIO PCI core library: PCI devices driven through VFIO");
