// SPDX-License-Identifier: GPL-2.0-only
/*
 * SR-IOV support of the VFIO PCI core library: creating VFs of a PF owned
 * by VFIO, keeping them away from host drivers, and the VF token.
 *
 * The VF token is a UUID shared by the user of a PF and the users of its
 * VFs. A PF driver can see and influence everything its VFs do, so a VF
 * must not be handed to someone who does not trust the PF's user, and a PF
 * whose VFs are in use must not be handed to someone the VFs' users do not
 * trust: both sides prove they agree by presenting the same token.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

/**
 * struct vfio_pci_vf_token - the token of one SR-IOV PF
 * @lock: protects the other fields. A leaf lock: it is taken under a VF's
 *	dev_set lock (open/close of the VF), under the PF's device_lock
 *	(sriov_configure) and under the VFIO group's device_lock (match), and
 *	nothing else is taken while it is held, so it nests inside
 *	memory_lock and the dev_set locks as well.
 * @uuid: the current token
 * @users: number of VFs of the PF that are open through VFIO
 * @disabling: SR-IOV is being disabled: no VF may be opened any more
 */
struct vfio_pci_vf_token {
	struct mutex lock;	/* see @lock above */
	uuid_t uuid;
	unsigned int users;
	bool disabling;
};

/*
 * PFs whose VFs were created through vfio_pci_core_sriov_configure(). A VF
 * looks its PF up here when it is registered: a PF that is merely bound to
 * a VFIO driver but did not create the VF (VFs left enabled by a previous
 * driver) does not own it. vfio_pci_sriov_pfs_lock protects the list and
 * every vdev->sriov_pfs_item; it is taken under device_lock of the PF or the
 * VF and is never held across pci_enable_sriov()/pci_disable_sriov(),
 * which probe and remove the VFs, whose registration takes it.
 */
static LIST_HEAD(vfio_pci_sriov_pfs);
static DEFINE_MUTEX(vfio_pci_sriov_pfs_lock);

static int vfio_pci_sriov_bus_notify(struct notifier_block *nb,
				     unsigned long action, void *data)
{
	struct vfio_pci_core_device *pf =
		container_of(nb, struct vfio_pci_core_device, nb);
	struct pci_dev *pdev = to_pci_dev(data);
	const char *name;

	if (!pdev->is_virtfn || pci_physfn(pdev) != pf->pdev)
		return NOTIFY_DONE;

	/* The PF stays bound while its notifier is registered. */
	name = pf->pdev->driver->name;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		/*
		 * Sent before the VF is offered to drivers: presetting the
		 * override now means no host driver ever gets to touch a VF
		 * whose PF belongs to a VFIO user.
		 */
		if (vfio_pci_set_driver_override(pdev, name))
			pci_warn(pdev, "cannot reserve VF for %s\n", name);
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
		if (pdev->driver != pf->pdev->driver)
			pci_warn(pdev, "VF bound to %s while its PF is bound to %s\n",
				 pdev->driver->name, name);
		break;
	}
	return NOTIFY_OK;
}

/**
 * vfio_pci_sriov_register - set up the SR-IOV state of a device
 * @vdev: the device being registered
 *
 * A PF gets a VF token with a random UUID, so that its VFs cannot be opened
 * before its user chose the token; a VF created by a PF owned by this
 * library records that PF in @vdev->sriov_pf (the PF cannot go away before
 * its VFs: it removes them first, see vfio_pci_sriov_unregister()).
 *
 * Return: 0 or -ENOMEM.
 */
int vfio_pci_sriov_register(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_core_device *cur;

	INIT_LIST_HEAD(&vdev->sriov_pfs_item);

	if (pdev->is_virtfn) {
		mutex_lock(&vfio_pci_sriov_pfs_lock);
		list_for_each_entry(cur, &vfio_pci_sriov_pfs, sriov_pfs_item) {
			if (cur->pdev == pci_physfn(pdev)) {
				vdev->sriov_pf = cur;
				break;
			}
		}
		mutex_unlock(&vfio_pci_sriov_pfs_lock);
		return 0;
	}

	if (!pdev->is_physfn)
		return 0;

	vdev->vf_token = kzalloc(sizeof(*vdev->vf_token), GFP_KERNEL);
	if (!vdev->vf_token)
		return -ENOMEM;
	mutex_init(&vdev->vf_token->lock);
	uuid_gen(&vdev->vf_token->uuid);
	vdev->nb.notifier_call = vfio_pci_sriov_bus_notify;
	return 0;
}

static int vfio_pci_sriov_enable(struct vfio_pci_core_device *vdev,
				 int nr_virtfn)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	mutex_lock(&vfio_pci_sriov_pfs_lock);
	if (!list_empty(&vdev->sriov_pfs_item)) {
		mutex_unlock(&vfio_pci_sriov_pfs_lock);
		return -EBUSY;
	}
	list_add_tail(&vdev->sriov_pfs_item, &vfio_pci_sriov_pfs);
	mutex_unlock(&vfio_pci_sriov_pfs_lock);

	ret = bus_register_notifier(&pci_bus_type, &vdev->nb);
	if (ret)
		goto out_del;

	/*
	 * VFs only work while their PF is in D0: hold a runtime PM reference
	 * for as long as they exist so that idle D3hot and low-power entry
	 * leave the PF alone.
	 */
	ret = pm_runtime_resume_and_get(&pdev->dev);
	if (ret)
		goto out_notifier;

	/* Userspace may have put its PF in D3hot through PMCSR. */
	down_read(&vdev->memory_lock);
	if (pdev->current_state != PCI_D0) {
		up_read(&vdev->memory_lock);
		pci_info_ratelimited(pdev, "cannot enable SR-IOV: PF not in D0\n");
		ret = -EBUSY;
		goto out_pm;
	}
	up_read(&vdev->memory_lock);

	ret = pci_enable_sriov(pdev, nr_virtfn);
	if (ret)
		goto out_pm;
	return nr_virtfn;

out_pm:
	pm_runtime_put(&pdev->dev);
out_notifier:
	bus_unregister_notifier(&pci_bus_type, &vdev->nb);
out_del:
	mutex_lock(&vfio_pci_sriov_pfs_lock);
	list_del_init(&vdev->sriov_pfs_item);
	mutex_unlock(&vfio_pci_sriov_pfs_lock);
	return ret;
}

/*
 * Remove the VFs. The admin's (or the unbinding PF's) decision wins over
 * the VFs' users: from here no VF can be opened, and the removal of an open
 * VF asks its user to let go through the REQ eventfd (the VF's request
 * op, which the VFIO core repeats every ten seconds; the first request is
 * logged) and waits until the user closes the VF. A signal does not end
 * the wait: the VFIO core then logs which task is blocked, and goes on.
 */
static void vfio_pci_sriov_disable(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vf_token *token = vdev->vf_token;
	struct pci_dev *pdev = vdev->pdev;
	bool ours;

	mutex_lock(&token->lock);
	token->disabling = true;
	if (token->users)
		pci_info(pdev, "removing VFs: waiting for the users of %u open VF(s)\n",
			 token->users);
	mutex_unlock(&token->lock);

	pci_disable_sriov(pdev);

	mutex_lock(&token->lock);
	token->disabling = false;
	mutex_unlock(&token->lock);

	mutex_lock(&vfio_pci_sriov_pfs_lock);
	ours = !list_empty(&vdev->sriov_pfs_item);
	list_del_init(&vdev->sriov_pfs_item);
	mutex_unlock(&vfio_pci_sriov_pfs_lock);

	if (ours) {
		bus_unregister_notifier(&pci_bus_type, &vdev->nb);
		pm_runtime_put(&pdev->dev);
	}
}

/**
 * vfio_pci_sriov_unregister - undo vfio_pci_sriov_register()
 * @vdev: the device being unregistered
 *
 * Removes the VFs a PF created (waiting for their users to close them) and
 * frees the VF token.
 */
void vfio_pci_sriov_unregister(struct vfio_pci_core_device *vdev)
{
	if (!vdev->vf_token)
		return;

	if (pci_num_vf(vdev->pdev) || !list_empty(&vdev->sriov_pfs_item))
		vfio_pci_sriov_disable(vdev);

	mutex_destroy(&vdev->vf_token->lock);
	kfree(vdev->vf_token);
	vdev->vf_token = NULL;
}

/**
 * vfio_pci_sriov_reset_done - bring back the VFs a reset of their PF removed
 * @vdev: the device, just reset and restored
 *
 * A function or bus reset of a PF clears VF Enable and NumVFs: its VFs are
 * gone until the PCI core's restore enables them again, which it does only
 * when it finds VF Enable clear. Some devices (QEMU's nvme) clear NumVFs
 * but leave VF Enable set, and the VFs stay gone while the kernel still
 * has them: their config space reads all ones, and every later reset of
 * one waits for an answer that never comes. Whatever the device did, this
 * puts back the SR-IOV setup the admin made; the VFs come back as after
 * any PF reset, reset themselves.
 */
void vfio_pci_sriov_reset_done(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 ctrl, num;
	int pos;

	if (!pdev->is_physfn || !pci_num_vf(pdev))
		return;
	pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_SRIOV);
	if (!pos || pci_read_config_word(pdev, pos + PCI_SRIOV_CTRL, &ctrl) ||
	    pci_read_config_word(pdev, pos + PCI_SRIOV_NUM_VF, &num))
		return;
	if ((ctrl & PCI_SRIOV_CTRL_VFE) && num == pci_num_vf(pdev))
		return;

	pci_info(pdev, "the reset took the VFs away: enabling %d VF(s) again\n",
		 pci_num_vf(pdev));
	pci_write_config_word(pdev, pos + PCI_SRIOV_CTRL,
			      ctrl & ~PCI_SRIOV_CTRL_VFE);
	/* The restore enables VFs again once it finds VF Enable clear. */
	pci_save_state(pdev);
	pci_restore_state(pdev);
}

/**
 * vfio_pci_core_sriov_configure - create or remove the VFs of a PF
 * @vdev: the PF, bound to a driver built on this library
 * @nr_virtfn: number of VFs to create, or 0 to remove them
 *
 * The body of pci_driver.sriov_configure for drivers that let their users
 * create VFs. The VFs are reserved for the PF's driver (their
 * driver_override is set before any driver can bind them) and can only be
 * opened with the PF's VF token. Removing VFs that are open asks their
 * users to let go and waits until they have.
 *
 * Return: @nr_virtfn, 0 after removal, or a negative errno: -EBUSY if VFs
 * are already enabled or the PF is not in D0; -ENODEV if @vdev is not a PF.
 */
int vfio_pci_core_sriov_configure(struct vfio_pci_core_device *vdev,
				  int nr_virtfn)
{
	if (!vdev->vf_token)
		return -ENODEV;

	if (nr_virtfn)
		return vfio_pci_sriov_enable(vdev, nr_virtfn);

	if (pci_num_vf(vdev->pdev))
		vfio_pci_sriov_disable(vdev);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_sriov_configure);

/*
 * The token rules for opening @vdev, given the token the user presented
 * (@uuid, %NULL if none).
 */
static int vfio_pci_check_vf_token(struct vfio_pci_core_device *vdev,
				   const uuid_t *uuid)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_vf_token *token;
	int ret = 0;

	if (pdev->is_virtfn) {
		if (!vdev->sriov_pf) {
			if (!uuid)
				return 0;
			pci_info_ratelimited(pdev,
					     "VF token given but the PF is not owned by VFIO\n");
			return -EINVAL;
		}
		token = vdev->sriov_pf->vf_token;
		mutex_lock(&token->lock);
		if (!uuid) {
			pci_info_ratelimited(pdev, "VF token required to open this VF\n");
			ret = -EACCES;
		} else if (!uuid_equal(uuid, &token->uuid)) {
			pci_info_ratelimited(pdev, "wrong VF token for this VF\n");
			ret = -EACCES;
		}
		mutex_unlock(&token->lock);
		return ret;
	}

	token = vdev->vf_token;
	if (!token) {
		if (!uuid)
			return 0;
		pci_info_ratelimited(pdev,
				     "VF token given but the device is neither an SR-IOV PF nor a VF\n");
		return -EINVAL;
	}

	mutex_lock(&token->lock);
	if (token->users) {
		if (!uuid) {
			pci_info_ratelimited(pdev,
					     "VF token required to open this PF: %u VF(s) in use\n",
					     token->users);
			ret = -EACCES;
		} else if (!uuid_equal(uuid, &token->uuid)) {
			pci_info_ratelimited(pdev, "wrong VF token for this PF\n");
			ret = -EACCES;
		}
	} else if (uuid) {
		/* No VF user to protect yet: the PF's user sets the token. */
		uuid_copy(&token->uuid, uuid);
	}
	mutex_unlock(&token->lock);
	return ret;
}

/**
 * vfio_pci_sriov_match - the match op, including the VF token argument
 * @vdev: the device
 * @buf: the string given to VFIO_GROUP_GET_DEVICE_FD: the device name,
 *	optionally followed by space-separated options, of which only
 *	"vf_token=<uuid>" is known
 *
 * The whole body of vfio_device_ops.match (vfio_pci_core_match()).
 *
 * Return: 1 if @buf names @vdev and the token rules allow opening it, 0 if
 * it names another device, -EINVAL for a malformed or unknown option or a
 * token the device does not take, -EACCES for a missing or wrong token.
 */
int vfio_pci_sriov_match(struct vfio_pci_core_device *vdev, char *buf)
{
	const char *name = pci_name(vdev->pdev);
	size_t len = strlen(name);
	bool have_token = false;
	uuid_t uuid;
	char *opt;
	int ret;

	if (strncmp(buf, name, len) || (buf[len] && buf[len] != ' '))
		return 0;

	buf += len;
	while ((opt = strsep(&buf, " "))) {
		if (!*opt)
			continue;
		if (strncmp(opt, "vf_token=", 9) || have_token) {
			pci_info_ratelimited(vdev->pdev,
					     "unknown or repeated option \"%s\" in device name\n",
					     opt);
			return -EINVAL;
		}
		/* uuid_parse() would ignore anything after the UUID. */
		ret = strlen(opt + 9) == UUID_STRING_LEN ?
		      uuid_parse(opt + 9, &uuid) : -EINVAL;
		if (ret) {
			pci_info_ratelimited(vdev->pdev, "malformed VF token\n");
			return ret;
		}
		have_token = true;
	}

	ret = vfio_pci_check_vf_token(vdev, have_token ? &uuid : NULL);
	return ret ? ret : 1;
}

/**
 * vfio_pci_sriov_open - account an open VF against its PF's token
 * @vdev: the device being opened
 *
 * Call from open_device (first open, dev_set lock held) before the device
 * is enabled; undo with vfio_pci_sriov_close() if the open fails later.
 * From now on the PF can only be opened with the token, and SR-IOV cannot
 * be disabled.
 *
 * Return: 0, or -EBUSY if the VF is being removed.
 */
int vfio_pci_sriov_open(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vf_token *token;
	int ret = 0;

	if (!vdev->sriov_pf)
		return 0;

	token = vdev->sriov_pf->vf_token;
	mutex_lock(&token->lock);
	if (token->disabling)
		ret = -EBUSY;
	else
		token->users++;
	mutex_unlock(&token->lock);
	return ret;
}

/**
 * vfio_pci_sriov_close - undo vfio_pci_sriov_open()
 * @vdev: the device being closed
 *
 * Call from close_device (last close, dev_set lock held).
 */
void vfio_pci_sriov_close(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_vf_token *token;

	if (!vdev->sriov_pf)
		return;

	token = vdev->sriov_pf->vf_token;
	mutex_lock(&token->lock);
	token->users--;
	mutex_unlock(&token->lock);
}

/**
 * vfio_pci_feature_vf_token - VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
 * @vdev: the device
 * @flags: the feature flags from userspace
 * @arg: the feature data (a 16-byte UUID)
 * @argsz: size of the data
 *
 * SET only: reading the token back would disclose a previous user's
 * secret. The token can change while VFs are open, as with the stock
 * driver, although the uAPI header asks for no open VFs: the PF's user
 * owns the token, and a VF's user that already has the VF open keeps it;
 * only later opens (of VFs, and of the PF while a VF is open) need the new
 * token. Refusing would break PF drivers in userspace that rotate the
 * token with VFs in use, which stock accepts.
 *
 * Return: 0 (also for a successful PROBE), -ENOTTY if @vdev is not a PF,
 * -EINVAL for a bad request (GET, short data), or -EFAULT.
 */
int vfio_pci_feature_vf_token(struct vfio_pci_core_device *vdev, u32 flags,
			      void __user *arg, size_t argsz)
{
	struct vfio_pci_vf_token *token = vdev->vf_token;
	uuid_t uuid;
	int ret;

	if (!token)
		return -ENOTTY;

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
				 sizeof(uuid));
	if (ret != 1)
		return ret;

	if (copy_from_user(&uuid, arg, sizeof(uuid)))
		return -EFAULT;

	mutex_lock(&token->lock);
	uuid_copy(&token->uuid, &uuid);
	mutex_unlock(&token->lock);
	return 0;
}
