// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed VFIO_DEVICE_SET_IRQS and GET_IRQ_INFO requests: bad index,
 * flag combinations, ranges past the index's count, short argsz, bad or
 * non-eventfd file descriptors, actions an index lacks, and disabling an
 * index that is not active. Each is refused with the errno stock vfio-pci
 * gives, and the interrupts already set up keep working afterwards.
 * Uses edu (1234:11e8) and nvme (1b36:0010) bound to vfio-pci: run it
 * with vm-run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_irq_util.h"
#include "lib/vfio_util.h"

#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010

#define NONE	VFIO_IRQ_SET_DATA_NONE
#define BOOL	VFIO_IRQ_SET_DATA_BOOL
#define EVTFD	VFIO_IRQ_SET_DATA_EVENTFD
#define MASK	VFIO_IRQ_SET_ACTION_MASK
#define UNMASK	VFIO_IRQ_SET_ACTION_UNMASK
#define TRIG	VFIO_IRQ_SET_ACTION_TRIGGER

#define INTX	VFIO_PCI_INTX_IRQ_INDEX
#define MSI	VFIO_PCI_MSI_IRQ_INDEX
#define MSIX	VFIO_PCI_MSIX_IRQ_INDEX
#define ERR	VFIO_PCI_ERR_IRQ_INDEX
#define REQ	VFIO_PCI_REQ_IRQ_INDEX

/* SET_IRQS with an explicit argsz and raw data; -errno or 0. */
static int set_irqs_raw(int fd, uint32_t argsz, uint32_t flags,
			uint32_t index, uint32_t start, uint32_t count,
			const void *data, size_t len)
{
	struct vfio_irq_set *set = calloc(1, sizeof(*set) + len + 64);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = argsz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (len)
		memcpy(set->data, data, len);
	ret = ioctl(fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

static int efd_set(int fd, uint32_t index, uint32_t action, uint32_t start,
		   uint32_t count, const int32_t *fds)
{
	return vfio_set_irqs(fd, index, EVTFD | action, start, count, fds,
			     sizeof(*fds));
}

/*
 * What a negative eventfd other than -1 does to the ERR or REQ trigger:
 * 6.1's stock accepts it and changes nothing; 6.12's stock and ours
 * refuse it. Either way the trigger is kept.
 */
static int bad_negative_fd_result(void)
{
	return vfio_driver_is_stock() && !vfio_kernel_at_least(6, 12) ?
	       0 : -EINVAL;
}

FIXTURE(edu) {
	struct vfio_dev dev;
	int efd;
	int notefd;	/* an open fd that is not an eventfd */
};

FIXTURE_SETUP(edu)
{
	self->efd = -1;
	vfio_setup_open_bound(_metadata, &self->dev, EDU_VENDOR,
			      EDU_DEVICE);
	self->efd = vfio_eventfd();
	ASSERT_LE(0, self->efd);
	self->notefd = self->dev.fd;
}

FIXTURE_TEARDOWN(edu)
{
	if (self->efd >= 0)
		close(self->efd);
	vfio_close(&self->dev);
}

TEST_F(edu, irq_info_bad)
{
	struct vfio_irq_info info = { .argsz = sizeof(info) };

	info.index = VFIO_PCI_NUM_IRQS;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.index = 0xffffffff;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.index = INTX;
	info.argsz = 8;
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(edu, header_sweep)
{
	uint32_t hdr = sizeof(struct vfio_irq_set);
	int32_t fd = self->efd;

	/* argsz shorter than the header */
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr - 1, NONE | TRIG,
					INTX, 0, 1, NULL, 0));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, 0, NONE | TRIG, INTX, 0,
					1, NULL, 0));
	/* Index out of range; ERR on a conventional PCI device */
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, VFIO_PCI_NUM_IRQS,
					   TRIG, 0, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, 0xffffffff, TRIG,
					   0, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, ERR, TRIG, 0, 1));
	/* MSI-X index of a device without MSI-X */
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, MSIX, TRIG, 0, 1, &fd));
	/* Unknown flags, no or several data types */
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX,
					   TRIG | (1u << 6), 0, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX,
					   TRIG | (1u << 31), 0, 1));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr, TRIG, INTX, 0, 1,
					NULL, 0));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr + 4,
					NONE | EVTFD | TRIG, INTX, 0, 1, &fd,
					4));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr + 4,
					BOOL | EVTFD | TRIG, INTX, 0, 1, &fd,
					4));
	/* No or several actions */
	EXPECT_EQ(-ENOTTY, set_irqs_raw(self->dev.fd, hdr, NONE, INTX, 0, 1,
					NULL, 0));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, INTX, MASK | UNMASK,
					   0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, INTX, MASK | TRIG,
					   0, 1));
	/* Ranges past the count, and wrapping around */
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, TRIG, 1, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, TRIG, 0, 2));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, TRIG, 1, 0));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSI, TRIG, 1,
					   0xffffffff));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSI, TRIG,
					   0xffffffff, 1));
	/* argsz too short for the data */
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr, EVTFD | TRIG, INTX,
					0, 1, &fd, 4));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr + 3, EVTFD | TRIG,
					INTX, 0, 1, &fd, 4));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr, BOOL | TRIG, INTX,
					0, 1, NULL, 0));
	/* Bad and non-eventfd descriptors */
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, INTX, TRIG, 0, 1,
				  (int32_t[]){ 1000 }));
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, INTX, TRIG, 0, 1,
				   &self->notefd));
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, MSI, TRIG, 0, 1,
				  (int32_t[]){ 1000 }));
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, REQ, TRIG, 0, 1,
				  (int32_t[]){ 1000 }));
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, REQ, TRIG, 0, 1,
				   &self->notefd));
	/* Disabling what is not active */
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd, INTX));
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd, MSI));
	/* None of that enabled anything: MSI can still be enabled */
	ASSERT_EQ(0, efd_set(self->dev.fd, MSI, TRIG, 0, 1, &fd));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, MSI));
}

TEST_F(edu, actions_an_index_lacks)
{
	int32_t fd = self->efd;

	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, MSI, MASK, 0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, MSI, UNMASK, 0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, REQ, MASK, 0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, REQ, UNMASK, 0, 1));
	ASSERT_EQ(0, efd_set(self->dev.fd, INTX, TRIG, 0, 1, &fd));
	EXPECT_EQ(-ENOTTY, efd_set(self->dev.fd, INTX, MASK, 0, 1, &fd));
	/* MASK/UNMASK act on the single INTx vector only */
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, MASK, 0, 0));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, UNMASK, 0, 0));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd,
					sizeof(struct vfio_irq_set),
					EVTFD | TRIG, INTX, 0, 0, NULL, 0));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, INTX));
}

/*
 * INTx mask and unmask, the unmask eventfd and the loopback trigger act on
 * INTx in use: with no interrupt enabled, or with MSI in use, each is
 * EINVAL.
 */
TEST_F(edu, intx_mask_needs_intx)
{
	int32_t fd = self->efd;
	int i;

	for (i = 0; i < 2; i++) {
		if (i)
			ASSERT_EQ(0, efd_set(self->dev.fd, MSI, TRIG, 0, 1, &fd));
		EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, MASK, 0, 1));
		EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, UNMASK, 0, 1));
		EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, INTX, UNMASK, 0, 1, &fd));
		EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, TRIG, 0, 1));
	}
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, MSI));
}

/* Refused requests leave the active INTx trigger as it was. */
TEST_F(edu, intx_state_kept)
{
	int32_t fd = self->efd;

	ASSERT_EQ(0, efd_set(self->dev.fd, INTX, TRIG, 0, 1, &fd));
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, INTX, TRIG, 0, 1,
				  (int32_t[]){ 1000 }));
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, INTX, TRIG, 0, 1,
				   &self->notefd));
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, MSI, TRIG, 0, 1, &fd));
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd, MSI));
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, INTX, UNMASK, 0, 1,
				  (int32_t[]){ 1000 }));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, INTX, TRIG, 0, 2));
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, INTX, TRIG, 0, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efd));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, INTX));
}

/*
 * Refused requests, and negative eventfds other than -1 (refused or
 * ignored, see bad_negative_fd_result()), leave the REQ trigger as it was.
 */
TEST_F(edu, req_state_kept)
{
	int32_t fd = self->efd;

	ASSERT_EQ(0, efd_set(self->dev.fd, REQ, TRIG, 0, 1, &fd));
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, REQ, TRIG, 0, 1,
				  (int32_t[]){ 1000 }));
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, REQ, TRIG, 0, 1,
				   &self->notefd));
	/* Only -1 releases the trigger */
	EXPECT_EQ(bad_negative_fd_result(),
		  efd_set(self->dev.fd, REQ, TRIG, 0, 1, (int32_t[]){ -2 }));
	EXPECT_EQ(bad_negative_fd_result(),
		  efd_set(self->dev.fd, REQ, TRIG, 0, 1,
			  (int32_t[]){ INT32_MIN }));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd,
					sizeof(struct vfio_irq_set),
					EVTFD | TRIG, REQ, 0, 0, NULL, 0));
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, REQ, TRIG, 0, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efd));
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, REQ, TRIG, 0, 0));
}

FIXTURE(nvme) {
	struct vfio_dev dev;
	struct vfio_irq_info info;
	int efds[4];
};

FIXTURE_SETUP(nvme)
{
	int i;

	for (i = 0; i < 4; i++)
		self->efds[i] = -1;
	vfio_setup_open_bound(_metadata, &self->dev, NVME_VENDOR,
			      NVME_DEVICE);
	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, MSIX, &self->info));
	ASSERT_LE(4u, self->info.count);
	for (i = 0; i < 4; i++) {
		self->efds[i] = vfio_eventfd();
		ASSERT_LE(0, self->efds[i]);
	}
}

FIXTURE_TEARDOWN(nvme)
{
	int i;

	for (i = 0; i < 4; i++)
		if (self->efds[i] >= 0)
			close(self->efds[i]);
	vfio_close(&self->dev);
}

/* Same for the ERR trigger (a PCIe device's). */
TEST_F(nvme, err_state_kept)
{
	int32_t fd = self->efds[0];

	ASSERT_EQ(0, efd_set(self->dev.fd, ERR, TRIG, 0, 1, &fd));
	/* Only -1 releases the trigger */
	EXPECT_EQ(bad_negative_fd_result(),
		  efd_set(self->dev.fd, ERR, TRIG, 0, 1, (int32_t[]){ -2 }));
	EXPECT_EQ(bad_negative_fd_result(),
		  efd_set(self->dev.fd, ERR, TRIG, 0, 1,
			  (int32_t[]){ INT32_MIN }));
	EXPECT_EQ(-EBADF, efd_set(self->dev.fd, ERR, TRIG, 0, 1,
				  (int32_t[]){ 1000 }));
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, ERR, TRIG, 0, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efds[0]));
	ASSERT_EQ(0, efd_set(self->dev.fd, ERR, TRIG, 0, 1,
			     (int32_t[]){ -1 }));
	/* Released: a loopback (refused or not) reaches it no more */
	(void)vfio_irq_action(self->dev.fd, ERR, TRIG, 0, 1);
	EXPECT_EQ(0, vfio_eventfd_poll(self->efds[0]));
}

TEST_F(nvme, msix_sweep)
{
	uint32_t n = self->info.count, hdr = sizeof(struct vfio_irq_set);
	int32_t fds[3];

	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSIX, TRIG, n, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSIX, TRIG, n - 1,
					   2));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSIX, TRIG, 1,
					   0xffffffff));
	/* Data for 3 vectors announced as 4 */
	memcpy(fds, self->efds, sizeof(fds));
	EXPECT_EQ(-EINVAL, set_irqs_raw(self->dev.fd, hdr + sizeof(fds),
					EVTFD | TRIG, MSIX, 0, 4, fds,
					sizeof(fds)));
	/* nvme has no MSI capability */
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, MSI, TRIG, 0, 1, fds));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, MSIX, MASK, 0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(self->dev.fd, MSIX, UNMASK, 0, 1));
	/* Loopback and count 0 with data on an inactive index */
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSIX, TRIG, 0, 1));
	/* Stock passes an allocation of 0 vectors on to the PCI core */
	EXPECT_EQ(vfio_driver_is_stock() ? -ERANGE : -EINVAL,
		  set_irqs_raw(self->dev.fd, hdr, EVTFD | TRIG, MSIX, 0, 0,
			       NULL, 0));
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd, MSIX));
}

/*
 * A bad eventfd in the middle of a block. Ours refuses the whole request
 * before touching any vector; stock tears down the vectors of the block
 * set before it failed, so only the refusal is checked there.
 */
TEST_F(nvme, msix_state_kept)
{
	int32_t bad[4];
	int i;

	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd, MSIX, 0, 4,
					   self->efds));
	memcpy(bad, self->efds, sizeof(bad));
	bad[2] = 1000;
	EXPECT_EQ(-EBADF, vfio_irq_set_eventfds(self->dev.fd, MSIX, 0, 4,
						bad));
	bad[2] = self->dev.fd;
	EXPECT_EQ(-EINVAL, vfio_irq_set_eventfds(self->dev.fd, MSIX, 0, 4,
						 bad));
	EXPECT_EQ(-EINVAL, efd_set(self->dev.fd, INTX, TRIG, 0, 1,
				   self->efds));
	EXPECT_EQ(-EINVAL, vfio_irq_action(self->dev.fd, MSIX, TRIG, 0,
					   self->info.count + 1));
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, MSIX, TRIG, 0, 4));
	if (!vfio_driver_is_stock()) {
		for (i = 0; i < 4; i++)
			EXPECT_EQ(1, vfio_eventfd_poll(self->efds[i]))
				TH_LOG("vector %d", i);
	} else {
		/* Vectors after the bad one are untouched there too */
		EXPECT_EQ(1, vfio_eventfd_poll(self->efds[3]));
	}
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, MSIX));
}

TEST_HARNESS_MAIN
