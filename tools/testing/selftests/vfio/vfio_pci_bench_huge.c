// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_bench rows for large BAR mappings, on ivshmem's BAR2 (64 MiB
 * of RAM in vm-run's zoo), mapped 2 MiB aligned so that a kernel with
 * huge pfnmaps (6.12) can map it with PMD entries:
 *
 * bar_2m_first_touch maps 2 MiB, reads one word of each page and unmaps
 * it: the cost of faulting a mapping in (one PMD fault with huge pfnmaps;
 * one fault per fault-around window, or per page, without).
 * bar_2m_read reads 2 MiB through a mapping faulted in beforehand, 8
 * bytes at a time: what the entries' size costs the accesses.
 * bar_whole_touch_one maps all of the BAR, reads one word and unmaps it:
 * what a driver that populates more than the faulting page pays for it.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "vfio_pci_bench.h"

#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define SZ_2M		(2ul << 20)

static int setup_ivshmem(struct bench *b)
{
	return open_other(b, IVSHMEM_VENDOR, IVSHMEM_DEVICE);
}

static int op_bar_2m_first_touch(struct bench *b)
{
	volatile uint64_t *p;
	uint64_t sum = 0;
	unsigned long off;

	p = vfio_region_mmap_at(&b->other, VFIO_PCI_BAR2_REGION_INDEX, SZ_2M,
				SZ_2M, 0);
	if (!p)
		return -errno;
	for (off = 0; off < SZ_2M; off += b->pagesz)
		sum += p[off / 8];
	munmap((void *)p, SZ_2M);
	b->sum += sum;
	return 0;
}

static int op_bar_2m_read(struct bench *b)
{
	volatile uint64_t *p = b->map;
	uint64_t sum = 0;
	unsigned long i;

	for (i = 0; i < SZ_2M / 8; i++)
		sum += p[i];
	b->sum += sum;
	return 0;
}

static int op_bar_whole_touch_one(struct bench *b)
{
	size_t len = b->other.regions[VFIO_PCI_BAR2_REGION_INDEX].size;
	volatile uint64_t *p;

	p = vfio_region_mmap_at(&b->other, VFIO_PCI_BAR2_REGION_INDEX, len,
				SZ_2M, 0);
	if (!p)
		return -errno;
	b->sum += p[len / 16];
	munmap((void *)p, len);
	return 0;
}

static int setup_mapped(struct bench *b)
{
	int ret = setup_ivshmem(b);

	if (ret)
		return ret;
	b->map = vfio_region_mmap_at(&b->other, VFIO_PCI_BAR2_REGION_INDEX,
				     SZ_2M, SZ_2M, 0);
	if (!b->map) {
		ret = -errno;
		close_other(b);
		return ret;
	}
	return op_bar_2m_read(b);
}

static void teardown_mapped(struct bench *b)
{
	munmap(b->map, SZ_2M);
	b->map = NULL;
	close_other(b);
}

static const struct bench_row rows[] = {
	{ "bar_2m_first_touch", 1, setup_ivshmem, op_bar_2m_first_touch,
	  close_other },
	{ "bar_2m_read", 1, setup_mapped, op_bar_2m_read, teardown_mapped },
	{ "bar_whole_touch_one", 1, setup_ivshmem, op_bar_whole_touch_one,
	  close_other },
};

const struct bench_rows bench_huge_rows = { rows, ARRAY_SIZE(rows) };
