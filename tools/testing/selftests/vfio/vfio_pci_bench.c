// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_bench - time the common VFIO PCI device operations.
 *
 *   vfio_pci_bench [-t MS] [-b BATCHES] [-l] [ROW...]
 *
 * Each row is an operation run in a loop: BATCHES batches of at least MS
 * milliseconds each (and at least the row's minimum iteration count);
 * the row's result is the mean time per operation of its fastest batch,
 * the batch least disturbed by whatever else runs on the machine. Output,
 * one line per row:
 *
 *   bench DRIVER ROW NS_PER_OP ITERATIONS
 *
 * with DRIVER "ours" or "stock" (see vfio_driver_is_stock()). run_bench
 * runs it against both drivers in one VM and prints the comparison.
 *
 * A row is a struct bench_row: a name, an optional setup that gets the
 * device ready (and may keep state in struct bench), the operation, and
 * an optional teardown. Add rows to the rows[] table.
 *
 * Most rows use edu (1234:11e8), opened once; msix_enable_disable_all
 * opens nvme (1b36:0010) and the lowpower rows e1000e (8086:10d3) in
 * their setup. The interrupt rows pin this process and the device's vfio
 * interrupts to CPU 0: where the vector lands otherwise decides the round
 * trip time more than the driver does.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "lib/nvme_mini.h"
#include "lib/vfio_irq_util.h"
#include "lib/vfio_util.h"

#define E1000E_VENDOR	0x8086
#define E1000E_DEVICE	0x10d3

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* An edu BAR0 range where nothing decodes: bulk accesses are harmless. */
#define EDU_BULK_OFF	0x1000
#define BULK_SIZE	4096

/**
 * struct bench - state shared by the rows
 * @dev:     the open edu device; dev.fd is -1 while a row needs it closed
 * @cfg:     device fd offset of config space
 * @bar0:    device fd offset of BAR0
 * @map:     BAR0 page mapped by the mmap_read_4 row
 * @buf:     bulk data buffer
 * @pagesz:  the page size
 * @bar:     all of edu's BAR0, mapped by the interrupt and ioeventfd rows
 * @other:   nvme or e1000e, opened by the rows that use them (fd -1 else)
 * @efd:     eventfds of the interrupt and ioeventfd rows (-1: none)
 * @nefds:   number of eventfds in @efd
 * @unmask:  unmask eventfd of intx_roundtrip_eventfd (-1: none)
 * @cmd:     command register value config_write_4_command writes back
 * @toggle:  which of two values the next liveness write uses
 * @cpus:    this process's CPU affinity before a row pinned it
 * @pinned:  @cpus is valid and must be restored
 */
struct bench {
	struct vfio_dev dev;
	off_t cfg;
	off_t bar0;
	void *map;
	uint8_t buf[BULK_SIZE];
	long pagesz;
	void *bar;
	struct vfio_dev other;
	int efd[2048];
	unsigned int nefds;
	int unmask;
	uint32_t cmd;
	unsigned int toggle;
	cpu_set_t cpus;
	int pinned;
};

/**
 * struct bench_row - one measured operation
 * @name:     row name, as printed and as selected on the command line
 * @min_iters: fewest iterations per batch (slow operations)
 * @setup:    prepare @b, or NULL; returns 0 or -errno
 * @op:       the operation; returns 0 or -errno (which stops the row)
 * @teardown: undo @setup, or NULL
 */
struct bench_row {
	const char *name;
	unsigned int min_iters;
	int (*setup)(struct bench *b);
	int (*op)(struct bench *b);
	void (*teardown)(struct bench *b);
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int xfer(ssize_t ret, size_t len)
{
	if (ret == (ssize_t)len)
		return 0;
	return ret < 0 ? -errno : -EIO;
}

/* Vendor and device ID: both drivers read them from the device. */
static int op_config_read_4_passthrough(struct bench *b)
{
	uint32_t v;

	return xfer(pread(b->dev.fd, &v, 4, b->cfg + PCI_VENDOR_ID), 4);
}

/* BAR0: both drivers answer from their virtualized copy. */
static int op_config_read_4_bar(struct bench *b)
{
	uint32_t v;

	return xfer(pread(b->dev.fd, &v, 4, b->cfg + PCI_BASE_ADDRESS_0), 4);
}

/*
 * Command and status in one dword: the command as it is, zero status
 * (its error bits are write-1-to-clear, so zero leaves them alone).
 */
static int setup_config_write(struct bench *b)
{
	uint16_t cmd;
	int ret = vfio_cfg_read16(&b->dev, PCI_COMMAND, &cmd);

	b->cmd = cmd;
	return ret;
}

static int op_config_write_4_command(struct bench *b)
{
	return xfer(pwrite(b->dev.fd, &b->cmd, 4, b->cfg + PCI_COMMAND), 4);
}

static int op_config_read_256(struct bench *b)
{
	return xfer(pread(b->dev.fd, b->buf, 256, b->cfg), 256);
}

static int op_bar_read_4(struct bench *b)
{
	uint32_t v;

	return xfer(pread(b->dev.fd, &v, 4, b->bar0 + EDU_REG_ID), 4);
}

static int op_bar_write_4(struct bench *b)
{
	uint32_t v = 0x5a5a5a5a;

	return xfer(pwrite(b->dev.fd, &v, 4, b->bar0 + EDU_REG_LIVENESS), 4);
}

static int op_bar_read_4k(struct bench *b)
{
	return xfer(pread(b->dev.fd, b->buf, BULK_SIZE, b->bar0 + EDU_BULK_OFF),
		    BULK_SIZE);
}

static int op_bar_write_4k(struct bench *b)
{
	return xfer(pwrite(b->dev.fd, b->buf, BULK_SIZE, b->bar0 + EDU_BULK_OFF),
		    BULK_SIZE);
}

static int op_mmap_first_touch(struct bench *b)
{
	uint32_t v;
	void *p;

	p = mmap(NULL, b->pagesz, PROT_READ | PROT_WRITE, MAP_SHARED,
		 b->dev.fd, b->bar0);
	if (p == MAP_FAILED)
		return -errno;
	v = mmio_read32(p, EDU_REG_ID);
	munmap(p, b->pagesz);
	return v == EDU_ID_VALUE ? 0 : -EIO;
}

static int setup_mmap(struct bench *b)
{
	void *p = mmap(NULL, b->pagesz, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->dev.fd, b->bar0);

	if (p == MAP_FAILED)
		return -errno;
	b->map = p;
	return 0;
}

static int op_mmap_read_4(struct bench *b)
{
	return mmio_read32(b->map, EDU_REG_ID) == EDU_ID_VALUE ? 0 : -EIO;
}

static void teardown_mmap(struct bench *b)
{
	munmap(b->map, b->pagesz);
	b->map = NULL;
}

/* Leave only the group open: each open is then a first open. */
static int setup_closed(struct bench *b)
{
	close(b->dev.fd);
	b->dev.fd = -1;
	return 0;
}

static int op_open_close(struct bench *b)
{
	int fd = ioctl(b->dev.group, VFIO_GROUP_GET_DEVICE_FD, b->dev.bdf);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void teardown_closed(struct bench *b)
{
	b->dev.fd = ioctl(b->dev.group, VFIO_GROUP_GET_DEVICE_FD, b->dev.bdf);
}

/* --- interrupts ------------------------------------------------------------ */

static int map_edu(struct bench *b)
{
	uint16_t cmd;
	int ret;

	/* Memory decoding for the BAR, bus mastering for MSI writes. */
	ret = vfio_cfg_read16(&b->dev, PCI_COMMAND, &cmd);
	if (!ret)
		ret = vfio_cfg_write16(&b->dev, PCI_COMMAND, cmd |
				       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (ret)
		return ret;
	b->bar = vfio_region_mmap(&b->dev, VFIO_PCI_BAR0_REGION_INDEX);
	return b->bar ? 0 : -errno;
}

static void unmap_edu(struct bench *b)
{
	if (b->bar)
		vfio_region_munmap(&b->dev, VFIO_PCI_BAR0_REGION_INDEX, b->bar);
	b->bar = NULL;
}

static int new_eventfds(struct bench *b, unsigned int n)
{
	int efd;

	for (b->nefds = 0; b->nefds < n; b->nefds++) {
		efd = vfio_eventfd();
		if (efd < 0)
			return efd;
		b->efd[b->nefds] = efd;
	}
	return 0;
}

static void close_eventfds(struct bench *b)
{
	while (b->nefds)
		close(b->efd[--b->nefds]);
	if (b->unmask >= 0)
		close(b->unmask);
	b->unmask = -1;
}

/*
 * Run on CPU 0 only, and steer the vfio interrupts of @bdf there too
 * (best effort: an interrupt whose affinity cannot be set stays where
 * it is, for both drivers alike).
 */
static int pin_cpu0(struct bench *b, const char *bdf)
{
	char line[512], path[64], name[VFIO_BDF_LEN + 3];
	cpu_set_t one;
	FILE *f;

	if (!b->pinned) {
		if (sched_getaffinity(0, sizeof(b->cpus), &b->cpus))
			return -errno;
		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			return -errno;
		b->pinned = 1;
	}
	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -errno;
	snprintf(name, sizeof(name), "(%s)", bdf);
	while (fgets(line, sizeof(line), f)) {
		unsigned int irq;
		FILE *aff;

		if (!strstr(line, "vfio-") || !strstr(line, name) ||
		    sscanf(line, " %u:", &irq) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list",
			 irq);
		aff = fopen(path, "w");
		if (!aff || fputs("0\n", aff) < 0 || fclose(aff))
			fprintf(stderr, "# cannot pin irq %u to cpu 0: %s\n",
				irq, strerror(errno));
	}
	fclose(f);
	return 0;
}

static void unpin(struct bench *b)
{
	if (b->pinned)
		sched_setaffinity(0, sizeof(b->cpus), &b->cpus);
	b->pinned = 0;
}

static int setup_msi(struct bench *b)
{
	int ret = map_edu(b);

	if (!ret)
		ret = new_eventfds(b, 1);
	if (!ret)
		ret = vfio_irq_set_eventfds(b->dev.fd, VFIO_PCI_MSI_IRQ_INDEX,
					    0, 1, b->efd);
	if (!ret)
		ret = pin_cpu0(b, b->dev.bdf);
	return ret;
}

/* Raise edu's interrupt and wait for its eventfd. */
static int raise_and_wait(struct bench *b)
{
	long long n;

	mmio_write32(b->bar, EDU_REG_IRQ_RAISE, 1);
	n = vfio_eventfd_wait(b->efd[0], 1000);
	if (n <= 0)
		return n ? n : -ETIMEDOUT;
	mmio_write32(b->bar, EDU_REG_IRQ_ACK, 1);
	return 0;
}

static int op_msi_roundtrip(struct bench *b)
{
	return raise_and_wait(b);
}

static void teardown_msi(struct bench *b)
{
	vfio_irq_disable(b->dev.fd, VFIO_PCI_MSI_IRQ_INDEX);
	unpin(b);
	close_eventfds(b);
	unmap_edu(b);
}

static int setup_intx(struct bench *b)
{
	int ret = map_edu(b);

	if (!ret)
		ret = new_eventfds(b, 1);
	if (!ret)
		ret = vfio_irq_set_eventfds(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
					    0, 1, b->efd);
	if (!ret)
		ret = pin_cpu0(b, b->dev.bdf);
	return ret;
}

/* The acknowledge lowers the line before the unmask lets it through. */
static int op_intx_roundtrip_ioctl(struct bench *b)
{
	int ret = raise_and_wait(b);

	if (ret)
		return ret;
	return vfio_irq_action(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
			       VFIO_IRQ_SET_ACTION_UNMASK, 0, 1);
}

static int setup_intx_eventfd(struct bench *b)
{
	int ret = setup_intx(b);

	if (ret)
		return ret;
	b->unmask = vfio_eventfd();
	if (b->unmask < 0)
		return b->unmask;
	return vfio_set_irqs(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &b->unmask,
			     sizeof(b->unmask));
}

static int op_intx_roundtrip_eventfd(struct bench *b)
{
	int ret = raise_and_wait(b);

	return ret ? ret : vfio_eventfd_signal(b->unmask);
}

static void teardown_intx(struct bench *b)
{
	vfio_irq_disable(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX);
	unpin(b);
	close_eventfds(b);
	unmap_edu(b);
}

static int open_other(struct bench *b, uint16_t vendor, uint16_t device)
{
	int ret = vfio_open_id(&b->other, vendor, device, 0);

	if (ret)
		fprintf(stderr, "cannot open %04x:%04x through vfio-pci\n",
			vendor, device);
	return ret;
}

static void close_other(struct bench *b)
{
	if (b->other.fd >= 0)
		vfio_close(&b->other);
	b->other.fd = -1;
}

/* Eventfds for every MSI-X vector nvme has. */
static int setup_msix(struct bench *b)
{
	struct vfio_irq_info irq;
	int ret = open_other(b, NVME_VENDOR, NVME_DEVICE);

	if (!ret)
		ret = vfio_irq_info(b->other.fd, VFIO_PCI_MSIX_IRQ_INDEX, &irq);
	if (!ret && (!irq.count || irq.count > 2048))
		ret = -ERANGE;
	if (!ret)
		ret = new_eventfds(b, irq.count);
	if (!ret)
		ret = pin_cpu0(b, b->other.bdf);
	return ret;
}

static int op_msix_enable_disable_all(struct bench *b)
{
	int ret = vfio_irq_set_eventfds(b->other.fd, VFIO_PCI_MSIX_IRQ_INDEX,
					0, b->nefds, b->efd);

	return ret ? ret : vfio_irq_disable(b->other.fd,
					    VFIO_PCI_MSIX_IRQ_INDEX);
}

static void teardown_msix(struct bench *b)
{
	unpin(b);
	close_eventfds(b);
	close_other(b);
}

/* --- ioeventfd and power ---------------------------------------------------- */

/*
 * ioeventfd_write and pwrite_write both measure one 4-byte write to edu's
 * liveness register until it has landed: the write (an ioeventfd signal,
 * or pwrite on the device fd), then mmap reads of the register until it
 * reads back the complement of the value written. Consecutive writes
 * alternate between two values, so that each op must see its own write,
 * whether the driver writes from the eventfd wakeup or defers it.
 */
static const uint32_t live_val[2] = { 0x5a5a0001, 0xa5a50002 };

static int wait_liveness(struct bench *b, uint32_t val)
{
	double deadline = 0;
	unsigned int i;

	for (i = 1; mmio_read32(b->bar, EDU_REG_LIVENESS) != ~val; i++) {
		if (i % 256)
			continue;
		if (!deadline)
			deadline = now_ns() + 1e9;
		else if (now_ns() > deadline)
			return -ETIMEDOUT;
	}
	return 0;
}

static int set_ioeventfd(struct bench *b, uint32_t val, int efd)
{
	struct vfio_device_ioeventfd e = {
		.argsz = sizeof(e),
		.flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = b->bar0 + EDU_REG_LIVENESS,
		.data = val,
		.fd = efd,
	};

	return ioctl(b->dev.fd, VFIO_DEVICE_IOEVENTFD, &e) ? -errno : 0;
}

static int setup_ioeventfd(struct bench *b)
{
	int ret = map_edu(b), i;

	if (!ret)
		ret = new_eventfds(b, 2);
	for (i = 0; i < 2 && !ret; i++)
		ret = set_ioeventfd(b, live_val[i], b->efd[i]);
	return ret;
}

static int op_ioeventfd_write(struct bench *b)
{
	unsigned int t = b->toggle++ & 1;
	int ret = vfio_eventfd_signal(b->efd[t]);

	return ret ? ret : wait_liveness(b, live_val[t]);
}

static void teardown_ioeventfd(struct bench *b)
{
	int i;

	for (i = 0; i < 2 && (unsigned int)i < b->nefds; i++)
		set_ioeventfd(b, live_val[i], -1);
	close_eventfds(b);
	unmap_edu(b);
}

static int op_pwrite_write(struct bench *b)
{
	unsigned int t = b->toggle++ & 1;
	int ret = xfer(pwrite(b->dev.fd, &live_val[t], 4,
			      b->bar0 + EDU_REG_LIVENESS), 4);

	return ret ? ret : wait_liveness(b, live_val[t]);
}

static int setup_e1000e(struct bench *b)
{
	return open_other(b, E1000E_VENDOR, E1000E_DEVICE);
}

static int low_power(struct bench *b, uint32_t feature)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET | feature,
	};

	return ioctl(b->other.fd, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

static int op_lowpower_cycle(struct bench *b)
{
	int ret = low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);

	return ret ? ret : low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
}

/* Entry, then sysfs polls (every 100 us) until the device is in D3. */
static int op_lowpower_d3_cycle(struct bench *b)
{
	double deadline = now_ns() + 2e9;
	char state[16];
	int exit_ret, ret = low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);

	while (!ret) {
		ret = vfio_sysfs_read(b->other.bdf, "power_state", state,
				      sizeof(state));
		if (ret < 0)
			break;
		ret = 0;
		if (!strncmp(state, "D3", 2))
			break;
		if (now_ns() > deadline)
			ret = -ETIMEDOUT;
		else
			usleep(100);
	}
	exit_ret = low_power(b, VFIO_DEVICE_FEATURE_LOW_POWER_EXIT);
	return ret ? ret : exit_ret;
}

static const struct bench_row rows[] = {
	{ "config_read_4_passthrough", 1, NULL, op_config_read_4_passthrough,
	  NULL },
	{ "config_read_4_bar", 1, NULL, op_config_read_4_bar, NULL },
	{ "config_read_256", 1, NULL, op_config_read_256, NULL },
	{ "config_write_4_command", 1, setup_config_write,
	  op_config_write_4_command, NULL },
	{ "bar_read_4", 1, NULL, op_bar_read_4, NULL },
	{ "bar_write_4", 1, NULL, op_bar_write_4, NULL },
	{ "bar_read_4k", 1, NULL, op_bar_read_4k, NULL },
	{ "bar_write_4k", 1, NULL, op_bar_write_4k, NULL },
	{ "mmap_first_touch", 1, NULL, op_mmap_first_touch, NULL },
	{ "mmap_read_4", 1, setup_mmap, op_mmap_read_4, teardown_mmap },
	{ "open_close", 3, setup_closed, op_open_close, teardown_closed },
	{ "msi_roundtrip", 1, setup_msi, op_msi_roundtrip, teardown_msi },
	{ "intx_roundtrip_ioctl", 1, setup_intx, op_intx_roundtrip_ioctl,
	  teardown_intx },
	{ "intx_roundtrip_eventfd", 1, setup_intx_eventfd,
	  op_intx_roundtrip_eventfd, teardown_intx },
	{ "msix_enable_disable_all", 3, setup_msix, op_msix_enable_disable_all,
	  teardown_msix },
	{ "ioeventfd_write", 1, setup_ioeventfd, op_ioeventfd_write,
	  teardown_ioeventfd },
	{ "pwrite_write", 1, map_edu, op_pwrite_write, unmap_edu },
	{ "lowpower_cycle", 3, setup_e1000e, op_lowpower_cycle, close_other },
	{ "lowpower_d3_cycle", 3, setup_e1000e, op_lowpower_d3_cycle,
	  close_other },
};

/*
 * Run @row in @batches batches of at least @batch_ms each; store the best
 * batch's ns per operation and the total iterations. Returns 0 or -errno.
 */
static int run_row(struct bench *b, const struct bench_row *row, int batches,
		   int batch_ms, double *best, unsigned long *total)
{
	int ret = 0, i;

	*best = 0;
	*total = 0;
	if (row->setup) {
		ret = row->setup(b);
		if (ret) {
			/* Teardowns undo whatever part of setup was done. */
			if (row->teardown)
				row->teardown(b);
			return ret;
		}
	}
	/* Warm up: first-use work (BAR mapping, caches) is not measured. */
	ret = row->op(b);

	for (i = 0; i < batches && !ret; i++) {
		double start = now_ns(), elapsed = 0, limit = batch_ms * 1e6;
		unsigned long n = 0, chunk = 1, k;

		/* Chunks, doubling early on: the clock is not free either. */
		while (!ret && (elapsed < limit || n < row->min_iters)) {
			for (k = 0; k < chunk && !ret; k++)
				ret = row->op(b);
			n += k;
			elapsed = now_ns() - start;
			if (elapsed < limit / 16)
				chunk *= 2;
		}
		if (!ret && (!*best || elapsed / n < *best))
			*best = elapsed / n;
		*total += n;
	}
	if (row->teardown)
		row->teardown(b);
	return ret;
}

static void die_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t MS] [-b BATCHES] [-l] [ROW...]\n",
		prog);
	exit(2);
}

static int selected(const struct bench_row *row, int argc, char **argv)
{
	int i;

	if (!argc)
		return 1;
	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], row->name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int batch_ms = 200, batches = 5, opt, rc = 0;
	unsigned int i;

	while ((opt = getopt(argc, argv, "t:b:lh")) != -1) {
		switch (opt) {
		case 't':
			batch_ms = atoi(optarg);
			break;
		case 'b':
			batches = atoi(optarg);
			break;
		case 'l':
			for (i = 0; i < ARRAY_SIZE(rows); i++)
				printf("%s\n", rows[i].name);
			return 0;
		default:
			die_usage(argv[0]);
		}
	}
	if (batch_ms <= 0 || batches <= 0)
		die_usage(argv[0]);
	argc -= optind;
	argv += optind;
	for (opt = 0; opt < argc; opt++) {
		for (i = 0; i < ARRAY_SIZE(rows); i++)
			if (!strcmp(argv[opt], rows[i].name))
				break;
		if (i == ARRAY_SIZE(rows)) {
			fprintf(stderr, "unknown row %s (-l lists them)\n", argv[opt]);
			return 2;
		}
	}

	b.pagesz = sysconf(_SC_PAGESIZE);
	b.other.fd = -1;
	b.unmask = -1;
	if (vfio_open_id(&b.dev, EDU_VENDOR, EDU_DEVICE, 0)) {
		fprintf(stderr, "cannot open edu (1234:11e8) through vfio-pci\n");
		return 1;
	}
	b.cfg = b.dev.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	b.bar0 = b.dev.regions[VFIO_PCI_BAR0_REGION_INDEX].offset;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct bench_row *row = &rows[i];
		unsigned long iters;
		double ns;
		int ret;

		if (!selected(row, argc, argv))
			continue;
		ret = run_row(&b, row, batches, batch_ms, &ns, &iters);
		if (ret) {
			fprintf(stderr, "%s: %s\n", row->name, strerror(-ret));
			rc = 1;
			continue;
		}
		printf("bench %s %s %.0f %lu\n", vfio_driver_name(), row->name,
		       ns, iters);
		fflush(stdout);
		if (b.dev.fd < 0) {
			fprintf(stderr, "%s: cannot reopen the device\n", row->name);
			return 1;
		}
	}
	vfio_close(&b.dev);
	return rc;
}
