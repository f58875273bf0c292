// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_bench rows for ioeventfds (the tracker's issue 6): a write to
 * edu's liveness register through an ioeventfd, and the same through
 * pwrite for comparison.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "lib/vfio_irq_util.h"
#include "vfio_pci_bench.h"

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

static const struct bench_row rows[] = {
	{ "ioeventfd_write", 1, setup_ioeventfd, op_ioeventfd_write,
	  teardown_ioeventfd },
	{ "pwrite_write", 1, map_edu, op_pwrite_write, unmap_edu },
};

const struct bench_rows bench_ioeventfd_rows = { rows, ARRAY_SIZE(rows) };
