/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the VFIO PCI selftests: find a PCI device by
 * vendor:device, (un)bind drivers through sysfs, open a device through its
 * group and a type1 container, query regions and interrupts, access config
 * space and BARs, map DMA buffers, enter and leave low power.
 *
 * Conventions: functions returning int return 0 (or a count) on success
 * and a negative errno on failure, and leave errno alone otherwise;
 * functions returning pointers return NULL (with errno set) on failure.
 * Nothing here prints on success; failures of the device open path are
 * reported as "# vfio_util: ..." lines on stderr, so that a test's log
 * says which step failed.
 */
#ifndef VFIO_UTIL_H
#define VFIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

/* "dddd:bb:dd.f" plus NUL. */
#define VFIO_BDF_LEN 13

/* Well-known devices of the vm-run zoo. */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_REG_ID		0x00	/* reads 0x010000ed */
#define EDU_ID_VALUE		0x010000ed
#define EDU_REG_LIVENESS	0x04	/* reads back ~value written */
#define EDU_BAR0_SIZE		(1u << 20)
/* edu's DMA engine: 64-bit registers, and its 4 KiB buffer's address */
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		0x1	/* in CMD, clear when done */
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_IRQ		0x4
#define EDU_DMA_BUF		0x40000

/**
 * struct vfio_dev - an open VFIO device and what it takes to keep it open
 * @bdf:       PCI address, "dddd:bb:dd.f"
 * @group_id:  IOMMU group number (/dev/vfio/@group_id)
 * @container: /dev/vfio/vfio fd, set to the type1v2 IOMMU
 * @group:     group fd, attached to @container
 * @fd:        device fd
 * @info:      VFIO_DEVICE_GET_INFO result
 * @regions:   VFIO_DEVICE_GET_REGION_INFO of the first regions (no
 *             capabilities), for the offset of config space and BARs;
 *             all zero for a region the device does not have
 */
struct vfio_dev {
	char bdf[VFIO_BDF_LEN];
	int group_id;
	int container;
	int group;
	int fd;
	struct vfio_device_info info;
	struct vfio_region_info regions[VFIO_PCI_NUM_REGIONS];
};

/* --- sysfs ------------------------------------------------------------- */

/*
 * Find the @index'th (0-based, in sysfs order) PCI device with this vendor
 * and device ID; on success its address is stored in @bdf.
 * Returns 0 or -ENODEV.
 */
int vfio_find_device(uint16_t vendor, uint16_t device, unsigned int index,
		     char bdf[VFIO_BDF_LEN]);

/* Count the PCI devices with this vendor and device ID. */
unsigned int vfio_count_devices(uint16_t vendor, uint16_t device);

/*
 * Read /sys/bus/pci/devices/@bdf/@attr into @buf (NUL-terminated, trailing
 * newline removed). Returns the length or a negative errno.
 */
int vfio_sysfs_read(const char *bdf, const char *attr, char *buf, size_t len);

/* Read a numeric sysfs attribute (decimal or 0x-prefixed hex). */
int vfio_sysfs_read_ulong(const char *bdf, const char *attr,
			  unsigned long *val);

/* Write @val to /sys/bus/pci/devices/@bdf/@attr. */
int vfio_sysfs_write(const char *bdf, const char *attr, const char *val);

/*
 * Read @len bytes at @off of the device's real config space, as the host's
 * PCI core sees it (sysfs "config"): 0 or a negative errno.
 */
int vfio_sysfs_config_read(const char *bdf, unsigned int off, void *buf,
			   size_t len);

/*
 * All of the device's real config space that reads (256 or 4096 bytes, or
 * less for an unprivileged reader) into @buf, zero-filled beyond: the
 * number of bytes read or a negative errno.
 */
int vfio_sysfs_config_dump(const char *bdf, void *buf, size_t size);

/*
 * Name of the driver bound to @bdf into @buf ("" if none).
 * Returns 0 or a negative errno.
 */
int vfio_device_driver(const char *bdf, char *buf, size_t len);

/* IOMMU group number of @bdf, or a negative errno. */
int vfio_iommu_group(const char *bdf);

/*
 * Bind @bdf to @driver the way vm-run does: driver_override, unbind the
 * current driver, drivers_probe. @driver NULL clears the override and
 * leaves the device unbound. Returns 0 once @bdf is bound as asked.
 */
int vfio_bind(const char *bdf, const char *driver);

/* Unbind @bdf from its driver, if any. */
int vfio_unbind(const char *bdf);

/* --- open / close --------------------------------------------------------- */

/*
 * Open @bdf: a new type1v2 container, its group and the device fd; fills
 * in @dev. On failure everything opened so far is closed again and @dev
 * is left with all fds -1.
 */
int vfio_open(struct vfio_dev *dev, const char *bdf);

/*
 * vfio_open() with the "vf_token=@token" option of VFIO_GROUP_GET_DEVICE_FD
 * (a PF whose VFs are open, or a VF of a PF owned by VFIO, needs it); NULL
 * for none.
 */
int vfio_open_token(struct vfio_dev *dev, const char *bdf, const char *token);

/* vfio_find_device() and vfio_open() in one. */
int vfio_open_id(struct vfio_dev *dev, uint16_t vendor, uint16_t device,
		 unsigned int index);

/*
 * Open the first @vendor:@device if it is bound to vfio-pci, as the tests
 * expect vm-run to have left it. Returns 0, a negative errno if opening
 * failed, or 1 when the test should be skipped, with the reason in @why.
 * @dev can be passed to vfio_close() in every case.
 */
int vfio_open_bound(struct vfio_dev *dev, uint16_t vendor, uint16_t device,
		    char *why, size_t len);

/* Close the device, group and container fds (those that are open). */
void vfio_close(struct vfio_dev *dev);

/* --- information ------------------------------------------------------- */

/*
 * VFIO_DEVICE_GET_REGION_INFO with room for the capability chain: on
 * success *@info points to a malloc()ed buffer the caller frees.
 */
int vfio_region_info(int fd, uint32_t index, struct vfio_region_info **info);

/*
 * Find capability @id in the chain of @info (from vfio_region_info());
 * NULL if absent. A malformed chain (offsets out of bounds or going
 * backwards) also yields NULL, with errno EINVAL.
 */
struct vfio_info_cap_header *vfio_region_cap(struct vfio_region_info *info,
					     uint16_t id);

/* VFIO_DEVICE_GET_IRQ_INFO for @index into @irq. */
int vfio_irq_info(int fd, uint32_t index, struct vfio_irq_info *irq);

/* --- config space and BARs ------------------------------------------------ */

/* pread/pwrite of exactly @len bytes of config space at @off. */
int vfio_cfg_read(const struct vfio_dev *dev, off_t off, void *buf, size_t len);
int vfio_cfg_write(const struct vfio_dev *dev, off_t off, const void *buf,
		   size_t len);

/* Fixed-width config accessors (little endian, as config space is). */
int vfio_cfg_read8(const struct vfio_dev *dev, off_t off, uint8_t *val);
int vfio_cfg_read16(const struct vfio_dev *dev, off_t off, uint16_t *val);
int vfio_cfg_read32(const struct vfio_dev *dev, off_t off, uint32_t *val);
int vfio_cfg_write8(const struct vfio_dev *dev, off_t off, uint8_t val);
int vfio_cfg_write16(const struct vfio_dev *dev, off_t off, uint16_t val);
int vfio_cfg_write32(const struct vfio_dev *dev, off_t off, uint32_t val);

/* Offset of capability @id in the standard list, 0 if absent. */
int vfio_find_cap(const struct vfio_dev *dev, uint8_t id);

/* Set or clear the memory decode bit of the (virtual) command register. */
int vfio_set_memory_decode(const struct vfio_dev *dev, bool on);

/* pread/pwrite of exactly @len bytes at @off of region @index. */
int vfio_region_read(const struct vfio_dev *dev, uint32_t index, off_t off,
		     void *buf, size_t len);
int vfio_region_write(const struct vfio_dev *dev, uint32_t index, off_t off,
		      const void *buf, size_t len);

/*
 * mmap() all of region @index (shared, read/write as the region flags
 * allow); the length is dev->regions[@index].size. NULL on failure.
 */
void *vfio_region_mmap(const struct vfio_dev *dev, uint32_t index);

/*
 * Map the first @len bytes of region @index read-write at @skew bytes past
 * an @align boundary of the address space (a power of two): which page
 * table entries can map a mapping depends on its address, and mmap() picks
 * no aligned one by itself. Unmap with munmap(p, @len). NULL and errno on
 * failure.
 */
void *vfio_region_mmap_at(const struct vfio_dev *dev, uint32_t index,
			  size_t len, size_t align, size_t skew);

/* munmap() what vfio_region_mmap() returned. */
void vfio_region_munmap(const struct vfio_dev *dev, uint32_t index, void *p);

/*
 * Read or write one 32-bit register through a BAR mapping, catching the
 * SIGBUS the access raises when the driver refuses it (memory decode
 * off, device in low power, ...). Returns 0 or -EFAULT on SIGBUS.
 */
int vfio_try_read32(volatile uint32_t *p, uint32_t *val);
int vfio_try_write32(volatile uint32_t *p, uint32_t val);

/* --- DMA ------------------------------------------------------------------ */

/**
 * struct vfio_dma_buf - anonymous memory mapped for device DMA
 * @vaddr: process address
 * @iova:  device (IO virtual) address
 * @size:  length in bytes, a multiple of the page size
 */
struct vfio_dma_buf {
	void *vaddr;
	uint64_t iova;
	size_t size;
};

/* VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA on a container. */
int vfio_dma_map(int container, void *vaddr, uint64_t iova, size_t size,
		 uint32_t flags);
int vfio_dma_unmap(int container, uint64_t iova, size_t size);

/*
 * Allocate @size bytes (rounded up to pages, zeroed) and map them
 * read/write at @iova in @dev's container.
 */
int vfio_dma_alloc(struct vfio_dev *dev, size_t size, uint64_t iova,
		   struct vfio_dma_buf *buf);

/* Unmap and free a buffer from vfio_dma_alloc(). */
int vfio_dma_free(struct vfio_dev *dev, struct vfio_dma_buf *buf);

/* --- power --------------------------------------------------------------- */

/* VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY (@enter) or _EXIT on device @fd. */
int vfio_low_power(int fd, bool enter);

/*
 * Wait up to two seconds for @bdf's power_state attribute to read @want;
 * false, with a "# " line on stdout saying what it read, if it did not.
 */
bool vfio_wait_power_state(const char *bdf, const char *want);

/* --- which driver ------------------------------------------------------- */

/*
 * true if Debian's stock vfio-pci modules are loaded rather than ours.
 * vm-run says so in VFIO_DRIVER=ours|stock; without it, our out-of-tree
 * build is recognised by the "O" taint of vfio_pci_core.
 */
bool vfio_driver_is_stock(void);

/* "ours" or "stock", as above, for messages. */
const char *vfio_driver_name(void);

/*
 * true if the running kernel is Linux @major.@minor or later. Both drivers
 * follow the kernel they run on: a test whose expectation changed with a
 * kernel release (the VFIO core's, or the PCI core's) asks this.
 */
bool vfio_kernel_at_least(unsigned int major, unsigned int minor);

#endif /* VFIO_UTIL_H */
