// SPDX-License-Identifier: GPL-2.0-only
/*
 * BAR mappings of VFIO PCI devices: mmap of the BARs and of device-specific
 * regions, the fault handler that inserts BAR pages while the device
 * decodes memory, and the revocation of every mapping (vfio_pci_zap_bars())
 * whenever it stops, through one address space per device. Also BARs
 * smaller than a page, mappable once the rest of their page is claimed.
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pci.h>
#include <linux/pseudo_fs.h>
#include <linux/vfio.h>

#include "vfio_pci_priv.h"

/*
 * Pages of BAR mapped per fault: enough that streaming through a mapping
 * takes one fault per 128 KiB, few enough that the first touch of a large
 * BAR stays cheap.
 */
#define VFIO_PCI_FAULT_AROUND_PAGES	32

/* See vfio_pci_set_file_mapping(). */
#define VFIO_PCI_MMAP_WRITABLE_BIAS	BIT(24)

/*
 * Revoking BAR mappings. Userspace mappings must disappear whenever the
 * device stops decoding memory (command register, D3hot, reset, close) so
 * that an access traps instead of reaching a device that would master-abort
 * or, worse, a BAR moved elsewhere. The kernel can zap every mapping of an
 * address space with one unmap_mapping_range(); the question is which
 * address space. VFIO 6.1 gives every device fd the one anon inode shared
 * by all anonymous files, so the fd's own f_mapping would zap unrelated
 * files. Instead this library mounts a tiny pseudo filesystem and gives
 * every device its own inode; mmap() points the device file's f_mapping at
 * that inode's mapping before the new vma is linked, so the vma lands in
 * that address space's interval tree (and so do the copies fork makes, and
 * munmap removes it from there). Zapping is then a single call, with no
 * list of vmas to maintain and none of the lock inversions such a list
 * needs: faults take memory_lock under mmap_lock, zaps take i_mmap_rwsem
 * under memory_lock, and nothing takes them the other way round.
 */
#define VFIO_PCI_FS_MAGIC	0x76666970

static struct vfsmount *vfio_pci_mnt;

static int vfio_pci_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, VFIO_PCI_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the mount below lives as long as the module, and a module
 * reference held by its own superblock would make the module unloadable.
 */
static struct file_system_type vfio_pci_fs_type = {
	.name = "vfio-pci",
	.init_fs_context = vfio_pci_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

void vfio_pci_zap_bars(struct vfio_pci_core_device *vdev)
{
	lockdep_assert_held_write(&vdev->memory_lock);
	unmap_mapping_range(vdev->bar_mapping, 0, 0, true);
}

u16 vfio_pci_memory_lock_and_enable(struct vfio_pci_core_device *vdev)
{
	u16 cmd;

	down_write(&vdev->memory_lock);
	pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vdev->pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

/*
 * Only the decode bit vfio_pci_memory_lock_and_enable() turned on is turned
 * back off, in the register as it is now: meanwhile the PCI core's MSI code
 * or vfio_pci_intrs.c may have changed the INTx-disable bit, which a write
 * of the old value would undo. Nothing else changes the memory bit, as
 * userspace does so under memory_lock held for write.
 */
void vfio_pci_memory_unlock_and_restore(struct vfio_pci_core_device *vdev,
					u16 cmd)
{
	u16 now;

	if (!(cmd & PCI_COMMAND_MEMORY)) {
		pci_read_config_word(vdev->pdev, PCI_COMMAND, &now);
		pci_write_config_word(vdev->pdev, PCI_COMMAND,
				      now & ~PCI_COMMAND_MEMORY);
	}
	up_write(&vdev->memory_lock);
}

/* The page frame of the BAR that the first page of @vma maps. */
static unsigned long vfio_pci_vma_base_pfn(struct vfio_pci_core_device *vdev,
					   struct vm_area_struct *vma)
{
	unsigned long pgmask = (1UL << (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1;
	unsigned int bar = vma->vm_pgoff >> (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);

	return (pci_resource_start(vdev->pdev, bar) >> PAGE_SHIFT) +
	       (vma->vm_pgoff & pgmask);
}

static vm_fault_t vfio_pci_mmap_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vfio_pci_core_device *vdev = vma->vm_private_data;
	unsigned long base_pfn = vfio_pci_vma_base_pfn(vdev, vma);
	unsigned long start, end, addr;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&vdev->memory_lock);
	if (vdev->pm_runtime_engaged || !vfio_pci_config_memory_enabled(vdev))
		goto out;

	ret = vmf_insert_pfn(vma, vmf->address, base_pfn +
			     ((vmf->address - vma->vm_start) >> PAGE_SHIFT));
	if (ret & VM_FAULT_ERROR)
		goto out;

	start = ALIGN_DOWN(vmf->address,
			   VFIO_PCI_FAULT_AROUND_PAGES * PAGE_SIZE);
	start = max(start, vma->vm_start);
	end = min(start + VFIO_PCI_FAULT_AROUND_PAGES * PAGE_SIZE, vma->vm_end);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (addr == vmf->address)
			continue;
		/* Already present pages are left alone by vmf_insert_pfn(). */
		if (vmf_insert_pfn(vma, addr, base_pfn +
				   ((addr - vma->vm_start) >> PAGE_SHIFT)) &
		    VM_FAULT_ERROR)
			break;
	}
out:
	up_read(&vdev->memory_lock);
	return ret;
}

/*
 * Where the kernel has huge pfnmaps, a fault may be served with one PMD or
 * PUD entry: when the vma covers the whole aligned block around the
 * address and the BAR's physical pages are aligned as much. Otherwise the
 * fault falls back to vfio_pci_mmap_fault(). Zapping revokes huge entries
 * as it does PTEs, so the decode-off guarantees are the same.
 */
static vm_fault_t __maybe_unused
vfio_pci_mmap_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vfio_pci_core_device *vdev = vma->vm_private_data;
	unsigned long size = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, size);
	unsigned long pfn;
	vm_fault_t ret;

	if (addr < vma->vm_start || addr + size > vma->vm_end)
		return VM_FAULT_FALLBACK;
	pfn = vfio_pci_vma_base_pfn(vdev, vma) +
	      ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (!IS_ALIGNED(pfn, 1UL << order))
		return VM_FAULT_FALLBACK;

	down_read(&vdev->memory_lock);
	if (vdev->pm_runtime_engaged || !vfio_pci_config_memory_enabled(vdev))
		ret = VM_FAULT_SIGBUS;
	else
		ret = vfio_pci_insert_pfn_order(vmf, pfn, order);
	up_read(&vdev->memory_lock);
	return ret;
}

static const struct vm_operations_struct vfio_pci_mmap_ops = {
	.fault = vfio_pci_mmap_fault,
	VFIO_PCI_HUGE_FAULT_OP(vfio_pci_mmap_huge_fault)
};

/*
 * Point the device file at the BAR address space, before the new vma is
 * linked (after ->mmap returns): see the comment above vfio_pci_zap_bars().
 *
 * mmap_region() counts a shared writable mapping in file->f_mapping's
 * i_mmap_writable before calling ->mmap and uncounts it there afterwards,
 * while linking and unlinking the vma count it in the mapping it is linked
 * to. The mmap that switches f_mapping moves the first count from the old
 * mapping to ours so that both stay balanced. Two processes sharing a fresh
 * device file could both have counted in the old mapping while only one of
 * them switches; the other then leaves one count behind in the old (shared
 * anon inode) mapping, where nothing looks at it, and takes one from ours,
 * which starts high (VFIO_PCI_MMAP_WRITABLE_BIAS) so that it never drops to
 * the negative value that would refuse writable mappings.
 */
static void vfio_pci_set_file_mapping(struct vfio_pci_core_device *vdev,
				      struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	struct address_space *old = READ_ONCE(file->f_mapping);

	if (old == vdev->bar_mapping ||
	    cmpxchg(&file->f_mapping, old, vdev->bar_mapping) != old)
		return;

	if (vma_is_shared_maywrite(vma)) {
		mapping_unmap_writable(old);
		mapping_allow_writable(vdev->bar_mapping);
	}
}

/**
 * vfio_pci_core_mmap - the mmap op of a VFIO PCI device
 * @core_vdev: the VFIO device
 * @vma: the new mapping; vm_pgoff selects the region and the offset in it
 *
 * Maps a BAR that can be mapped (MMIO, at least a page) with a shared
 * mapping that lies within the BAR, or a device-specific region through its
 * own mmap op. Pages are inserted on demand by the fault handler, which
 * refuses (SIGBUS) while the device does not decode memory; every mapping,
 * device-specific regions' included, is revoked whenever memory decode goes
 * away, on reset and on close.
 *
 * Return: 0 or -EINVAL for a region that cannot be mapped, a private
 * mapping or a range outside the region; an error of the BAR's claim.
 */
int vfio_pci_core_mmap(struct vfio_device *core_vdev,
		       struct vm_area_struct *vma)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core_vdev);
	struct pci_dev *pdev = vdev->pdev;
	unsigned long pgoff, req_len;
	unsigned int index;
	u64 phys_len;
	int ret;

	index = vma->vm_pgoff >> (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT);
	if (index >= VFIO_PCI_NUM_REGIONS + vdev->num_regions)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	if (index >= VFIO_PCI_NUM_REGIONS) {
		struct vfio_pci_dev_region *region =
			&vdev->regions[index - VFIO_PCI_NUM_REGIONS];

		if (!region->ops->mmap ||
		    !(region->flags & VFIO_REGION_INFO_FLAG_MMAP))
			return -EINVAL;
		/*
		 * Every vma of the device file must land in the one address
		 * space: a vma linked in the shared anon inode's mapping
		 * would later be unlinked from ours once a BAR mmap switched
		 * f_mapping. The region's vmas are hence revoked with the
		 * BARs' (see struct vfio_pci_dev_region_ops).
		 */
		vfio_pci_set_file_mapping(vdev, vma);
		return region->ops->mmap(vdev, region, vma);
	}
	if (index > VFIO_PCI_BAR5_REGION_INDEX || !vdev->bar_mmap_ok[index])
		return -EINVAL;

	phys_len = PAGE_ALIGN(pci_resource_len(pdev, index));
	req_len = vma->vm_end - vma->vm_start;
	pgoff = vma->vm_pgoff &
		((1UL << (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1);
	if (((u64)pgoff << PAGE_SHIFT) + req_len > phys_len)
		return -EINVAL;

	/* Claims the BAR for the device's user, as read/write does. */
	ret = vfio_pci_setup_barmap(vdev, index);
	if (ret)
		return ret;

	vma->vm_private_data = vdev;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vfio_pci_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vfio_pci_mmap_ops;
	vfio_pci_set_file_mapping(vdev, vma);
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_pci_core_mmap);

/**
 * vfio_pci_mmap_init_dev - give a new device its BAR address space
 * @vdev: the device, being initialised
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_mmap_init_dev(struct vfio_pci_core_device *vdev)
{
	vdev->bar_inode = alloc_anon_inode(vfio_pci_mnt->mnt_sb);
	if (IS_ERR(vdev->bar_inode))
		return PTR_ERR(vdev->bar_inode);
	vdev->bar_mapping = vdev->bar_inode->i_mapping;
	atomic_set(&vdev->bar_mapping->i_mmap_writable,
		   VFIO_PCI_MMAP_WRITABLE_BIAS);
	return 0;
}

/**
 * vfio_pci_mmap_release_dev - drop the BAR address space of a device
 * @vdev: the device, being freed: no mapping of it is left
 */
void vfio_pci_mmap_release_dev(struct vfio_pci_core_device *vdev)
{
	iput(vdev->bar_inode);
}

/* Module init and exit: the pseudo filesystem of the BAR address spaces. */
int __init vfio_pci_mmap_fs_init(void)
{
	vfio_pci_mnt = kern_mount(&vfio_pci_fs_type);
	return PTR_ERR_OR_ZERO(vfio_pci_mnt);
}

void vfio_pci_mmap_fs_exit(void)
{
	kern_unmount(vfio_pci_mnt);
}

/*
 * A BAR smaller than a page can only be mapped as the whole page, which
 * would also expose whatever else decodes there. It may be mapped if it
 * starts the page and the rest of the page is claimed, so that the PCI
 * core places nothing there while the device is bound.
 */
bool vfio_pci_claim_page_tail(struct vfio_pci_core_device *vdev, int bar)
{
	struct resource *res = &vdev->pdev->resource[bar];
	struct resource *tail = &vdev->bar_page_tail[bar];

	if (!res->parent || !PAGE_ALIGNED(res->start) || !resource_size(res))
		return false;
	tail->name = "vfio-pci BAR page tail";
	tail->start = res->end + 1;
	tail->end = res->start + PAGE_SIZE - 1;
	tail->flags = res->flags;
	return !request_resource(res->parent, tail);
}

void vfio_pci_release_page_tails(struct vfio_pci_core_device *vdev)
{
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (vdev->bar_page_tail[i].parent)
			release_resource(&vdev->bar_page_tail[i]);
}
