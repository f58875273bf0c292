/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel interfaces the VFIO PCI modules use that differ between the
 * kernels they are built for: Debian 12's Linux 6.1, and the Linux 6.12 of
 * bookworm-backports and Debian 13. Every difference is settled here, by
 * what the headers the modules are built against declare (the probes of
 * compat.mk), not by a version number: Debian backports changes within a
 * stable series. The library's files call these helpers and test no
 * version themselves.
 */
#ifndef VFIO_PCI_COMPAT_H
#define VFIO_PCI_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/string.h>
#include <linux/vfio.h>

/* Moved from asm/ to linux/ in 6.12. */
#ifdef VFIO_PCI_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* Signal @ctx once: 6.8 dropped the count argument. */
static inline void vfio_pci_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VFIO_PCI_HAVE_EVENTFD_SIGNAL_ONCE
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* Add @flags to a vma being set up: 6.3 made vm_flags read-only. */
static inline void vfio_pci_vm_flags_set(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
#ifdef VFIO_PCI_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * A usage reference on @dev if it is runtime-active, whatever its usage
 * count (> 0 when taken): what 6.1 spells pm_runtime_get_if_active(dev,
 * true) and 6.9 pm_runtime_get_if_active(dev).
 */
static inline int vfio_pci_pm_runtime_get_if_active(struct device *dev)
{
#ifdef VFIO_PCI_HAVE_PM_RUNTIME_GET_IF_ACTIVE_DEV
	return pm_runtime_get_if_active(dev);
#else
	return pm_runtime_get_if_active(dev, true);
#endif
}

/*
 * The end of a VFIO device's release op. Where the VFIO core exports
 * vfio_free_device() (6.1) the op frees the device itself; later kernels
 * free it once the op has returned, and freeing it here would be a double
 * free.
 */
static inline void vfio_pci_release_free(struct vfio_device *vdev)
{
#ifdef VFIO_PCI_HAVE_VFIO_FREE_DEVICE
	vfio_free_device(vdev);
#endif
}

/*
 * Set the driver_override of @pdev to @name. 6.12.94 (Debian 6.12) moved
 * it from struct pci_dev into struct device, behind
 * device_set_driver_override(): a probe decides, not the version.
 */
static inline int vfio_pci_set_driver_override(struct pci_dev *pdev,
					       const char *name)
{
#ifdef VFIO_PCI_HAVE_DEVICE_SET_DRIVER_OVERRIDE
	return device_set_driver_override(&pdev->dev, name);
#else
	return driver_set_override(&pdev->dev, &pdev->driver_override, name,
				   strlen(name));
#endif
}

/*
 * Does @mig have every op the VFIO core may call? Where the core has the
 * VFIO_DEVICE_FEATURE_MIG_DATA_SIZE feature it calls
 * migration_get_data_size without checking that the driver has one.
 */
static inline bool vfio_pci_mig_ops_complete(const struct vfio_migration_ops *mig)
{
	if (!mig->migration_set_state || !mig->migration_get_state)
		return false;
#ifdef VFIO_PCI_HAVE_MIG_DATA_SIZE
	if (!mig->migration_get_data_size)
		return false;
#endif
	return true;
}

/*
 * In a driver's vfio_migration_ops: its migration_get_data_size, where the
 * VFIO core has the op.
 */
#ifdef VFIO_PCI_HAVE_MIG_DATA_SIZE
#define VFIO_PCI_MIG_DATA_SIZE_OP(fn)	.migration_get_data_size = (fn),
#else
#define VFIO_PCI_MIG_DATA_SIZE_OP(fn)
#endif

/*
 * In a driver's vfio_device_ops: the iommufd ops of a device that does its
 * own DMA through the IOMMU, where the VFIO core has them. Without
 * CONFIG_IOMMUFD the core's header makes them NULL, which it accepts.
 */
#ifdef VFIO_PCI_HAVE_IOMMUFD_OPS
#define VFIO_PCI_IOMMUFD_PHYSICAL_OPS					\
	.bind_iommufd	= vfio_iommufd_physical_bind,			\
	.unbind_iommufd	= vfio_iommufd_physical_unbind,			\
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,		\
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
#else
#define VFIO_PCI_IOMMUFD_PHYSICAL_OPS
#endif

/*
 * Can MSI-X vectors be added to @pdev while MSI-X is enabled (6.2, where
 * the interrupt domain allows it)?
 */
static inline bool vfio_pci_msix_can_alloc_dyn(struct pci_dev *pdev)
{
#ifdef VFIO_PCI_HAVE_DYN_MSIX
	return pci_msix_can_alloc_dyn(pdev);
#else
	return false;
#endif
}

/*
 * Allocate MSI-X vector @index of @pdev while MSI-X is enabled: its Linux
 * IRQ number or a negative errno. Only called where
 * vfio_pci_msix_can_alloc_dyn() said yes.
 */
static inline int vfio_pci_msix_alloc_irq_at(struct pci_dev *pdev,
					     unsigned int index)
{
#ifdef VFIO_PCI_HAVE_DYN_MSIX
	struct msi_map map = pci_msix_alloc_irq_at(pdev, index, NULL);

	return map.index < 0 ? map.index : map.virq;
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * A device opened through its cdev (/dev/vfio/devices/vfioN, 6.6) has no
 * group fd to prove ownership with: the VFIO core tells from the iommufd
 * context which devices its user owns. Where there is no cdev, no device
 * is opened that way and these are never asked.
 */
#ifdef VFIO_PCI_HAVE_DEVICE_CDEV
static inline bool vfio_pci_cdev_opened(struct vfio_device *vdev)
{
	return vfio_device_cdev_opened(vdev);
}

static inline struct iommufd_ctx *vfio_pci_iommufd_ictx(struct vfio_device *vdev)
{
	return vfio_iommufd_device_ictx(vdev);
}

/* @vdev's device ID in @ictx (> 0), -ENOENT if owned without one */
static inline int vfio_pci_iommufd_dev_id(struct vfio_device *vdev,
					  struct iommufd_ctx *ictx)
{
	return vfio_iommufd_get_dev_id(vdev, ictx);
}

static inline void vfio_pci_set_devid(struct vfio_pci_dependent_device *dep,
				      u32 devid)
{
	dep->devid = devid;
}
#else
struct iommufd_ctx;

static inline bool vfio_pci_cdev_opened(struct vfio_device *vdev)
{
	return false;
}

static inline struct iommufd_ctx *vfio_pci_iommufd_ictx(struct vfio_device *vdev)
{
	return NULL;
}

static inline int vfio_pci_iommufd_dev_id(struct vfio_device *vdev,
					  struct iommufd_ctx *ictx)
{
	return -ENODEV;
}

static inline void vfio_pci_set_devid(struct vfio_pci_dependent_device *dep,
				      u32 devid)
{
}

#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID		BIT(0)
#define VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED	BIT(1)
#define VFIO_PCI_DEVID_OWNED			0
#define VFIO_PCI_DEVID_NOT_OWNED		-1
#endif

/*
 * Huge pfnmaps (6.12, where the architecture has them): a BAR mapping
 * faulted in with PMD or PUD entries through the huge_fault op, which then
 * takes the order of the entry. Elsewhere mappings are made of PTEs only.
 */
#ifdef CONFIG_ARCH_SUPPORTS_HUGE_PFNMAP
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>

#define VFIO_PCI_HUGE_FAULT_OP(fn)	.huge_fault = (fn),

/* Map page frame @pfn at the fault's address with one entry of @order. */
static inline vm_fault_t vfio_pci_insert_pfn_order(struct vm_fault *vmf,
						   unsigned long pfn,
						   unsigned int order)
{
	bool write = vmf->flags & FAULT_FLAG_WRITE;

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	if (order == PMD_ORDER)
		return vmf_insert_pfn_pmd(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
					  write);
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (order == PUD_ORDER)
		return vmf_insert_pfn_pud(vmf, __pfn_to_pfn_t(pfn, PFN_DEV),
					  write);
#endif
	return VM_FAULT_FALLBACK;
}
#else
#define VFIO_PCI_HUGE_FAULT_OP(fn)

static inline vm_fault_t vfio_pci_insert_pfn_order(struct vm_fault *vmf,
						   unsigned long pfn,
						   unsigned int order)
{
	return VM_FAULT_FALLBACK;
}
#endif

struct vfio_info_cap;
struct vfio_pci_core_device;

/*
 * The PCIe AtomicOp completion capability of VFIO_DEVICE_GET_INFO, where
 * the uAPI has it (vfio_pci_atomic.c is built only there).
 */
#ifdef VFIO_PCI_HAVE_ATOMIC_COMP_CAP
void vfio_pci_atomic_probe(struct vfio_pci_core_device *vdev);
int vfio_pci_info_atomic_cap(struct vfio_pci_core_device *vdev,
			     struct vfio_info_cap *caps);
#else
static inline void vfio_pci_atomic_probe(struct vfio_pci_core_device *vdev)
{
}

static inline int vfio_pci_info_atomic_cap(struct vfio_pci_core_device *vdev,
					   struct vfio_info_cap *caps)
{
	return 0;
}
#endif

#endif /* VFIO_PCI_COMPAT_H */
