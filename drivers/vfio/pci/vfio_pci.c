// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci: the generic VFIO driver for PCI devices, a thin pci_driver on
 * the VFIO PCI core library.
 *
 * Its ID table matches every device but only through driver_override, so
 * the kernel never hands it a device on its own: an administrator binds a
 * device by writing "vfio-pci" to its driver_override (or by listing its
 * ID in ids= or new_id).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "vfio_pci_compat.h"

static char ids[1024] __initdata;
module_param_string(ids, ids, sizeof(ids), 0);
MODULE_PARM_DESC(ids, "Comma-separated IDs (hex vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]) that vfio-pci binds without a driver_override, as if written to new_id");

static bool nointxmask;
static bool disable_vga;
static bool disable_idle_d3;

/*
 * The library takes its parameters from here; changing one at run time
 * applies to the devices bound afterwards.
 */
static int vfio_pci_set_param(const char *val, const struct kernel_param *kp)
{
	int ret;

	ret = param_set_bool(val, kp);
	if (!ret)
		vfio_pci_core_set_params(nointxmask, disable_vga,
					 disable_idle_d3);
	return ret;
}

static const struct kernel_param_ops vfio_pci_param_ops = {
	.set = vfio_pci_set_param,
	.get = param_get_bool,
};

module_param_cb(nointxmask, &vfio_pci_param_ops, &nointxmask, 0644);
__MODULE_PARM_TYPE(nointxmask, "bool");
MODULE_PARM_DESC(nointxmask, "Mask INTx at the interrupt controller (exclusive lines only), never with the command register's INTx-disable bit; for devices whose INTx-disable bit does not work (then worth a PCI quirk)");

module_param(disable_vga, bool, 0444);
MODULE_PARM_DESC(disable_vga, "Offer no legacy VGA region (I/O and memory ranges) on VGA-class devices");

module_param_cb(disable_idle_d3, &vfio_pci_param_ops, &disable_idle_d3,
		0644);
__MODULE_PARM_TYPE(disable_idle_d3, "bool");
MODULE_PARM_DESC(disable_idle_d3, "Keep devices nobody has open in D0 instead of letting them drop to D3hot");

static bool enable_sriov;
module_param(enable_sriov, bool, 0644);
MODULE_PARM_DESC(enable_sriov, "Let sriov_numvfs create VFs of PFs bound here; VFs usually need the PF's userspace driver to set them up, and may not work without it");

static bool disable_denylist;
module_param(disable_denylist, bool, 0444);
MODULE_PARM_DESC(disable_denylist, "Bind devices on the built-in denylist too: their errata let an untrusted user crash or compromise the host");

/*
 * Devices whose errata make them unsafe in the hands of an untrusted user:
 * Intel QuickAssist functions that can hang the host when accessed through
 * VFIO.
 */
static const struct pci_device_id vfio_pci_denylist[] = {
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C3XXX_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_C62X_VF) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC) },
	{ PCI_VDEVICE(INTEL, PCI_DEVICE_ID_INTEL_QAT_DH895XCC_VF) },
	{ }
};

static bool vfio_pci_is_denylisted(struct pci_dev *pdev)
{
	if (!pci_match_id(vfio_pci_denylist, pdev))
		return false;

	if (disable_denylist) {
		pci_warn(pdev,
			 "device is on the vfio-pci denylist, binding anyway (disable_denylist=1)\n");
		return false;
	}

	pci_warn(pdev,
		 "device is on the vfio-pci denylist, refusing to bind (disable_denylist=1 overrides)\n");
	return true;
}

static const struct vfio_device_ops vfio_pci_ops = {
	.name		= "vfio-pci",
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
	VFIO_PCI_IOMMUFD_PHYSICAL_OPS
	.open_device	= vfio_pci_core_open_device,
	.close_device	= vfio_pci_core_close_device,
	.ioctl		= vfio_pci_core_ioctl,
	.device_feature	= vfio_pci_core_ioctl_feature,
	.read		= vfio_pci_core_read,
	.write		= vfio_pci_core_write,
	.mmap		= vfio_pci_core_mmap,
	.request	= vfio_pci_core_request,
	.match		= vfio_pci_core_match,
};

static int vfio_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	if (vfio_pci_is_denylisted(pdev))
		return -EINVAL;

	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL) {
		pci_info(pdev,
			 "vfio-pci cannot drive %s (header type %#x), refusing to bind\n",
			 pdev->subordinate ? "a bridge" : "this device",
			 pdev->hdr_type);
		return -EINVAL;
	}

	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &vfio_pci_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		dev_set_drvdata(&pdev->dev, NULL);
		vfio_put_device(&vdev->vdev);
	}
	return ret;
}

static void vfio_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static int vfio_pci_sriov_configure(struct pci_dev *pdev, int nr_virtfn)
{
	if (!enable_sriov)
		return -ENOENT;

	return vfio_pci_core_sriov_configure(dev_get_drvdata(&pdev->dev),
					     nr_virtfn);
}

/* Every device, but only when driver_override names vfio-pci. */
static const struct pci_device_id vfio_pci_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vfio_pci_table);

static struct pci_driver vfio_pci_driver = {
	.name			= "vfio-pci",
	.id_table		= vfio_pci_table,
	.probe			= vfio_pci_probe,
	.remove			= vfio_pci_remove,
	.sriov_configure	= vfio_pci_sriov_configure,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver.pm		= &vfio_pci_core_pm_ops,
	.driver_managed_dma	= true,
};

/* Add the IDs of ids= as dynamic IDs, which do match on their own. */
static void __init vfio_pci_fill_ids(void)
{
	char *p, *id;
	int ret;

	p = ids;
	while ((id = strsep(&p, ","))) {
		unsigned int vendor, device, subvendor = PCI_ANY_ID;
		unsigned int subdevice = PCI_ANY_ID, class = 0, class_mask = 0;
		int fields;

		if (!*id)
			continue;

		fields = sscanf(id, "%x:%x:%x:%x:%x:%x", &vendor, &device,
				&subvendor, &subdevice, &class, &class_mask);
		if (fields < 2) {
			pr_warn("invalid id string \"%s\"\n", id);
			continue;
		}

		ret = pci_add_dynid(&vfio_pci_driver, vendor, device, subvendor,
				    subdevice, class, class_mask, 0);
		if (ret)
			pr_warn("ids=: cannot match %04x:%04x sub %04x:%04x class %#08x/%08x: %d\n",
				vendor, device, subvendor, subdevice, class,
				class_mask, ret);
		else
			pr_info("ids=: matching %04x:%04x sub %04x:%04x class %#08x/%08x\n",
				vendor, device, subvendor, subdevice, class,
				class_mask);
	}
}

static int __init vfio_pci_init(void)
{
	int ret;

	vfio_pci_core_set_params(nointxmask, disable_vga, disable_idle_d3);

	ret = pci_register_driver(&vfio_pci_driver);
	if (ret)
		return ret;

	vfio_pci_fill_ids();

	if (disable_denylist)
		pr_warn("device denylist disabled.\n");
	return 0;
}
module_init(vfio_pci_init);

static void __exit vfio_pci_cleanup(void)
{
	pci_unregister_driver(&vfio_pci_driver);
}
module_exit(vfio_pci_cleanup);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Generic VFIO driver for PCI devices, on vfio-pci-core");
