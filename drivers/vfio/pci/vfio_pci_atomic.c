// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP: which widths of PCIe AtomicOps the
 * device can complete on its way to the root complex, so that a VMM can
 * advertise them on the virtual root port the device sits behind. Built
 * only where the uAPI defines the capability.
 */

#include <linux/pci.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

/*
 * Would an AtomicOp of width @comp from @pdev complete at the root? The PCI
 * core answers that by enabling AtomicOp requests in the device; the
 * question must not change the device, so the enable bit is put back.
 */
static bool vfio_pci_atomic_completes(struct pci_dev *pdev, u32 comp)
{
	u16 ctl2;
	bool ok;

	if (pcie_capability_read_word(pdev, PCI_EXP_DEVCTL2, &ctl2))
		return false;
	ok = !pci_enable_atomic_ops_to_root(pdev, comp);
	if (ok && !(ctl2 & PCI_EXP_DEVCTL2_ATOMIC_REQ))
		pcie_capability_clear_word(pdev, PCI_EXP_DEVCTL2,
					   PCI_EXP_DEVCTL2_ATOMIC_REQ);
	return ok;
}

/**
 * vfio_pci_atomic_probe() - find the AtomicOp widths the device completes
 * @vdev: the device, being registered
 *
 * A width counts when the function (for a VF, its PF) advertises
 * completing it and every port up to the root routes it and the root port
 * completes it. Asked once, before a user has the device: the answer
 * depends on the topology only, and asking writes the device's config.
 */
void vfio_pci_atomic_probe(struct vfio_pci_core_device *vdev)
{
	static const struct {
		u32 devcap2;
		u32 flag;
	} widths[] = {
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP32, VFIO_PCI_ATOMIC_COMP32 },
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP64, VFIO_PCI_ATOMIC_COMP64 },
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP128, VFIO_PCI_ATOMIC_COMP128 },
	};
	struct pci_dev *pdev = pci_physfn(vdev->pdev);
	unsigned int i;
	u32 devcap2;

	vdev->atomic_comp = 0;
	if (!pci_is_pcie(pdev) ||
	    pcie_capability_read_dword(pdev, PCI_EXP_DEVCAP2, &devcap2))
		return;
	for (i = 0; i < ARRAY_SIZE(widths); i++)
		if ((devcap2 & widths[i].devcap2) &&
		    vfio_pci_atomic_completes(pdev, widths[i].devcap2))
			vdev->atomic_comp |= widths[i].flag;
}

/**
 * vfio_pci_info_atomic_cap() - add the AtomicOp completion capability
 * @vdev: the device
 * @caps: the VFIO_DEVICE_GET_INFO capability chain being built
 *
 * Adds the widths vfio_pci_atomic_probe() found; nothing when there are
 * none.
 *
 * Return: 0 or a negative errno from growing the chain.
 */
int vfio_pci_info_atomic_cap(struct vfio_pci_core_device *vdev,
			     struct vfio_info_cap *caps)
{
	struct vfio_device_info_cap_pci_atomic_comp cap = {
		.header.id = VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP,
		.header.version = 1,
		.flags = vdev->atomic_comp,
	};

	if (!cap.flags)
		return 0;
	return vfio_info_add_capability(caps, &cap.header, sizeof(cap));
}
