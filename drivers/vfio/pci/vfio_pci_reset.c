// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resets of VFIO PCI devices: the function reset userspace asks for
 * (VFIO_DEVICE_RESET, an FLR written through config space), and slot or bus
 * resets of a whole dev_set: VFIO_DEVICE_PCI_HOT_RESET with its proof of
 * ownership, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, and the reset the last
 * close of a dev_set does for devices without a function reset. Every reset
 * revokes the BAR mappings first and holds memory_lock across the reset.
 *
 * Lock order: the dev_set lock (the VFIO core's) -> pci_bus_sem (the PCI
 * core's walk of the affected devices) and -> each device's memory_lock,
 * taken in dev_set order; nothing here takes them the other way round.
 */

#include <linux/file.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

/*
 * A function whose config space reads all ones is gone: removed behind our
 * back, or a VF its PF lost. A reset of it would wait up to a minute for
 * an answer. (Not the vendor ID: a VF's always reads all ones.)
 */
bool vfio_pci_device_gone(struct pci_dev *pdev)
{
	u32 class;

	return pci_read_config_dword(pdev, PCI_CLASS_REVISION, &class) ||
	       class == ~0U;
}

int vfio_pci_core_reset_function(struct vfio_pci_core_device *vdev)
{
	int ret;

	if (!vdev->reset_works)
		return -EINVAL;

	down_write(&vdev->memory_lock);
	vfio_pci_zap_bars(vdev);
	/* Userspace may have put the device in D3hot through PMCSR. */
	ret = vfio_pci_set_power_state(vdev, PCI_D0);
	if (!ret)
		ret = pci_try_reset_function(vdev->pdev);
	if (!ret)
		vfio_pci_sriov_reset_done(vdev);
	up_write(&vdev->memory_lock);

	if (!ret)
		vfio_pci_config_reset_done(vdev);
	return ret;
}

/*
 * The devices a hot reset of @pdev affects: those on and below its slot if
 * the slot can be reset, else those on and below its bus, as
 * pci_reset_bus() chooses.
 */
struct vfio_pci_walk {
	struct pci_dev *pdev;
	bool slot;
	int (*fn)(struct pci_dev *pdev, void *data);
	void *data;
	int ret;
};

static int vfio_pci_walk_one(struct pci_dev *dev, void *arg)
{
	struct vfio_pci_walk *walk = arg;

	if (walk->slot) {
		struct pci_dev *top = dev;

		while (top->bus != walk->pdev->bus)
			top = top->bus->self;
		if (top->slot != walk->pdev->slot)
			return 0;
	}
	walk->ret = walk->fn(dev, walk->data);
	return walk->ret;
}

/* Calls walk->fn(dev, walk->data) for each affected device until one fails. */
static int vfio_pci_walk_affected(struct pci_dev *pdev,
				  struct vfio_pci_walk *walk)
{
	walk->pdev = pdev;
	walk->slot = !pci_probe_reset_slot(pdev->slot);
	walk->ret = 0;

	if (!walk->slot && pci_probe_reset_bus(pdev->bus))
		return -ENODEV;

	pci_walk_bus(pdev->bus, vfio_pci_walk_one, walk);
	return walk->ret;
}

static struct vfio_pci_core_device *
vfio_pci_find_in_set(struct vfio_device_set *dev_set, struct pci_dev *pdev)
{
	struct vfio_pci_core_device *cur;

	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list)
		if (cur->pdev == pdev)
			return cur;
	return NULL;
}

static int vfio_pci_check_in_set(struct pci_dev *pdev, void *data)
{
	return vfio_pci_find_in_set(data, pdev) ? 0 : -EBUSY;
}

/*
 * Reset the slot or bus of @pdev, which must contain exactly the devices of
 * @dev_set (else -EBUSY: a device bound to another driver would be reset
 * under its feet). Every device is woken, its mappings revoked and its
 * memory_lock held across the reset. Caller holds the dev_set lock.
 */
static int vfio_pci_dev_set_bus_reset(struct vfio_device_set *dev_set,
				      struct pci_dev *pdev)
{
	struct vfio_pci_core_device *cur;
	struct vfio_pci_walk walk;
	unsigned int woken = 0, i;
	int ret;

	lockdep_assert_held(&dev_set->lock);

	walk.fn = vfio_pci_check_in_set;
	walk.data = dev_set;
	ret = vfio_pci_walk_affected(pdev, &walk);
	if (ret)
		return ret;

	/* Runtime resume takes memory_lock: wake everyone before locking. */
	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		ret = pm_runtime_resume_and_get(&cur->pdev->dev);
		if (ret)
			goto out_put;
		woken++;
	}

	/* The dev_set lock serialises every multi-device locking. */
	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		down_write_nest_lock(&cur->memory_lock, &dev_set->lock);
		vfio_pci_zap_bars(cur);
		vfio_pci_set_power_state(cur, PCI_D0);
	}

	ret = pci_reset_bus(pdev);

	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		if (!ret)
			vfio_pci_sriov_reset_done(cur);
		up_write(&cur->memory_lock);
	}

out_put:
	i = 0;
	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		if (i++ == woken)
			break;
		pm_runtime_put(&cur->pdev->dev);
	}
	return ret;
}

/*
 * Close path: once no device of the dev_set is open any more, a device
 * whose own reset failed gets the slot or bus reset instead.
 */
void vfio_pci_dev_set_try_reset(struct vfio_pci_core_device *vdev)
{
	struct vfio_device_set *dev_set = vdev->vdev.dev_set;
	struct vfio_pci_core_device *cur;
	bool needed = false;

	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		/* The closing device still counts as open here. */
		if (cur != vdev && cur->vdev.open_count)
			return;
		needed |= cur->needs_reset;
	}
	if (!needed || vfio_pci_dev_set_bus_reset(dev_set, vdev->pdev))
		return;

	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		cur->needs_reset = false;
		cur->reset_clean = true;
	}
}

static int vfio_pci_count_dev(struct pci_dev *pdev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/*
 * Does the user of a device opened through its cdev, in iommufd context
 * @ictx, own @cur? It does if @cur is bound to @ictx, or is in an IOMMU
 * group with a device that is. Caller holds the dev_set lock.
 */
static bool vfio_pci_ictx_owns(struct vfio_pci_core_device *cur,
			       struct iommufd_ctx *ictx)
{
	int id = vfio_pci_iommufd_dev_id(&cur->vdev, ictx);

	return id > 0 || id == -ENOENT;
}

/*
 * @ictx: set when the calling device was opened through its cdev: each
 *	affected device is then reported by its ID in that iommufd context
 *	instead of its group (@dev_set, whose lock the caller holds, says
 *	which devices are VFIO devices), and @all_owned says whether the
 *	user owns them all.
 */
struct vfio_pci_fill_info {
	struct vfio_pci_dependent_device *devices;
	unsigned int max;
	unsigned int count;
	struct vfio_device_set *dev_set;
	struct iommufd_ctx *ictx;
	bool all_owned;
};

/* The devid a cdev user is told for @pdev. */
static u32 vfio_pci_fill_devid(struct vfio_pci_fill_info *fill,
			       struct pci_dev *pdev)
{
	struct vfio_pci_core_device *cur;
	int id;

	cur = vfio_pci_find_in_set(fill->dev_set, pdev);
	id = cur ? vfio_pci_iommufd_dev_id(&cur->vdev, fill->ictx) : -ENODEV;
	if (id > 0)
		return id;
	if (id == -ENOENT)
		return VFIO_PCI_DEVID_OWNED;
	fill->all_owned = false;
	return VFIO_PCI_DEVID_NOT_OWNED;
}

static int vfio_pci_fill_dev(struct pci_dev *pdev, void *data)
{
	struct vfio_pci_fill_info *fill = data;
	struct vfio_pci_dependent_device *dep;
	struct iommu_group *group;

	/* The topology changed since the devices were counted. */
	if (fill->count == fill->max)
		return -EAGAIN;

	dep = &fill->devices[fill->count];
	if (fill->ictx) {
		vfio_pci_set_devid(dep, vfio_pci_fill_devid(fill, pdev));
	} else {
		group = iommu_group_get(&pdev->dev);
		if (!group)
			return -EPERM;
		dep->group_id = iommu_group_id(group);
		iommu_group_put(group);
	}
	dep->segment = pci_domain_nr(pdev->bus);
	dep->bus = pdev->bus->number;
	dep->devfn = pdev->devfn;
	fill->count++;
	return 0;
}

long vfio_pci_ioctl_get_hot_reset_info(struct vfio_pci_core_device *vdev,
				       struct vfio_pci_hot_reset_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct vfio_device_set *dev_set = vdev->vdev.dev_set;
	struct vfio_pci_hot_reset_info hdr;
	struct vfio_pci_fill_info fill = { };
	struct vfio_pci_walk walk;
	unsigned int count = 0;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;

	walk.fn = vfio_pci_count_dev;
	walk.data = &count;
	ret = vfio_pci_walk_affected(vdev->pdev, &walk);
	if (ret)
		return ret;

	if (hdr.argsz < minsz + count * sizeof(*fill.devices)) {
		hdr.count = count;
		return copy_to_user(arg, &hdr, minsz) ? -EFAULT : -ENOSPC;
	}

	fill.devices = kcalloc(count, sizeof(*fill.devices), GFP_KERNEL);
	if (!fill.devices)
		return -ENOMEM;
	fill.max = count;
	if (vfio_pci_cdev_opened(&vdev->vdev)) {
		fill.dev_set = dev_set;
		fill.ictx = vfio_pci_iommufd_ictx(&vdev->vdev);
		fill.all_owned = true;
	}

	walk.fn = vfio_pci_fill_dev;
	walk.data = &fill;
	mutex_lock(&dev_set->lock);
	ret = vfio_pci_walk_affected(vdev->pdev, &walk);
	mutex_unlock(&dev_set->lock);
	if (ret)
		goto out;

	if (fill.ictx)
		hdr.flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			    (fill.all_owned ?
			     VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED : 0);
	hdr.count = fill.count;
	if (copy_to_user(arg, &hdr, minsz) ||
	    copy_to_user(arg->devices, fill.devices,
			 fill.count * sizeof(*fill.devices)))
		ret = -EFAULT;
out:
	kfree(fill.devices);
	return ret;
}

static bool vfio_pci_dev_in_files(struct vfio_pci_core_device *vdev,
				  struct file **files, unsigned int nfiles)
{
	unsigned int i;

	for (i = 0; i < nfiles; i++)
		if (vfio_file_has_dev(files[i], &vdev->vdev))
			return true;
	return false;
}

/*
 * The user proves it owns every device the reset affects: through a
 * group, by passing the fds of their groups (VFIO hands a group fd to one
 * opener only); through the cdev (@ictx set), by the devices being bound
 * to its iommufd context or in a group with one that is.
 */
static int vfio_pci_dev_set_hot_reset(struct vfio_pci_core_device *vdev,
				      struct file **files, unsigned int nfiles,
				      struct iommufd_ctx *ictx)
{
	struct vfio_device_set *dev_set = vdev->vdev.dev_set;
	struct vfio_pci_core_device *cur;
	int ret;

	mutex_lock(&dev_set->lock);
	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		if (ictx ? !vfio_pci_ictx_owns(cur, ictx) :
			   !vfio_pci_dev_in_files(cur, files, nfiles)) {
			ret = -EINVAL;
			goto out_unlock;
		}
	}

	ret = vfio_pci_dev_set_bus_reset(dev_set, vdev->pdev);
	if (ret)
		goto out_unlock;

	list_for_each_entry(cur, &dev_set->device_list, vdev.dev_set_list) {
		cur->needs_reset = false;
		if (cur->vdev.open_count)
			vfio_pci_config_reset_done(cur);
		else
			cur->reset_clean = true;
	}
out_unlock:
	mutex_unlock(&dev_set->lock);
	return ret;
}

long vfio_pci_ioctl_hot_reset(struct vfio_pci_core_device *vdev,
			      struct vfio_pci_hot_reset __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	struct vfio_pci_walk walk;
	unsigned int count = 0, i;
	struct file **files;
	s32 *fds;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;

	walk.fn = vfio_pci_count_dev;
	walk.data = &count;
	ret = vfio_pci_walk_affected(vdev->pdev, &walk);
	if (ret)
		return ret;

	/*
	 * A cdev user passes no fds: its iommufd context proves ownership.
	 * A group user passes group fds, each affected device being in one
	 * group: no need for more fds. As with the stock driver, count alone
	 * says how many fds follow.
	 */
	if (vfio_pci_cdev_opened(&vdev->vdev))
		return hdr.count ? -EINVAL :
		       vfio_pci_dev_set_hot_reset(vdev, NULL, 0,
						  vfio_pci_iommufd_ictx(&vdev->vdev));
	if (!hdr.count || hdr.count > count)
		return -EINVAL;

	fds = memdup_user(arg->group_fds, hdr.count * sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);
	files = kcalloc(hdr.count, sizeof(*files), GFP_KERNEL);
	if (!files) {
		ret = -ENOMEM;
		goto out_fds;
	}

	for (i = 0; i < hdr.count; i++) {
		files[i] = fget(fds[i]);
		if (!files[i]) {
			ret = -EBADF;
			goto out_put;
		}
		if (!vfio_file_is_group(files[i])) {
			i++;
			ret = -EINVAL;
			goto out_put;
		}
	}

	ret = vfio_pci_dev_set_hot_reset(vdev, files, hdr.count, NULL);

out_put:
	while (i--)
		fput(files[i]);
	kfree(files);
out_fds:
	kfree(fds);
	return ret;
}
