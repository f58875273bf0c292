// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X through VFIO on QEMU's nvme (1b36:0010) and e1000e (8086:10d3):
 * GET_IRQ_INFO against the capability, enabling all vectors and
 * sub-ranges, tearing down one vector, loopback triggers, what the MSI-X
 * table's BAR reports (sparse mmap areas or MSIX_MAPPABLE), and
 * interrupts really delivered: an NVMe Identify Controller submitted from
 * userspace through DMA-mapped admin queues completes on vector 0.
 * Needs the devices bound to vfio-pci: run it with vm-run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"
#include "lib/vfio_irq_util.h"
#include "lib/nvme_mini.h"

#define IRQ_WAIT_MS	5000
#define MAX_VECS	2048

FIXTURE(msix) {
	struct vfio_dev dev;
	uint32_t nvec;		/* table size from the capability */
	uint32_t table_bar;
	uint32_t table_off;
	int *efds;
};

FIXTURE_VARIANT(msix) {
	uint16_t vendor;
	uint16_t device;
};

FIXTURE_VARIANT_ADD(msix, nvme) {
	.vendor = NVME_VENDOR,
	.device = NVME_DEVICE,
};

FIXTURE_VARIANT_ADD(msix, e1000e) {
	.vendor = 0x8086,
	.device = 0x10d3,
};

FIXTURE_SETUP(msix)
{
	char bdf[VFIO_BDF_LEN], driver[64];
	uint16_t ctrl;
	uint32_t table, i;
	int pos;

	self->dev.fd = -1;
	self->efds = NULL;
	if (vfio_find_device(variant->vendor, variant->device, 0, bdf))
		SETUP_SKIP("no %04x:%04x device", variant->vendor,
			   variant->device);
	if (vfio_device_driver(bdf, driver, sizeof(driver)) ||
	    strcmp(driver, "vfio-pci"))
		SETUP_SKIP("%s is not bound to vfio-pci", bdf);
	ASSERT_EQ(0, vfio_open(&self->dev, bdf));
	pos = vfio_find_cap(&self->dev, PCI_CAP_ID_MSIX);
	ASSERT_NE(0, pos);
	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, pos + PCI_MSIX_FLAGS, &ctrl));
	ASSERT_EQ(0, vfio_cfg_read32(&self->dev, pos + PCI_MSIX_TABLE, &table));
	self->nvec = (ctrl & PCI_MSIX_FLAGS_QSIZE) + 1;
	self->table_bar = table & PCI_MSIX_TABLE_BIR;
	self->table_off = table & PCI_MSIX_TABLE_OFFSET;
	self->efds = calloc(self->nvec, sizeof(int));
	ASSERT_NE(NULL, self->efds);
	for (i = 0; i < self->nvec; i++) {
		self->efds[i] = vfio_eventfd();
		ASSERT_LE(0, self->efds[i]);
	}
	TH_LOG("%s: %u MSI-X vectors, table in BAR%u at 0x%x, %s driver",
	       bdf, self->nvec, self->table_bar, self->table_off,
	       vfio_driver_name());
}

FIXTURE_TEARDOWN(msix)
{
	uint32_t i;

	if (self->efds) {
		for (i = 0; i < self->nvec; i++)
			close(self->efds[i]);
		free(self->efds);
	}
	vfio_close(&self->dev);
}

/* Each of [0, n) signalled exactly @want[i] times (loopback, no wait). */
static void expect_signals(struct __test_metadata *_metadata,
			   const int *efds, uint32_t n, const uint8_t *want)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		EXPECT_EQ(want[i], vfio_eventfd_poll(efds[i]))
			TH_LOG("vector %u", i);
}

static int loopback(struct vfio_dev *dev, uint32_t start, uint32_t count)
{
	return vfio_irq_action(dev->fd, VFIO_PCI_MSIX_IRQ_INDEX,
			       VFIO_IRQ_SET_ACTION_TRIGGER, start, count);
}

/*
 * Can MSI-X vectors be added while MSI-X is enabled? The PCI core allows
 * it since 6.2 where the interrupt domain does, as the VM's (x86 with
 * interrupt remapping) does; the VFIO core says so by leaving NORESIZE
 * out of MSI-X's GET_IRQ_INFO flags.
 */
static bool msix_dynamic(void)
{
	return vfio_kernel_at_least(6, 2);
}

/*
 * The host IRQ number serving MSI-X vector @vec of @bdf, from the handler
 * name both drivers give it in /proc/interrupts ("vfio-msix[0](BDF)");
 * -1 if none is requested.
 */
static int msix_host_irq(const char *bdf, uint32_t vec)
{
	char name[64], line[1024];
	int irq = -1;
	FILE *f;

	snprintf(name, sizeof(name), " vfio-msix[%u](%s)", vec, bdf);
	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strlen(line) > strlen(name) &&
		    !strcmp(line + strlen(line) - strlen(name), name)) {
			irq = atoi(line);
			break;
		}
	}
	fclose(f);
	return irq;
}

TEST_F(msix, irq_info)
{
	struct vfio_irq_info info;

	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX,
				   &info));
	EXPECT_EQ(self->nvec, info.count);
	EXPECT_EQ((uint32_t)(VFIO_IRQ_INFO_EVENTFD |
			     (msix_dynamic() ? 0 : VFIO_IRQ_INFO_NORESIZE)),
		  info.flags);
	/* MSI stays a set enabled at once */
	if (!vfio_irq_info(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX, &info) &&
	    info.count)
		EXPECT_TRUE(!!(info.flags & VFIO_IRQ_INFO_NORESIZE));
	/* Both are PCIe devices: the ERR index exists */
	ASSERT_EQ(0, vfio_irq_info(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX,
				   &info));
	EXPECT_EQ(1u, info.count);
}

TEST_F(msix, enable_all)
{
	uint8_t *want = calloc(self->nvec, 1);
	uint8_t *pattern = calloc(self->nvec, 1);
	uint32_t i;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, pattern);
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0,
					   self->nvec, self->efds));
	/* Other indexes are refused while MSI-X is active */
	EXPECT_EQ(-EINVAL, vfio_irq_set_eventfds(self->dev.fd,
						 VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
						 self->efds));

	ASSERT_EQ(0, loopback(&self->dev, 0, self->nvec));
	memset(want, 1, self->nvec);
	expect_signals(_metadata, self->efds, self->nvec, want);

	for (i = 0; i < self->nvec; i++) {
		pattern[i] = i & 1;
		want[i] = pattern[i];
	}
	ASSERT_EQ(0, vfio_set_irqs(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_BOOL |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, self->nvec,
				   pattern, 1));
	expect_signals(_metadata, self->efds, self->nvec, want);

	/* Re-setting the same eventfds keeps every vector working */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0,
					   self->nvec, self->efds));
	ASSERT_EQ(0, loopback(&self->dev, 0, self->nvec));
	memset(want, 1, self->nvec);
	expect_signals(_metadata, self->efds, self->nvec, want);

	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX));
	EXPECT_EQ(-EINVAL, loopback(&self->dev, 0, 1));
	EXPECT_EQ(-EINVAL, vfio_irq_disable(self->dev.fd,
					    VFIO_PCI_MSIX_IRQ_INDEX));
	free(want);
	free(pattern);
}

TEST_F(msix, subranges_and_teardown)
{
	uint8_t want[5] = { 0 };
	int32_t minus1 = -1;

	if (self->nvec < 5)
		SKIP(return, "needs 5 vectors, the device has %u", self->nvec);

	/* Enabling a sub-range allocates up to its end */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 1, 2,
					   self->efds + 1));
	ASSERT_EQ(0, loopback(&self->dev, 0, 3));
	want[1] = 1;
	want[2] = 1;
	expect_signals(_metadata, self->efds, 5, want);

	/* Vectors below the range can be set afterwards */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					   self->efds));
	ASSERT_EQ(0, loopback(&self->dev, 0, 3));
	want[0] = 1;
	expect_signals(_metadata, self->efds, 5, want);

	/* One vector torn down, the others untouched */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 1, 1,
					   &minus1));
	ASSERT_EQ(0, loopback(&self->dev, 0, 3));
	want[1] = 0;
	expect_signals(_metadata, self->efds, 5, want);

	/* And given an eventfd again */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 1, 1,
					   self->efds + 1));
	ASSERT_EQ(0, loopback(&self->dev, 1, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efds[1]));

	/*
	 * Past the enabled vectors: where MSI-X is dynamic both add vectors
	 * and leave the ones in use as they are, host IRQ included.
	 * Elsewhere stock refuses (userspace has to disable and re-enable),
	 * ours reallocates the set and keeps the vectors set.
	 */
	if (msix_dynamic()) {
		int irq0 = msix_host_irq(self->dev.bdf, 0);

		EXPECT_LT(0, irq0);
		ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
						   VFIO_PCI_MSIX_IRQ_INDEX,
						   3, 2, self->efds + 3));
		EXPECT_EQ(irq0, msix_host_irq(self->dev.bdf, 0));
		ASSERT_EQ(0, loopback(&self->dev, 0, 5));
		memset(want, 1, sizeof(want));
		expect_signals(_metadata, self->efds, 5, want);
	} else if (vfio_driver_is_stock()) {
		EXPECT_EQ(-EINVAL,
			  vfio_irq_set_eventfds(self->dev.fd,
						VFIO_PCI_MSIX_IRQ_INDEX, 3, 2,
						self->efds + 3));
		EXPECT_EQ(-EINVAL, loopback(&self->dev, 0, 5));
	} else {
		ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
						   VFIO_PCI_MSIX_IRQ_INDEX,
						   3, 2, self->efds + 3));
		ASSERT_EQ(0, loopback(&self->dev, 0, 5));
		memset(want, 1, sizeof(want));
		expect_signals(_metadata, self->efds, 5, want);
	}

	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX));
}

TEST_F(msix, table_bar_region_info)
{
	struct vfio_region_info *r;
	struct vfio_info_cap_header *mappable, *sparse_hdr;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t tstart, tend;
	uint32_t tsize = self->nvec * PCI_MSIX_ENTRY_SIZE, i, val;

	ASSERT_EQ(0, vfio_region_info(self->dev.fd, self->table_bar, &r));
	mappable = vfio_region_cap(r, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	sparse_hdr = vfio_region_cap(r, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	TH_LOG("BAR%u: size 0x%llx flags 0x%x, MSIX_MAPPABLE %s, sparse %s",
	       self->table_bar, (unsigned long long)r->size, r->flags,
	       mappable ? "yes" : "no", sparse_hdr ? "yes" : "no");
	tstart = self->table_off & ~(uint64_t)(page - 1);
	tend = (self->table_off + tsize + page - 1) & ~(uint64_t)(page - 1);

	if (mappable && (r->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		/* The whole BAR, table included, can be mapped */
		void *p = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, self->dev.fd, r->offset);

		ASSERT_NE(MAP_FAILED, p);
		munmap(p, r->size);
	}
	if (sparse_hdr) {
		struct vfio_region_info_cap_sparse_mmap *sparse =
			(void *)sparse_hdr;

		for (i = 0; i < sparse->nr_areas; i++) {
			uint64_t s = sparse->areas[i].offset;
			uint64_t e = s + sparse->areas[i].size;
			void *p;

			TH_LOG("area %u: 0x%llx-0x%llx", i,
			       (unsigned long long)s, (unsigned long long)e);
			/* Without MSIX_MAPPABLE, areas avoid the table */
			if (!mappable)
				EXPECT_TRUE(e <= tstart || s >= tend);
			if (!sparse->areas[i].size)
				continue;
			p = mmap(NULL, sparse->areas[i].size,
				 PROT_READ | PROT_WRITE, MAP_SHARED,
				 self->dev.fd, r->offset + s);
			EXPECT_NE(MAP_FAILED, p);
			if (p != MAP_FAILED)
				munmap(p, sparse->areas[i].size);
		}
	}
	/* The table itself reads through the region either way */
	EXPECT_EQ(0, vfio_region_read(&self->dev, self->table_bar,
				      self->table_off + PCI_MSIX_ENTRY_VECTOR_CTRL,
				      &val, sizeof(val)));
	free(r);
}

TEST_F(msix, nvme_identify_completion)
{
	struct nvme_mini n;
	struct nvme_cqe cqe;
	const uint8_t *id;
	int i, cid;

	if (variant->vendor != NVME_VENDOR)
		SKIP(return, "NVMe only");

	/* Vector 0 for the admin completion queue, and a second one idle */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0, 2,
					   self->efds));
	ASSERT_EQ(0, nvme_mini_init(&n, &self->dev, 0x200000));
	for (i = 0; i < 200; i++) {
		memset(nvme_mini_data(&n), 0, 4096);
		cid = nvme_mini_identify(&n, NVME_ID_CNS_CTRL);
		ASSERT_LE(0, cid);
		ASSERT_EQ(1, vfio_eventfd_wait(self->efds[0], IRQ_WAIT_MS))
			TH_LOG("identify %d", i);
		ASSERT_EQ(1, nvme_mini_reap(&n, &cqe));
		EXPECT_EQ(cid, cqe.cid);
		EXPECT_EQ(0, cqe.status >> 1);
		id = nvme_mini_data(&n);
		ASSERT_EQ(NVME_VENDOR, id[0] | id[1] << 8);
		EXPECT_EQ(0, nvme_mini_reap(&n, &cqe));
	}
	EXPECT_EQ(0, vfio_eventfd_poll(self->efds[1]));

	/* The vector torn down and back: completions find the new eventfd */
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					   (int32_t[]){ -1 }));
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					   self->efds + 2));
	cid = nvme_mini_identify(&n, NVME_ID_CNS_CTRL);
	ASSERT_LE(0, cid);
	ASSERT_EQ(1, vfio_eventfd_wait(self->efds[2], IRQ_WAIT_MS));
	ASSERT_EQ(1, nvme_mini_reap(&n, &cqe));
	EXPECT_EQ(cid, cqe.cid);
	EXPECT_EQ(0, vfio_eventfd_poll(self->efds[0]));

	nvme_mini_fini(&n);
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX));
}

/* The device's command register, as the PCI core reads it. */
static uint16_t hw_command(const char *bdf)
{
	uint16_t cmd;

	if (vfio_sysfs_config_read(bdf, PCI_COMMAND, &cmd, sizeof(cmd)))
		return 0xffff;
	return cmd;
}

/*
 * Writing the MSI-X table needs memory decoding, which vfio turns on for
 * the time of SET_IRQS if userspace left it off: it is off again after,
 * and ours leaves the rest of the command register alone, INTx disabled
 * (by the PCI core for MSI-X, by ours while nothing handles INTx). Stock
 * is found with INTx enabled in both cases.
 */
TEST_F(msix, decode_off_kept)
{
	uint16_t intx = vfio_driver_is_stock() ? 0 : PCI_COMMAND_INTX_DISABLE;
	const char *bdf = self->dev.bdf;
	uint16_t cmd;

	ASSERT_EQ(0, vfio_cfg_read16(&self->dev, PCI_COMMAND, &cmd));
	ASSERT_EQ(0, vfio_cfg_write16(&self->dev, PCI_COMMAND,
				      cmd & ~PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, hw_command(bdf) & PCI_COMMAND_MEMORY);

	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0,
					   self->nvec, self->efds));
	EXPECT_EQ(intx, hw_command(bdf) &
		  (PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE));
	ASSERT_EQ(0, loopback(&self->dev, 0, 1));
	EXPECT_EQ(1, vfio_eventfd_poll(self->efds[0]));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX));
	EXPECT_EQ(intx, hw_command(bdf) &
		  (PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE));

	ASSERT_EQ(0, vfio_cfg_write16(&self->dev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, vfio_irq_set_eventfds(self->dev.fd,
					   VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					   self->efds));
	EXPECT_EQ(PCI_COMMAND_MEMORY | intx, hw_command(bdf) &
		  (PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE));
	ASSERT_EQ(0, vfio_irq_disable(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX));
}

TEST_HARNESS_MAIN
