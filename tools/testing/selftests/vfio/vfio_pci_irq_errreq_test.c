// SPDX-License-Identifier: GPL-2.0
/*
 * The ERR and REQ interrupt indexes: their triggers set, signalled by
 * loopback and released, and the device request on unbind: with a REQ
 * eventfd the client is asked to release the device and the unbind
 * completes once it closes; without one the unbind waits for the close.
 * The unbind runs in a child process, as it blocks. Uses pci-testdev
 * (1b36:0005) for the unbind and nvme (1b36:0010, a PCIe function) for
 * ERR; both bound to vfio-pci: run it with vm-run.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"
#include "lib/vfio_irq_util.h"

#define TESTDEV_VENDOR	0x1b36
#define TESTDEV_DEVICE	0x0005
#define NVME_VENDOR	0x1b36
#define NVME_DEVICE	0x0010

/* The 6.1 core asks again every 10 s: the first request comes at once. */
#define REQ_WAIT_MS	15000
#define UNBIND_WAIT_MS	15000

FIXTURE(req) {
	struct vfio_dev dev;
	char bdf[VFIO_BDF_LEN];
	pid_t child;
};

FIXTURE_SETUP(req)
{
	char driver[64];

	self->dev.fd = -1;
	self->child = -1;
	if (vfio_find_device(TESTDEV_VENDOR, TESTDEV_DEVICE, 0, self->bdf))
		SETUP_SKIP("no pci-testdev (1b36:0005)");
	if (vfio_device_driver(self->bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("%s is not bound to vfio-pci", self->bdf);
	ASSERT_EQ(0, vfio_open(&self->dev, self->bdf));
}

FIXTURE_TEARDOWN(req)
{
	char driver[64] = "";

	vfio_close(&self->dev);
	if (self->child > 0) {
		waitpid(self->child, NULL, 0);
		self->child = -1;
	}
	/* Leave the device as vm-run bound it */
	if (!vfio_device_driver(self->bdf, driver, sizeof(driver)) &&
	    strcmp(driver, "vfio-pci"))
		vfio_bind(self->bdf, "vfio-pci");
}

/*
 * Unbind in a child, which must not keep the device open through the
 * descriptors it inherits: the unbind would wait for itself.
 */
static pid_t start_unbind(struct vfio_dev *dev)
{
	pid_t pid = fork();

	if (!pid) {
		close(dev->fd);
		close(dev->group);
		close(dev->container);
		_exit(vfio_unbind(dev->bdf) ? 1 : 0);
	}
	return pid;
}

/* Exit status of @pid, -ETIMEDOUT if it runs past @ms, -errno. */
static int wait_child(pid_t pid, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int status, i;

	for (i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r < 0)
			return -errno;
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(req, unbind_signals_request, 60)
{
	char driver[64];
	int efd = vfio_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
					   &efd));
	self->child = start_unbind(&self->dev);
	ASSERT_LT(0, self->child);

	/* Asked to release the device; the unbind waits for us */
	ASSERT_LE(1, vfio_eventfd_wait(efd, REQ_WAIT_MS));
	EXPECT_EQ(-ETIMEDOUT, wait_child(self->child, 200));

	vfio_close(&self->dev);
	EXPECT_EQ(0, wait_child(self->child, UNBIND_WAIT_MS));
	self->child = -1;
	ASSERT_EQ(0, vfio_device_driver(self->bdf, driver, sizeof(driver)));
	EXPECT_STREQ("", driver);
	EXPECT_EQ(0, vfio_bind(self->bdf, "vfio-pci"));
	close(efd);
}

TEST_F_TIMEOUT(req, unbind_waits_without_request_eventfd, 60)
{
	char driver[64];
	int efd = vfio_eventfd();

	ASSERT_LE(0, efd);
	/* Set and released again: no request channel */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
					   &efd));
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_REQ_IRQ_INDEX, 0, 1,
					   (int32_t[]){ -1 }));
	self->child = start_unbind(&self->dev);
	ASSERT_LT(0, self->child);

	EXPECT_EQ(-ETIMEDOUT, wait_child(self->child, 1500));
	EXPECT_EQ(0, vfio_eventfd_poll(efd));

	vfio_close(&self->dev);
	EXPECT_EQ(0, wait_child(self->child, UNBIND_WAIT_MS));
	self->child = -1;
	ASSERT_EQ(0, vfio_device_driver(self->bdf, driver, sizeof(driver)));
	EXPECT_STREQ("", driver);
	EXPECT_EQ(0, vfio_bind(self->bdf, "vfio-pci"));
	close(efd);
}

/* INTx is offered exactly when the device shows an interrupt pin. */
TEST_F(req, intx_count_follows_pin)
{
	struct vfio_irq_info info;
	uint8_t pin;
	int efd = vfio_eventfd();

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_cfg_read8(&self->dev, PCI_INTERRUPT_PIN, &pin));
	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				   &info));
	TH_LOG("interrupt pin %u, INTx count %u", pin, info.count);
	EXPECT_EQ(pin ? 1u : 0u, info.count);
	if (!info.count)
		EXPECT_EQ(-EINVAL,
			  vfio_irq_set_eventfds(self->dev.fd,
						VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						&efd));
	close(efd);
}

/* Loopback and release of a single-trigger index. */
static void ctx_trigger(struct __test_metadata *_metadata, int fd,
			uint32_t index)
{
	int efd = vfio_eventfd(), efd2 = vfio_eventfd();
	uint8_t t;

	ASSERT_LE(0, efd);
	ASSERT_LE(0, efd2);
	/* No trigger yet: DATA_NONE has nothing to act on */
	EXPECT_EQ(-EINVAL, vfio_irq_action(fd, index,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_action(fd, index,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0));

	ASSERT_EQ(0, vfio_irq_set_eventfds(fd, index, 0, 1, &efd));
	ASSERT_EQ(0, vfio_irq_action(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER,
				     0, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(efd));
	t = 0;
	ASSERT_EQ(0, vfio_set_irqs(fd, index, VFIO_IRQ_SET_DATA_BOOL |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &t, 1));
	EXPECT_EQ(0, vfio_eventfd_poll(efd));
	t = 1;
	ASSERT_EQ(0, vfio_set_irqs(fd, index, VFIO_IRQ_SET_DATA_BOOL |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &t, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(efd));

	/* Replaced */
	ASSERT_EQ(0, vfio_irq_set_eventfds(fd, index, 0, 1, &efd2));
	ASSERT_EQ(0, vfio_irq_action(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER,
				     0, 1));
	EXPECT_EQ(0, vfio_eventfd_poll(efd));
	EXPECT_EQ(1, vfio_eventfd_poll(efd2));

	/* Released with count 0 */
	ASSERT_EQ(0, vfio_irq_action(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER,
				     0, 0));
	EXPECT_EQ(-EINVAL, vfio_irq_action(fd, index,
					   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	/* BOOL without a trigger is accepted and does nothing */
	ASSERT_EQ(0, vfio_set_irqs(fd, index, VFIO_IRQ_SET_DATA_BOOL |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &t, 1));
	EXPECT_EQ(0, vfio_eventfd_poll(efd2));

	/* Only TRIGGER is an action of these indexes */
	EXPECT_EQ(-ENOTTY, vfio_irq_action(fd, index,
					   VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	EXPECT_EQ(-ENOTTY, vfio_irq_action(fd, index,
					   VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	close(efd);
	close(efd2);
}

TEST_F(req, req_trigger)
{
	ctx_trigger(_metadata, self->dev.fd, VFIO_PCI_REQ_IRQ_INDEX);
}

FIXTURE(err) {
	struct vfio_dev dev;
};

FIXTURE_SETUP(err)
{
	char bdf[VFIO_BDF_LEN], driver[64];

	self->dev.fd = -1;
	if (vfio_find_device(NVME_VENDOR, NVME_DEVICE, 0, bdf))
		SETUP_SKIP("no nvme (1b36:0010)");
	if (vfio_device_driver(bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("%s is not bound to vfio-pci", bdf);
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
}

FIXTURE_TEARDOWN(err)
{
	vfio_close(&self->dev);
}

TEST_F(err, err_trigger)
{
	struct vfio_irq_info info;

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX,
				   &info));
	EXPECT_EQ(1u, info.count);
	EXPECT_EQ((uint32_t)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
		  info.flags);
	ctx_trigger(_metadata, self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX);
}

TEST_HARNESS_MAIN
