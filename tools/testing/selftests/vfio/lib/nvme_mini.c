// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal userspace NVMe driver for the VFIO selftests, see nvme_mini.h.
 * Register layout and queue formats from the NVMe base specification.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "nvme_mini.h"

#define NVME_REG_CAP	0x00
#define NVME_REG_CC	0x14
#define NVME_REG_CSTS	0x1c
#define NVME_REG_AQA	0x24
#define NVME_REG_ASQ	0x28
#define NVME_REG_ACQ	0x30
#define NVME_REG_DBS	0x1000

#define NVME_CC_EN		(1u << 0)
#define NVME_CC_IOSQES		(6u << 16)	/* 64-byte SQ entries */
#define NVME_CC_IOCQES		(4u << 20)	/* 16-byte CQ entries */
#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)

#define NVME_QDEPTH	16
#define NVME_PAGE	4096

struct nvme_sqe {
	uint8_t opcode;
	uint8_t flags;
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};

static int reg_read32(struct nvme_mini *n, uint32_t off, uint32_t *val)
{
	return vfio_region_read(n->dev, VFIO_PCI_BAR0_REGION_INDEX, off, val,
				sizeof(*val));
}

static int reg_write32(struct nvme_mini *n, uint32_t off, uint32_t val)
{
	return vfio_region_write(n->dev, VFIO_PCI_BAR0_REGION_INDEX, off, &val,
				 sizeof(val));
}

/* 64-bit registers as two dwords, low first, which every NVMe accepts. */
static int reg_write64(struct nvme_mini *n, uint32_t off, uint64_t val)
{
	int ret = reg_write32(n, off, (uint32_t)val);

	return ret ? ret : reg_write32(n, off + 4, (uint32_t)(val >> 32));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until CSTS.RDY == @rdy; -EIO on controller fatal status. */
static int wait_ready(struct nvme_mini *n, uint32_t rdy)
{
	uint64_t end = now_ms() + n->timeout_ms;
	uint32_t csts;
	int ret;

	for (;;) {
		ret = reg_read32(n, NVME_REG_CSTS, &csts);
		if (ret)
			return ret;
		if (csts & NVME_CSTS_CFS)
			return -EIO;
		if ((csts & NVME_CSTS_RDY) == rdy)
			return 0;
		if (now_ms() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

int nvme_mini_init(struct nvme_mini *n, struct vfio_dev *dev, uint64_t iova)
{
	uint32_t cap_lo, cap_hi;
	uint16_t cmd;
	int ret;

	memset(n, 0, sizeof(*n));
	n->dev = dev;
	n->phase = 1;

	ret = vfio_cfg_read16(dev, PCI_COMMAND, &cmd);
	if (!ret)
		ret = vfio_cfg_write16(dev, PCI_COMMAND, cmd |
				       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (!ret)
		ret = reg_read32(n, NVME_REG_CAP, &cap_lo);
	if (!ret)
		ret = reg_read32(n, NVME_REG_CAP + 4, &cap_hi);
	if (ret)
		return ret;
	n->dstrd = 4u << (cap_hi & 0xf);
	n->timeout_ms = ((cap_lo >> 24) & 0xff) * 500 + 500;

	ret = reg_write32(n, NVME_REG_CC, 0);
	if (!ret)
		ret = wait_ready(n, 0);
	if (ret)
		return ret;

	ret = vfio_dma_alloc(dev, 3 * NVME_PAGE, iova, &n->dma);
	if (ret)
		return ret;

	ret = reg_write32(n, NVME_REG_AQA, (NVME_QDEPTH - 1) |
			  (NVME_QDEPTH - 1) << 16);
	if (!ret)
		ret = reg_write64(n, NVME_REG_ASQ, n->dma.iova);
	if (!ret)
		ret = reg_write64(n, NVME_REG_ACQ, n->dma.iova + NVME_PAGE);
	if (!ret)
		ret = reg_write32(n, NVME_REG_CC, NVME_CC_EN | NVME_CC_IOSQES |
				  NVME_CC_IOCQES);
	if (!ret)
		ret = wait_ready(n, NVME_CSTS_RDY);
	if (ret) {
		vfio_dma_free(dev, &n->dma);
		return ret;
	}
	return 0;
}

void nvme_mini_fini(struct nvme_mini *n)
{
	if (!reg_write32(n, NVME_REG_CC, 0))
		wait_ready(n, 0);
	vfio_dma_free(n->dev, &n->dma);
}

void *nvme_mini_data(struct nvme_mini *n)
{
	return (char *)n->dma.vaddr + 2 * NVME_PAGE;
}

int nvme_mini_identify(struct nvme_mini *n, uint32_t cns)
{
	struct nvme_sqe *sq = n->dma.vaddr;
	struct nvme_sqe *sqe = &sq[n->sq_tail];
	uint16_t cid = n->cid++;
	int ret;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = NVME_ADMIN_IDENTIFY;
	sqe->cid = cid;
	sqe->prp1 = n->dma.iova + 2 * NVME_PAGE;
	sqe->cdw10 = cns;
	n->sq_tail = (n->sq_tail + 1) % NVME_QDEPTH;
	__sync_synchronize();
	ret = reg_write32(n, NVME_REG_DBS, n->sq_tail);
	return ret ? ret : cid;
}

int nvme_mini_reap(struct nvme_mini *n, struct nvme_cqe *cqe)
{
	volatile struct nvme_cqe *cq =
		(void *)((char *)n->dma.vaddr + NVME_PAGE);
	volatile struct nvme_cqe *e = &cq[n->cq_head];

	if ((e->status & 1) != n->phase)
		return 0;
	__sync_synchronize();
	memcpy(cqe, (const void *)e, sizeof(*cqe));
	if (++n->cq_head == NVME_QDEPTH) {
		n->cq_head = 0;
		n->phase ^= 1;
	}
	if (reg_write32(n, NVME_REG_DBS + n->dstrd, n->cq_head))
		return -EIO;
	return 1;
}
