// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test-only VFIO variant driver for QEMU's edu device (1234:11e8).
 *
 * It is the smallest driver built on vfio-pci-core: an override-only ID
 * table, the library's device ops, nothing device specific. vfio-bind's
 * VM tests use it to check that the most specific vfio_pci: alias wins and
 * that a driver which matches but refuses the device at probe makes the
 * tool fall back to the next candidate: writing 1 to the refuse_probe
 * parameter makes probe fail.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

static bool refuse_probe;
module_param(refuse_probe, bool, 0644);
MODULE_PARM_DESC(refuse_probe, "Fail every probe with -ENODEV (default: false)");

static const struct vfio_device_ops vfio_test_driver_ops = {
	.name		= "vfio-test-driver",
	.init		= vfio_pci_core_init_dev,
	.release	= vfio_pci_core_release_dev,
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

static int vfio_test_driver_probe(struct pci_dev *pdev,
				  const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	if (READ_ONCE(refuse_probe)) {
		pci_info(pdev, "refusing the device, as asked by refuse_probe\n");
		return -ENODEV;
	}
	vdev = vfio_alloc_device(vfio_pci_core_device, vdev, &pdev->dev,
				 &vfio_test_driver_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	dev_set_drvdata(&pdev->dev, vdev);
	ret = vfio_pci_core_register_device(vdev);
	if (ret) {
		vfio_put_device(&vdev->vdev);
		return ret;
	}
	return 0;
}

static void vfio_test_driver_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);

	vfio_pci_core_unregister_device(vdev);
	vfio_put_device(&vdev->vdev);
}

static const struct pci_device_id vfio_test_driver_ids[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vfio_test_driver_ids);

static struct pci_driver vfio_test_driver = {
	.name			= "vfio-test-driver",
	.id_table		= vfio_test_driver_ids,
	.probe			= vfio_test_driver_probe,
	.remove			= vfio_test_driver_remove,
	.err_handler		= &vfio_pci_core_err_handlers,
	.driver.pm		= &vfio_pci_core_pm_ops,
	.driver_managed_dma	= true,
};
module_pci_driver(vfio_test_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only VFIO variant driver for QEMU's edu device");
