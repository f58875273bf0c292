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
 * an optional teardown. Rows live in tables, one per file: config space,
 * BAR access, mmap and open here, the others in vfio_pci_bench_irq.c,
 * vfio_pci_bench_ioeventfd.c, vfio_pci_bench_power.c and
 * vfio_pci_bench_huge.c; tables[] below
 * lists them in the order they run.
 *
 * Most rows use edu (1234:11e8), opened once; msix_enable_disable_all
 * opens nvme (1b36:0010), the lowpower rows e1000e (8086:10d3) and the
 * bar_2m rows ivshmem (1af4:1110) in their setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "lib/vfio_irq_util.h"
#include "vfio_pci_bench.h"

/* An edu BAR0 range where nothing decodes: bulk accesses are harmless. */
#define EDU_BULK_OFF	0x1000

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int xfer(ssize_t ret, size_t len)
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

/* --- helpers for the rows of the other files ----------------------------- */

int map_edu(struct bench *b)
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

void unmap_edu(struct bench *b)
{
	if (b->bar)
		vfio_region_munmap(&b->dev, VFIO_PCI_BAR0_REGION_INDEX, b->bar);
	b->bar = NULL;
}

int new_eventfds(struct bench *b, unsigned int n)
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

void close_eventfds(struct bench *b)
{
	while (b->nefds)
		close(b->efd[--b->nefds]);
	if (b->unmask >= 0)
		close(b->unmask);
	b->unmask = -1;
}

int open_other(struct bench *b, uint16_t vendor, uint16_t device)
{
	int ret = vfio_open_id(&b->other, vendor, device, 0);

	if (ret)
		fprintf(stderr, "cannot open %04x:%04x through vfio-pci\n",
			vendor, device);
	return ret;
}

void close_other(struct bench *b)
{
	if (b->other.fd >= 0)
		vfio_close(&b->other);
	b->other.fd = -1;
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
};

static const struct bench_rows bench_core_rows = { rows, ARRAY_SIZE(rows) };

static const struct bench_rows *const tables[] = {
	&bench_core_rows,
	&bench_irq_rows,
	&bench_ioeventfd_rows,
	&bench_power_rows,
	&bench_huge_rows,
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

static int known(const char *name)
{
	unsigned int t, i;

	for (t = 0; t < ARRAY_SIZE(tables); t++)
		for (i = 0; i < tables[t]->n; i++)
			if (!strcmp(tables[t]->row[i].name, name))
				return 1;
	return 0;
}

/* Run @row and print its result line. Returns 0, or 1 if it failed. */
static int run_and_print(struct bench *b, const struct bench_row *row,
			 int batches, int batch_ms)
{
	unsigned long iters;
	double ns;
	int ret;

	ret = run_row(b, row, batches, batch_ms, &ns, &iters);
	if (ret) {
		fprintf(stderr, "%s: %s\n", row->name, strerror(-ret));
		return 1;
	}
	printf("bench %s %s %.0f %lu\n", vfio_driver_name(), row->name, ns,
	       iters);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int batch_ms = 200, batches = 5, opt, rc = 0;
	unsigned int t, i;

	while ((opt = getopt(argc, argv, "t:b:lh")) != -1) {
		switch (opt) {
		case 't':
			batch_ms = atoi(optarg);
			break;
		case 'b':
			batches = atoi(optarg);
			break;
		case 'l':
			for (t = 0; t < ARRAY_SIZE(tables); t++)
				for (i = 0; i < tables[t]->n; i++)
					printf("%s\n", tables[t]->row[i].name);
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
		if (!known(argv[opt])) {
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

	for (t = 0; t < ARRAY_SIZE(tables); t++) {
		for (i = 0; i < tables[t]->n; i++) {
			if (selected(&tables[t]->row[i], argc, argv) &&
			    run_and_print(&b, &tables[t]->row[i], batches,
					  batch_ms))
				rc = 1;
			if (b.dev.fd < 0) {
				fprintf(stderr, "%s: cannot reopen the device\n",
					tables[t]->row[i].name);
				return 1;
			}
		}
	}
	vfio_close(&b.dev);
	return rc;
}
