/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_pci_bench's row interface: each vfio_pci_bench*.c file contributes
 * a table of rows (struct bench_rows) that vfio_pci_bench.c runs.
 */
#ifndef VFIO_PCI_BENCH_H
#define VFIO_PCI_BENCH_H

#include <sched.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/vfio_util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define BULK_SIZE	4096

/**
 * struct bench - state shared by the rows
 * @dev:     the open edu device; dev.fd is -1 while a row needs it closed
 * @cfg:     device fd offset of config space
 * @bar0:    device fd offset of BAR0
 * @map:     BAR0 page mapped by the mmap_read_4 row, 2 MiB of ivshmem's
 *           BAR2 by bar_2m_read
 * @buf:     bulk data buffer
 * @pagesz:  the page size
 * @bar:     all of edu's BAR0, mapped by the interrupt and ioeventfd rows
 * @other:   nvme or e1000e, opened by the rows that use them (fd -1 else)
 * @efd:     eventfds of the interrupt and ioeventfd rows (-1: none)
 * @nefds:   number of eventfds in @efd
 * @unmask:  unmask eventfd of intx_roundtrip_eventfd (-1: none)
 * @cmd:     command register value config_write_4_command writes back
 * @toggle:  which of two values the next liveness write uses
 * @sum:     what reads through mappings add up to, kept so that the
 *           compiler cannot drop them
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
	uint64_t sum;
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

/* A file's rows, in the order they run and print. */
struct bench_rows {
	const struct bench_row *row;
	unsigned int n;
};

extern const struct bench_rows bench_irq_rows;
extern const struct bench_rows bench_ioeventfd_rows;
extern const struct bench_rows bench_power_rows;
extern const struct bench_rows bench_huge_rows;

/* CLOCK_MONOTONIC in nanoseconds. */
double now_ns(void);

/* 0 if the read/write returned @len, else -errno (or -EIO if short). */
int xfer(ssize_t ret, size_t len);

/* Enable memory and bus mastering on edu and map its BAR0 at b->bar. */
int map_edu(struct bench *b);
void unmap_edu(struct bench *b);

/* @n eventfds in b->efd; close_eventfds() closes them and b->unmask. */
int new_eventfds(struct bench *b, unsigned int n);
void close_eventfds(struct bench *b);

/* Open the first @vendor:@device at b->other; close_other() undoes it. */
int open_other(struct bench *b, uint16_t vendor, uint16_t device);
void close_other(struct bench *b);

#endif /* VFIO_PCI_BENCH_H */
