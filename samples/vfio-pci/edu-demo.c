// SPDX-License-Identifier: GPL-2.0-only
/*
 * edu-demo: the smallest useful VFIO client, for `make demo`.
 *
 * It finds QEMU's edu device (1234:11e8), which must be bound to vfio-pci,
 * and drives it from userspace through the VFIO group/container uAPI:
 * config space and BAR0 through the device fd, BAR0 through mmap, and one
 * DMA transfer into an IOMMU-mapped buffer of this process.
 *
 * Usage: edu-demo [DOMAIN:BUS:SLOT.FN]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/* edu's BAR0 registers (QEMU docs/specs/edu.txt) */
#define EDU_ID			0x00
#define EDU_LIVENESS		0x04
#define EDU_FACTORIAL		0x08
#define EDU_STATUS		0x20
#define EDU_STATUS_COMPUTING	0x01
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_START		0x01
#define EDU_DMA_TO_RAM		0x02
/* The device's own 4 KiB DMA buffer, as seen by its DMA engine. */
#define EDU_DMA_BUFFER		0x40000

/* edu masks DMA addresses to 28 bits: keep the IOVA below 256 MiB. */
#define DEMO_IOVA		0x100000
#define DEMO_DMA_SIZE		4096

static void die(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	fprintf(stderr, "edu-demo: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static unsigned int read_hex(const char *dev, const char *attr)
{
	char path[PATH_MAX];
	unsigned int val = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%x", &val) != 1)
		val = 0;
	fclose(f);
	return val;
}

static int find_edu(char *bdf, size_t len)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *d;
	int found = 0;

	if (!dir)
		die("/sys/bus/pci/devices");
	while (!found && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (read_hex(d->d_name, "vendor") == EDU_VENDOR &&
		    read_hex(d->d_name, "device") == EDU_DEVICE) {
			snprintf(bdf, len, "%s", d->d_name);
			found = 1;
		}
	}
	closedir(dir);
	return found;
}

static int open_group(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX], dev[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("%s has no IOMMU group", bdf);
	link[n] = '\0';
	snprintf(dev, sizeof(dev), "/dev/vfio/%s", strrchr(link, '/') + 1);
	printf("IOMMU group:     %s\n", dev);
	return open(dev, O_RDWR);
}

struct edu {
	int fd;
	struct vfio_region_info bar0;
	struct vfio_region_info cfg;
	volatile uint32_t *map;
};

static uint32_t bar_read(struct edu *e, unsigned int reg)
{
	uint32_t val;

	if (pread(e->fd, &val, 4, e->bar0.offset + reg) != 4)
		die("BAR0 read at 0x%x", reg);
	return val;
}

static void bar_write(struct edu *e, unsigned int reg, uint32_t val)
{
	if (pwrite(e->fd, &val, 4, e->bar0.offset + reg) != 4)
		die("BAR0 write at 0x%x", reg);
}

static void bar_write64(struct edu *e, unsigned int reg, uint64_t val)
{
	if (pwrite(e->fd, &val, 8, e->bar0.offset + reg) != 8)
		die("BAR0 write at 0x%x", reg);
}

/* Poll a BAR0 register until @mask clears; edu works on a QEMU timer. */
static void wait_clear(struct edu *e, unsigned int reg, uint32_t mask)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (!(bar_read(e, reg) & mask))
			return;
		nanosleep(&ts, NULL);
	}
	errno = ETIMEDOUT;
	die("edu register 0x%x stays busy", reg);
}

static void region_info(struct edu *e, unsigned int index,
			struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, info))
		die("VFIO_DEVICE_GET_REGION_INFO %u", index);
}

static void demo_config(struct edu *e)
{
	uint16_t ids[2], cmd;

	if (pread(e->fd, ids, 4, e->cfg.offset + PCI_VENDOR_ID) != 4)
		die("config read");
	printf("config space:    vendor %04x device %04x\n", ids[0], ids[1]);

	/* The DMA below needs bus mastering, which vfio-pci leaves off. */
	if (pread(e->fd, &cmd, 2, e->cfg.offset + PCI_COMMAND) != 2)
		die("config read");
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(e->fd, &cmd, 2, e->cfg.offset + PCI_COMMAND) != 2)
		die("config write");
}

static void demo_bar0(struct edu *e)
{
	uint32_t id, live;

	id = bar_read(e, EDU_ID);
	printf("BAR0 (read):     id 0x%08x (edu version %u.%u)\n",
	       id, id >> 24, (id >> 16) & 0xff);

	bar_write(e, EDU_LIVENESS, 0x12345678);
	live = bar_read(e, EDU_LIVENESS);
	printf("BAR0 (write):    liveness 0x12345678 -> 0x%08x (%s)\n", live,
	       live == ~0x12345678u ? "inverted, as it should be" : "WRONG");
	if (live != ~0x12345678u)
		exit(1);

	bar_write(e, EDU_FACTORIAL, 10);
	wait_clear(e, EDU_STATUS, EDU_STATUS_COMPUTING);
	printf("BAR0 (compute):  10! = %u\n", bar_read(e, EDU_FACTORIAL));

	if (e->bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		void *p = mmap(NULL, e->bar0.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, e->fd, e->bar0.offset);

		if (p == MAP_FAILED)
			die("mmap BAR0");
		e->map = p;
		printf("BAR0 (mmap):     id 0x%08x\n", e->map[EDU_ID / 4]);
		munmap(p, e->bar0.size);
	}
}

/* Copy a buffer of ours into edu and back, through the IOMMU. */
static void demo_dma(struct edu *e, int container)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	const size_t half = DEMO_DMA_SIZE / 2;
	unsigned char *buf;
	size_t i;

	buf = mmap(NULL, DEMO_DMA_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (i = 0; i < half; i++)
		buf[i] = i * 7 + 1;

	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)buf;
	map.iova = DEMO_IOVA;
	map.size = DEMO_DMA_SIZE;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");

	/* first half of our buffer -> edu's buffer -> second half */
	bar_write64(e, EDU_DMA_SRC, DEMO_IOVA);
	bar_write64(e, EDU_DMA_DST, EDU_DMA_BUFFER);
	bar_write64(e, EDU_DMA_COUNT, half);
	bar_write64(e, EDU_DMA_CMD, EDU_DMA_START);
	wait_clear(e, EDU_DMA_CMD, EDU_DMA_START);
	bar_write64(e, EDU_DMA_SRC, EDU_DMA_BUFFER);
	bar_write64(e, EDU_DMA_DST, DEMO_IOVA + half);
	bar_write64(e, EDU_DMA_COUNT, half);
	bar_write64(e, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_TO_RAM);
	wait_clear(e, EDU_DMA_CMD, EDU_DMA_START);

	printf("DMA:             %zu bytes to the device and back at IOVA 0x%x: %s\n",
	       half, DEMO_IOVA,
	       memcmp(buf, buf + half, half) ? "MISMATCH" : "identical");
	if (memcmp(buf, buf + half, half))
		exit(1);

	unmap.iova = DEMO_IOVA;
	unmap.size = DEMO_DMA_SIZE;
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA");
	munmap(buf, DEMO_DMA_SIZE);
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct edu e = { 0 };
	int container, group;
	char bdf[NAME_MAX + 1];

	if (argc > 1)
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
	else if (!find_edu(bdf, sizeof(bdf)))
		die("no edu device (%04x:%04x)", EDU_VENDOR, EDU_DEVICE);
	printf("device:          %s\n", bdf);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		die("no VFIO type1v2 IOMMU support");

	group = open_group(bdf);
	if (group < 0)
		die("open group (is %s bound to vfio-pci?)", bdf);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		die("group not viable: bind all its devices to vfio-pci");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	e.fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (e.fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(e.fd, VFIO_DEVICE_GET_INFO, &info))
		die("VFIO_DEVICE_GET_INFO");
	printf("device fd:       %s%s, %u regions, %u IRQ types\n",
	       info.flags & VFIO_DEVICE_FLAGS_PCI ? "PCI" : "not PCI",
	       info.flags & VFIO_DEVICE_FLAGS_RESET ? " with reset" : "",
	       info.num_regions, info.num_irqs);

	region_info(&e, VFIO_PCI_CONFIG_REGION_INDEX, &e.cfg);
	region_info(&e, VFIO_PCI_BAR0_REGION_INDEX, &e.bar0);
	printf("BAR0 region:     %llu KiB%s%s%s\n",
	       (unsigned long long)e.bar0.size >> 10,
	       e.bar0.flags & VFIO_REGION_INFO_FLAG_READ ? ", read" : "",
	       e.bar0.flags & VFIO_REGION_INFO_FLAG_WRITE ? ", write" : "",
	       e.bar0.flags & VFIO_REGION_INFO_FLAG_MMAP ? ", mmap" : "");

	demo_config(&e);
	demo_bar0(&e);
	demo_dma(&e, container);

	close(e.fd);
	close(group);
	close(container);
	printf("edu-demo: ok\n");
	return 0;
}
