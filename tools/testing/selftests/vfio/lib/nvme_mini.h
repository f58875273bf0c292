/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal userspace NVMe driver for the VFIO selftests: it resets the
 * controller, sets up the admin queue pair in a DMA-mapped buffer and
 * submits admin commands, completions being signalled on MSI-X vector 0
 * (which the caller enables through VFIO_DEVICE_SET_IRQS). Registers are
 * accessed through the device fd (read/write of region 0), so it works
 * whether or not BAR0 can be mmap'ed.
 */
#ifndef NVME_MINI_H
#define NVME_MINI_H

#include <stdint.h>

#include "vfio_util.h"

#define NVME_VENDOR		0x1b36
#define NVME_DEVICE		0x0010

#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_ID_CNS_CTRL	0x01

/* A completion queue entry. */
struct nvme_cqe {
	uint32_t result;
	uint32_t rsvd;
	uint16_t sq_head;
	uint16_t sq_id;
	uint16_t cid;
	uint16_t status;	/* bit 0: phase tag, bits 15:1: status */
};

/**
 * struct nvme_mini - the admin queue pair of one controller
 * @dev:     the open VFIO device
 * @dma:     ASQ page, ACQ page, then a data page
 * @dstrd:   doorbell stride, in bytes
 * @timeout_ms: CAP.TO, the controller's ready timeout
 * @sq_tail: next free submission slot
 * @cq_head: next completion slot to look at
 * @phase:   phase tag expected of the next new completion
 * @cid:     command identifier of the next submission
 */
struct nvme_mini {
	struct vfio_dev *dev;
	struct vfio_dma_buf dma;
	uint32_t dstrd;
	uint32_t timeout_ms;
	uint16_t sq_tail;
	uint16_t cq_head;
	uint8_t phase;
	uint16_t cid;
};

/*
 * Enable memory decoding and bus mastering, reset the controller, map the
 * queues at @iova and enable the controller with MSI-X vector 0 for the
 * admin completion queue. Returns 0 or -errno (-ETIMEDOUT if the
 * controller never became ready).
 */
int nvme_mini_init(struct nvme_mini *n, struct vfio_dev *dev, uint64_t iova);

/* Disable the controller and unmap the queues. */
void nvme_mini_fini(struct nvme_mini *n);

/*
 * Submit an Identify with @cns, the data landing in nvme_mini_data().
 * Returns the command identifier used (>= 0) or -errno.
 */
int nvme_mini_identify(struct nvme_mini *n, uint32_t cns);

/*
 * Consume one new completion into @cqe and ring the CQ head doorbell.
 * Returns 1 if there was one, 0 if the queue holds none, -errno on error.
 */
int nvme_mini_reap(struct nvme_mini *n, struct nvme_cqe *cqe);

/* The 4 KiB data page commands transfer to. */
void *nvme_mini_data(struct nvme_mini *n);

#endif /* NVME_MINI_H */
