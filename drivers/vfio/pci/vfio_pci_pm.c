// SPDX-License-Identifier: GPL-2.0-only
/*
 * Power states of a VFIO PCI device: the D0/D3hot moves that config space
 * writes, resets and close make through the PCI core
 * (vfio_pci_set_power_state()), and the low-power states the user requests.
 *
 * The device is kept in D0 while it is open by a runtime PM reference that
 * the core takes at open and drops at close. LOW_POWER_ENTRY lends that
 * reference back to the runtime PM core, which suspends the device (D3hot)
 * as soon as the entry ioctl has returned (vfio_pci_pm_runtime_idle()).
 * After an access in low power, the device returns to D3hot once the
 * core's autosuspend delay has passed since it was last busy, so that a
 * burst of accesses costs one wake-up. LOW_POWER_EXIT, or a wake-up when
 * userspace gave an eventfd, takes the reference again. The state is
 * vdev->pm_runtime_engaged, written under memory_lock held for write and
 * read under memory_lock or, as a hint before taking it, with READ_ONCE().
 *
 * Runtime PM callbacks may take memory_lock (for write), so nobody may wake
 * a device (pm_runtime_resume*(), pm_runtime_get_sync()...) while holding
 * the memory_lock of that device.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
			     pci_power_t state)
{
	struct pci_dev *pdev = vdev->pdev;
	bool save = false, restore = false;
	int ret;

	lockdep_assert_held_write(&vdev->memory_lock);

	/* VFs only work while their PF is in D0. */
	if (state != PCI_D0 && pci_num_vf(pdev))
		return -EBUSY;

	if (vdev->needs_pm_restore) {
		if (pdev->current_state == PCI_D0 && state == PCI_D3hot) {
			pci_save_state(pdev);
			save = true;
		} else if (pdev->current_state == PCI_D3hot &&
			   state == PCI_D0) {
			restore = true;
		}
	}

	/* Nothing may reach the BARs while they are not decoded. */
	if (state != PCI_D0)
		vfio_pci_zap_bars(vdev);

	ret = pci_set_power_state(pdev, state);
	if (ret)
		return ret;

	if (save) {
		kfree(vdev->pm_saved_state);
		vdev->pm_saved_state = pci_store_saved_state(pdev);
	} else if (restore && vdev->pm_saved_state) {
		pci_load_and_free_saved_state(pdev, &vdev->pm_saved_state);
		pci_restore_state(pdev);
	}
	return 0;
}

/*
 * Leave low power: take the open reference back. Caller holds memory_lock
 * for write and wakes the device afterwards if it has to touch it. Returns
 * the wake-up eventfd, which the caller signals if appropriate and puts.
 */
static struct eventfd_ctx *vfio_pci_pm_disengage(struct vfio_pci_core_device *vdev)
{
	struct eventfd_ctx *trigger = vdev->pm_wake_trigger;

	lockdep_assert_held_write(&vdev->memory_lock);

	WRITE_ONCE(vdev->pm_runtime_engaged, false);
	WRITE_ONCE(vdev->pm_suspend_now, false);
	vdev->pm_wake_trigger = NULL;
	pm_runtime_get_noresume(&vdev->pdev->dev);
	return trigger;
}

static int vfio_pci_pm_entry(struct vfio_pci_core_device *vdev,
			     struct eventfd_ctx *trigger)
{
	down_write(&vdev->memory_lock);
	if (vdev->pm_runtime_engaged) {
		up_write(&vdev->memory_lock);
		return -EINVAL;
	}
	/* mmap'ed BARs stay unreachable until low power is left. */
	vfio_pci_zap_bars(vdev);
	/* From a D state the user set, D0 first: see the helper. */
	vfio_pci_config_power_d0(vdev);
	/* A masked INTx cannot fire on a shared line while nobody listens. */
	vdev->pm_intx_masked = vfio_pci_intx_mask(vdev);
	vdev->pm_wake_trigger = trigger;
	WRITE_ONCE(vdev->pm_runtime_engaged, true);
	WRITE_ONCE(vdev->pm_suspend_now, true);
	/*
	 * The VFIO ioctl path still holds a reference: no suspend yet, but
	 * at its put, see vfio_pci_pm_runtime_idle().
	 */
	pm_runtime_put_noidle(&vdev->pdev->dev);
	up_write(&vdev->memory_lock);
	return 0;
}

/*
 * Leave low power if it is engaged (with @wakeup, only if userspace set a
 * wake-up eventfd) and give INTx back. Takes memory_lock for write. Returns
 * the wake-up eventfd, or NULL, for the caller to signal or put.
 */
static struct eventfd_ctx *vfio_pci_pm_leave(struct vfio_pci_core_device *vdev,
					     bool wakeup)
{
	struct eventfd_ctx *trigger = NULL;
	bool unmask = false;

	down_write(&vdev->memory_lock);
	if (vdev->pm_runtime_engaged && (!wakeup || vdev->pm_wake_trigger)) {
		trigger = vfio_pci_pm_disengage(vdev);
		unmask = vdev->pm_intx_masked;
		vdev->pm_intx_masked = false;
	}
	up_write(&vdev->memory_lock);

	if (unmask)
		vfio_pci_intx_unmask(vdev);
	return trigger;
}

static void vfio_pci_pm_exit(struct vfio_pci_core_device *vdev)
{
	struct eventfd_ctx *trigger = vfio_pci_pm_leave(vdev, false);

	/*
	 * Had the device been suspended, the ioctl path's resume would have
	 * signalled and cleared the trigger: it never reached low power.
	 */
	if (trigger)
		eventfd_ctx_put(trigger);
}

/**
 * vfio_pci_pm_feature - the low-power device features
 * @vdev: the device
 * @flags: the feature flags from userspace; the feature index is one of
 *	%VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
 *	%VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP or
 *	%VFIO_DEVICE_FEATURE_LOW_POWER_EXIT
 * @arg: the feature data
 * @argsz: size of the data
 *
 * Called by the VFIO_DEVICE_FEATURE dispatcher, in the VFIO ioctl path
 * which holds a runtime PM reference (vfio_pci_core_pm_ops is set), so
 * the device is in D0 and stays there until the ioctl returns.
 *
 * Return: 0 (also for a successful PROBE), -EINVAL for a bad request, a
 * negative fd or a file that is no eventfd, or an entry while already in
 * low power, -EBADF for a closed fd, -EFAULT.
 */
int vfio_pci_pm_feature(struct vfio_pci_core_device *vdev, u32 flags,
			void __user *arg, size_t argsz)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	struct eventfd_ctx *trigger;
	int ret;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		if (ret != 1)
			return ret;
		return vfio_pci_pm_entry(vdev, NULL);

	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
					 sizeof(entry));
		if (ret != 1)
			return ret;
		if (copy_from_user(&entry, arg, sizeof(entry)))
			return -EFAULT;
		/* Not an fd at all: a malformed request, not a bad file. */
		if (entry.wakeup_eventfd < 0)
			return -EINVAL;
		trigger = eventfd_ctx_fdget(entry.wakeup_eventfd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
		ret = vfio_pci_pm_entry(vdev, trigger);
		if (ret)
			eventfd_ctx_put(trigger);
		return ret;

	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
		if (ret != 1)
			return ret;
		vfio_pci_pm_exit(vdev);
		return 0;
	}
	return -ENOTTY;
}

/**
 * vfio_pci_pm_close - leave low power when the device is closed
 * @vdev: the device
 *
 * Call from close_device (dev_set lock held, memory_lock not held) before
 * anything touches the device: it is back in D0 afterwards, holding the
 * open reference that close drops.
 */
void vfio_pci_pm_close(struct vfio_pci_core_device *vdev)
{
	struct eventfd_ctx *trigger = NULL;
	bool engaged;

	down_write(&vdev->memory_lock);
	engaged = vdev->pm_runtime_engaged;
	if (engaged) {
		trigger = vfio_pci_pm_disengage(vdev);
		/* Closing tears INTx down, the mask goes with it. */
		vdev->pm_intx_masked = false;
	}
	up_write(&vdev->memory_lock);

	if (!engaged)
		return;
	pm_runtime_resume(&vdev->pdev->dev);
	if (trigger)
		eventfd_ctx_put(trigger);
}

/**
 * vfio_pci_pm_access_wake - wake a device in low power for an access
 * @vdev: the device
 *
 * The slow path of vfio_pci_pm_access_begin(), which the read and write
 * ops call before taking memory_lock: as the uAPI promises, the device
 * leaves low power for the time of the access (and for good if a wake-up
 * eventfd was given, which is signalled). Accesses through mmap are
 * refused instead: the fault handler returns VM_FAULT_SIGBUS while
 * vdev->pm_runtime_engaged (checked under memory_lock).
 *
 * Return: 1 with a runtime PM reference for vfio_pci_pm_access_done(),
 * 0 if the device left low power meanwhile, or -EIO if it cannot be woken.
 */
int vfio_pci_pm_access_wake(struct vfio_pci_core_device *vdev)
{
	if (!READ_ONCE(vdev->pm_runtime_engaged))
		return 0;
	if (pm_runtime_resume_and_get(&vdev->pdev->dev))
		return -EIO;
	return 1;
}

/**
 * vfio_pci_pm_access_done - end of an access that woke the device
 * @vdev: the device
 *
 * Drops the reference vfio_pci_pm_access_wake() took, after the access
 * released memory_lock; the device may return to low power.
 */
void vfio_pci_pm_access_done(struct vfio_pci_core_device *vdev)
{
	/*
	 * Accesses come in bursts: a D3hot round trip (state save and
	 * restore, 10 ms D3hot->D0 delay) for each would be ruinous. The
	 * device returns to D3hot once idle for the autosuspend delay.
	 */
	pm_runtime_mark_last_busy(&vdev->pdev->dev);
	pm_runtime_put_autosuspend(&vdev->pdev->dev);
}

/*
 * The PCI core has brought the device back to D0 and restored its config
 * space. With a wake-up eventfd, this is the single-shot wake-up: leave low
 * power for good and tell userspace.
 */
static int vfio_pci_pm_runtime_resume(struct device *dev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);
	struct eventfd_ctx *trigger;

	/* drvdata is set before registration, the first suspend comes later. */
	if (!vdev || !READ_ONCE(vdev->pm_runtime_engaged))
		return 0;

	trigger = vfio_pci_pm_leave(vdev, true);
	if (trigger) {
		vfio_pci_eventfd_signal(trigger);
		eventfd_ctx_put(trigger);
	}
	return 0;
}

/*
 * The last runtime PM reference is gone. After LOW_POWER_ENTRY that is
 * the put at the end of the entry ioctl: suspend right away, as the user
 * asked, instead of after the autosuspend delay since the device was last
 * woken (a LOW_POWER_EXIT just before, typically), which keeps the delay
 * for closed devices and for accesses in low power. pm_suspend_now is a
 * hint: a racing LOW_POWER_EXIT holds a reference again, and the suspend
 * then does nothing; a racing entry that loses its flag gets the delay.
 */
static int vfio_pci_pm_runtime_idle(struct device *dev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(dev);

	if (!vdev || !READ_ONCE(vdev->pm_suspend_now))
		return 0;
	WRITE_ONCE(vdev->pm_suspend_now, false);
	pm_runtime_suspend(dev);
	/* Done (or refused): no autosuspend on top of it. */
	return -EBUSY;
}

/*
 * vfio_pci_core_pm_ops - power management of devices driven by the library
 * (a plain comment: kernel-doc cannot describe variables).
 *
 * Drivers built on the library set their pci_driver.driver.pm to this (and
 * the core sets the PCI device's drvdata to the vfio_pci_core_device):
 * without PM ops the PCI core never runtime-suspends a device, so neither
 * idle D3hot nor VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY would have an effect,
 * and VFIO's ioctl path only wakes devices whose driver has them.
 */
const struct dev_pm_ops vfio_pci_core_pm_ops = {
	SET_RUNTIME_PM_OPS(NULL, vfio_pci_pm_runtime_resume,
			   vfio_pci_pm_runtime_idle)
};
EXPORT_SYMBOL_GPL(vfio_pci_core_pm_ops);
