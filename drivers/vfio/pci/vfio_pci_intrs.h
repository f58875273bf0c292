/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt state of a device, shared by vfio_pci_intrs.c (MSI and
 * MSI-X, the ERR and REQ triggers, VFIO_DEVICE_SET_IRQS, life cycle) and
 * vfio_pci_intx.c (INTx). The rest of the library sees only the functions
 * vfio_pci_priv.h declares.
 */
#ifndef VFIO_PCI_INTRS_H
#define VFIO_PCI_INTRS_H

#include <linux/irqbypass.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

struct eventfd_ctx;
struct virqfd;
struct vfio_pci_core_device;

/* Room for "vfio-msix[2047](dddd:bb:dd.f)" and its NUL */
#define VFIO_PCI_IRQ_NAME_LEN	32

/* No interrupt index is active */
#define VFIO_PCI_IRQ_NONE	(-1)

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
 * @msix_dyn: MSI-X vectors can be added while MSI-X is enabled (the
 *	kernel and the device's interrupt domain allow it): GET_IRQ_INFO
 *	then reports MSI-X without NORESIZE
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
	bool msix_dyn;
	unsigned int nvec;
	struct vfio_pci_irq_vec *vecs;

	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
};

/*
 * vfio_pci_intx.c, for the SET_IRQS dispatch and the life cycle: each
 * function's comment says which lock its caller holds.
 */
void vfio_intx_sync_hw(struct vfio_pci_irq_state *irqs);
void vfio_intx_disable(struct vfio_pci_irq_state *irqs);
int vfio_intx_set_trigger(struct vfio_pci_irq_state *irqs,
			  unsigned int count, u32 flags, void *data);
int vfio_intx_set_unmask_fd(struct vfio_pci_irq_state *irqs,
			    unsigned int count, void *data, bool mask);
int vfio_intx_set_mask(struct vfio_pci_irq_state *irqs,
		       unsigned int count, u32 flags, void *data,
		       bool mask);

#endif /* VFIO_PCI_INTRS_H */
