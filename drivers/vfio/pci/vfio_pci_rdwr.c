// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO PCI: read/write access to BARs, the expansion ROM and the legacy VGA
 * ranges through the device fd, and ioeventfds (VFIO_DEVICE_IOEVENTFD).
 *
 * Every access goes through a kernel bounce buffer: the device is touched
 * with memory_lock held for read (so that it can neither stop decoding
 * memory nor enter low power under us), but the user buffer is only
 * touched with memory_lock dropped, because a fault on the user buffer may
 * land in an mmap of this very device, whose fault handler takes
 * memory_lock itself.
 */

#include <linux/eventfd.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vgaarb.h>

#include "vfio_pci_priv.h"

/* Upper bound on the ioeventfds of one device: each pins kernel memory. */
#define VFIO_PCI_IOEVENTFD_MAX	1000

/* Small accesses bounce through the stack, larger ones through a buffer. */
#define VFIO_PCI_RW_STACK_BYTES	64
#define VFIO_PCI_RW_CHUNK	PAGE_SIZE

/* The legacy VGA ranges, at their identity offsets in the VGA region. */
#define VFIO_PCI_VGA_MEM_START	0xa0000
#define VFIO_PCI_VGA_MEM_END	0xc0000
#define VFIO_PCI_VGA_IO_BASE	0x3b0
#define VFIO_PCI_VGA_IO_LEN	0x30

/**
 * struct vfio_pci_ioeventfd_state - per-device state owned by this file
 * @map_lock: serialises the creation of the kernel BAR mappings
 * @rom_lock: serialises ROM reads
 * @lock: protects @list and @count
 * @list: registered ioeventfds, struct vfio_pci_ioeventfd.next
 * @count: number of entries in @list
 *
 * The mutexes are taken before memory_lock, never while holding it.
 * @map_lock is taken under mmap_lock (by mmap), so it is never held
 * across user copies, which may fault; @rom_lock is, and so is never
 * taken under mmap_lock.
 */
struct vfio_pci_ioeventfd_state {
	/* vdev->barmap[] */
	struct mutex map_lock;
	/* the ROM mapping and its decode enable bit, for a whole read */
	struct mutex rom_lock;
	/* the list; the eventfd handlers never take it, they own their entry */
	struct mutex lock;
	struct list_head list;
	int count;
};

/**
 * struct vfio_pci_ioeventfd - one registered ioeventfd
 * @next: link in vfio_pci_ioeventfd_state.list
 * @vdev: the device written to
 * @virqfd: eventfd plumbing; cleared by vfio_virqfd when the eventfd closes
 * @addr: kernel address of the register in the BAR mapping
 * @data: value written, truncated to @count bytes
 * @pos: offset of the register in @bar
 * @bar: BAR index
 * @count: access width in bytes (1, 2, 4 or 8)
 * @mmio: the BAR is memory space: gate on memory decode, 8-byte writes
 *	are single transactions
 */
struct vfio_pci_ioeventfd {
	struct list_head next;
	struct vfio_pci_core_device *vdev;
	struct virqfd *virqfd;
	void __iomem *addr;
	u64 data;
	u64 pos;
	int bar;
	int count;
	bool mmio;
};

/*
 * How the device side of one access is serialised. Each takes memory_lock
 * for read and fails with -EIO unless the device is awake, see
 * vfio_pci_awake_get().
 */
enum vfio_pci_window_lock {
	VFIO_PCI_LOCK_IO,	/* I/O port BARs: no decode gating */
	VFIO_PCI_LOCK_MEMORY,	/* -EIO unless memory decodes too */
	VFIO_PCI_LOCK_VGA,	/* the VGA arbiter first */
};

/**
 * struct vfio_pci_window - a mapped range of device memory or I/O space
 * @io: kernel address of offset 0 of the window
 * @hole_start: start of a range that reads as all ones and drops writes
 * @hole_end: end of that range; equal to @hole_start when there is none
 * @mmio: memory space, so 8-byte accesses are single transactions
 * @lock: how accesses are serialised against the device going away
 * @vga_rsrc: VGA_RSRC_* to claim for %VFIO_PCI_LOCK_VGA
 */
struct vfio_pci_window {
	void __iomem *io;
	loff_t hole_start;
	loff_t hole_end;
	bool mmio;
	enum vfio_pci_window_lock lock;
	unsigned int vga_rsrc;
};

/*
 * May MMIO or port I/O reach the device? Caller holds memory_lock, which
 * makes pm_runtime_engaged stable. Out of low power the device holds the
 * open runtime PM reference, and entering low power needs memory_lock for
 * write, so it is in D0 for as long as the caller holds the lock. In low
 * power the device is in D0 only while somebody holds a reference (the
 * read/write op that woke it, vfio_pci_pm_access_begin()), and runtime
 * suspend does not take memory_lock: take a reference of our own for the
 * time of the access, only if the device is active, since nothing may wake
 * it under memory_lock. A device whose runtime PM is disabled cannot
 * change state that way: its power state says it all.
 *
 * Returns true if the device may be accessed; *@pm_ref then tells whether
 * vfio_pci_awake_put() has a reference to drop.
 */
static bool vfio_pci_awake_get(struct vfio_pci_core_device *vdev,
			       bool *pm_ref)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	*pm_ref = false;
	if (likely(!vdev->pm_runtime_engaged))
		return true;
	ret = vfio_pci_pm_runtime_get_if_active(&pdev->dev);
	if (ret < 0)
		return pdev->current_state == PCI_D0;
	if (!ret)
		return false;
	*pm_ref = true;
	return pdev->current_state == PCI_D0;
}

/*
 * Drop what vfio_pci_awake_get() took, whether or not it said yes. The
 * put is asynchronous, so this may run in atomic context and under
 * memory_lock: a synchronous idle could run runtime PM callbacks, which
 * may take memory_lock.
 */
static void vfio_pci_awake_put(struct vfio_pci_core_device *vdev, bool pm_ref)
{
	if (pm_ref)
		pm_runtime_put(&vdev->pdev->dev);
}

static int vfio_pci_window_lock(struct vfio_pci_core_device *vdev,
				const struct vfio_pci_window *win,
				bool *pm_ref)
{
	int ret;

	*pm_ref = false;
	if (win->lock == VFIO_PCI_LOCK_VGA) {
		ret = vga_get_interruptible(vdev->pdev, win->vga_rsrc);
		if (ret)
			return ret;
	}
	down_read(&vdev->memory_lock);
	if ((win->lock != VFIO_PCI_LOCK_MEMORY ||
	     vfio_pci_config_memory_enabled(vdev)) &&
	    vfio_pci_awake_get(vdev, pm_ref))
		return 0;
	up_read(&vdev->memory_lock);
	vfio_pci_awake_put(vdev, *pm_ref);
	if (win->lock == VFIO_PCI_LOCK_VGA)
		vga_put(vdev->pdev, win->vga_rsrc);
	return -EIO;
}

static void vfio_pci_window_unlock(struct vfio_pci_core_device *vdev,
				   const struct vfio_pci_window *win,
				   bool pm_ref)
{
	up_read(&vdev->memory_lock);
	vfio_pci_awake_put(vdev, pm_ref);
	if (win->lock == VFIO_PCI_LOCK_VGA)
		vga_put(vdev->pdev, win->vga_rsrc);
}

/* The bulk of a transfer: a run of aligned 8-byte MMIO accesses. */
static void vfio_pci_mmio_xfer64(void __iomem *io, void *buf, size_t len,
				 bool iswrite)
{
	size_t i;

	if (iswrite)
		for (i = 0; i < len; i += 8)
			writeq(le64_to_cpu(get_unaligned((__le64 *)(buf + i))),
			       io + i);
	else
		for (i = 0; i < len; i += 8)
			put_unaligned(cpu_to_le64(readq(io + i)),
				      (__le64 *)(buf + i));
}

/*
 * Move @len bytes between @buf and the device at @io, using the widest
 * naturally aligned accesses that fit: 8 bytes on memory space, 4 at most
 * on I/O ports (which have no 8-byte transactions). Data is kept in bus
 * (little endian) byte order in @buf.
 */
static void vfio_pci_io_xfer(void __iomem *io, void *buf, size_t len,
			     loff_t off, bool mmio, bool iswrite)
{
	while (len) {
		size_t n;

		if (mmio && len >= 8 && !(off & 7)) {
			n = len & ~(size_t)7;
			vfio_pci_mmio_xfer64(io, buf, n, iswrite);
		} else if (len >= 4 && !(off & 3)) {
			n = 4;
			if (iswrite)
				iowrite32(le32_to_cpu(get_unaligned((__le32 *)buf)), io);
			else
				put_unaligned(cpu_to_le32(ioread32(io)), (__le32 *)buf);
		} else if (len >= 2 && !(off & 1)) {
			n = 2;
			if (iswrite)
				iowrite16(le16_to_cpu(get_unaligned((__le16 *)buf)), io);
			else
				put_unaligned(cpu_to_le16(ioread16(io)), (__le16 *)buf);
		} else {
			n = 1;
			if (iswrite)
				iowrite8(*(u8 *)buf, io);
			else
				*(u8 *)buf = ioread8(io);
		}
		io += n;
		buf += n;
		off += n;
		len -= n;
	}
}

/* Transfer @len bytes at window offset @off, skipping over the hole. */
static void vfio_pci_window_xfer(const struct vfio_pci_window *win, void *buf,
				 size_t len, loff_t off, bool iswrite)
{
	while (len) {
		size_t n = len;

		if (off >= win->hole_start && off < win->hole_end) {
			n = min_t(u64, n, win->hole_end - off);
			if (!iswrite)
				memset(buf, 0xff, n);
		} else {
			if (off < win->hole_start)
				n = min_t(u64, n, win->hole_start - off);
			vfio_pci_io_xfer(win->io + off, buf, n, off, win->mmio,
					 iswrite);
		}
		buf += n;
		off += n;
		len -= n;
	}
}

/* One register access: a value in bus (little endian) byte order. */
union vfio_pci_reg {
	u8 b;
	__le16 w;
	__le32 l;
	__le64 q;
};

/*
 * Can @count bytes at @pos be one access? A naturally aligned size the
 * window supports, a user buffer that get_user()/put_user() can take as
 * is, and no part in the hole.
 */
static bool vfio_pci_window_one(const struct vfio_pci_window *win,
				const char __user *ubuf, size_t count,
				loff_t pos)
{
	if (count > (win->mmio ? 8 : 4) || !is_power_of_2(count))
		return false;
	if ((pos | (unsigned long)ubuf) & (count - 1))
		return false;
	return pos + count <= win->hole_start || pos >= win->hole_end;
}

/* [@pos, @pos + @len) lies wholly in the hole: nothing of the device. */
static bool vfio_pci_window_in_hole(const struct vfio_pci_window *win,
				    loff_t pos, size_t len)
{
	return pos >= win->hole_start && pos + len <= win->hole_end;
}

static int vfio_pci_reg_user(union vfio_pci_reg *reg, char __user *ubuf,
			     size_t count, bool iswrite)
{
	switch (count) {
	case 1:
		return iswrite ? get_user(reg->b, (u8 __user *)ubuf) :
				 put_user(reg->b, (u8 __user *)ubuf);
	case 2:
		return iswrite ? get_user(reg->w, (__le16 __user *)ubuf) :
				 put_user(reg->w, (__le16 __user *)ubuf);
	case 4:
		return iswrite ? get_user(reg->l, (__le32 __user *)ubuf) :
				 put_user(reg->l, (__le32 __user *)ubuf);
	default:
		return iswrite ? get_user(reg->q, (__le64 __user *)ubuf) :
				 put_user(reg->q, (__le64 __user *)ubuf);
	}
}

static void vfio_pci_reg_io(union vfio_pci_reg *reg, void __iomem *io,
			    size_t count, bool iswrite)
{
	switch (count) {
	case 1:
		if (iswrite)
			iowrite8(reg->b, io);
		else
			reg->b = ioread8(io);
		break;
	case 2:
		if (iswrite)
			iowrite16(le16_to_cpu(reg->w), io);
		else
			reg->w = cpu_to_le16(ioread16(io));
		break;
	case 4:
		if (iswrite)
			iowrite32(le32_to_cpu(reg->l), io);
		else
			reg->l = cpu_to_le32(ioread32(io));
		break;
	default:
		if (iswrite)
			writeq(le64_to_cpu(reg->q), io);
		else
			reg->q = cpu_to_le64(readq(io));
		break;
	}
}

/*
 * The fast path of vfio_pci_window_rw() for a single register access: no
 * bounce buffer and fixed-size user copies.
 */
static ssize_t vfio_pci_window_rw_one(struct vfio_pci_core_device *vdev,
				      const struct vfio_pci_window *win,
				      char __user *ubuf, size_t count,
				      loff_t pos, bool iswrite)
{
	union vfio_pci_reg reg;
	bool pm_ref;
	int ret;

	if (iswrite && vfio_pci_reg_user(&reg, ubuf, count, true))
		return -EFAULT;
	ret = vfio_pci_window_lock(vdev, win, &pm_ref);
	if (ret)
		return ret;
	vfio_pci_reg_io(&reg, win->io + pos, count, iswrite);
	vfio_pci_window_unlock(vdev, win, pm_ref);
	if (!iswrite && vfio_pci_reg_user(&reg, ubuf, count, false))
		return -EFAULT;
	return count;
}

/*
 * Copy @count bytes between @ubuf and window offset @pos, in chunks that
 * each take the window's lock once around the device accesses only. The
 * device may stop decoding or enter low power between two chunks: each
 * chunk checks again. A chunk wholly in the hole touches nothing of the
 * device and needs no lock. Returns the bytes transferred, or a negative
 * errno when none were.
 */
static ssize_t vfio_pci_window_rw(struct vfio_pci_core_device *vdev,
				  const struct vfio_pci_window *win,
				  char __user *ubuf, size_t count, loff_t pos,
				  bool iswrite)
{
	u64 stackbuf[VFIO_PCI_RW_STACK_BYTES / sizeof(u64)];
	size_t bufsz = sizeof(stackbuf), done = 0;
	void *kbuf = stackbuf;
	bool pm_ref, hole;
	int ret = 0;

	if (vfio_pci_window_one(win, ubuf, count, pos))
		return vfio_pci_window_rw_one(vdev, win, ubuf, count, pos,
					      iswrite);

	if (count > bufsz) {
		bufsz = min_t(size_t, count, VFIO_PCI_RW_CHUNK);
		kbuf = kmalloc(bufsz, GFP_KERNEL_ACCOUNT);
		if (!kbuf)
			return -ENOMEM;
	}

	while (done < count) {
		size_t n = min(count - done, bufsz);

		if (done && fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (iswrite && copy_from_user(kbuf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		hole = vfio_pci_window_in_hole(win, pos + done, n);
		if (!hole) {
			ret = vfio_pci_window_lock(vdev, win, &pm_ref);
			if (ret)
				break;
		}
		vfio_pci_window_xfer(win, kbuf, n, pos + done, iswrite);
		if (!hole)
			vfio_pci_window_unlock(vdev, win, pm_ref);
		if (!iswrite && copy_to_user(ubuf + done, kbuf, n)) {
			ret = -EFAULT;
			break;
		}
		done += n;
	}

	if (kbuf != stackbuf)
		kfree(kbuf);
	return done ? done : ret;
}

/**
 * vfio_pci_setup_barmap() - map a BAR into the kernel on first use
 * @vdev: the device, open
 * @bar: BAR index
 *
 * Claims the BAR's resource and maps all of it. The mapping stays until the
 * core calls vfio_pci_release_barmaps() on close.
 *
 * Return: 0 or a negative errno.
 */
int vfio_pci_setup_barmap(struct vfio_pci_core_device *vdev, int bar)
{
	struct pci_dev *pdev = vdev->pdev;
	void __iomem *io;
	int ret = 0;

	/* Pairs with the release below: the mapping is complete once seen. */
	if (smp_load_acquire(&vdev->barmap[bar]))
		return 0;

	mutex_lock(&vdev->ioeventfds->map_lock);
	if (vdev->barmap[bar])
		goto out;

	ret = pci_request_selected_regions(pdev, 1 << bar, "vfio");
	if (ret)
		goto out;
	io = pci_iomap(pdev, bar, 0);
	if (!io) {
		pci_release_selected_regions(pdev, 1 << bar);
		ret = -ENOMEM;
		goto out;
	}
	/* Lockless readers must see the mapping only once it is usable. */
	smp_store_release(&vdev->barmap[bar], io);
out:
	mutex_unlock(&vdev->ioeventfds->map_lock);
	return ret;
}

/**
 * vfio_pci_release_barmaps() - undo every vfio_pci_setup_barmap()
 * @vdev: the device, being closed
 *
 * Called by the core on close, after vfio_pci_ioeventfds_release() (the
 * ioeventfds write through these mappings) and once no read/write can be
 * in flight.
 */
void vfio_pci_release_barmaps(struct vfio_pci_core_device *vdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!vdev->barmap[bar])
			continue;
		pci_iounmap(vdev->pdev, vdev->barmap[bar]);
		pci_release_selected_regions(vdev->pdev, 1 << bar);
		vdev->barmap[bar] = NULL;
	}
}

/**
 * vfio_pci_bar_rw() - read or write a BAR region
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to transfer
 * @ppos: device fd offset (region index in the top bits); advanced by the
 *	bytes transferred
 * @iswrite: direction
 *
 * An access must start inside the BAR and is cut short at its end. The
 * MSI-X table reads as all ones and ignores writes: the vectors belong to
 * the host and are programmed through VFIO_DEVICE_SET_IRQS.
 *
 * Return: bytes transferred or a negative errno.
 */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	struct pci_dev *pdev = vdev->pdev;
	u64 index = VFIO_PCI_OFFSET_TO_INDEX(*ppos);
	loff_t pos = *ppos & VFIO_PCI_OFFSET_MASK;
	struct vfio_pci_window win = {};
	resource_size_t end;
	ssize_t ret;
	int bar;

	if (index > PCI_STD_RESOURCE_END)
		return -EINVAL;
	bar = index;
	end = pci_resource_len(pdev, bar);
	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	ret = vfio_pci_setup_barmap(vdev, bar);
	if (ret)
		return ret;

	win.io = vdev->barmap[bar];
	win.mmio = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;
	win.lock = win.mmio ? VFIO_PCI_LOCK_MEMORY : VFIO_PCI_LOCK_IO;
	if (vdev->msix_size && bar == vdev->msix_bar) {
		win.hole_start = vdev->msix_offset;
		win.hole_end = vdev->msix_offset + vdev->msix_size;
	}

	ret = vfio_pci_window_rw(vdev, &win, buf, count, pos, iswrite);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

/**
 * vfio_pci_rom_read() - read the expansion ROM region
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to read
 * @ppos: device fd offset; advanced by the bytes read
 *
 * The ROM is mapped (and its decode enabled, unless it is a shadow copy in
 * RAM) only for the duration of the call. Bytes of the ROM BAR past the
 * image found in it read as all ones. Reading the image takes memory
 * decode, as a BAR access does; a shadow copy is mapped without it, so
 * that the bytes past its image read even with decode off. An access must
 * start inside the ROM BAR and is cut short at its end.
 *
 * Return: bytes read or a negative errno.
 */
ssize_t vfio_pci_rom_read(struct vfio_pci_core_device *vdev, char __user *buf,
			  size_t count, loff_t *ppos)
{
	struct pci_dev *pdev = vdev->pdev;
	bool shadow = pdev->resource[PCI_ROM_RESOURCE].flags &
		      IORESOURCE_ROM_SHADOW;
	loff_t pos = *ppos & VFIO_PCI_OFFSET_MASK;
	struct vfio_pci_window win = {};
	resource_size_t end;
	bool pm_ref = false;
	ssize_t ret = 0;
	size_t size;

	end = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	/* Concurrent readers would disable the decode under each other. */
	mutex_lock(&vdev->ioeventfds->rom_lock);
	/* Mapping reads the ROM header, which needs the memory decode. */
	down_read(&vdev->memory_lock);
	if (shadow || (vfio_pci_config_memory_enabled(vdev) &&
		       vfio_pci_awake_get(vdev, &pm_ref)))
		win.io = pci_map_rom(pdev, &size);
	else
		ret = -EIO;
	up_read(&vdev->memory_lock);
	vfio_pci_awake_put(vdev, pm_ref);
	if (!win.io) {
		if (!ret)
			ret = -ENOMEM;
		goto out;
	}
	win.mmio = true;
	win.lock = VFIO_PCI_LOCK_MEMORY;
	win.hole_start = size;
	win.hole_end = end;

	ret = vfio_pci_window_rw(vdev, &win, buf, count, pos, false);
	pci_unmap_rom(pdev, win.io);
	if (ret > 0)
		*ppos += ret;
out:
	mutex_unlock(&vdev->ioeventfds->rom_lock);
	return ret;
}

/**
 * vfio_pci_vga_rw() - read or write the legacy VGA region
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to transfer
 * @ppos: device fd offset; advanced by the bytes transferred
 * @iswrite: direction
 *
 * The region offsets are the legacy addresses: the memory range
 * 0xa0000-0xbffff and the I/O ports 0x3b0-0x3bb and 0x3c0-0x3df. An access
 * must start in one of them and is cut short at its end. The VGA arbiter
 * routes the range to this device for the time of each access.
 *
 * Return: bytes transferred or a negative errno.
 */
ssize_t vfio_pci_vga_rw(struct vfio_pci_core_device *vdev, char __user *buf,
			size_t count, loff_t *ppos, bool iswrite)
{
	loff_t pos = *ppos & VFIO_PCI_OFFSET_MASK;
	struct vfio_pci_window win = {};
	loff_t start, end;
	ssize_t ret;

	if (!vdev->has_vga)
		return -EINVAL;

	if (pos >= VFIO_PCI_VGA_MEM_START && pos < VFIO_PCI_VGA_MEM_END) {
		start = VFIO_PCI_VGA_MEM_START;
		end = VFIO_PCI_VGA_MEM_END;
		win.mmio = true;
		win.vga_rsrc = VGA_RSRC_LEGACY_MEM;
	} else if (pos >= 0x3b0 && pos < 0x3bc) {
		start = VFIO_PCI_VGA_IO_BASE;
		end = 0x3bc;
		win.vga_rsrc = VGA_RSRC_LEGACY_IO;
	} else if (pos >= 0x3c0 && pos < 0x3e0) {
		start = VFIO_PCI_VGA_IO_BASE;
		end = 0x3e0;
		win.vga_rsrc = VGA_RSRC_LEGACY_IO;
	} else {
		return -EINVAL;
	}
	count = min_t(u64, count, end - pos);

	if (win.mmio)
		win.io = ioremap(start, end - start);
	else
		win.io = ioport_map(start, VFIO_PCI_VGA_IO_LEN);
	if (!win.io)
		return -ENOMEM;
	win.lock = VFIO_PCI_LOCK_VGA;

	ret = vfio_pci_window_rw(vdev, &win, buf, count, pos - start, iswrite);

	if (win.mmio)
		iounmap(win.io);
	else
		ioport_unmap(win.io);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static void vfio_pci_ioeventfd_do_write(struct vfio_pci_ioeventfd *ioeventfd)
{
	void __iomem *addr = ioeventfd->addr;
	u64 data = ioeventfd->data;

	/* MMIO straight away; iowrite*() would first tell MMIO from ports. */
	if (ioeventfd->mmio) {
		switch (ioeventfd->count) {
		case 1:
			writeb(data, addr);
			break;
		case 2:
			writew(data, addr);
			break;
		case 4:
			writel(data, addr);
			break;
		default:
			writeq(data, addr);
			break;
		}
		return;
	}
	switch (ioeventfd->count) {
	case 1:
		iowrite8(data, addr);
		break;
	case 2:
		iowrite16(data, addr);
		break;
	case 4:
		iowrite32(data, addr);
		break;
	default:
		/* I/O space has no 8-byte transaction: low half first. */
		iowrite32(lower_32_bits(data), addr);
		iowrite32(upper_32_bits(data), addr + 4);
		break;
	}
}

/*
 * Caller holds memory_lock. The write is dropped, as the device would drop
 * it, while a memory BAR does not decode or while the device is in low
 * power and not awake (a device in D3hot only answers config cycles, port
 * I/O included).
 */
static void vfio_pci_ioeventfd_write_locked(struct vfio_pci_ioeventfd *ioeventfd)
{
	struct vfio_pci_core_device *vdev = ioeventfd->vdev;
	bool pm_ref = false;

	if ((!ioeventfd->mmio || vfio_pci_config_memory_enabled(vdev)) &&
	    vfio_pci_awake_get(vdev, &pm_ref))
		vfio_pci_ioeventfd_do_write(ioeventfd);
	vfio_pci_awake_put(vdev, pm_ref);
}

/*
 * Called from the eventfd wake-up, in atomic context: write right away if
 * memory_lock is free, else leave it to vfio_pci_ioeventfd_thread().
 */
static int vfio_pci_ioeventfd_handler(void *opaque, void *unused)
{
	struct vfio_pci_ioeventfd *ioeventfd = opaque;
	struct vfio_pci_core_device *vdev = ioeventfd->vdev;

	if (!down_read_trylock(&vdev->memory_lock))
		return 1;
	vfio_pci_ioeventfd_write_locked(ioeventfd);
	up_read(&vdev->memory_lock);
	return 0;
}

static void vfio_pci_ioeventfd_thread(void *opaque, void *unused)
{
	struct vfio_pci_ioeventfd *ioeventfd = opaque;
	struct vfio_pci_core_device *vdev = ioeventfd->vdev;

	down_read(&vdev->memory_lock);
	vfio_pci_ioeventfd_write_locked(ioeventfd);
	up_read(&vdev->memory_lock);
}

/* Caller holds state->lock. */
static void vfio_pci_ioeventfd_free(struct vfio_pci_ioeventfd_state *state,
				    struct vfio_pci_ioeventfd *ioeventfd)
{
	vfio_virqfd_disable(&ioeventfd->virqfd);
	list_del(&ioeventfd->next);
	state->count--;
	kfree(ioeventfd);
}

/*
 * @offset comes from userspace as is: all 64 bits are the user's, so the
 * index is computed and range-checked as u64 before it is used as an
 * array index.
 */
static int vfio_pci_ioeventfd_set(struct vfio_pci_core_device *vdev,
				  u64 offset, u64 data, int count, int fd)
{
	struct vfio_pci_ioeventfd_state *state = vdev->ioeventfds;
	struct pci_dev *pdev = vdev->pdev;
	u64 index = VFIO_PCI_OFFSET_TO_INDEX(offset);
	u64 pos = offset & VFIO_PCI_OFFSET_MASK;
	struct vfio_pci_ioeventfd *ioeventfd;
	resource_size_t len;
	int bar, ret;

	if (index > PCI_STD_RESOURCE_END || fd < -1)
		return -EINVAL;
	bar = index;
	len = pci_resource_len(pdev, bar);
	/* pos < 2^40 and count <= 8: the sum cannot wrap. */
	if (!len || pos + count > len)
		return -EINVAL;
	/* The MSI-X table is the host's, see vfio_pci_bar_rw(). */
	if (vdev->msix_size && bar == vdev->msix_bar &&
	    pos + count > vdev->msix_offset &&
	    pos < vdev->msix_offset + vdev->msix_size)
		return -EINVAL;

	ret = vfio_pci_setup_barmap(vdev, bar);
	if (ret)
		return ret;

	mutex_lock(&state->lock);

	list_for_each_entry(ioeventfd, &state->list, next) {
		if (ioeventfd->bar == bar && ioeventfd->pos == pos &&
		    ioeventfd->data == data && ioeventfd->count == count) {
			if (fd == -1) {
				vfio_pci_ioeventfd_free(state, ioeventfd);
				ret = 0;
			} else {
				ret = -EEXIST;
			}
			goto out;
		}
	}

	if (fd == -1) {
		ret = -ENODEV;
		goto out;
	}
	if (state->count >= VFIO_PCI_IOEVENTFD_MAX) {
		ret = -ENOSPC;
		goto out;
	}

	ioeventfd = kzalloc(sizeof(*ioeventfd), GFP_KERNEL_ACCOUNT);
	if (!ioeventfd) {
		ret = -ENOMEM;
		goto out;
	}
	ioeventfd->vdev = vdev;
	ioeventfd->addr = vdev->barmap[bar] + pos;
	ioeventfd->data = data;
	ioeventfd->pos = pos;
	ioeventfd->bar = bar;
	ioeventfd->count = count;
	ioeventfd->mmio = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;

	ret = vfio_virqfd_enable(ioeventfd, vfio_pci_ioeventfd_handler,
				 vfio_pci_ioeventfd_thread, NULL,
				 &ioeventfd->virqfd, fd);
	if (ret) {
		kfree(ioeventfd);
		goto out;
	}
	list_add(&ioeventfd->next, &state->list);
	state->count++;
out:
	mutex_unlock(&state->lock);
	return ret;
}

/**
 * vfio_pci_ioctl_ioeventfd() - VFIO_DEVICE_IOEVENTFD
 * @vdev: the device
 * @arg: user pointer to struct vfio_device_ioeventfd
 *
 * Registers an eventfd that writes a fixed value of 1, 2, 4 or 8 bytes at a
 * BAR offset each time it is signalled, or with fd -1 unregisters the one
 * matching offset, data and size exactly.
 *
 * Return: 0 or a negative errno.
 */
long vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vdev,
			      void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_ioeventfd, fd);
	struct vfio_device_ioeventfd ioeventfd;
	int count;

	if (copy_from_user(&ioeventfd, arg, minsz))
		return -EFAULT;
	if (ioeventfd.argsz < minsz)
		return -EINVAL;
	if (ioeventfd.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;

	count = ioeventfd.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	if (hweight8(count) != 1)
		return -EINVAL;
	count = 1 << __ffs(count);

	return vfio_pci_ioeventfd_set(vdev, ioeventfd.offset, ioeventfd.data,
				      count, ioeventfd.fd);
}

/**
 * vfio_pci_ioeventfds_release() - remove every ioeventfd
 * @vdev: the device
 *
 * On close only: registrations survive VFIO_DEVICE_RESET and hot resets,
 * as userspace set them up for the device, not for its state. Waits for
 * running handlers, which may wait for memory_lock: the caller must not
 * hold memory_lock.
 */
void vfio_pci_ioeventfds_release(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd_state *state = vdev->ioeventfds;
	struct vfio_pci_ioeventfd *ioeventfd, *tmp;

	mutex_lock(&state->lock);
	list_for_each_entry_safe(ioeventfd, tmp, &state->list, next)
		vfio_pci_ioeventfd_free(state, ioeventfd);
	mutex_unlock(&state->lock);
}

/**
 * vfio_pci_ioeventfds_init() - allocate the state of this file
 * @vdev: the device, being initialised
 *
 * Must run before any other function of this file is called on @vdev.
 *
 * Return: 0 or -ENOMEM.
 */
int vfio_pci_ioeventfds_init(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd_state *state;

	state = kzalloc(sizeof(*state), GFP_KERNEL);
	if (!state)
		return -ENOMEM;
	mutex_init(&state->map_lock);
	mutex_init(&state->rom_lock);
	mutex_init(&state->lock);
	INIT_LIST_HEAD(&state->list);
	vdev->ioeventfds = state;
	return 0;
}

/**
 * vfio_pci_ioeventfds_exit() - free the state of this file
 * @vdev: the device, being released; closed, so without ioeventfds
 */
void vfio_pci_ioeventfds_exit(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd_state *state = vdev->ioeventfds;

	mutex_destroy(&state->lock);
	mutex_destroy(&state->rom_lock);
	mutex_destroy(&state->map_lock);
	kfree(state);
	vdev->ioeventfds = NULL;
}
