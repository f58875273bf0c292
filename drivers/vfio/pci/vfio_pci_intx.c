// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO PCI INTx: the host line requested with a handler that signals the
 * trigger eventfd and masks INTx, unmasking by ioctl or through an unmask
 * eventfd, and the hardware INTx-disable bit, which userspace's virtual
 * bit and vfio's masking share (vfio_intx_sync_hw()).
 */

#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"
#include "vfio_pci_intrs.h"

/*
 * Make the hardware INTx-disable bit what userspace and vfio want together.
 * Caller holds intx_lock. While MSI or MSI-X is active the PCI core owns
 * the bit: it disabled INTx when enabling them, except on devices whose
 * MSI breaks with INTx disabled. Otherwise INTx is disabled whenever no
 * handler of ours is on the line (idle, trigger dropped, handler being
 * requested or freed), so that the device cannot assert a possibly shared
 * line nobody handles it on; with PCI 2.3 masking, also while vfio masks
 * it. Userspace only ever sees its own, virtual, bit.
 */
void vfio_intx_sync_hw(struct vfio_pci_irq_state *irqs)
{
	struct vfio_pci_core_device *vdev = irqs->vdev;
	bool disable;

	lockdep_assert_held(&irqs->intx_lock);

	if (irqs->type == VFIO_PCI_MSI_IRQ_INDEX ||
	    irqs->type == VFIO_PCI_MSIX_IRQ_INDEX)
		return;
	disable = irqs->intx_user_disabled ||
		  irqs->type != VFIO_PCI_INTX_IRQ_INDEX || !irqs->intx_irq ||
		  (vdev->pci_2_3 && irqs->intx_masked);
	pci_intx(vdev->pdev, !disable);
}

static irqreturn_t vfio_intx_handler(int irq, void *data)
{
	struct vfio_pci_irq_state *irqs = data;
	struct vfio_pci_core_device *vdev = irqs->vdev;
	struct eventfd_ctx *trigger = NULL;
	irqreturn_t ret = IRQ_NONE;
	unsigned long flags;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	if (!vdev->pci_2_3) {
		/* Exclusive line: it is ours, mask it at the controller */
		if (!irqs->intx_masked) {
			disable_irq_nosync(irq);
			irqs->intx_masked = true;
			trigger = irqs->intx_trigger;
			ret = IRQ_HANDLED;
		}
	} else if (pci_check_and_mask_intx(vdev->pdev)) {
		/*
		 * The device asserted INTx. If it should have been disabled
		 * already (a racing read-modify-write of the command
		 * register may have cleared the bit), masking it again is
		 * all there is to do: the interrupt stays pending for the
		 * unmask.
		 */
		ret = IRQ_HANDLED;
		if (!irqs->intx_masked && !irqs->intx_user_disabled) {
			irqs->intx_masked = true;
			trigger = irqs->intx_trigger;
		}
	}
	spin_unlock_irqrestore(&irqs->intx_lock, flags);

	/* Released only after synchronize_irq() once swapped out */
	if (trigger)
		vfio_pci_eventfd_signal(trigger);
	return ret;
}

/*
 * Without PCI 2.3 masking vfio masks the host line, which is only ours
 * while requested. Caller holds intx_lock.
 */
static void vfio_intx_line(struct vfio_pci_irq_state *irqs, bool enable)
{
	unsigned int irq = irqs->vdev->pdev->irq;

	if (!irqs->intx_irq)
		return;
	if (enable)
		enable_irq(irq);
	else
		disable_irq_nosync(irq);
}

/* Caller holds intx_lock. Returns true when the mask state changed. */
static bool __vfio_intx_mask(struct vfio_pci_irq_state *irqs)
{
	if (irqs->type != VFIO_PCI_INTX_IRQ_INDEX || irqs->intx_masked)
		return false;
	irqs->intx_masked = true;
	if (irqs->vdev->pci_2_3)
		vfio_intx_sync_hw(irqs);
	else
		vfio_intx_line(irqs, false);
	return true;
}

/*
 * Caller holds intx_lock. A device still asserting the line raises a new
 * interrupt as soon as it is unmasked, which the handler automasks and
 * signals: no check for a pending interrupt is needed here, and no eventfd
 * is signalled from this context (the unmask virqfd calls it from inside
 * an eventfd wake-up).
 */
static void __vfio_intx_unmask(struct vfio_pci_irq_state *irqs)
{
	struct vfio_pci_core_device *vdev = irqs->vdev;

	if (irqs->type != VFIO_PCI_INTX_IRQ_INDEX || !irqs->intx_masked)
		return;
	irqs->intx_masked = false;
	if (!vdev->pci_2_3) {
		vfio_intx_line(irqs, true);
	} else if (irqs->intx_user_disabled || !irqs->intx_irq) {
		vfio_intx_sync_hw(irqs);
	} else if (!pci_check_and_unmask_intx(vdev->pdev)) {
		/*
		 * The common case is one locked read-modify-write of command
		 * and status. That leaves INTx masked while the device still
		 * asserts it: unmask anyway, for the handler to take it.
		 */
		pci_intx(vdev->pdev, 1);
	}
}

/**
 * vfio_pci_intx_mask() - mask INTx on behalf of the library
 * @vdev: the device
 *
 * Return: true if INTx is active and was unmasked, i.e. this call masked it
 * and a later vfio_pci_intx_unmask() should undo it.
 */
bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_state *irqs = vdev->irqs;
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	changed = __vfio_intx_mask(irqs);
	spin_unlock_irqrestore(&irqs->intx_lock, flags);
	return changed;
}

/**
 * vfio_pci_intx_unmask() - unmask INTx on behalf of the library
 * @vdev: the device
 */
void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_state *irqs = vdev->irqs;
	unsigned long flags;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	__vfio_intx_unmask(irqs);
	spin_unlock_irqrestore(&irqs->intx_lock, flags);
}

/**
 * vfio_pci_intx_user_disable() - userspace wrote the INTx-disable bit
 * @vdev: the device
 * @disable: the new value of the bit in the virtual command register
 *
 * The bit stays userspace's: it never changes vfio's own mask state, and
 * the hardware bit is kept set while either wants INTx disabled.
 */
void vfio_pci_intx_user_disable(struct vfio_pci_core_device *vdev,
				bool disable)
{
	struct vfio_pci_irq_state *irqs = vdev->irqs;
	unsigned long flags;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	irqs->intx_user_disabled = disable;
	vfio_intx_sync_hw(irqs);
	spin_unlock_irqrestore(&irqs->intx_lock, flags);
}

/* virqfd handler, called in the unmask eventfd's wake-up (atomic) */
static int vfio_intx_unmask_handler(void *opaque, void *unused)
{
	struct vfio_pci_irq_state *irqs = opaque;
	unsigned long flags;

	spin_lock_irqsave(&irqs->intx_lock, flags);
	__vfio_intx_unmask(irqs);
	spin_unlock_irqrestore(&irqs->intx_lock, flags);
	return 0;
}

/* Request the line for @trigger; INTx is active, without a trigger. */
static int vfio_intx_start(struct vfio_pci_irq_state *irqs,
			   struct eventfd_ctx *trigger)
{
	struct vfio_pci_core_device *vdev = irqs->vdev;
	unsigned int irq = vdev->pdev->irq;
	int ret;

	spin_lock_irq(&irqs->intx_lock);
	irqs->intx_masked = false;
	irqs->intx_trigger = trigger;
	spin_unlock_irq(&irqs->intx_lock);

	/*
	 * Only PCI 2.3 masking tells our interrupts from a sharer's. An
	 * exclusive line starts disabled, so that a mask racing with this
	 * request from the library's power management is honoured.
	 */
	ret = request_irq(irq, vfio_intx_handler,
			  vdev->pci_2_3 ? IRQF_SHARED : IRQF_NO_AUTOEN,
			  irqs->intx_name, irqs);

	spin_lock_irq(&irqs->intx_lock);
	if (ret) {
		irqs->intx_trigger = NULL;
	} else {
		irqs->intx_irq = true;
		if (!vdev->pci_2_3 && !irqs->intx_masked)
			enable_irq(irq);
		vfio_intx_sync_hw(irqs);
	}
	spin_unlock_irq(&irqs->intx_lock);
	return ret;
}

/* Free the line and drop the trigger; INTx stays active. */
static void vfio_intx_stop(struct vfio_pci_irq_state *irqs)
{
	struct eventfd_ctx *trigger;

	if (!irqs->intx_trigger)
		return;

	spin_lock_irq(&irqs->intx_lock);
	irqs->intx_irq = false;
	vfio_intx_sync_hw(irqs);
	spin_unlock_irq(&irqs->intx_lock);

	/* Also waits for a running handler, which may hold the trigger */
	free_irq(irqs->vdev->pdev->irq, irqs);

	spin_lock_irq(&irqs->intx_lock);
	trigger = irqs->intx_trigger;
	irqs->intx_trigger = NULL;
	irqs->intx_masked = false;
	vfio_intx_sync_hw(irqs);
	spin_unlock_irq(&irqs->intx_lock);

	eventfd_ctx_put(trigger);
}

static int vfio_intx_enable(struct vfio_pci_irq_state *irqs,
			    struct eventfd_ctx *trigger)
{
	int ret;

	spin_lock_irq(&irqs->intx_lock);
	irqs->type = VFIO_PCI_INTX_IRQ_INDEX;
	spin_unlock_irq(&irqs->intx_lock);

	ret = vfio_intx_start(irqs, trigger);
	if (ret) {
		spin_lock_irq(&irqs->intx_lock);
		irqs->type = VFIO_PCI_IRQ_NONE;
		vfio_intx_sync_hw(irqs);
		spin_unlock_irq(&irqs->intx_lock);
	}
	return ret;
}

void vfio_intx_disable(struct vfio_pci_irq_state *irqs)
{
	lockdep_assert_held(&irqs->lock);

	vfio_virqfd_disable(&irqs->intx_unmask);
	vfio_intx_stop(irqs);

	spin_lock_irq(&irqs->intx_lock);
	irqs->type = VFIO_PCI_IRQ_NONE;
	irqs->intx_masked = false;
	vfio_intx_sync_hw(irqs);
	spin_unlock_irq(&irqs->intx_lock);
}

/* Point the requested line at a new trigger without touching it. */
static void vfio_intx_swap_trigger(struct vfio_pci_irq_state *irqs,
				   struct eventfd_ctx *trigger)
{
	struct eventfd_ctx *old;

	spin_lock_irq(&irqs->intx_lock);
	old = irqs->intx_trigger;
	irqs->intx_trigger = trigger;
	spin_unlock_irq(&irqs->intx_lock);

	synchronize_irq(irqs->vdev->pdev->irq);
	eventfd_ctx_put(old);
}

/*
 * Only an eventfd activates INTx. While no index is active, the other
 * INTx requests are accepted and do nothing, as userspace has come to
 * expect; an eventfd of -1 drops the trigger but leaves INTx active until
 * it is disabled.
 */
int vfio_intx_set_trigger(struct vfio_pci_irq_state *irqs,
			  unsigned int count, u32 flags, void *data)
{
	bool active = irqs->type == VFIO_PCI_INTX_IRQ_INDEX;
	struct eventfd_ctx *trigger;
	s32 fd;
	int ret;

	if (!count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		if (!active)
			return -EINVAL;
		vfio_intx_disable(irqs);
		return 0;
	}
	if ((!active && irqs->type != VFIO_PCI_IRQ_NONE) || count != 1)
		return -EINVAL;

	/* A loopback trigger needs INTx in use, as it always has */
	if (!(flags & VFIO_IRQ_SET_DATA_EVENTFD)) {
		if (!active)
			return -EINVAL;
		if (irqs->intx_trigger &&
		    ((flags & VFIO_IRQ_SET_DATA_NONE) || *(u8 *)data))
			vfio_pci_eventfd_signal(irqs->intx_trigger);
		return 0;
	}

	fd = *(s32 *)data;
	if (fd < 0) {
		vfio_intx_stop(irqs);
		return 0;
	}
	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);
	if (active && irqs->intx_trigger) {
		if (trigger == irqs->intx_trigger)
			eventfd_ctx_put(trigger);
		else
			vfio_intx_swap_trigger(irqs, trigger);
		return 0;
	}
	ret = active ? vfio_intx_start(irqs, trigger) :
		       vfio_intx_enable(irqs, trigger);
	if (ret)
		eventfd_ctx_put(trigger);
	return ret;
}

/*
 * INTx unmask eventfd; caller holds irqs->lock. Like masking, only while
 * INTx is the interrupt in use (its trigger set), as the uAPI has it.
 */
int vfio_intx_set_unmask_fd(struct vfio_pci_irq_state *irqs,
			    unsigned int count, void *data, bool mask)
{
	s32 fd;

	lockdep_assert_held(&irqs->lock);

	if (irqs->type != VFIO_PCI_INTX_IRQ_INDEX || count != 1)
		return -EINVAL;
	/* Only unmasking can be driven by an eventfd */
	if (mask)
		return -ENOTTY;
	fd = *(s32 *)data;
	if (fd < 0) {
		vfio_virqfd_disable(&irqs->intx_unmask);
		return 0;
	}
	return vfio_virqfd_enable(irqs, vfio_intx_unmask_handler, NULL, NULL,
				  &irqs->intx_unmask, fd);
}

/*
 * INTx mask or unmask with DATA_NONE or DATA_BOOL, only while INTx is in
 * use: -EINVAL otherwise, as with every VFIO PCI driver. Everything it
 * reads and changes is under intx_lock, so it need not hold irqs->lock.
 */
int vfio_intx_set_mask(struct vfio_pci_irq_state *irqs,
		       unsigned int count, u32 flags, void *data,
		       bool mask)
{
	bool apply;
	int ret = 0;

	if (count != 1)
		return -EINVAL;
	apply = (flags & VFIO_IRQ_SET_DATA_NONE) || *(u8 *)data;
	spin_lock_irq(&irqs->intx_lock);
	if (irqs->type != VFIO_PCI_INTX_IRQ_INDEX)
		ret = -EINVAL;
	else if (apply && mask)
		__vfio_intx_mask(irqs);
	else if (apply)
		__vfio_intx_unmask(irqs);
	spin_unlock_irq(&irqs->intx_lock);
	return ret;
}
