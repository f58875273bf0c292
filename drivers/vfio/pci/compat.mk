# SPDX-License-Identifier: GPL-2.0-only
#
# Kbuild probes for vfio_pci_compat.h: what the kernel headers the modules
# are built against declare ($(srctree): the kernel source in tree,
# Debian's linux-headers-*-common out of tree). Each adds a -D when the
# interface is there; in a pattern, '.' stands for a parenthesis, which
# make's $(call) cannot take. Included by every Makefile that builds a
# module on the library. A file built only where an interface exists is
# named in drivers/vfio/pci/Makefile with the y that vfio_pci_has gives.

vfio_pci_has = $(shell grep -qsE '$(strip $(2))' $(srctree)/$(1) && echo y)
vfio_pci_probe = $(if $(call vfio_pci_has,$(1),$(2)),-D$(strip $(3)))

# Evaluated once, when this file is read (:=), not at every compile.
vfio_pci_compat :=
# eventfd_signal() without a count (6.8)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/eventfd.h,\
	void eventfd_signal.struct eventfd_ctx \*ctx.$$,VFIO_PCI_HAVE_EVENTFD_SIGNAL_ONCE)
# vm_flags_set(), vm_flags read-only (6.3)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/mm.h,\
	void vm_flags_set,VFIO_PCI_HAVE_VM_FLAGS_SET)
# pm_runtime_get_if_active() without ign_usage_count (6.9)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/pm_runtime.h,\
	int pm_runtime_get_if_active.struct device \*dev.;,\
	VFIO_PCI_HAVE_PM_RUNTIME_GET_IF_ACTIVE_DEV)
# <asm/unaligned.h> moved to <linux/unaligned.h> (6.12)
vfio_pci_compat += $(if $(wildcard $(srctree)/include/linux/unaligned.h),\
	-DVFIO_PCI_HAVE_LINUX_UNALIGNED_H)
# struct device's driver_override (Debian 6.12.94 and later)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/device.h,\
	int device_set_driver_override,VFIO_PCI_HAVE_DEVICE_SET_DRIVER_OVERRIDE)
# the VFIO core calls migration_get_data_size (not in 6.1)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/vfio.h,\
	\*migration_get_data_size,VFIO_PCI_HAVE_MIG_DATA_SIZE)
# the release op frees the device (6.1); the VFIO core does it later on
vfio_pci_compat += $(call vfio_pci_probe,include/linux/vfio.h,\
	void vfio_free_device,VFIO_PCI_HAVE_VFIO_FREE_DEVICE)

# the iommufd ops of struct vfio_device_ops (6.2)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/vfio.h,\
	.\*bind_iommufd.,VFIO_PCI_HAVE_IOMMUFD_OPS)
# devices opened through their cdev, /dev/vfio/devices/vfioN (6.6)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/vfio.h,\
	bool vfio_device_cdev_opened,VFIO_PCI_HAVE_DEVICE_CDEV)
# dynamic MSI-X vector allocation (6.2)
vfio_pci_compat += $(call vfio_pci_probe,include/linux/pci.h,\
	bool pci_msix_can_alloc_dyn,VFIO_PCI_HAVE_DYN_MSIX)
# the PCIe AtomicOp completion capability of VFIO_DEVICE_GET_INFO (6.8)
vfio_pci_have_atomic_comp := $(call vfio_pci_has,include/uapi/linux/vfio.h,\
	define VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP)
vfio_pci_compat += $(if $(vfio_pci_have_atomic_comp),\
	-DVFIO_PCI_HAVE_ATOMIC_COMP_CAP)

ccflags-y += $(vfio_pci_compat)
