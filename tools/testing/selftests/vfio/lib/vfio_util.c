// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the VFIO PCI selftests; see vfio_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/pci_regs.h>

#include "vfio_util.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

static void vfio_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# vfio_util: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Exactly @len bytes or an error: short transfers are -EIO. */
static int full_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* --- sysfs ------------------------------------------------------------- */

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

static int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

int vfio_sysfs_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return read_file(path, buf, len);
}

/* pread() of sysfs "config": the bytes read or a negative errno. */
static ssize_t sysfs_config_pread(const char *bdf, void *buf, size_t len,
				  off_t off)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, off);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

int vfio_sysfs_config_read(const char *bdf, unsigned int off, void *buf,
			   size_t len)
{
	ssize_t n = sysfs_config_pread(bdf, buf, len, off);

	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int vfio_sysfs_config_dump(const char *bdf, void *buf, size_t size)
{
	memset(buf, 0, size);
	return sysfs_config_pread(bdf, buf, size, 0);
}

int vfio_sysfs_read_ulong(const char *bdf, const char *attr,
			  unsigned long *val)
{
	char buf[64], *end;
	int ret;

	ret = vfio_sysfs_read(bdf, attr, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

int vfio_sysfs_write(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
	return write_file(path, val);
}

/* Visit the devices with this ID in sysfs order; stop at the @index'th. */
static unsigned int scan_devices(uint16_t vendor, uint16_t device,
				 unsigned int index, char bdf[VFIO_BDF_LEN])
{
	struct dirent **names;
	unsigned int found = 0;
	int i, n;

	n = scandir(PCI_DEVICES, &names, NULL, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		unsigned long v, d;

		if (name[0] == '.' || strlen(name) != VFIO_BDF_LEN - 1)
			continue;
		if (vfio_sysfs_read_ulong(name, "vendor", &v) ||
		    vfio_sysfs_read_ulong(name, "device", &d))
			continue;
		if (v != vendor || d != device)
			continue;
		if (bdf && found == index) {
			memcpy(bdf, name, VFIO_BDF_LEN);
			found++;
			break;
		}
		found++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return found;
}

int vfio_find_device(uint16_t vendor, uint16_t device, unsigned int index,
		     char bdf[VFIO_BDF_LEN])
{
	return scan_devices(vendor, device, index, bdf) > index ? 0 : -ENODEV;
}

unsigned int vfio_count_devices(uint16_t vendor, uint16_t device)
{
	return scan_devices(vendor, device, 0, NULL);
}

static int link_basename(const char *bdf, const char *link, char *buf,
			 size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int vfio_device_driver(const char *bdf, char *buf, size_t len)
{
	int ret = link_basename(bdf, "driver", buf, len);

	if (ret == -ENOENT) {
		char path[PATH_MAX];

		/* No driver link is fine; no device is not. */
		snprintf(path, sizeof(path), PCI_DEVICES "/%s", bdf);
		if (access(path, F_OK))
			return -ENODEV;
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return ret;
}

int vfio_iommu_group(const char *bdf)
{
	char name[32], *end;
	long group;
	int ret;

	ret = link_basename(bdf, "iommu_group", name, sizeof(name));
	if (ret)
		return ret;
	group = strtol(name, &end, 10);
	if (*end || group < 0 || group > INT_MAX)
		return -EINVAL;
	return group;
}

int vfio_unbind(const char *bdf)
{
	char driver[64], path[PATH_MAX];
	int ret;

	ret = vfio_device_driver(bdf, driver, sizeof(driver));
	if (ret || !driver[0])
		return ret;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf);
	return write_file(path, bdf);
}

int vfio_bind(const char *bdf, const char *driver)
{
	char now[64];
	int ret;

	/* A single newline clears driver_override. */
	ret = vfio_sysfs_write(bdf, "driver_override", driver ? driver : "\n");
	if (ret)
		return ret;
	ret = vfio_unbind(bdf);
	if (ret)
		return ret;
	if (!driver)
		return 0;
	ret = write_file("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;
	ret = vfio_device_driver(bdf, now, sizeof(now));
	if (ret)
		return ret;
	return strcmp(now, driver) ? -ENXIO : 0;
}

/* --- open / close --------------------------------------------------------- */

static void dev_init(struct vfio_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->container = -1;
	dev->group = -1;
	dev->fd = -1;
	dev->group_id = -1;
}

void vfio_close(struct vfio_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	if (dev->group >= 0)
		close(dev->group);
	if (dev->container >= 0)
		close(dev->container);
	dev->fd = -1;
	dev->group = -1;
	dev->container = -1;
}

int vfio_open(struct vfio_dev *dev, const char *bdf)
{
	return vfio_open_token(dev, bdf, NULL);
}

int vfio_open_token(struct vfio_dev *dev, const char *bdf, const char *token)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64], name[64];
	uint32_t i;
	int ret;

	dev_init(dev);
	if (strlen(bdf) != VFIO_BDF_LEN - 1) {
		vfio_log("%s: not a PCI address", bdf);
		return -EINVAL;
	}
	memcpy(dev->bdf, bdf, VFIO_BDF_LEN);

	ret = vfio_iommu_group(bdf);
	if (ret < 0) {
		vfio_log("%s: no IOMMU group: %s", bdf, strerror(-ret));
		return ret;
	}
	dev->group_id = ret;

	dev->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container < 0) {
		ret = -errno;
		vfio_log("open /dev/vfio/vfio: %s", strerror(errno));
		goto err;
	}
	if (ioctl(dev->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(dev->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		ret = -ENOTSUP;
		vfio_log("no VFIO API %d with type1v2 IOMMU", VFIO_API_VERSION);
		goto err;
	}

	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->group_id);
	dev->group = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group < 0) {
		ret = -errno;
		vfio_log("open %s (%s): %s", path, bdf, strerror(errno));
		goto err;
	}
	if (ioctl(dev->group, VFIO_GROUP_GET_STATUS, &status)) {
		ret = -errno;
		vfio_log("VFIO_GROUP_GET_STATUS %s: %s", path, strerror(errno));
		goto err;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		ret = -EBUSY;
		vfio_log("group %d is not viable (a device of it is not bound to vfio)",
			 dev->group_id);
		goto err;
	}
	if (ioctl(dev->group, VFIO_GROUP_SET_CONTAINER, &dev->container)) {
		ret = -errno;
		vfio_log("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
		goto err;
	}
	if (ioctl(dev->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		ret = -errno;
		vfio_log("VFIO_SET_IOMMU type1v2: %s", strerror(errno));
		goto err;
	}

	if (token)
		snprintf(name, sizeof(name), "%s vf_token=%s", bdf, token);
	else
		snprintf(name, sizeof(name), "%s", bdf);
	dev->fd = ioctl(dev->group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (dev->fd < 0) {
		ret = -errno;
		vfio_log("VFIO_GROUP_GET_DEVICE_FD %s: %s", name, strerror(errno));
		goto err;
	}

	dev->info.argsz = sizeof(dev->info);
	if (ioctl(dev->fd, VFIO_DEVICE_GET_INFO, &dev->info)) {
		ret = -errno;
		vfio_log("VFIO_DEVICE_GET_INFO %s: %s", bdf, strerror(errno));
		goto err;
	}
	for (i = 0; i < VFIO_PCI_NUM_REGIONS && i < dev->info.num_regions; i++) {
		struct vfio_region_info *r = &dev->regions[i];

		r->argsz = sizeof(*r);
		r->index = i;
		if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, r)) {
			/* Only VGA devices have the VGA region. */
			if (i == VFIO_PCI_VGA_REGION_INDEX && errno == EINVAL) {
				memset(r, 0, sizeof(*r));
				continue;
			}
			ret = -errno;
			vfio_log("VFIO_DEVICE_GET_REGION_INFO %s %u: %s", bdf, i,
				 strerror(errno));
			goto err;
		}
	}
	return 0;

err:
	vfio_close(dev);
	return ret;
}

int vfio_open_id(struct vfio_dev *dev, uint16_t vendor, uint16_t device,
		 unsigned int index)
{
	char bdf[VFIO_BDF_LEN];
	int ret;

	ret = vfio_find_device(vendor, device, index, bdf);
	if (ret) {
		dev_init(dev);
		vfio_log("no PCI device %04x:%04x #%u", vendor, device, index);
		return ret;
	}
	return vfio_open(dev, bdf);
}

int vfio_open_bound(struct vfio_dev *dev, uint16_t vendor, uint16_t device,
		    char *why, size_t len)
{
	char bdf[VFIO_BDF_LEN], driver[64];

	dev_init(dev);
	if (vfio_find_device(vendor, device, 0, bdf)) {
		snprintf(why, len, "no %04x:%04x device", vendor, device);
		return 1;
	}
	if (vfio_device_driver(bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci")) {
		snprintf(why, len, "%04x:%04x at %s is not bound to vfio-pci",
			 vendor, device, bdf);
		return 1;
	}
	return vfio_open(dev, bdf);
}

/* --- information ------------------------------------------------------- */

int vfio_region_info(int fd, uint32_t index, struct vfio_region_info **info)
{
	struct vfio_region_info *r;
	uint32_t argsz = sizeof(*r);

	/* Twice at most: the second time with the size the kernel asked for. */
	for (;;) {
		r = calloc(1, argsz);
		if (!r)
			return -ENOMEM;
		r->argsz = argsz;
		r->index = index;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, r)) {
			int ret = -errno;

			free(r);
			return ret;
		}
		if (r->argsz <= argsz)
			break;
		if (argsz != sizeof(*r)) {
			/* The size grew between two calls. */
			free(r);
			return -EPROTO;
		}
		argsz = r->argsz;
		free(r);
	}
	*info = r;
	return 0;
}

struct vfio_info_cap_header *vfio_region_cap(struct vfio_region_info *info,
					     uint16_t id)
{
	uint32_t off, prev = 0;

	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return NULL;
	for (off = info->cap_offset; off; ) {
		struct vfio_info_cap_header *hdr;

		if (off < sizeof(*info) || off <= prev ||
		    off > info->argsz - sizeof(*hdr)) {
			errno = EINVAL;
			return NULL;
		}
		hdr = (struct vfio_info_cap_header *)((char *)info + off);
		if (hdr->id == id)
			return hdr;
		prev = off;
		off = hdr->next;
	}
	return NULL;
}

int vfio_irq_info(int fd, uint32_t index, struct vfio_irq_info *irq)
{
	memset(irq, 0, sizeof(*irq));
	irq->argsz = sizeof(*irq);
	irq->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, irq) ? -errno : 0;
}

/* --- config space and BARs ------------------------------------------------ */

int vfio_region_read(const struct vfio_dev *dev, uint32_t index, off_t off,
		     void *buf, size_t len)
{
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	return full_pread(dev->fd, buf, len, dev->regions[index].offset + off);
}

int vfio_region_write(const struct vfio_dev *dev, uint32_t index, off_t off,
		      const void *buf, size_t len)
{
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	return full_pwrite(dev->fd, buf, len, dev->regions[index].offset + off);
}

int vfio_cfg_read(const struct vfio_dev *dev, off_t off, void *buf, size_t len)
{
	return vfio_region_read(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, buf, len);
}

int vfio_cfg_write(const struct vfio_dev *dev, off_t off, const void *buf,
		   size_t len)
{
	return vfio_region_write(dev, VFIO_PCI_CONFIG_REGION_INDEX, off, buf, len);
}

/* x86 is little endian like config space; these are plain copies. */
int vfio_cfg_read8(const struct vfio_dev *dev, off_t off, uint8_t *val)
{
	return vfio_cfg_read(dev, off, val, sizeof(*val));
}

int vfio_cfg_read16(const struct vfio_dev *dev, off_t off, uint16_t *val)
{
	return vfio_cfg_read(dev, off, val, sizeof(*val));
}

int vfio_cfg_read32(const struct vfio_dev *dev, off_t off, uint32_t *val)
{
	return vfio_cfg_read(dev, off, val, sizeof(*val));
}

int vfio_cfg_write8(const struct vfio_dev *dev, off_t off, uint8_t val)
{
	return vfio_cfg_write(dev, off, &val, sizeof(val));
}

int vfio_cfg_write16(const struct vfio_dev *dev, off_t off, uint16_t val)
{
	return vfio_cfg_write(dev, off, &val, sizeof(val));
}

int vfio_cfg_write32(const struct vfio_dev *dev, off_t off, uint32_t val)
{
	return vfio_cfg_write(dev, off, &val, sizeof(val));
}

int vfio_find_cap(const struct vfio_dev *dev, uint8_t id)
{
	uint16_t status;
	uint8_t pos, cap_id;
	int guard = 48;	/* (256 - 64) / 4 fit: stops a list that loops */

	if (vfio_cfg_read16(dev, PCI_STATUS, &status) ||
	    !(status & PCI_STATUS_CAP_LIST))
		return 0;
	if (vfio_cfg_read8(dev, PCI_CAPABILITY_LIST, &pos))
		return 0;
	while (pos >= 0x40 && guard--) {
		pos &= ~3;
		if (vfio_cfg_read8(dev, pos + PCI_CAP_LIST_ID, &cap_id))
			return 0;
		if (cap_id == id)
			return pos;
		if (vfio_cfg_read8(dev, pos + PCI_CAP_LIST_NEXT, &pos))
			return 0;
	}
	return 0;
}

int vfio_set_memory_decode(const struct vfio_dev *dev, bool on)
{
	uint16_t cmd;
	int ret;

	ret = vfio_cfg_read16(dev, PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	if (on)
		cmd |= PCI_COMMAND_MEMORY;
	else
		cmd &= ~PCI_COMMAND_MEMORY;
	return vfio_cfg_write16(dev, PCI_COMMAND, cmd);
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, sig);
}

/* *@val = *@p, or *@p = *@val if @write, catching a SIGBUS. */
static int try_access32(volatile uint32_t *p, uint32_t *val, bool write)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int ret = 0;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(sigbus_jmp, 1)) {
		if (write)
			*p = *val;
		else
			*val = *p;
	} else {
		ret = -EFAULT;
	}
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

int vfio_try_read32(volatile uint32_t *p, uint32_t *val)
{
	return try_access32(p, val, false);
}

int vfio_try_write32(volatile uint32_t *p, uint32_t val)
{
	return try_access32(p, &val, true);
}

void *vfio_region_mmap(const struct vfio_dev *dev, uint32_t index)
{
	const struct vfio_region_info *r;
	int prot = 0;
	void *p;

	if (index >= VFIO_PCI_NUM_REGIONS || !dev->regions[index].size) {
		errno = EINVAL;
		return NULL;
	}
	r = &dev->regions[index];
	if (r->flags & VFIO_REGION_INFO_FLAG_READ)
		prot |= PROT_READ;
	if (r->flags & VFIO_REGION_INFO_FLAG_WRITE)
		prot |= PROT_WRITE;
	p = mmap(NULL, r->size, prot, MAP_SHARED, dev->fd, r->offset);
	return p == MAP_FAILED ? NULL : p;
}

void *vfio_region_mmap_at(const struct vfio_dev *dev, uint32_t index,
			  size_t len, size_t align, size_t skew)
{
	uint8_t *hole, *at;
	void *p;

	if (index >= VFIO_PCI_NUM_REGIONS || len > dev->regions[index].size) {
		errno = EINVAL;
		return NULL;
	}
	/* Reserve room for an aligned start, then map over part of it. */
	hole = mmap(NULL, len + skew + align, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED)
		return NULL;
	at = (uint8_t *)(((uintptr_t)hole + align - 1) & ~(uintptr_t)(align - 1));
	if (at > hole)
		munmap(hole, at - hole);
	munmap(at + len + skew, hole + len + skew + align - (at + len + skew));
	at += skew;
	p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 dev->fd, dev->regions[index].offset);
	if (p == MAP_FAILED) {
		munmap(at - skew, len + skew);
		return NULL;
	}
	if (skew)
		munmap(at - skew, skew);
	return p;
}

void vfio_region_munmap(const struct vfio_dev *dev, uint32_t index, void *p)
{
	if (p && index < VFIO_PCI_NUM_REGIONS)
		munmap(p, dev->regions[index].size);
}

/* --- DMA ------------------------------------------------------------------ */

int vfio_dma_map(int container, void *vaddr, uint64_t iova, size_t size,
		 uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

int vfio_dma_unmap(int container, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return unmap.size == size ? 0 : -EIO;
}

int vfio_dma_alloc(struct vfio_dev *dev, size_t size, uint64_t iova,
		   struct vfio_dma_buf *buf)
{
	size_t page = sysconf(_SC_PAGESIZE);
	int ret;

	buf->size = (size + page - 1) & ~(page - 1);
	buf->iova = iova;
	buf->vaddr = mmap(NULL, buf->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf->vaddr == MAP_FAILED) {
		buf->vaddr = NULL;
		return -errno;
	}
	ret = vfio_dma_map(dev->container, buf->vaddr, iova, buf->size,
			   VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (ret) {
		munmap(buf->vaddr, buf->size);
		buf->vaddr = NULL;
	}
	return ret;
}

int vfio_dma_free(struct vfio_dev *dev, struct vfio_dma_buf *buf)
{
	int ret;

	if (!buf->vaddr)
		return 0;
	ret = vfio_dma_unmap(dev->container, buf->iova, buf->size);
	munmap(buf->vaddr, buf->size);
	buf->vaddr = NULL;
	return ret;
}

/* --- power --------------------------------------------------------------- */

int vfio_low_power(int fd, bool enter)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 (enter ? VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY :
				  VFIO_DEVICE_FEATURE_LOW_POWER_EXIT),
	};

	return ioctl(fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

bool vfio_wait_power_state(const char *bdf, const char *want)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char buf[32] = "";
	int i;

	for (i = 0; i < 200; i++) {
		if (vfio_sysfs_read(bdf, "power_state", buf, sizeof(buf)) > 0 &&
		    !strcmp(buf, want))
			return true;
		nanosleep(&ts, NULL);
	}
	printf("# %s power_state is %s, not %s\n", bdf, buf, want);
	return false;
}

/* --- which driver ------------------------------------------------------- */

bool vfio_driver_is_stock(void)
{
	const char *env = getenv("VFIO_DRIVER");
	char taint[32];

	if (env && !strcmp(env, "stock"))
		return true;
	if (env && !strcmp(env, "ours"))
		return false;
	/* Our modules are built out of tree; Debian's are not. */
	if (read_file("/sys/module/vfio_pci_core/taint", taint, sizeof(taint)) < 0)
		return false;
	return !strchr(taint, 'O');
}

const char *vfio_driver_name(void)
{
	return vfio_driver_is_stock() ? "stock" : "ours";
}

bool vfio_kernel_at_least(unsigned int major, unsigned int minor)
{
	unsigned int ma = 0, mi = 0;
	struct utsname u;

	if (uname(&u) || sscanf(u.release, "%u.%u", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}
