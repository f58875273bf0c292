// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO PCI interrupts: INTx, MSI and MSI-X delivered through eventfds, and
 * the ERR and REQ triggers, configured with VFIO_DEVICE_SET_IRQS.
 *
 * At most one of INTx, MSI and MSI-X is active at a time; userspace moves
 * between them by disabling the active one first. MSI/MSI-X vectors are
 * allocated on the host by the PCI core and each one requested with a
 * handler that signals the vector's eventfd, so the host programs the
 * device and userspace only ever sees eventfds.
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

/* Room for "vfio-msix[2047](dddd:bb:dd.f)" and its NUL */
#define VFIO_PCI_IRQ_NAME_LEN	32

/* No interrupt index is active */
#define VFIO_PCI_IRQ_NONE	(-1)

/* SET_IRQS payloads up to this size are copied on the stack */
#define VFIO_PCI_IRQ_STACK_DATA	64

/**
 * struct vfio_pci_irq_vec - one MSI or MSI-X vector
 * @trigger: eventfd signalled by the vector, %NULL when the vector has no
 *	handler requested. Changed under &vfio_pci_irq_state.lock; the hard
 *	IRQ handler reads it, so an old value is only released after
 *	synchronize_irq().
 * @irq: host IRQ number of the vector while vectors are allocated
 * @producer: irq bypass producer, registered while @bypass_registered
 * @bypass_registered: @producer is registered with the bypass manager
 * @name: name given to request_irq(); must live while the IRQ is requested
 */
struct vfio_pci_irq_vec {
	struct eventfd_ctx *trigger;
	int irq;
	struct irq_bypass_producer producer;
	bool bypass_registered;
	char name[VFIO_PCI_IRQ_NAME_LEN];
};

/**
 * struct vfio_pci_irq_state - interrupt state of a device
 * @vdev: the device
 * @lock: serialises every change of the interrupt configuration: @type,
 *	@nvec, the vectors, the INTx trigger and unmask virqfd. Held across
 *	SET_IRQS and release, except INTx mask and unmask without an eventfd,
 *	which only change the INTx mask state. Lock order: @lock ->
 *	memory_lock (MSI-X table access) -> @intx_lock.
 * @intx_lock: protects the INTx mask state (@intx_masked,
 *	@intx_user_disabled, the hardware INTx-disable bit and the host line's
 *	disable depth) and @intx_trigger against the hard IRQ handler and the
 *	unmask virqfd (which runs under the eventfd's wait-queue lock). Never
 *	held while signalling an eventfd: a client may use one eventfd both
 *	as trigger and unmask, whose wake-up would then take @intx_lock again.
 *	@type is written under both @lock and @intx_lock, so either suffices
 *	to read it.
 * @trig_lock: protects @err_trigger and @req_trigger, which the core
 *	signals from AER and unbind paths holding locks of its own; innermost.
 * @type: the active index (VFIO_PCI_{INTX,MSI,MSIX}_IRQ_INDEX) or
 *	%VFIO_PCI_IRQ_NONE
 * @intx_trigger: INTx eventfd; the line is requested while it is set
 * @intx_unmask: virqfd unmasking INTx when its eventfd is signalled
 * @intx_irq: the line is requested and its handler may run; INTx is only
 *	enabled in hardware meanwhile
 * @intx_masked: INTx is masked by vfio (automasked by the handler or masked
 *	by userspace)
 * @intx_user_disabled: userspace set the INTx-disable bit of the virtual
 *	command register; the hardware bit is set while this, the lack of a
 *	handler or (with PCI 2.3 masking) @intx_masked asks for it
 * @intx_name: name of the INTx handler
 * @msi_count: MSI vectors the capability offers, 0 without MSI
 * @msix_count: MSI-X table size, 0 without MSI-X
 * @nvec: vectors allocated on the host while @type is MSI or MSI-X
 * @vecs: max(@msi_count, @msix_count) vectors, allocated once at init
 * @err_trigger: eventfd signalled on AER error detection
 * @req_trigger: eventfd signalled when the device is requested back
 */
struct vfio_pci_irq_state {
	struct vfio_pci_core_device *vdev;
	struct mutex lock;	/* SET_IRQS state, see above */
	spinlock_t intx_lock;	/* INTx mask state vs. the handler */
	spinlock_t trig_lock;	/* ERR/REQ triggers */
	int type;

	struct eventfd_ctx *intx_trigger;
	struct virqfd *intx_unmask;
	bool intx_irq;
	bool intx_masked;
	bool intx_user_disabled;
	char intx_name[VFIO_PCI_IRQ_NAME_LEN];

	unsigned int msi_count;
	unsigned int msix_count;
	unsigned int nvec;
	struct vfio_pci_irq_vec *vecs;

	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
};

/* ---- INTx ---- */

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
static void vfio_intx_sync_hw(struct vfio_pci_irq_state *irqs)
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
		eventfd_signal(trigger, 1);
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

static void vfio_intx_disable(struct vfio_pci_irq_state *irqs)
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
static int vfio_intx_set_trigger(struct vfio_pci_irq_state *irqs,
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
			eventfd_signal(irqs->intx_trigger, 1);
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
static int vfio_intx_set_unmask_fd(struct vfio_pci_irq_state *irqs,
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
static int vfio_intx_set_mask(struct vfio_pci_irq_state *irqs,
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

/* ---- MSI and MSI-X ---- */

static irqreturn_t vfio_msi_handler(int irq, void *data)
{
	struct vfio_pci_irq_vec *vec = data;

	eventfd_signal(READ_ONCE(vec->trigger), 1);
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
 * Make @nvec vectors available, reallocating a smaller active set: the
 * PCI core of this kernel cannot add vectors to an enabled MSI or MSI-X
 * function. Interrupts the device raises during the reallocation are lost,
 * as when userspace disables and re-enables the index itself.
 */
static int vfio_msi_grow(struct vfio_pci_irq_state *irqs, bool msix,
			 unsigned int nvec)
{
	unsigned int i;
	int ret;

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
			eventfd_signal(trigger, 1);
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
 * other negative ones are accepted and change nothing, as with stock.
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
			eventfd_signal(*ptrigger, 1);
		return 0;
	}
	if (!count)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*ptrigger && *(u8 *)data)
			eventfd_signal(*ptrigger, 1);
		return 0;
	}
	if (*(s32 *)data >= 0) {
		new = eventfd_ctx_fdget(*(s32 *)data);
		if (IS_ERR(new))
			return PTR_ERR(new);
	} else if (*(s32 *)data != -1) {
		return 0;
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
		eventfd_signal(*ptrigger, 1);
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
	else
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
