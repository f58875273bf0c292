// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO PCI interrupts: INTx, MSI and MSI-X delivered through eventfds, and
 * the ERR and REQ triggers, configured with VFIO_DEVICE_SET_IRQS.
 *
 * At most one of INTx, MSI and MSI-X is active at a time; userspace moves
 * between them by disabling the active one first. MSI/MSI-X vectors are
 * allocated on the host by the PCI core and each one requested with a
 * handler that signals the vector's eventfd, so the host programs the
 * device and userspace only ever sees eventfds. INTx itself lives in
 * vfio_pci_intx.c; the state both files share in vfio_pci_intrs.h.
 */

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irqbypass.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"
#include "vfio_pci_intrs.h"

/* SET_IRQS payloads up to this size are copied on the stack */
#define VFIO_PCI_IRQ_STACK_DATA	64

/* ---- MSI and MSI-X ---- */

static irqreturn_t vfio_msi_handler(int irq, void *data)
{
	struct vfio_pci_irq_vec *vec = data;

	vfio_pci_eventfd_signal(READ_ONCE(vec->trigger));
	return IRQ_HANDLED;
}

static void vfio_msi_bypass_register(struct vfio_pci_irq_state *irqs,
				     struct vfio_pci_irq_vec *vec)
{
	int ret;

	vec->producer.token = vec->trigger;
	vec->producer.irq = vec->irq;
	ret = irq_bypass_register_producer(&vec->producer);
	/* Not fatal: interrupts are still delivered through the eventfd */
	if (ret)
		pci_dbg(irqs->vdev->pdev,
			"irq bypass producer for IRQ %d not registered: %d\n",
			vec->irq, ret);
	vec->bypass_registered = !ret;
}

static void vfio_msi_bypass_unregister(struct vfio_pci_irq_vec *vec)
{
	if (vec->bypass_registered)
		irq_bypass_unregister_producer(&vec->producer);
	vec->bypass_registered = false;
}

/* Request the vector's host IRQ, delivering to @vec->trigger (set). */
static int vfio_msi_vec_start(struct vfio_pci_irq_state *irqs,
			      struct vfio_pci_irq_vec *vec, unsigned int i)
{
	int ret;

	snprintf(vec->name, sizeof(vec->name), "vfio-msi%s[%u](%s)",
		 irqs->type == VFIO_PCI_MSIX_IRQ_INDEX ? "x" : "", i,
		 pci_name(irqs->vdev->pdev));
	ret = request_irq(vec->irq, vfio_msi_handler, 0, vec->name, vec);
	if (ret)
		return ret;
	vfio_msi_bypass_register(irqs, vec);
	return 0;
}

/* Free the vector's host IRQ; its trigger is kept. */
static void vfio_msi_vec_stop(struct vfio_pci_irq_vec *vec)
{
	vfio_msi_bypass_unregister(vec);
	free_irq(vec->irq, vec);
}

/*
 * Allocate @nvec host vectors. A device without interrupt remapping may
 * get fewer MSI vectors than asked: that is a failure, since userspace
 * expects each vector it enables to be delivered.
 */
static int vfio_msi_alloc(struct vfio_pci_irq_state *irqs, bool msix,
			  unsigned int nvec)
{
	struct pci_dev *pdev = irqs->vdev->pdev;
	unsigned int i;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, nvec, nvec,
				    msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret < 0)
		return ret;
	for (i = 0; i < nvec; i++)
		irqs->vecs[i].irq = pci_irq_vector(pdev, i);
	irqs->nvec = nvec;
	return 0;
}

/* Free every host vector; triggers are kept unless @put. */
static void vfio_msi_free(struct vfio_pci_irq_state *irqs, bool put)
{
	unsigned int i;

	for (i = 0; i < irqs->nvec; i++) {
		struct vfio_pci_irq_vec *vec = &irqs->vecs[i];

		if (!vec->trigger)
			continue;
		vfio_msi_vec_stop(vec);
		if (put) {
			eventfd_ctx_put(vec->trigger);
			vec->trigger = NULL;
		}
	}
	pci_free_irq_vectors(irqs->vdev->pdev);
	irqs->nvec = 0;
}

static void vfio_msi_set_type(struct vfio_pci_irq_state *irqs, int type)
{
	spin_lock_irq(&irqs->intx_lock);
	irqs->type = type;
	/* Disabling MSI gave INTx back to the device: restore its bit */
	vfio_intx_sync_hw(irqs);
	spin_unlock_irq(&irqs->intx_lock);
}

static void vfio_msi_disable(struct vfio_pci_irq_state *irqs, bool msix)
{
	struct vfio_pci_core_device *vdev = irqs->vdev;
	u16 cmd = 0;

	lockdep_assert_held(&irqs->lock);

	if (msix)
		cmd = vfio_pci_memory_lock_and_enable(vdev);
	vfio_msi_free(irqs, true);
	if (msix)
		vfio_pci_memory_unlock_and_restore(vdev, cmd);
	else
		vfio_pci_config_msi_enabled(vdev, 0);
	vfio_msi_set_type(irqs, VFIO_PCI_IRQ_NONE);
}

/*
 * Add MSI-X vectors up to @nvec to the enabled set, leaving the vectors in
 * use untouched. On failure the vectors added so far stay allocated, with
 * no eventfd: the set is as usable as before.
 */
static int vfio_msix_add(struct vfio_pci_irq_state *irqs, unsigned int nvec)
{
	struct pci_dev *pdev = irqs->vdev->pdev;
	int irq;

	while (irqs->nvec < nvec) {
		irq = vfio_pci_msix_alloc_irq_at(pdev, irqs->nvec);
		if (irq < 0)
			return irq;
		irqs->vecs[irqs->nvec++].irq = irq;
	}
	return 0;
}

/*
 * Make @nvec vectors available. Where the interrupt domain allows it, new
 * MSI-X vectors are added to the enabled set. Otherwise (MSI, and MSI-X
 * where the PCI core cannot add vectors to an enabled function) the set
 * is reallocated at the new size: interrupts the device raises meanwhile
 * are lost, as when userspace disables and re-enables the index itself.
 */
static int vfio_msi_grow(struct vfio_pci_irq_state *irqs, bool msix,
			 unsigned int nvec)
{
	unsigned int i;
	int ret;

	if (msix && irqs->msix_dyn)
		return vfio_msix_add(irqs, nvec);

	vfio_msi_free(irqs, false);
	ret = vfio_msi_alloc(irqs, msix, nvec);
	if (ret)
		goto err_drop;
	for (i = 0; i < nvec; i++) {
		if (!irqs->vecs[i].trigger)
			continue;
		ret = vfio_msi_vec_start(irqs, &irqs->vecs[i], i);
		if (ret)
			goto err_stop;
	}
	return 0;

err_stop:
	while (i--)
		if (irqs->vecs[i].trigger)
			vfio_msi_vec_stop(&irqs->vecs[i]);
	pci_free_irq_vectors(irqs->vdev->pdev);
	irqs->nvec = 0;
err_drop:
	for (i = 0; i < nvec; i++) {
		if (irqs->vecs[i].trigger)
			eventfd_ctx_put(irqs->vecs[i].trigger);
		irqs->vecs[i].trigger = NULL;
	}
	return ret;
}

/*
 * Give vectors [start, start + count) the eventfds in @trig (NULL tears a
 * vector down). Every eventfd was resolved beforehand, so only a host
 * resource failure can stop this midway; the vectors already changed then
 * keep their new state and the rest their old one.
 */
static int vfio_msi_set_block(struct vfio_pci_irq_state *irqs,
			      unsigned int start, unsigned int count,
			      struct eventfd_ctx **trig)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < count; i++) {
		struct vfio_pci_irq_vec *vec = &irqs->vecs[start + i];
		struct eventfd_ctx *old = vec->trigger;

		if (!trig[i]) {
			if (old) {
				vfio_msi_vec_stop(vec);
				vec->trigger = NULL;
				eventfd_ctx_put(old);
			}
			continue;
		}
		/* The same eventfd again: the extra reference is dropped */
		if (old == trig[i])
			continue;
		if (old) {
			/* Same host IRQ, new eventfd: no need to re-request */
			vfio_msi_bypass_unregister(vec);
			WRITE_ONCE(vec->trigger, trig[i]);
			synchronize_irq(vec->irq);
			eventfd_ctx_put(old);
			trig[i] = NULL;
			vfio_msi_bypass_register(irqs, vec);
			continue;
		}
		vec->trigger = trig[i];
		ret = vfio_msi_vec_start(irqs, vec, start + i);
		if (ret) {
			vec->trigger = NULL;
			break;
		}
		trig[i] = NULL;
	}
	return ret;
}

/* Does setting [start, start + count) request or free a host IRQ? */
static bool vfio_msi_block_touches_irqs(struct vfio_pci_irq_state *irqs,
					unsigned int start, unsigned int count,
					struct eventfd_ctx **trig)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (!irqs->vecs[start + i].trigger != !trig[i])
			return true;
	return false;
}

static int vfio_msi_set_eventfds(struct vfio_pci_irq_state *irqs, int index,
				 unsigned int start, unsigned int count,
				 s32 *fds)
{
	struct vfio_pci_core_device *vdev = irqs->vdev;
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	bool active = irqs->type == index;
	struct eventfd_ctx *stack_trig[VFIO_PCI_IRQ_STACK_DATA / sizeof(void *)];
	struct eventfd_ctx **trig = stack_trig;
	bool mem = false, realloc = false;
	u16 cmd = 0;
	unsigned int i;
	int ret = 0;

	if (!active && irqs->type != VFIO_PCI_IRQ_NONE)
		return -EINVAL;
	if (!count)
		return active ? 0 : -EINVAL;

	if (count > ARRAY_SIZE(stack_trig)) {
		trig = kcalloc(count, sizeof(*trig), GFP_KERNEL);
		if (!trig)
			return -ENOMEM;
	}
	/* Resolve every eventfd first: a bad one must change nothing */
	for (i = 0; i < count; i++) {
		trig[i] = NULL;
		if (fds[i] < 0)
			continue;
		trig[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(trig[i])) {
			ret = PTR_ERR(trig[i]);
			trig[i] = NULL;
			goto out_put;
		}
	}

	/* MSI-X table writes (vector mask/unmask) need memory decode */
	if (msix && (!active || start + count > irqs->nvec ||
		     vfio_msi_block_touches_irqs(irqs, start, count, trig))) {
		mem = true;
		cmd = vfio_pci_memory_lock_and_enable(vdev);
	}

	if (!active) {
		realloc = true;
		ret = vfio_msi_alloc(irqs, msix, start + count);
		if (ret)
			goto out_unlock;
		vfio_msi_set_type(irqs, index);
	} else if (start + count > irqs->nvec) {
		realloc = true;
		ret = vfio_msi_grow(irqs, msix, start + count);
		if (ret && msix && irqs->msix_dyn)
			goto out_unlock;
		if (ret) {
			vfio_msi_set_type(irqs, VFIO_PCI_IRQ_NONE);
			if (!msix)
				vfio_pci_config_msi_enabled(vdev, 0);
			goto out_unlock;
		}
	}

	ret = vfio_msi_set_block(irqs, start, count, trig);
	if (ret && !active) {
		vfio_msi_free(irqs, true);
		vfio_msi_set_type(irqs, VFIO_PCI_IRQ_NONE);
	}

out_unlock:
	if (mem)
		vfio_pci_memory_unlock_and_restore(vdev, cmd);
	/* Let the virtual MSI capability show what the host enabled */
	if (!msix && realloc && irqs->type == index)
		vfio_pci_config_msi_enabled(vdev, irqs->nvec);
out_put:
	for (i = 0; i < count; i++)
		if (trig[i])
			eventfd_ctx_put(trig[i]);
	if (trig != stack_trig)
		kfree(trig);
	return ret;
}

static int vfio_msi_set_trigger(struct vfio_pci_irq_state *irqs, int index,
				unsigned int start, unsigned int count,
				u32 flags, void *data)
{
	unsigned int i;

	if (!count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		if (irqs->type != index)
			return -EINVAL;
		vfio_msi_disable(irqs, index == VFIO_PCI_MSIX_IRQ_INDEX);
		return 0;
	}

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return vfio_msi_set_eventfds(irqs, index, start, count, data);

	if (irqs->type != index || start + count > irqs->nvec)
		return -EINVAL;
	/* Loopback: signal the vectors as if the device had raised them */
	for (i = start; i < start + count; i++) {
		struct eventfd_ctx *trigger = irqs->vecs[i].trigger;

		if (!trigger)
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_NONE) || ((u8 *)data)[i - start])
			vfio_pci_eventfd_signal(trigger);
	}
	return 0;
}

/* ---- ERR and REQ ---- */

static void vfio_pci_swap_ctx(struct vfio_pci_irq_state *irqs,
			      struct eventfd_ctx **ptrigger,
			      struct eventfd_ctx *new)
{
	struct eventfd_ctx *old;

	spin_lock(&irqs->trig_lock);
	old = *ptrigger;
	*ptrigger = new;
	spin_unlock(&irqs->trig_lock);
	if (old)
		eventfd_ctx_put(old);
}

/*
 * DATA_NONE needs a trigger to act on: it signals it, or with a count of
 * 0 releases it. BOOL signals it if set. An eventfd of -1 releases it;
 * other negative ones are refused (6.1's stock accepted them and did
 * nothing; 6.12's refuses them too).
 */
static int vfio_pci_set_ctx_trigger(struct vfio_pci_irq_state *irqs,
				    struct eventfd_ctx **ptrigger,
				    unsigned int count, u32 flags, void *data)
{
	struct eventfd_ctx *new = NULL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!*ptrigger)
			return -EINVAL;
		if (!count)
			vfio_pci_swap_ctx(irqs, ptrigger, NULL);
		else
			vfio_pci_eventfd_signal(*ptrigger);
		return 0;
	}
	if (!count)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*ptrigger && *(u8 *)data)
			vfio_pci_eventfd_signal(*ptrigger);
		return 0;
	}
	if (*(s32 *)data >= 0) {
		new = eventfd_ctx_fdget(*(s32 *)data);
		if (IS_ERR(new))
			return PTR_ERR(new);
	} else if (*(s32 *)data != -1) {
		return -EINVAL;
	}
	vfio_pci_swap_ctx(irqs, ptrigger, new);
	return 0;
}

static bool vfio_pci_signal_ctx(struct vfio_pci_irq_state *irqs,
				struct eventfd_ctx **ptrigger)
{
	bool signalled = false;

	spin_lock(&irqs->trig_lock);
	if (*ptrigger) {
		vfio_pci_eventfd_signal(*ptrigger);
		signalled = true;
	}
	spin_unlock(&irqs->trig_lock);
	return signalled;
}

/**
 * vfio_pci_irqs_signal_err() - signal the ERR eventfd
 * @vdev: the device
 *
 * Return: true if userspace set an ERR eventfd, false otherwise.
 */
bool vfio_pci_irqs_signal_err(struct vfio_pci_core_device *vdev)
{
	return vfio_pci_signal_ctx(vdev->irqs, &vdev->irqs->err_trigger);
}

/**
 * vfio_pci_irqs_signal_req() - signal the REQ eventfd
 * @vdev: the device
 *
 * Return: true if userspace set a REQ eventfd, false otherwise.
 */
bool vfio_pci_irqs_signal_req(struct vfio_pci_core_device *vdev)
{
	return vfio_pci_signal_ctx(vdev->irqs, &vdev->irqs->req_trigger);
}

/* ---- ioctls ---- */

static unsigned int vfio_pci_irq_count(struct vfio_pci_core_device *vdev,
				       unsigned int index)
{
	struct vfio_pci_irq_state *irqs = vdev->irqs;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return vdev->has_intx ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return irqs->msi_count;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return irqs->msix_count;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(vdev->pdev) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

/**
 * vfio_pci_ioctl_get_irq_info() - VFIO_DEVICE_GET_IRQ_INFO
 * @vdev: the device
 * @arg: userspace struct vfio_irq_info
 *
 * Return: 0 or a negative errno.
 */
long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev,
				 void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !pci_is_pcie(vdev->pdev))
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX ||
		 !vdev->irqs->msix_dyn)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	info.count = vfio_pci_irq_count(vdev, info.index);

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_pci_set_irqs(struct vfio_pci_irq_state *irqs,
			     struct vfio_irq_set *hdr, void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	switch (hdr->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_intx_set_trigger(irqs, hdr->count,
						     hdr->flags, data);
		if (action == VFIO_IRQ_SET_ACTION_MASK ||
		    action == VFIO_IRQ_SET_ACTION_UNMASK)
			return vfio_intx_set_unmask_fd(irqs, hdr->count, data,
						       action == VFIO_IRQ_SET_ACTION_MASK);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_msi_set_trigger(irqs, hdr->index,
						    hdr->start, hdr->count,
						    hdr->flags, data);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_pci_set_ctx_trigger(irqs,
							&irqs->err_trigger,
							hdr->count, hdr->flags,
							data);
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return vfio_pci_set_ctx_trigger(irqs,
							&irqs->req_trigger,
							hdr->count, hdr->flags,
							data);
		break;
	}
	return -ENOTTY;
}

/**
 * vfio_pci_ioctl_set_irqs() - VFIO_DEVICE_SET_IRQS
 * @vdev: the device
 * @arg: userspace struct vfio_irq_set followed by its data
 *
 * Return: 0 or a negative errno; a malformed request changes nothing.
 */
long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev,
			     void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_pci_irq_state *irqs = vdev->irqs;
	u8 stack_data[VFIO_PCI_IRQ_STACK_DATA];
	struct vfio_irq_set hdr;
	void *data = NULL;
	size_t data_size;
	u32 action;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	ret = vfio_set_irqs_validate_and_prepare(&hdr,
						 vfio_pci_irq_count(vdev, hdr.index),
						 VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;

	if (data_size) {
		if (data_size <= sizeof(stack_data)) {
			if (copy_from_user(stack_data, arg + minsz, data_size))
				return -EFAULT;
			data = stack_data;
		} else {
			data = memdup_user(arg + minsz, data_size);
			if (IS_ERR(data))
				return PTR_ERR(data);
		}
	}

	/*
	 * Masking and unmasking INTx without an eventfd, the hot path of
	 * INTx delivery, only touch state under intx_lock, as the unmask
	 * virqfd does: they need not wait for a SET_IRQS that holds
	 * irqs->lock across request_irq() or teardown.
	 */
	action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (hdr.index == VFIO_PCI_INTX_IRQ_INDEX &&
	    !(hdr.flags & VFIO_IRQ_SET_DATA_EVENTFD) &&
	    (action == VFIO_IRQ_SET_ACTION_MASK ||
	     action == VFIO_IRQ_SET_ACTION_UNMASK)) {
		ret = vfio_intx_set_mask(irqs, hdr.count, hdr.flags, data,
					 action == VFIO_IRQ_SET_ACTION_MASK);
	} else {
		mutex_lock(&irqs->lock);
		ret = vfio_pci_set_irqs(irqs, &hdr, data);
		mutex_unlock(&irqs->lock);
	}

	if (data != stack_data)
		kfree(data);
	return ret;
}

/* ---- life cycle ---- */

/**
 * vfio_pci_irqs_release() - tear down every interrupt and trigger
 * @vdev: the device
 *
 * Called on close only (interrupts survive resets), without memory_lock
 * held. Leaves no interrupt enabled and drops every eventfd userspace gave.
 */
void vfio_pci_irqs_release(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_state *irqs = vdev->irqs;

	mutex_lock(&irqs->lock);
	switch (irqs->type) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		vfio_intx_disable(irqs);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		vfio_msi_disable(irqs, irqs->type == VFIO_PCI_MSIX_IRQ_INDEX);
		break;
	}
	/* Userspace may set an unmask eventfd before enabling INTx */
	vfio_virqfd_disable(&irqs->intx_unmask);
	spin_lock_irq(&irqs->intx_lock);
	irqs->intx_user_disabled = false;
	spin_unlock_irq(&irqs->intx_lock);

	vfio_pci_swap_ctx(irqs, &irqs->err_trigger, NULL);
	vfio_pci_swap_ctx(irqs, &irqs->req_trigger, NULL);
	mutex_unlock(&irqs->lock);
}

/**
 * vfio_pci_irqs_init() - set up the interrupt state of a device at probe
 * @vdev: the device
 *
 * Reads the MSI and MSI-X vector counts, which cannot change, and allocates
 * the per-vector state once so that enabling vectors later allocates
 * nothing per vector.
 *
 * Return: 0 or -ENOMEM.
 */
int vfio_pci_irqs_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_irq_state *irqs;
	unsigned int nvecs;
	int count;

	irqs = kzalloc(sizeof(*irqs), GFP_KERNEL);
	if (!irqs)
		return -ENOMEM;

	irqs->vdev = vdev;
	mutex_init(&irqs->lock);
	spin_lock_init(&irqs->intx_lock);
	spin_lock_init(&irqs->trig_lock);
	irqs->type = VFIO_PCI_IRQ_NONE;
	snprintf(irqs->intx_name, sizeof(irqs->intx_name), "vfio-intx(%s)",
		 pci_name(pdev));

	count = pci_msi_vec_count(pdev);
	irqs->msi_count = count > 0 ? count : 0;
	count = pci_msix_vec_count(pdev);
	irqs->msix_count = count > 0 ? count : 0;
	irqs->msix_dyn = irqs->msix_count && vfio_pci_msix_can_alloc_dyn(pdev);

	nvecs = max(irqs->msi_count, irqs->msix_count);
	if (nvecs) {
		irqs->vecs = kvcalloc(nvecs, sizeof(*irqs->vecs), GFP_KERNEL);
		if (!irqs->vecs) {
			mutex_destroy(&irqs->lock);
			kfree(irqs);
			return -ENOMEM;
		}
	}

	vdev->irqs = irqs;
	return 0;
}

/**
 * vfio_pci_irqs_exit() - free the interrupt state of a device
 * @vdev: the device, released (vfio_pci_irqs_release()) if it was opened
 */
void vfio_pci_irqs_exit(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_state *irqs = vdev->irqs;

	if (!irqs)
		return;
	kvfree(irqs->vecs);
	mutex_destroy(&irqs->lock);
	kfree(irqs);
	vdev->irqs = NULL;
}
