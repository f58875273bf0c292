// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_bench rows for interrupts (the tracker's issue 5): MSI and INTx
 * round trips on edu, MSI-X enable/disable on nvme.
 *
 * These rows pin this process and the device's vfio interrupts to CPU 0,
 * for both drivers alike: which vCPU takes the vector otherwise moves the
 * round trip 3-5x, more than the driver does.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "lib/nvme_mini.h"
#include "lib/vfio_irq_util.h"
#include "vfio_pci_bench.h"

/*
 * Run on CPU 0 only, and steer the vfio interrupts of @bdf there too
 * (best effort: an interrupt whose affinity cannot be set stays where
 * it is, for both drivers alike).
 */
static int pin_cpu0(struct bench *b, const char *bdf)
{
	char line[512], path[64], name[VFIO_BDF_LEN + 3];
	cpu_set_t one;
	FILE *f;

	if (!b->pinned) {
		if (sched_getaffinity(0, sizeof(b->cpus), &b->cpus))
			return -errno;
		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			return -errno;
		b->pinned = 1;
	}
	f = fopen("/proc/interrupts", "r");
	if (!f)
		return -errno;
	snprintf(name, sizeof(name), "(%s)", bdf);
	while (fgets(line, sizeof(line), f)) {
		unsigned int irq;
		FILE *aff;

		if (!strstr(line, "vfio-") || !strstr(line, name) ||
		    sscanf(line, " %u:", &irq) != 1)
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%u/smp_affinity_list",
			 irq);
		aff = fopen(path, "w");
		if (!aff || fputs("0\n", aff) < 0 || fclose(aff))
			fprintf(stderr, "# cannot pin irq %u to cpu 0: %s\n",
				irq, strerror(errno));
	}
	fclose(f);
	return 0;
}

static void unpin(struct bench *b)
{
	if (b->pinned)
		sched_setaffinity(0, sizeof(b->cpus), &b->cpus);
	b->pinned = 0;
}

static int setup_msi(struct bench *b)
{
	int ret = map_edu(b);

	if (!ret)
		ret = new_eventfds(b, 1);
	if (!ret)
		ret = vfio_irq_set_eventfds(b->dev.fd, VFIO_PCI_MSI_IRQ_INDEX,
					    0, 1, b->efd);
	if (!ret)
		ret = pin_cpu0(b, b->dev.bdf);
	return ret;
}

/* Raise edu's interrupt and wait for its eventfd. */
static int raise_and_wait(struct bench *b)
{
	long long n;

	mmio_write32(b->bar, EDU_REG_IRQ_RAISE, 1);
	n = vfio_eventfd_wait(b->efd[0], 1000);
	if (n <= 0)
		return n ? n : -ETIMEDOUT;
	mmio_write32(b->bar, EDU_REG_IRQ_ACK, 1);
	return 0;
}

static int op_msi_roundtrip(struct bench *b)
{
	return raise_and_wait(b);
}

static void teardown_msi(struct bench *b)
{
	vfio_irq_disable(b->dev.fd, VFIO_PCI_MSI_IRQ_INDEX);
	unpin(b);
	close_eventfds(b);
	unmap_edu(b);
}

static int setup_intx(struct bench *b)
{
	int ret = map_edu(b);

	if (!ret)
		ret = new_eventfds(b, 1);
	if (!ret)
		ret = vfio_irq_set_eventfds(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
					    0, 1, b->efd);
	if (!ret)
		ret = pin_cpu0(b, b->dev.bdf);
	return ret;
}

/* The acknowledge lowers the line before the unmask lets it through. */
static int op_intx_roundtrip_ioctl(struct bench *b)
{
	int ret = raise_and_wait(b);

	if (ret)
		return ret;
	return vfio_irq_action(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
			       VFIO_IRQ_SET_ACTION_UNMASK, 0, 1);
}

static int setup_intx_eventfd(struct bench *b)
{
	int ret = setup_intx(b);

	if (ret)
		return ret;
	b->unmask = vfio_eventfd();
	if (b->unmask < 0)
		return b->unmask;
	return vfio_set_irqs(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
			     VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &b->unmask,
			     sizeof(b->unmask));
}

static int op_intx_roundtrip_eventfd(struct bench *b)
{
	int ret = raise_and_wait(b);

	return ret ? ret : vfio_eventfd_signal(b->unmask);
}

static void teardown_intx(struct bench *b)
{
	vfio_irq_disable(b->dev.fd, VFIO_PCI_INTX_IRQ_INDEX);
	unpin(b);
	close_eventfds(b);
	unmap_edu(b);
}

/* Eventfds for every MSI-X vector nvme has. */
static int setup_msix(struct bench *b)
{
	struct vfio_irq_info irq;
	int ret = open_other(b, NVME_VENDOR, NVME_DEVICE);

	if (!ret)
		ret = vfio_irq_info(b->other.fd, VFIO_PCI_MSIX_IRQ_INDEX, &irq);
	if (!ret && (!irq.count || irq.count > 2048))
		ret = -ERANGE;
	if (!ret)
		ret = new_eventfds(b, irq.count);
	if (!ret)
		ret = pin_cpu0(b, b->other.bdf);
	return ret;
}

static int op_msix_enable_disable_all(struct bench *b)
{
	int ret = vfio_irq_set_eventfds(b->other.fd, VFIO_PCI_MSIX_IRQ_INDEX,
					0, b->nefds, b->efd);

	return ret ? ret : vfio_irq_disable(b->other.fd,
					    VFIO_PCI_MSIX_IRQ_INDEX);
}

static void teardown_msix(struct bench *b)
{
	unpin(b);
	close_eventfds(b);
	close_other(b);
}

static const struct bench_row rows[] = {
	{ "msi_roundtrip", 1, setup_msi, op_msi_roundtrip, teardown_msi },
	{ "intx_roundtrip_ioctl", 1, setup_intx, op_intx_roundtrip_ioctl,
	  teardown_intx },
	{ "intx_roundtrip_eventfd", 1, setup_intx_eventfd,
	  op_intx_roundtrip_eventfd, teardown_intx },
	{ "msix_enable_disable_all", 3, setup_msix, op_msix_enable_disable_all,
	  teardown_msix },
};

const struct bench_rows bench_irq_rows = { rows, ARRAY_SIZE(rows) };
