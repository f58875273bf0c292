// SPDX-License-Identifier: GPL-2.0
/*
 * INTx and MSI delivered through VFIO eventfds, on QEMU's edu device:
 * edu raises its interrupt when 0x60 is written (and on a finished
 * factorial or DMA), through MSI if enabled and INTx otherwise, and keeps
 * INTx asserted until 0x64 acknowledges it.
 *
 * Checked: GET_IRQ_INFO, INTx automasking and unmasking by ioctl (NONE
 * and BOOL) and by an unmask eventfd, masking, loopback triggers, the
 * command register's INTx-disable bit against vfio's mask, trigger
 * swapping, MSI delivery, teardown and re-enable, and thousands of round
 * trips with neither a lost nor a spurious interrupt.
 * Needs edu (1234:11e8) bound to vfio-pci: run it with vm-run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"
#include "lib/vfio_irq_util.h"

/* Round trips of the stress tests: seconds under TCG. */
#define ROUND_TRIPS	2000
/* An interrupt that should come comes well within this. */
#define IRQ_WAIT_MS	2000
/* An interrupt that should not come has had time to show up. */
#define NO_IRQ_MS	50

/*
 * Less than edu's 4 KiB buffer: QEMU 7.2's edu aborts on a transfer that
 * ends exactly at the buffer's end.
 */
#define EDU_DMA_LEN	2048
#define EDU_IRQ_DMA	0x100
#define EDU_IRQ_FACT	0x1
#define EDU_STATUS_IRQ	0x80

FIXTURE(edu) {
	struct vfio_dev dev;
	volatile void *bar;
	int efd;
};

FIXTURE_SETUP(edu)
{
	char bdf[VFIO_BDF_LEN], driver[64];
	uint16_t cmd;

	self->dev.fd = -1;
	self->bar = NULL;
	self->efd = -1;
	if (vfio_find_device(EDU_VENDOR, EDU_DEVICE, 0, bdf))
		SETUP_SKIP("no edu device (1234:11e8)");
	if (vfio_device_driver(bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("edu %s is not bound to vfio-pci", bdf);
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
	self->bar = vfio_region_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, self->bar);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd));
	ASSERT_EQ(0, vfio_cfg_write16(&self->dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY |
				      PCI_COMMAND_MASTER));
	self->efd = vfio_eventfd();
	ASSERT_LE(0, self->efd);
	/* Nothing left over from an earlier user */
	mmio_write32(self->bar, EDU_REG_IRQ_ACK,
		     mmio_read32(self->bar, EDU_REG_IRQ_STATUS));
}

FIXTURE_TEARDOWN(edu)
{
	if (self->bar)
		vfio_region_munmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
				   (void *)self->bar);
	if (self->efd >= 0)
		close(self->efd);
	vfio_close(&self->dev);
}

static void raise_irq(volatile void *bar, uint32_t val)
{
	mmio_write32(bar, EDU_REG_IRQ_RAISE, val);
}

static void ack_irq(volatile void *bar, uint32_t val)
{
	mmio_write32(bar, EDU_REG_IRQ_ACK, val);
}

static int intx_enable(struct vfio_dev *dev, int efd)
{
	return vfio_irq_set_eventfds(dev->fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				     &efd);
}

static int intx_action(struct vfio_dev *dev, uint32_t action)
{
	return vfio_irq_action(dev->fd, VFIO_PCI_INTX_IRQ_INDEX, action, 0, 1);
}

static int intx_bool(struct vfio_dev *dev, uint32_t action, uint8_t val)
{
	return vfio_set_irqs(dev->fd, VFIO_PCI_INTX_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_BOOL | action, 0, 1, &val, 1);
}

TEST_F(edu, irq_info)
{
	struct vfio_irq_info info;

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				   &info));
	EXPECT_EQ(1u, info.count);
	EXPECT_EQ((uint32_t)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_AUTOMASKED), info.flags);
	/* edu's MSI capability offers a single vector */
	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX,
				   &info));
	EXPECT_EQ(1u, info.count);
	EXPECT_EQ((uint32_t)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE),
		  info.flags);
	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX,
				   &info));
	EXPECT_EQ(0u, info.count);
	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_REQ_IRQ_INDEX,
				   &info));
	EXPECT_EQ(1u, info.count);
	/* edu is a conventional PCI device: no AER, no ERR index */
	EXPECT_EQ(-EINVAL, vfio_irq_info(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX,
					 &info));
}

TEST_F(edu, intx_automask_unmask_ioctl)
{
	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));

	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	EXPECT_EQ(1u, mmio_read32(self->bar, EDU_REG_IRQ_STATUS));
	ack_irq(self->bar, 1);

	/* Automasked: a new interrupt waits for the unmask */
	raise_irq(self->bar, 2);
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	EXPECT_EQ(2u, mmio_read32(self->bar, EDU_REG_IRQ_STATUS));
	ack_irq(self->bar, 2);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	/* Acknowledged before the unmask: nothing more */
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));

	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
}

TEST_F(edu, intx_round_trips_ioctl)
{
	int i;

	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));
	for (i = 0; i < ROUND_TRIPS; i++) {
		raise_irq(self->bar, 1);
		ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS))
			TH_LOG("round trip %d", i);
		ack_irq(self->bar, 1);
		ASSERT_EQ(0, intx_action(&self->dev,
					 VFIO_IRQ_SET_ACTION_UNMASK));
	}
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
}

TEST_F(edu, intx_round_trips_unmask_eventfd)
{
	int unmask = vfio_eventfd();
	int i;

	ASSERT_LE(0, unmask);
	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));
	ASSERT_EQ(0, vfio_set_irqs(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &unmask,
				   sizeof(unmask)));
	/* A second unmask eventfd is refused while one is set */
	EXPECT_EQ(-EBUSY, vfio_set_irqs(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
					VFIO_IRQ_SET_DATA_EVENTFD |
					VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
					&unmask, sizeof(unmask)));
	for (i = 0; i < ROUND_TRIPS; i++) {
		raise_irq(self->bar, 1);
		ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS))
			TH_LOG("round trip %d", i);
		ack_irq(self->bar, 1);
		ASSERT_EQ(0, vfio_eventfd_signal(unmask));
	}
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));

	/* Unmasking while the device still asserts re-delivers */
	raise_irq(self->bar, 4);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ASSERT_EQ(0, vfio_eventfd_signal(unmask));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 4);
	ASSERT_EQ(0, vfio_eventfd_signal(unmask));
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));

	/* Without the unmask eventfd, signalling it unmasks nothing */
	ASSERT_EQ(0, vfio_set_irqs(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_UNMASK, 0, 1,
				   (int32_t[]){ -1 }, sizeof(int32_t)));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	raise_irq(self->bar, 1);
	ASSERT_EQ(0, vfio_eventfd_signal(unmask));
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);

	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
	close(unmask);
}

TEST_F(edu, intx_mask_bool_none)
{
	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));

	/* Masked by ioctl (NONE): nothing comes through */
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_MASK));
	raise_irq(self->bar, 1);
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	/* BOOL false does nothing, BOOL true unmasks */
	ASSERT_EQ(0, intx_bool(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK, 0));
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, intx_bool(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));

	/* Masked by BOOL true; BOOL false leaves it unmasked */
	ASSERT_EQ(0, intx_bool(&self->dev, VFIO_IRQ_SET_ACTION_MASK, 0));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(0, intx_bool(&self->dev, VFIO_IRQ_SET_ACTION_MASK, 1));
	raise_irq(self->bar, 1);
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	/* Masking twice needs one unmask */
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_MASK));
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));

	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
}

TEST_F(edu, intx_loopback_and_swap)
{
	int efd2 = vfio_eventfd();

	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_TRIGGER));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efd));
	ASSERT_EQ(0, intx_bool(&self->dev, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
	EXPECT_EQ(0, vfio_eventfd_poll(self->efd));
	ASSERT_EQ(0, intx_bool(&self->dev, VFIO_IRQ_SET_ACTION_TRIGGER, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efd));

	/* A new eventfd replaces the old one */
	ASSERT_EQ(0, intx_enable(&self->dev, efd2));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(efd2, IRQ_WAIT_MS));
	EXPECT_EQ(0, vfio_eventfd_poll(self->efd));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));

	/* -1 drops the trigger but INTx stays the active index */
	ASSERT_EQ(0, intx_enable(&self->dev, -1));
	raise_irq(self->bar, 1);
	EXPECT_EQ(0, vfio_eventfd_wait(efd2, NO_IRQ_MS));
	ack_irq(self->bar, 1);
	EXPECT_EQ(-EINVAL, vfio_irq_set_eventfds(self->dev.fd,
						 VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
						 &self->efd));
	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));
	/*
	 * Stock keeps INTx masked after an interrupt raised while it had no
	 * trigger; an unmask, a no-op for ours, lets both deliver again.
	 */
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd,
					    VFIO_PCI_INTX_IRQ_INDEX));
	close(efd2);
}

static int set_intx_disable(struct vfio_dev *dev, bool disable)
{
	uint16_t cmd;
	int ret = vfio_cfg_read16(dev, PCI_COMMAND, &cmd);

	if (ret)
		return ret;
	if (disable)
		cmd |= PCI_COMMAND_INTX_DISABLE;
	else
		cmd &= ~PCI_COMMAND_INTX_DISABLE;
	return vfio_cfg_write16(dev, PCI_COMMAND, cmd);
}

TEST_F(edu, intx_command_disable_bit)
{
	uint16_t cmd;

	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));

	/* The user's bit blocks INTx, and reads back as written */
	ASSERT_EQ(0, set_intx_disable(&self->dev, true));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd));
	EXPECT_TRUE(!!(cmd & PCI_COMMAND_INTX_DISABLE));
	raise_irq(self->bar, 1);
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, set_intx_disable(&self->dev, false));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd));
	EXPECT_FALSE(!!(cmd & PCI_COMMAND_INTX_DISABLE));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));

	/*
	 * Clearing the user's bit does not undo vfio's mask: ours keeps the
	 * hardware bit set while either the user or vfio wants INTx
	 * disabled. Stock writes the user's bit straight to the hardware,
	 * so clearing it lets the masked interrupt through.
	 */
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_MASK));
	raise_irq(self->bar, 1);
	ASSERT_EQ(0, set_intx_disable(&self->dev, true));
	ASSERT_EQ(0, set_intx_disable(&self->dev, false));
	if (vfio_driver_is_stock()) {
		ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
		ack_irq(self->bar, 1);
		ASSERT_EQ(0, intx_action(&self->dev,
					 VFIO_IRQ_SET_ACTION_UNMASK));
	} else {
		EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
		ASSERT_EQ(0, intx_action(&self->dev,
					 VFIO_IRQ_SET_ACTION_UNMASK));
		ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
		ack_irq(self->bar, 1);
	}
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));

	/* The user's bit alone, vfio unmasked, blocks INTx on both */
	ASSERT_EQ(0, set_intx_disable(&self->dev, true));
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	raise_irq(self->bar, 1);
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, set_intx_disable(&self->dev, false));
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));

	/*
	 * Ours: vfio's unmask of an automasked, still asserted interrupt
	 * does not override the user's bit either (stock: not checked, its
	 * user bit is the hardware bit, see above).
	 */
	if (!vfio_driver_is_stock()) {
		ASSERT_EQ(0, set_intx_disable(&self->dev, true));
		ASSERT_EQ(0, intx_action(&self->dev,
					 VFIO_IRQ_SET_ACTION_UNMASK));
		EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
		ASSERT_EQ(0, set_intx_disable(&self->dev, false));
		ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	}
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));

	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
}

static int msi_enable(struct vfio_dev *dev, int efd)
{
	return vfio_irq_set_eventfds(dev->fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
				     &efd);
}

TEST_F(edu, msi_round_trips)
{
	int i;

	ASSERT_EQ(0, msi_enable(&self->dev, self->efd));
	/* One index at a time */
	EXPECT_EQ(-EINVAL, intx_enable(&self->dev, self->efd));
	for (i = 0; i < ROUND_TRIPS; i++) {
		raise_irq(self->bar, 1);
		ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS))
			TH_LOG("round trip %d", i);
		ack_irq(self->bar, 1);
	}
	EXPECT_EQ(0, vfio_eventfd_wait(self->efd, NO_IRQ_MS));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX));
}

TEST_F(edu, msi_teardown_reenable)
{
	int efd2 = vfio_eventfd();
	uint16_t flags;
	int pos;

	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, msi_enable(&self->dev, self->efd));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);

	/* Loopback through the vector's eventfd */
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efd));

	/*
	 * Torn down: the old eventfd hears nothing, not even a loopback.
	 * (The device is not made to raise the vector meanwhile: its
	 * message address is cleared, and the IOMMU would log the write.)
	 */
	ASSERT_EQ(0, msi_enable(&self->dev, -1));
	ASSERT_EQ(0, vfio_irq_action(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	EXPECT_EQ(0, vfio_eventfd_poll(self->efd));

	/* A new eventfd on the same vector */
	ASSERT_EQ(0, msi_enable(&self->dev, efd2));
	raise_irq(self->bar, 2);
	ASSERT_EQ(1, vfio_eventfd_wait(efd2, IRQ_WAIT_MS));
	EXPECT_EQ(0, vfio_eventfd_poll(self->efd));
	ack_irq(self->bar, 2);

	/* Swapped for another without a disable */
	ASSERT_EQ(0, msi_enable(&self->dev, self->efd));
	raise_irq(self->bar, 2);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	EXPECT_EQ(0, vfio_eventfd_poll(efd2));
	ack_irq(self->bar, 2);

	/* The virtual MSI capability follows what is enabled */
	pos = 0;
	{
		uint8_t p, id;
		int guard = 48;

		ASSERT_EQ(0, vfio_cfg_read8(&self->dev, PCI_CAPABILITY_LIST,
					    &p));
		while (p >= 0x40 && guard--) {
			ASSERT_EQ(0, vfio_cfg_read8(&self->dev, p, &id));
			if (id == PCI_CAP_ID_MSI) {
				pos = p;
				break;
			}
			ASSERT_EQ(0, vfio_cfg_read8(&self->dev, p + 1, &p));
		}
	}
	ASSERT_NE(0, pos);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, pos + PCI_MSI_FLAGS, &flags));
	TH_LOG("MSI flags while enabled: 0x%x (%s)", flags,
	       vfio_driver_name());
	if (!vfio_driver_is_stock())
		EXPECT_TRUE(!!(flags & PCI_MSI_FLAGS_ENABLE));

	/* Disabled: edu falls back to INTx */
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX));
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd,
					    VFIO_PCI_MSI_IRQ_INDEX));
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, pos + PCI_MSI_FLAGS, &flags));
	if (!vfio_driver_is_stock())
		EXPECT_FALSE(!!(flags & PCI_MSI_FLAGS_ENABLE));
	ASSERT_EQ(0, intx_enable(&self->dev, efd2));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(efd2, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));

	/* And MSI comes back */
	ASSERT_EQ(0, msi_enable(&self->dev, self->efd));
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX));
	close(efd2);
}

/* Completion interrupts: factorial, then DMA both ways, over MSI and INTx */
static void completion_irqs(struct __test_metadata *_metadata,
			    struct vfio_dev *dev, volatile void *bar, int efd,
			    bool msi)
{
	struct vfio_dma_buf buf;
	uint8_t *p;
	int i;

	ASSERT_EQ(0, msi ? msi_enable(dev, efd) :
		     intx_enable(dev, efd));

	mmio_write32(bar, EDU_REG_STATUS, EDU_STATUS_IRQ);
	mmio_write32(bar, EDU_REG_FACTORIAL, 5);
	ASSERT_EQ(1, vfio_eventfd_wait(efd, IRQ_WAIT_MS));
	EXPECT_EQ(120u, mmio_read32(bar, EDU_REG_FACTORIAL));
	EXPECT_EQ((uint32_t)EDU_IRQ_FACT,
		  mmio_read32(bar, EDU_REG_IRQ_STATUS));
	ack_irq(bar, EDU_IRQ_FACT);
	mmio_write32(bar, EDU_REG_STATUS, 0);
	if (!msi)
		ASSERT_EQ(0, intx_action(dev,
					 VFIO_IRQ_SET_ACTION_UNMASK));

	/* edu's DMA engine only reaches 28 bits */
	ASSERT_EQ(0, vfio_dma_alloc(dev, 8192, 0x100000, &buf));
	p = buf.vaddr;
	for (i = 0; i < EDU_DMA_LEN; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	mmio_write64(bar, EDU_DMA_SRC, buf.iova);
	mmio_write64(bar, EDU_DMA_DST, EDU_DMA_BUF);
	mmio_write64(bar, EDU_DMA_CNT, EDU_DMA_LEN);
	mmio_write64(bar, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_IRQ);
	ASSERT_EQ(1, vfio_eventfd_wait(efd, IRQ_WAIT_MS));
	EXPECT_EQ((uint32_t)EDU_IRQ_DMA,
		  mmio_read32(bar, EDU_REG_IRQ_STATUS));
	ack_irq(bar, EDU_IRQ_DMA);
	if (!msi)
		ASSERT_EQ(0, intx_action(dev,
					 VFIO_IRQ_SET_ACTION_UNMASK));

	mmio_write64(bar, EDU_DMA_SRC, EDU_DMA_BUF);
	mmio_write64(bar, EDU_DMA_DST, buf.iova + 4096);
	mmio_write64(bar, EDU_DMA_CNT, EDU_DMA_LEN);
	mmio_write64(bar, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_TO_RAM |
		     EDU_DMA_IRQ);
	ASSERT_EQ(1, vfio_eventfd_wait(efd, IRQ_WAIT_MS));
	ack_irq(bar, EDU_IRQ_DMA);
	EXPECT_EQ(0, memcmp(p, p + 4096, EDU_DMA_LEN));
	EXPECT_EQ(0, vfio_eventfd_wait(efd, NO_IRQ_MS));

	ASSERT_EQ(0, vfio_dma_free(dev, &buf));
	ASSERT_EQ(0, vfio_irq_disable(dev->fd, msi ?
				      VFIO_PCI_MSI_IRQ_INDEX :
				      VFIO_PCI_INTX_IRQ_INDEX));
}

TEST_F(edu, completion_irqs_msi)
{
	completion_irqs(_metadata, &self->dev, self->bar, self->efd, true);
}

TEST_F(edu, completion_irqs_intx)
{
	completion_irqs(_metadata, &self->dev, self->bar, self->efd, false);
}

/* The device's own INTx-disable bit, as the PCI core reads it: 0 or 1. */
static int hw_intx_disabled(const char *bdf)
{
	char path[128];
	uint16_t cmd;
	int fd, ret = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, sizeof(cmd), PCI_COMMAND) == sizeof(cmd))
		ret = !!(cmd & PCI_COMMAND_INTX_DISABLE);
	close(fd);
	return ret;
}

/*
 * Ours enables INTx in the device only while its handler is on the line
 * and vfio has not masked it: a device asserting INTx that nobody handles
 * would make a shared line scream at its other users. Stock leaves INTx
 * enabled whenever it does not use it, even while MSI is enabled (the PCI
 * core disables INTx then, but stock's device is found with it enabled).
 */
TEST_F(edu, intx_hw_bit_follows_handler)
{
	int idle = vfio_driver_is_stock() ? 0 : 1;
	const char *bdf = self->dev.bdf;
	int32_t none = -1;

	EXPECT_EQ(idle, hw_intx_disabled(bdf)) TH_LOG("open, nothing set up");

	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));
	EXPECT_EQ(0, hw_intx_disabled(bdf)) TH_LOG("INTx handled");
	raise_irq(self->bar, 1);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efd, IRQ_WAIT_MS));
	EXPECT_EQ(1, hw_intx_disabled(bdf)) TH_LOG("INTx automasked");
	ack_irq(self->bar, 1);
	ASSERT_EQ(0, intx_action(&self->dev, VFIO_IRQ_SET_ACTION_UNMASK));
	EXPECT_EQ(0, hw_intx_disabled(bdf)) TH_LOG("INTx unmasked");

	/* INTx stays active without a trigger: nothing handles it */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
					   &none));
	EXPECT_EQ(idle, hw_intx_disabled(bdf)) TH_LOG("INTx without trigger");
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
	EXPECT_EQ(idle, hw_intx_disabled(bdf)) TH_LOG("INTx torn down");

	/* The PCI core disables INTx for MSI, and enables it again after */
	ASSERT_EQ(0, msi_enable(&self->dev, self->efd));
	EXPECT_EQ(idle, hw_intx_disabled(bdf)) TH_LOG("MSI enabled");
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX));
	EXPECT_EQ(idle, hw_intx_disabled(bdf)) TH_LOG("MSI torn down");

	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(idle, hw_intx_disabled(bdf)) TH_LOG("after reset");
}

/* Interrupts are torn down on close: a new open starts from nothing. */
TEST_F(edu, close_tears_down)
{
	char bdf[VFIO_BDF_LEN];

	ASSERT_EQ(0, msi_enable(&self->dev, self->efd));
	memcpy(bdf, self->dev.bdf, sizeof(bdf));
	vfio_region_munmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX,
			   (void *)self->bar);
	self->bar = NULL;
	vfio_close(&self->dev);
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
	/* MSI is not active any more: disabling it is refused */
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd,
					    VFIO_PCI_MSI_IRQ_INDEX));
	ASSERT_EQ(0, intx_enable(&self->dev, self->efd));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
}

TEST_HARNESS_MAIN
