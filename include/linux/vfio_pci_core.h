/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VFIO PCI core library: the interface between vfio-pci-core.ko and the PCI
 * drivers (vfio-pci.ko and vendor variant drivers) built on it.
 *
 * A driver embeds struct vfio_pci_core_device in its own device structure,
 * allocates it with vfio_alloc_device() using a struct vfio_device_ops built
 * from the vfio_pci_core_*() helpers below (overriding any single op it
 * needs), and registers it with vfio_pci_core_register_device() from its
 * probe routine.
 *
 * Live migration and DMA dirty logging are dispatched by vfio.ko itself: a
 * driver that supports them sets core_vdev->mig_ops, ->migration_flags and
 * ->log_ops in its vfio_device_ops.init, after vfio_pci_core_init_dev(),
 * before registering (which checks them), and its close_device returns its
 * migration state to RUNNING before calling vfio_pci_core_close_device().
 * See Documentation/driver-api/vfio-pci/variant-driver.rst.
 */
#ifndef VFIO_PCI_CORE_H
#define VFIO_PCI_CORE_H

#include <linux/fs.h>
#include <linux/irqbypass.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/vfio.h>

/*
 * The VFIO device fd is split into fixed 2^40 byte windows, one per region
 * index: the region index sits in the top bits of the file offset. The
 * index is computed on the offset as u64: a signed offset with the top bit
 * set would give a negative index.
 */
#define VFIO_PCI_OFFSET_SHIFT	40
#define VFIO_PCI_OFFSET_TO_INDEX(off)	((u64)(off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((u64)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK	(((u64)1 << VFIO_PCI_OFFSET_SHIFT) - 1)

struct vfio_pci_core_device;
struct vfio_pci_dev_region;

/**
 * struct vfio_pci_dev_region_ops - behaviour of a device-specific region
 * @rw: read or write @count bytes at *@ppos (a full device fd offset).
 *	Required. Returns the bytes transferred or a negative errno.
 * @mmap: map the region into @vma, or %NULL if it cannot be mapped.
 *	The vma lives in the same address space as the BAR mappings and is
 *	zapped with them whenever the device stops decoding memory (command
 *	register, low power, D3hot), is reset or is closed: the op must not
 *	populate the vma up front but set vm_ops whose fault handler inserts
 *	the pages on demand (and refuses while they must not be reached).
 * @add_capability: append region-info capabilities to @caps, or %NULL.
 * @release: free @region->data when the device is released, or %NULL.
 *
 * Device-specific regions follow the standard PCI regions
 * (%VFIO_PCI_NUM_REGIONS and up) in the device fd and are created with
 * vfio_pci_core_register_dev_region().
 */
struct vfio_pci_dev_region_ops {
	ssize_t (*rw)(struct vfio_pci_core_device *vdev, char __user *buf,
		      size_t count, loff_t *ppos, bool iswrite);
	int (*mmap)(struct vfio_pci_core_device *vdev,
		    struct vfio_pci_dev_region *region,
		    struct vm_area_struct *vma);
	int (*add_capability)(struct vfio_pci_core_device *vdev,
			      struct vfio_pci_dev_region *region,
			      struct vfio_info_cap *caps);
	void (*release)(struct vfio_pci_core_device *vdev,
			struct vfio_pci_dev_region *region);
};

/**
 * struct vfio_pci_dev_region - a device-specific region
 * @type: ``VFIO_REGION_TYPE_*`` reported in the region-type capability
 * @subtype: ``VFIO_REGION_SUBTYPE_*`` reported in the region-type capability
 * @ops: how the region is accessed
 * @data: private data of the region's owner
 * @size: size in bytes
 * @flags: ``VFIO_REGION_INFO_FLAG_*`` reported in VFIO_DEVICE_GET_REGION_INFO
 */
struct vfio_pci_dev_region {
	u32 type;
	u32 subtype;
	const struct vfio_pci_dev_region_ops *ops;
	void *data;
	size_t size;
	u32 flags;
};

/*
 * Per-subsystem state, private to the library. Each is allocated when the
 * device is initialised and owned by one file of drivers/vfio/pci/:
 * vfio_pci_config.c, vfio_pci_intrs.c and vfio_pci_rdwr.c respectively.
 */
struct vfio_pci_config_state;
struct vfio_pci_irq_state;
struct vfio_pci_ioeventfd_state;
struct vfio_pci_vf_token;

/**
 * struct vfio_pci_cap_handler - a variant driver's handling of one capability
 * @cap_id: PCI_CAP_ID_* (or PCI_EXT_CAP_ID_* when @extended)
 * @extended: @cap_id names an extended (PCIe) capability
 * @read: read @count bytes at config offset @pos, which lies in the
 *	capability starting at @cap_start, into @val (little endian).
 *	Returns @count or a negative errno. %NULL keeps the library's handling.
 * @write: write @count bytes of @val at @pos. Returns @count or a negative
 *	errno. %NULL keeps the library's handling.
 * @hide: hide the capability from userspace altogether (the library
 *	re-links the capability list around it); @read and @write are unused.
 *
 * A variant driver overrides the library's virtualization of a capability
 * by pointing vfio_pci_core_device.cap_handlers at an array of these,
 * terminated by an entry whose @cap_id is 0, before registering the device.
 * Accesses reach @read and @write split into naturally aligned pieces of
 * 1, 2 or 4 bytes inside the capability, with the library's config-space
 * lock held: they must not take memory_lock or call back into the library.
 */
struct vfio_pci_cap_handler {
	u16 cap_id;
	bool extended;
	bool hide;
	int (*read)(struct vfio_pci_core_device *vdev, int pos, int count,
		    int cap_start, __le32 *val);
	int (*write)(struct vfio_pci_core_device *vdev, int pos, int count,
		     int cap_start, __le32 val);
};

/**
 * struct vfio_pci_core_device - a PCI device driven through VFIO
 * @vdev: the VFIO core device; must stay the first member (vfio_alloc_device)
 * @pdev: the PCI device
 * @cap_handlers: optional capability overrides of a variant driver, see
 *	struct vfio_pci_cap_handler; set before registration, never changed
 * @barmap: kernel mapping of each BAR, created on first use while open
 * @bar_mmap_ok: the BAR may be mmap'ed by userspace: an MMIO BAR of at
 *	least a page, or a smaller one that starts a page whose rest is
 *	claimed by @bar_page_tail
 * @bar_page_tail: for an MMIO BAR smaller than a page, a placeholder
 *	resource over the rest of its page, claimed at registration and
 *	released at unregistration, so that nothing else can be placed where
 *	a mapping of the whole page reaches; unclaimed while .parent is NULL
 * @msix_bar: BAR holding the MSI-X table (valid when @msix_size)
 * @msix_offset: offset of the MSI-X table in @msix_bar
 * @msix_size: size of the MSI-X table in bytes, 0 without MSI-X
 * @pba_offset: offset of the MSI-X PBA in its BAR
 * @rom_size: size of the ROM region, 0 without a ROM image; set at
 *	registration
 * @atomic_comp: the VFIO_PCI_ATOMIC_COMP* widths of PCIe AtomicOps the
 *	device completes at the root, found at registration where the uAPI
 *	has the capability that reports them (0 elsewhere)
 * @pci_2_3: INTx can be masked with the PCI 2.3 INTx-disable bit
 * @has_intx: the device has a usable INTx pin
 * @has_vga: the legacy VGA ranges are exposed as a region
 * @reset_works: a function reset method is available
 * @extended_caps: config space is 4 KiB with extended capabilities
 * @needs_reset: the device must be reset when its dev_set is next idle
 * @reset_clean: the device was reset and restored when it was last closed
 *	(or by a bus reset since) and has stayed closed, hence quiesced, in
 *	the library's hands: the next open may skip its reset. Protected by
 *	the dev_set lock.
 * @idle_d3: registration gave the device's runtime PM reference away, so
 *	that it sits in D3hot while closed (not disable_idle_d3)
 * @needs_pm_restore: a D3hot->D0 transition loses state (No_Soft_Reset=0)
 * @pm_runtime_engaged: userspace put the device in low power through
 *	VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY*
 * @pm_intx_masked: the library masked INTx on low-power entry (vfio_pci_pm.c)
 * @pm_suspend_now: low power was just entered: the next runtime PM idle
 *	notification suspends without the autosuspend delay (vfio_pci_pm.c)
 * @sriov_pf: for a VF, the PF's core device if the PF is bound to a VFIO
 *	driver built on this library
 * @vf_token: SR-IOV VF token shared between a PF and its VFs (PF only)
 * @config: config-space virtualization state (vfio_pci_config.c)
 * @irqs: interrupt state (vfio_pci_intrs.c)
 * @ioeventfds: ioeventfd state (vfio_pci_rdwr.c)
 * @pci_saved_state: config state saved when the device was opened
 * @pm_saved_state: config state saved on entry to D3hot, when it must be
 *	restored on exit
 * @regions: device-specific regions, @num_regions of them
 * @num_regions: number of device-specific regions
 * @memory_lock: serialises changes of whether the device decodes memory
 *	(command register, power state, reset) against BAR accesses by
 *	read/write and by page faults on mmap'ed BARs. Taken for read around
 *	each access, for write around each change. Lock order: mmap_lock ->
 *	memory_lock -> i_mmap_rwsem of @bar_mapping.
 * @bar_mapping: address space every userspace mapping of the device's BARs
 *	belongs to, so that unmap_mapping_range() revokes them all at once
 * @bar_inode: the pseudo inode owning @bar_mapping
 * @pm_wake_trigger: eventfd signalled on a wake-up while in low power
 * @nb: PCI bus notifier (SR-IOV PF only)
 * @sriov_pfs_item: link in the library's list of SR-IOV enabled PFs
 */
struct vfio_pci_core_device {
	struct vfio_device vdev;
	struct pci_dev *pdev;
	const struct vfio_pci_cap_handler *cap_handlers;

	void __iomem *barmap[PCI_STD_NUM_BARS];
	bool bar_mmap_ok[PCI_STD_NUM_BARS];
	struct resource bar_page_tail[PCI_STD_NUM_BARS];

	u8 msix_bar;
	u32 msix_offset;
	u32 msix_size;
	u32 pba_offset;
	u64 rom_size;
	u32 atomic_comp;

	bool pci_2_3;
	bool has_intx;
	bool has_vga;
	bool reset_works;
	bool extended_caps;
	bool needs_reset;
	bool reset_clean;
	bool idle_d3;
	bool needs_pm_restore;
	bool pm_runtime_engaged;
	bool pm_intx_masked;
	bool pm_suspend_now;

	struct vfio_pci_core_device *sriov_pf;
	struct vfio_pci_vf_token *vf_token;

	struct vfio_pci_config_state *config;
	struct vfio_pci_irq_state *irqs;
	struct vfio_pci_ioeventfd_state *ioeventfds;

	struct pci_saved_state *pci_saved_state;
	struct pci_saved_state *pm_saved_state;

	struct vfio_pci_dev_region *regions;
	int num_regions;

	struct rw_semaphore memory_lock;
	struct address_space *bar_mapping;
	struct inode *bar_inode;

	struct eventfd_ctx *pm_wake_trigger;
	struct notifier_block nb;
	struct list_head sriov_pfs_item;
};

/* Parameters owned by vfio-pci.ko */
void vfio_pci_core_set_params(bool nointxmask, bool is_disable_vga,
			      bool is_disable_idle_d3);

/* Device life cycle: vfio_device_ops.init/release and PCI probe/remove */
int vfio_pci_core_init_dev(struct vfio_device *core_vdev);
void vfio_pci_core_release_dev(struct vfio_device *core_vdev);
int vfio_pci_core_register_device(struct vfio_pci_core_device *vdev);
void vfio_pci_core_unregister_device(struct vfio_pci_core_device *vdev);

/* Open and close: vfio_device_ops.open_device/close_device */
int vfio_pci_core_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_core_finish_enable(struct vfio_pci_core_device *vdev);
void vfio_pci_core_disable(struct vfio_pci_core_device *vdev);
int vfio_pci_core_open_device(struct vfio_device *core_vdev);
void vfio_pci_core_close_device(struct vfio_device *core_vdev);

/* The remaining vfio_device_ops */
long vfio_pci_core_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			 unsigned long arg);
int vfio_pci_core_ioctl_feature(struct vfio_device *device, u32 flags,
				void __user *arg, size_t argsz);
ssize_t vfio_pci_core_read(struct vfio_device *core_vdev, char __user *buf,
			   size_t count, loff_t *ppos);
ssize_t vfio_pci_core_write(struct vfio_device *core_vdev,
			    const char __user *buf, size_t count,
			    loff_t *ppos);
int vfio_pci_core_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma);
void vfio_pci_core_request(struct vfio_device *core_vdev, unsigned int count);
int vfio_pci_core_match(struct vfio_device *core_vdev, char *buf);

/* pci_driver hooks */
extern const struct pci_error_handlers vfio_pci_core_err_handlers;
pci_ers_result_t vfio_pci_core_aer_err_detected(struct pci_dev *pdev,
						pci_channel_state_t state);
int vfio_pci_core_sriov_configure(struct vfio_pci_core_device *vdev,
				  int nr_virtfn);
extern const struct dev_pm_ops vfio_pci_core_pm_ops;

/* Services for variant drivers */
int vfio_pci_core_register_dev_region(struct vfio_pci_core_device *vdev,
				      u32 type, u32 subtype,
				      const struct vfio_pci_dev_region_ops *ops,
				      size_t size, u32 flags, void *data);

#endif /* VFIO_PCI_CORE_H */
