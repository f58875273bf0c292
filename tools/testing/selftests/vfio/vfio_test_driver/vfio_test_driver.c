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
 *
 * With the migration parameter it is also the reference for how a variant
 * driver plugs live migration into the library (vfio_pci_migration_test):
 * migration=1 gives edu a real, if tiny, STOP_COPY implementation whose
 * device state is edu's liveness register; migration=2 (migration ops
 * without VFIO_MIGRATION_STOP_COPY) and migration=3 (DMA logging ops
 * without their callbacks) are driver bugs the library must refuse at
 * registration. The value is read when a device is probed.
 *
 * With the cap_handler parameter it shows how a variant driver changes the
 * virtualization of a capability (vfio_pci_variant_config_test):
 * cap_handler=1 serves edu's MSI capability from an image the driver keeps,
 * cap_handler=2 hides it. Also read when a device is probed.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "vfio_pci_compat.h"

static bool refuse_probe;
module_param(refuse_probe, bool, 0644);
MODULE_PARM_DESC(refuse_probe, "Fail every probe with -ENODEV (default: false)");

enum {
	TEST_MIG_NONE,
	TEST_MIG_STOP_COPY,
	TEST_MIG_NO_FLAGS,
	TEST_MIG_BAD_LOG,
};

static int migration;
module_param(migration, int, 0644);
MODULE_PARM_DESC(migration,
		 "0: no migration, 1: STOP_COPY migration, 2: migration ops without STOP_COPY, 3: DMA logging ops without callbacks (default: 0)");

enum {
	TEST_CAP_LIBRARY,
	TEST_CAP_IMAGE,
	TEST_CAP_HIDE,
};

static int cap_handler;
module_param(cap_handler, int, 0644);
MODULE_PARM_DESC(cap_handler,
		 "0: the library virtualizes config space, 1: the driver serves the MSI capability from its own image, 2: the MSI capability is hidden (default: 0)");

/*
 * The MSI capability image of cap_handler=1: ID, no next capability, flags
 * 0 (one 32-bit vector, disabled), then the message address and data,
 * which userspace may write. Bytes past it read as 0.
 */
#define TEST_MSI_IMAGE_LEN	(PCI_MSI_DATA_32 + 2)

/* edu's liveness register reads back the bitwise NOT of what was written. */
#define EDU_LIVENESS		0x04
#define TEST_MIG_MAGIC		0x6d696765	/* "egim" in memory */

/* The migration data stream: fixed size, little endian. */
struct test_mig_blob {
	__le32 magic;
	__le32 liveness;
};

/**
 * struct test_mig_file - one data fd of a STOP_COPY or RESUMING transfer
 * @lock: protects @blob, @len and @disabled against concurrent read/write
 *	on the fd and the state machine ending the transfer
 * @blob: the device state being saved or restored
 * @len: bytes of @blob produced (save) or received (resume)
 * @pos: bytes of @blob already read (save)
 * @disabled: the transfer is over; the fd only returns -ENODEV now
 */
struct test_mig_file {
	struct mutex lock;		/* @blob, @len, @pos, @disabled */
	struct test_mig_blob blob;
	size_t len;
	size_t pos;
	bool disabled;
};

/**
 * struct test_device - the driver's device
 * @core: the library's device; first member (vfio_alloc_device)
 * @state_lock: serialises the migration state machine: @state, @save,
 *	@resume. Taken by migration_set_state, migration_get_state and
 *	close_device; never taken inside a test_mig_file lock.
 * @state: current migration state
 * @save: the STOP_COPY data file, while in STOP_COPY
 * @resume: the RESUMING data file, while in RESUMING
 * @reset_lock: protects @reset_pending. reset_done runs with the library's
 *	memory_lock held for writing, and @state_lock is held around BAR
 *	accesses (memory_lock for reading): reset_done may only take this.
 * @reset_pending: the device was reset since @state was last brought up
 *	to date; the next state machine call returns to RUNNING first
 * @msi_image: the MSI capability as userspace sees it with cap_handler=1.
 *	Only the capability handlers use it, and the library calls them
 *	with its config-space lock held, which serialises them.
 */
struct test_device {
	struct vfio_pci_core_device core;
	struct mutex state_lock;	/* @state, @save, @resume */
	enum vfio_device_mig_state state;
	struct file *save;
	struct file *resume;
	spinlock_t reset_lock;		/* @reset_pending */
	bool reset_pending;
	u8 msi_image[TEST_MSI_IMAGE_LEN];
};

static struct test_device *to_test(struct vfio_device *core_vdev)
{
	return container_of(core_vdev, struct test_device, core.vdev);
}

/*
 * BAR0 access for the device state. The user owns the command register and
 * the power state, so the access is made under the library's memory_lock
 * and only while the device decodes memory, as the library's own BAR
 * accesses are.
 */
static int test_liveness_rw(struct test_device *tdev, u32 *val, bool write)
{
	struct vfio_pci_core_device *vdev = &tdev->core;
	void __iomem *bar;
	int ret = 0;
	u16 cmd;

	bar = pci_iomap_range(vdev->pdev, 0, EDU_LIVENESS, sizeof(u32));
	if (!bar)
		return -ENOMEM;
	down_read(&vdev->memory_lock);
	pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY) || vdev->pm_runtime_engaged ||
	    vdev->pdev->current_state != PCI_D0)
		ret = -EIO;
	else if (write)
		iowrite32(*val, bar);
	else
		*val = ioread32(bar);
	up_read(&vdev->memory_lock);
	pci_iounmap(vdev->pdev, bar);
	return ret;
}

static int test_mig_release(struct inode *inode, struct file *filp)
{
	struct test_mig_file *migf = filp->private_data;

	mutex_destroy(&migf->lock);
	kfree(migf);
	return 0;
}

static ssize_t test_mig_read(struct file *filp, char __user *buf, size_t len,
			     loff_t *pos)
{
	struct test_mig_file *migf = filp->private_data;
	ssize_t ret;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	ret = min(len, migf->len - migf->pos);
	if (ret && copy_to_user(buf, (u8 *)&migf->blob + migf->pos, ret))
		ret = -EFAULT;
	else
		migf->pos += ret;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static ssize_t test_mig_write(struct file *filp, const char __user *buf,
			      size_t len, loff_t *pos)
{
	struct test_mig_file *migf = filp->private_data;
	ssize_t ret;

	mutex_lock(&migf->lock);
	if (migf->disabled) {
		ret = -ENODEV;
		goto out;
	}
	if (len > sizeof(migf->blob) - migf->len) {
		ret = -ENOSPC;
		goto out;
	}
	ret = len;
	if (copy_from_user((u8 *)&migf->blob + migf->len, buf, len))
		ret = -EFAULT;
	else
		migf->len += len;
out:
	mutex_unlock(&migf->lock);
	return ret;
}

static const struct file_operations test_save_fops = {
	.owner		= THIS_MODULE,
	.read		= test_mig_read,
	.release	= test_mig_release,
};

static const struct file_operations test_resume_fops = {
	.owner		= THIS_MODULE,
	.write		= test_mig_write,
	.release	= test_mig_release,
};

static struct file *test_mig_file_new(const struct file_operations *fops,
				      int flags)
{
	struct test_mig_file *migf;
	struct file *filp;

	migf = kzalloc(sizeof(*migf), GFP_KERNEL);
	if (!migf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&migf->lock);
	filp = anon_inode_getfile("vfio-test-mig", fops, migf, flags);
	if (IS_ERR(filp)) {
		mutex_destroy(&migf->lock);
		kfree(migf);
		return filp;
	}
	/* A data fd is a stream: no pread/pwrite, no seeking. */
	stream_open(filp->f_inode, filp);
	return filp;
}

/*
 * Ends a transfer: the user may keep the fd open, but it no longer reaches
 * the device. Drops the driver's reference; the user's keeps it alive.
 */
static void test_mig_file_end(struct file **filp)
{
	struct test_mig_file *migf;

	if (!*filp)
		return;
	migf = (*filp)->private_data;
	mutex_lock(&migf->lock);
	migf->disabled = true;
	mutex_unlock(&migf->lock);
	fput(*filp);
	*filp = NULL;
}

static struct file *test_mig_save(struct test_device *tdev)
{
	struct test_mig_file *migf;
	struct file *filp;
	u32 val;
	int ret;

	ret = test_liveness_rw(tdev, &val, false);
	if (ret)
		return ERR_PTR(ret);
	filp = test_mig_file_new(&test_save_fops, O_RDONLY);
	if (IS_ERR(filp))
		return filp;
	migf = filp->private_data;
	migf->blob.magic = cpu_to_le32(TEST_MIG_MAGIC);
	migf->blob.liveness = cpu_to_le32(val);
	migf->len = sizeof(migf->blob);
	return filp;
}

/* Applies a complete, valid blob; anything else fails the arc. */
static int test_mig_load(struct test_device *tdev)
{
	struct test_mig_file *migf = tdev->resume->private_data;
	u32 val;
	int ret;

	mutex_lock(&migf->lock);
	if (migf->len != sizeof(migf->blob) ||
	    le32_to_cpu(migf->blob.magic) != TEST_MIG_MAGIC) {
		ret = -EINVAL;
	} else {
		/* Writing the NOT makes the register read back as saved. */
		val = ~le32_to_cpu(migf->blob.liveness);
		ret = test_liveness_rw(tdev, &val, true);
	}
	mutex_unlock(&migf->lock);
	return ret;
}

/*
 * One arc of the 6.1 FSM, as vfio_mig_get_next_state() hands them out for
 * a STOP_COPY-only device. edu has nothing to quiesce, so RUNNING <-> STOP
 * only changes the state. Returns the data file of the arc, NULL or an
 * ERR_PTR.
 */
static struct file *test_mig_step(struct test_device *tdev,
				  enum vfio_device_mig_state next)
{
	enum vfio_device_mig_state cur = tdev->state;
	struct file *filp;
	int ret;

	if ((cur == VFIO_DEVICE_STATE_RUNNING &&
	     next == VFIO_DEVICE_STATE_STOP) ||
	    (cur == VFIO_DEVICE_STATE_STOP &&
	     next == VFIO_DEVICE_STATE_RUNNING))
		return NULL;

	if (cur == VFIO_DEVICE_STATE_STOP &&
	    next == VFIO_DEVICE_STATE_STOP_COPY) {
		filp = test_mig_save(tdev);
		if (IS_ERR(filp))
			return filp;
		tdev->save = get_file(filp);
		return filp;
	}
	if (cur == VFIO_DEVICE_STATE_STOP_COPY &&
	    next == VFIO_DEVICE_STATE_STOP) {
		test_mig_file_end(&tdev->save);
		return NULL;
	}
	if (cur == VFIO_DEVICE_STATE_STOP &&
	    next == VFIO_DEVICE_STATE_RESUMING) {
		filp = test_mig_file_new(&test_resume_fops, O_WRONLY);
		if (IS_ERR(filp))
			return filp;
		tdev->resume = get_file(filp);
		return filp;
	}
	if (cur == VFIO_DEVICE_STATE_RESUMING &&
	    next == VFIO_DEVICE_STATE_STOP) {
		ret = test_mig_load(tdev);
		if (ret)
			return ERR_PTR(ret);
		test_mig_file_end(&tdev->resume);
		return NULL;
	}
	/* vfio_mig_get_next_state() gives no other arc for these flags. */
	return ERR_PTR(-EINVAL);
}

/*
 * A reset lost the device state: end any transfer and be RUNNING, as after
 * an open. Called with @state_lock held.
 */
static void test_mig_reset(struct test_device *tdev, bool always)
{
	bool pending;

	spin_lock(&tdev->reset_lock);
	pending = tdev->reset_pending;
	tdev->reset_pending = false;
	spin_unlock(&tdev->reset_lock);
	if (!pending && !always)
		return;
	test_mig_file_end(&tdev->save);
	test_mig_file_end(&tdev->resume);
	tdev->state = VFIO_DEVICE_STATE_RUNNING;
}

static struct file *
test_migration_set_state(struct vfio_device *core_vdev,
			 enum vfio_device_mig_state new_state)
{
	struct test_device *tdev = to_test(core_vdev);
	enum vfio_device_mig_state next;
	struct file *filp = NULL;
	int ret;

	mutex_lock(&tdev->state_lock);
	test_mig_reset(tdev, false);
	while (tdev->state != new_state) {
		ret = vfio_mig_get_next_state(core_vdev, tdev->state,
					      new_state, &next);
		if (ret) {
			filp = ERR_PTR(ret);
			break;
		}
		filp = test_mig_step(tdev, next);
		if (IS_ERR(filp))
			break;
		/*
		 * Only arcs into STOP_COPY and RESUMING return a file, and
		 * for these flags neither is ever an intermediate state.
		 */
		tdev->state = next;
	}
	mutex_unlock(&tdev->state_lock);
	return filp;
}

static int test_migration_get_state(struct vfio_device *core_vdev,
				    enum vfio_device_mig_state *state)
{
	struct test_device *tdev = to_test(core_vdev);

	mutex_lock(&tdev->state_lock);
	test_mig_reset(tdev, false);
	*state = tdev->state;
	mutex_unlock(&tdev->state_lock);
	return 0;
}

/* The stream is one blob whatever the state. */
static int __maybe_unused
test_migration_get_data_size(struct vfio_device *core_vdev,
			     unsigned long *stop_copy_length)
{
	*stop_copy_length = sizeof(struct test_mig_blob);
	return 0;
}

static const struct vfio_migration_ops test_mig_ops = {
	.migration_set_state	= test_migration_set_state,
	.migration_get_state	= test_migration_get_state,
	VFIO_PCI_MIG_DATA_SIZE_OP(test_migration_get_data_size)
};

/* A driver bug for migration=3: registration must refuse it. */
static const struct vfio_log_ops test_bad_log_ops;

static int test_msi_read(struct vfio_pci_core_device *vdev, int pos,
			 int count, int cap_start, __le32 *val)
{
	struct test_device *tdev = container_of(vdev, struct test_device,
						core);
	u8 bytes[4] = {};
	int i, off = pos - cap_start;

	for (i = 0; i < count; i++)
		if (off + i < TEST_MSI_IMAGE_LEN)
			bytes[i] = tdev->msi_image[off + i];
	*val = cpu_to_le32(get_unaligned_le32(bytes));
	return count;
}

static int test_msi_write(struct vfio_pci_core_device *vdev, int pos,
			  int count, int cap_start, __le32 val)
{
	struct test_device *tdev = container_of(vdev, struct test_device,
						core);
	u32 v = le32_to_cpu(val);
	int i, off = pos - cap_start;

	/* ID, next pointer and flags are read-only; the rest is the user's. */
	for (i = 0; i < count; i++, v >>= 8)
		if (off + i >= PCI_MSI_ADDRESS_LO &&
		    off + i < TEST_MSI_IMAGE_LEN)
			tdev->msi_image[off + i] = v;
	return count;
}

static const struct vfio_pci_cap_handler test_msi_image_handlers[] = {
	{ .cap_id = PCI_CAP_ID_MSI, .read = test_msi_read,
	  .write = test_msi_write },
	{ }
};

static const struct vfio_pci_cap_handler test_msi_hide_handlers[] = {
	{ .cap_id = PCI_CAP_ID_MSI, .hide = true },
	{ }
};

static int test_init_dev(struct vfio_device *core_vdev)
{
	struct test_device *tdev = to_test(core_vdev);
	int ret;

	ret = vfio_pci_core_init_dev(core_vdev);
	if (ret)
		return ret;
	mutex_init(&tdev->state_lock);
	spin_lock_init(&tdev->reset_lock);
	tdev->state = VFIO_DEVICE_STATE_RUNNING;
	tdev->msi_image[PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	switch (READ_ONCE(cap_handler)) {
	case TEST_CAP_IMAGE:
		tdev->core.cap_handlers = test_msi_image_handlers;
		break;
	case TEST_CAP_HIDE:
		tdev->core.cap_handlers = test_msi_hide_handlers;
		break;
	}
	switch (READ_ONCE(migration)) {
	case TEST_MIG_STOP_COPY:
		core_vdev->mig_ops = &test_mig_ops;
		core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY;
		break;
	case TEST_MIG_NO_FLAGS:
		core_vdev->mig_ops = &test_mig_ops;
		break;
	case TEST_MIG_BAD_LOG:
		core_vdev->mig_ops = &test_mig_ops;
		core_vdev->migration_flags = VFIO_MIGRATION_STOP_COPY;
		core_vdev->log_ops = &test_bad_log_ops;
		break;
	}
	return 0;
}

static void test_release_dev(struct vfio_device *core_vdev)
{
	mutex_destroy(&to_test(core_vdev)->state_lock);
	vfio_pci_core_release_dev(core_vdev);
}

/*
 * The next user must find a running device with no transfer in flight:
 * end any data fd before the library resets and closes the device.
 */
static void test_close_device(struct vfio_device *core_vdev)
{
	struct test_device *tdev = to_test(core_vdev);

	mutex_lock(&tdev->state_lock);
	test_mig_reset(tdev, true);
	mutex_unlock(&tdev->state_lock);
	vfio_pci_core_close_device(core_vdev);
}

static const struct vfio_device_ops vfio_test_driver_ops = {
	.name		= "vfio-test-driver",
	.init		= test_init_dev,
	.release	= test_release_dev,
	VFIO_PCI_IOMMUFD_PHYSICAL_OPS
	.open_device	= vfio_pci_core_open_device,
	.close_device	= test_close_device,
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
	struct test_device *tdev;
	int ret;

	if (READ_ONCE(refuse_probe)) {
		pci_info(pdev, "refusing the device, as asked by refuse_probe\n");
		return -ENODEV;
	}
	tdev = vfio_alloc_device(test_device, core.vdev, &pdev->dev,
				 &vfio_test_driver_ops);
	if (IS_ERR(tdev))
		return PTR_ERR(tdev);
	dev_set_drvdata(&pdev->dev, &tdev->core);
	ret = vfio_pci_core_register_device(&tdev->core);
	if (ret) {
		vfio_put_device(&tdev->core.vdev);
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

/*
 * After VFIO_DEVICE_RESET or a hot reset (the PCI core calls this from
 * pci_dev_restore()). Also called for resets while no user has the device
 * open, or before it was ever registered: the flag is then harmless, as
 * close already left the state RUNNING.
 */
static void vfio_test_driver_reset_done(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);
	struct test_device *tdev;

	if (!vdev)
		return;
	tdev = container_of(vdev, struct test_device, core);
	spin_lock(&tdev->reset_lock);
	tdev->reset_pending = true;
	spin_unlock(&tdev->reset_lock);
}

static const struct pci_error_handlers vfio_test_driver_err_handlers = {
	.error_detected	= vfio_pci_core_aer_err_detected,
	.reset_done	= vfio_test_driver_reset_done,
};

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
	.err_handler		= &vfio_test_driver_err_handlers,
	.driver.pm		= &vfio_pci_core_pm_ops,
	.driver_managed_dma	= true,
};
module_pci_driver(vfio_test_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only VFIO variant driver for QEMU's edu device");
