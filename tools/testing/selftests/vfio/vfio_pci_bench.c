// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_bench - time the common VFIO PCI device operations on edu.
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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lib/vfio_util.h"

#define VFIO_PCI_INDEX_TO_OFFSET(index)	((uint64_t)(index) << 40)

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
 */
struct bench {
	struct vfio_dev dev;
	off_t cfg;
	off_t bar0;
	volatile uint32_t *map;
	uint8_t buf[BULK_SIZE];
	long pagesz;
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

static int xfer(ssize_t ret, size_t len)
{
	if (ret == (ssize_t)len)
		return 0;
	return ret < 0 ? -errno : -EIO;
}

static int op_config_read_4(struct bench *b)
{
	uint32_t v;

	return xfer(pread(b->dev.fd, &v, 4, b->cfg), 4);
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
	volatile uint32_t *p;
	uint32_t v;

	p = mmap(NULL, b->pagesz, PROT_READ | PROT_WRITE, MAP_SHARED,
		 b->dev.fd, b->bar0);
	if (p == MAP_FAILED)
		return -errno;
	v = p[EDU_REG_ID / 4];
	munmap((void *)p, b->pagesz);
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
	return b->map[EDU_REG_ID / 4] == EDU_ID_VALUE ? 0 : -EIO;
}

static void teardown_mmap(struct bench *b)
{
	munmap((void *)b->map, b->pagesz);
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

static const struct bench_row rows[] = {
	{ "config_read_4", 1, NULL, op_config_read_4, NULL },
	{ "config_read_256", 1, NULL, op_config_read_256, NULL },
	{ "bar_read_4", 1, NULL, op_bar_read_4, NULL },
	{ "bar_write_4", 1, NULL, op_bar_write_4, NULL },
	{ "bar_read_4k", 1, NULL, op_bar_read_4k, NULL },
	{ "bar_write_4k", 1, NULL, op_bar_write_4k, NULL },
	{ "mmap_first_touch", 1, NULL, op_mmap_first_touch, NULL },
	{ "mmap_read_4", 1, setup_mmap, op_mmap_read_4, teardown_mmap },
	{ "open_close", 3, setup_closed, op_open_close, teardown_closed },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

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
		if (ret)
			return ret;
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

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t MS] [-b BATCHES] [-l] [ROW...]\n", prog);
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
			for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
				printf("%s\n", rows[i].name);
			return 0;
		default:
			usage(argv[0]);
		}
	}
	if (batch_ms <= 0 || batches <= 0)
		usage(argv[0]);
	argc -= optind;
	argv += optind;
	for (opt = 0; opt < argc; opt++) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			if (!strcmp(argv[opt], rows[i].name))
				break;
		if (i == sizeof(rows) / sizeof(rows[0])) {
			fprintf(stderr, "unknown row %s (-l lists them)\n", argv[opt]);
			return 2;
		}
	}

	b.pagesz = sysconf(_SC_PAGESIZE);
	if (vfio_open_id(&b.dev, EDU_VENDOR, EDU_DEVICE, 0)) {
		fprintf(stderr, "cannot open edu (1234:11e8) through vfio-pci\n");
		return 1;
	}
	b.cfg = b.dev.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	b.bar0 = b.dev.regions[VFIO_PCI_BAR0_REGION_INDEX].offset;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
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
