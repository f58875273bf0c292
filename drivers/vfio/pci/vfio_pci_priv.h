/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interfaces between the files of vfio-pci-core.ko. Not for variant drivers:
 * they use <linux/vfio_pci_core.h>.
 *
 * Ownership: vfio_pci_core.c owns the device life cycle, ioctl dispatch and
 * the region table; vfio_pci_mmap.c BAR mappings and their revocation;
 * vfio_pci_reset.c function, slot and bus resets; vfio_pci_pm.c power
 * states; vfio_pci_rdwr.c BAR/ROM/VGA access and ioeventfds;
 * vfio_pci_config.c the virtual config space; vfio_pci_intrs.c interrupts
 * and the ERR/REQ triggers, with INTx in vfio_pci_intx.c; vfio_pci_sriov.c
 * the PF/VF life cycle.
 * Documentation/driver-api/vfio-pci/map.rst has the whole map.
 */
#ifndef VFIO_PCI_PRIV_H
#define VFIO_PCI_PRIV_H

#include <linux/vfio_pci_core.h>

#include "vfio_pci_compat.h"

/* Library-wide parameters, set through vfio_pci_core_set_params() */
extern bool vfio_pci_nointxmask;
extern bool vfio_pci_disable_vga;
extern bool vfio_pci_disable_idle_d3;

static inline struct vfio_pci_core_device *
to_vfio_pci(struct vfio_device *core_vdev)
{
	return container_of(core_vdev, struct vfio_pci_core_device, vdev);
}

/* ---- vfio_pci_mmap.c ---- */

int vfio_pci_mmap_fs_init(void);
void vfio_pci_mmap_fs_exit(void);
int vfio_pci_mmap_init_dev(struct vfio_pci_core_device *vdev);
void vfio_pci_mmap_release_dev(struct vfio_pci_core_device *vdev);
/*
 * A BAR smaller than a page may be mapped once the rest of its page is
 * claimed (true), so that nothing else is placed there while bound.
 */
bool vfio_pci_claim_page_tail(struct vfio_pci_core_device *vdev, int bar);
void vfio_pci_release_page_tails(struct vfio_pci_core_device *vdev);
/* Revoke every userspace mapping of the BARs; caller holds memory_lock. */
void vfio_pci_zap_bars(struct vfio_pci_core_device *vdev);
/*
 * Take memory_lock for write and make sure the device decodes memory (MSI-X
 * table writes need it). Returns the command register to give back to
 * vfio_pci_memory_unlock_and_restore(), which turns memory decoding back
 * off if this call turned it on, and changes nothing else.
 */
u16 vfio_pci_memory_lock_and_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_memory_unlock_and_restore(struct vfio_pci_core_device *vdev,
					u16 cmd);

/* ---- vfio_pci_reset.c ---- */

/*
 * Function reset requested by userspace (VFIO_DEVICE_RESET or an FLR
 * written through the PCIe/AF capability): quiesces and resets the device,
 * whose config space the PCI core saves and restores around the reset, so
 * the user's view of it stays. Takes memory_lock; the caller holds no
 * config-space lock.
 */
int vfio_pci_core_reset_function(struct vfio_pci_core_device *vdev);
/* Config space reads all ones: the function is gone, do not reset it. */
bool vfio_pci_device_gone(struct pci_dev *pdev);
/* Close path, dev_set lock held: the bus reset devices still need. */
void vfio_pci_dev_set_try_reset(struct vfio_pci_core_device *vdev);
long vfio_pci_ioctl_get_hot_reset_info(struct vfio_pci_core_device *vdev,
				       struct vfio_pci_hot_reset_info __user *arg);
long vfio_pci_ioctl_hot_reset(struct vfio_pci_core_device *vdev,
			      struct vfio_pci_hot_reset __user *arg);

/* ---- vfio_pci_config.c ---- */

/* Probe time: build the capability map and permission state. */
int vfio_pci_config_init(struct vfio_pci_core_device *vdev);
void vfio_pci_config_exit(struct vfio_pci_core_device *vdev);
/*
 * Open time: the virtual config a new user starts with. Takes memory_lock
 * for write: the caller holds no memory_lock.
 */
int vfio_pci_config_reset(struct vfio_pci_core_device *vdev);
/* After a reset of an open device: the user's view stays. */
void vfio_pci_config_reset_done(struct vfio_pci_core_device *vdev);
/* Access to the config region; *ppos is an offset inside the region. */
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			   size_t count, loff_t *ppos, bool iswrite);
/* Does the virtual device currently decode memory (command bit and D0)? */
bool vfio_pci_config_memory_enabled(struct vfio_pci_core_device *vdev);
/*
 * Bring a device the user put in D1-D3hot through config space back to
 * D0, in hardware and in the virtual PM control register; memory_lock
 * held for write.
 */
void vfio_pci_config_power_d0(struct vfio_pci_core_device *vdev);
/* Size in bytes of the config region (256 or 4096). */
size_t vfio_pci_config_size(struct vfio_pci_core_device *vdev);
/* Reflect the MSI vectors the host enabled in the virtual MSI capability. */
void vfio_pci_config_msi_enabled(struct vfio_pci_core_device *vdev, int nvec);

/* ---- vfio_pci_intrs.c ---- */

int vfio_pci_irqs_init(struct vfio_pci_core_device *vdev);
void vfio_pci_irqs_exit(struct vfio_pci_core_device *vdev);
/*
 * Tear down every interrupt and the ERR/REQ triggers. Called on close only:
 * interrupts survive VFIO_DEVICE_RESET and hot resets, as with stock.
 */
void vfio_pci_irqs_release(struct vfio_pci_core_device *vdev);
long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev,
				 void __user *arg);
long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev,
			     void __user *arg);
/* The virtual config was rebuilt: reflect active MSI in it again. */
/* Userspace wrote the INTx-disable bit of the virtual command register. */
void vfio_pci_intx_user_disable(struct vfio_pci_core_device *vdev,
				bool disable);
/* Mask/unmask INTx on behalf of the library (low-power entry/exit). */
bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev);
void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev);
/* Signal the ERR / REQ eventfd; false when userspace set none. */
bool vfio_pci_irqs_signal_err(struct vfio_pci_core_device *vdev);
bool vfio_pci_irqs_signal_req(struct vfio_pci_core_device *vdev);

/* ---- vfio_pci_rdwr.c ---- */

/*
 * *ppos is the full device fd offset (region index in the top bits) and is
 * advanced by the bytes transferred.
 */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);
ssize_t vfio_pci_rom_read(struct vfio_pci_core_device *vdev, char __user *buf,
			  size_t count, loff_t *ppos);
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite);
/* Map a BAR into the kernel on first use; returns 0 or a negative errno. */
int vfio_pci_setup_barmap(struct vfio_pci_core_device *vdev, int bar);
/*
 * Close: unmap and release what vfio_pci_setup_barmap() set up. Called by
 * the core after vfio_pci_ioeventfds_release().
 */
void vfio_pci_release_barmaps(struct vfio_pci_core_device *vdev);
int vfio_pci_ioeventfds_init(struct vfio_pci_core_device *vdev);
void vfio_pci_ioeventfds_exit(struct vfio_pci_core_device *vdev);
long vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vdev,
			      void __user *arg);
/*
 * Remove every ioeventfd, on close only: they survive VFIO_DEVICE_RESET and
 * hot resets. The caller must not hold memory_lock.
 */
void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vdev);

/* ---- vfio_pci_sriov.c ---- */

/*
 * vfio_pci_core_register_device(), before vfio_register_group_dev(): a PF
 * gets its VF token, a VF finds the PF that created it. On failure, nothing
 * to undo.
 */
int vfio_pci_sriov_register(struct vfio_pci_core_device *vdev);
/*
 * vfio_pci_core_unregister_device(), after vfio_unregister_group_dev():
 * removes the VFs a PF created (waiting for their users) and frees the
 * token. Also on the error path of registration after the above succeeded.
 */
void vfio_pci_sriov_unregister(struct vfio_pci_core_device *vdev);
/* The whole body of vfio_pci_core_match() (vf_token= option included). */
int vfio_pci_sriov_match(struct vfio_pci_core_device *vdev, char *buf);
/*
 * open_device, first open (dev_set lock held), before the device is
 * enabled; a failure fails the open. Undo with vfio_pci_sriov_close() if
 * the open fails afterwards, and at close_device.
 */
int vfio_pci_sriov_open(struct vfio_pci_core_device *vdev);
void vfio_pci_sriov_close(struct vfio_pci_core_device *vdev);
/*
 * After every reset the library makes of a device (function or bus reset,
 * open, close, VFIO_DEVICE_RESET), once the PCI core restored its state:
 * a PF gets back the VFs the reset removed. The caller holds memory_lock
 * for write, or the device is not open (open and close, under the dev_set
 * lock): nothing else touches its config space meanwhile.
 */
void vfio_pci_sriov_reset_done(struct vfio_pci_core_device *vdev);
/* VFIO_DEVICE_FEATURE dispatcher, VFIO_DEVICE_FEATURE_PCI_VF_TOKEN. */
int vfio_pci_feature_vf_token(struct vfio_pci_core_device *vdev, u32 flags,
			      void __user *arg, size_t argsz);

/* ---- vfio_pci_pm.c ---- */

/*
 * Move the device between D0 and D3hot through the PCI core, restoring
 * state on D3hot->D0 when the device loses it. Caller holds memory_lock for
 * write.
 */
int vfio_pci_set_power_state(struct vfio_pci_core_device *vdev,
			     pci_power_t state);
/*
 * VFIO_DEVICE_FEATURE dispatcher, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
 * _LOW_POWER_ENTRY_WITH_WAKEUP and _LOW_POWER_EXIT.
 */
int vfio_pci_pm_feature(struct vfio_pci_core_device *vdev, u32 flags,
			void __user *arg, size_t argsz);
/*
 * close_device, first thing (dev_set lock held, memory_lock not held):
 * leaves low power, the device is in D0 afterwards.
 */
void vfio_pci_pm_close(struct vfio_pci_core_device *vdev);
/*
 * Around the read and write ops, outside memory_lock: cookie =
 * vfio_pci_pm_access_begin() (a negative cookie is the errno to return),
 * then vfio_pci_pm_access_end(vdev, cookie). The mmap fault handler
 * instead returns VM_FAULT_SIGBUS while vdev->pm_runtime_engaged (read
 * under memory_lock). Nothing may wake a device (pm_runtime_resume*,
 * pm_runtime_get_sync) while holding its memory_lock: the runtime resume
 * callback takes it.
 */
int vfio_pci_pm_access_wake(struct vfio_pci_core_device *vdev);
void vfio_pci_pm_access_done(struct vfio_pci_core_device *vdev);

/*
 * Every read and write goes through these: the common case, a device not
 * in low power, is one test inline. Returns 1 when the device was woken
 * (and must be released by vfio_pci_pm_access_end()), 0 when it was not
 * in low power, -EIO when it cannot be woken.
 */
static inline int vfio_pci_pm_access_begin(struct vfio_pci_core_device *vdev)
{
	if (likely(!READ_ONCE(vdev->pm_runtime_engaged)))
		return 0;
	return vfio_pci_pm_access_wake(vdev);
}

static inline void vfio_pci_pm_access_end(struct vfio_pci_core_device *vdev,
					  int cookie)
{
	if (cookie > 0)
		vfio_pci_pm_access_done(vdev);
}

#endif /* VFIO_PCI_PRIV_H */
