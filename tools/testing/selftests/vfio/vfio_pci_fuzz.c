// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_pci_fuzz - random uAPI traffic against VFIO PCI devices, seeded
 * and reproducible.
 *
 *   vfio_pci_fuzz [-s SEED] [-n OPS] [-t TRACE] [-S] [-V PF]... BDF...
 *
 * For each device (bound to a VFIO PCI driver), and then for a VF of each
 * PF given with -V (an SR-IOV PF bound to vfio-pci with enable_sriov set:
 * the PF is opened with a VF token and held open while one VF is created
 * and fuzzed, then the VF is removed), it opens the device and runs OPS random
 * operations: every device ioctl with random argsz, flags, indexes,
 * ranges and eventfds (valid ones, ones closed behind the driver's back,
 * fds that are not eventfds, numbers that are no fd at all), unknown
 * ioctl numbers, config space reads and writes at every offset and width,
 * region reads and writes at random offsets and lengths, mmap at random
 * offsets, sizes and protections with the mappings touched and kept
 * across later operations, interleaved resets, hot resets, low-power
 * entry and exit.
 *
 * The operations are drawn from the seed alone (never from results: each
 * operation draws the same numbers whatever happens), so one seed gives
 * the same sequence on any driver that reports the same regions and
 * interrupts: run it against ours and against stock with -t (a line per
 * operation, fields separated by tabs: device, number, kind, what exactly,
 * result, then the command register and power state after it) and compare
 * the traces (vfio_pci_fuzz_test.sh does). -S keeps clear of the input
 * known to oops stock 6.1: an IOEVENTFD offset with the top bit set (a
 * negative region index there).
 *
 * Findings, each reported with the seed and the number and text of the
 * operation that showed it:
 * - an errno outside the set the VFIO uAPI uses, above all a
 *   kernel-internal one (>= 512, such as ENOTSUPP) leaking to userspace;
 * - the device no longer answering config reads with its IDs (checked
 *   every 256 operations);
 * - at the end, after interrupts are torn down and the device is reset:
 *   wrong IDs, a BAR that cannot be read (edu: its ID register), or a
 *   device that cannot be closed and opened again.
 * Kernel splats (KASAN, lockdep, kmemleak, ...) are the kernel log's
 * business: vm-run scans it.
 *
 * BAR writes store back what was just read from the same place: the
 * fuzzer exercises the driver's paths, not the emulated hardware (random
 * doorbell writes would have QEMU's nvme chase random DMA addresses).
 *
 * KTAP: two results per device, the run and the check afterwards; a
 * summary of results per operation as diagnostics.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "kselftest.h"
#include "lib/vfio_util.h"

#define ARG_SIZE	(64 * 1024)	/* the ioctl argument buffer */
#define NR_EVENTFDS	4
#define NR_MAPS		4
#define CHECK_EVERY	256
#define MAX_REGIONS	16

enum op {
	OP_GET_INFO,
	OP_REGION_INFO,
	OP_IRQ_INFO,
	OP_SET_IRQS,
	OP_RESET,
	OP_HOT_RESET_INFO,
	OP_HOT_RESET,
	OP_IOEVENTFD,
	OP_FEATURE,
	OP_LOW_POWER,
	OP_UNKNOWN_IOCTL,
	OP_BAD_POINTER,
	OP_CFG_READ,
	OP_CFG_WRITE,
	OP_REGION_READ,
	OP_REGION_WRITE,
	OP_MMAP,
	OP_TOUCH,
	OP_EVENTFD_CLOSE,
	NR_OPS,
};

/*
 * Relative frequency of each operation. A reset takes the device away for
 * up to seconds (a bus reset waits for the link): about one in 2000.
 */
static const struct {
	const char *name;
	unsigned int weight;
} ops[NR_OPS] = {
	[OP_GET_INFO]		= { "GET_INFO", 64 },
	[OP_REGION_INFO]	= { "GET_REGION_INFO", 128 },
	[OP_IRQ_INFO]		= { "GET_IRQ_INFO", 64 },
	[OP_SET_IRQS]		= { "SET_IRQS", 224 },
	[OP_RESET]		= { "RESET", 1 },
	[OP_HOT_RESET_INFO]	= { "GET_PCI_HOT_RESET_INFO", 48 },
	[OP_HOT_RESET]		= { "PCI_HOT_RESET", 1 },
	[OP_IOEVENTFD]		= { "IOEVENTFD", 96 },
	[OP_FEATURE]		= { "FEATURE", 96 },
	[OP_LOW_POWER]		= { "LOW_POWER", 32 },
	[OP_UNKNOWN_IOCTL]	= { "unknown ioctl", 32 },
	[OP_BAD_POINTER]	= { "bad pointer", 32 },
	[OP_CFG_READ]		= { "config read", 192 },
	[OP_CFG_WRITE]		= { "config write", 192 },
	[OP_REGION_READ]	= { "region read", 128 },
	[OP_REGION_WRITE]	= { "region write", 96 },
	[OP_MMAP]		= { "mmap", 96 },
	[OP_TOUCH]		= { "touch mapping", 96 },
	[OP_EVENTFD_CLOSE]	= { "close eventfd", 32 },
};

/* The errnos the VFIO uAPI gives for bad input or a busy device */
static const int expected_errnos[] = {
	EINVAL, EFAULT, ENOTTY, EPERM, EBUSY, ENODEV, EIO, ENOSPC, EAGAIN,
	ENXIO, EBADF, EOPNOTSUPP, ENOENT, E2BIG, EOVERFLOW, ENOMEM, ERANGE,
	EACCES, EEXIST, ETIMEDOUT,
};

#define MAX_ERRNO	4096

struct mapping {
	void *addr;
	size_t len;
};

struct target {
	struct vfio_dev dev;
	uint32_t ids;			/* vendor | device << 16 */
	uint32_t nr_regions;
	uint64_t region_size[MAX_REGIONS];
	uint64_t region_offset[MAX_REGIONS];
	uint32_t region_flags[MAX_REGIONS];
	uint32_t irq_count[VFIO_PCI_NUM_IRQS];
	int pm_cap;			/* for the trace, 0 without one */
	int efd[NR_EVENTFDS];
	struct mapping map[NR_MAPS];
};

static uint64_t rng_state;
static uint8_t *arg;		/* ARG_SIZE bytes, then a PROT_NONE page */
static FILE *trace;
static bool stock_safe;
static unsigned long long results[NR_OPS][MAX_ERRNO + 1];
static char op_text[256];	/* what the current operation does */

/* splitmix64: small, fast, and the same sequence everywhere */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* A size: mostly near @valid, sometimes anything at all */
static uint32_t fuzz_size(uint32_t valid, uint32_t limit)
{
	switch (below(8)) {
	case 0:
		return below(valid + 1);
	case 1:
		return below(limit + 1);
	case 2:
		return (uint32_t)rnd();
	default:
		return valid + below(64) > limit ? valid : valid + below(64);
	}
}

/* An fd for an eventfd argument: valid, stale, wrong kind or no fd */
static int32_t fuzz_fd(struct target *t)
{
	switch (below(8)) {
	case 0:
		return -1;
	case 1:
		return STDOUT_FILENO;		/* not an eventfd */
	case 2:
		return t->dev.fd;		/* not an eventfd either */
	case 3:
		return (int32_t)rnd();
	case 4:
		return 1000 + below(24);	/* most likely closed */
	default:
		return t->efd[below(NR_EVENTFDS)];
	}
}

static void fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = rnd();
}

/* What the device has, so that most operations are close to valid */
static void region_cache(struct target *t)
{
	struct vfio_region_info info;
	struct vfio_irq_info irq;
	uint32_t i;

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		memset(&irq, 0, sizeof(irq));
		irq.argsz = sizeof(irq);
		irq.index = i;
		if (!ioctl(t->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, &irq))
			t->irq_count[i] = irq.count;
	}

	t->nr_regions = t->dev.info.num_regions;
	if (t->nr_regions > MAX_REGIONS)
		t->nr_regions = MAX_REGIONS;
	for (i = 0; i < t->nr_regions; i++) {
		memset(&info, 0, sizeof(info));
		info.argsz = sizeof(info);
		info.index = i;
		if (ioctl(t->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info))
			continue;
		t->region_size[i] = info.size;
		t->region_offset[i] = info.offset;
		t->region_flags[i] = info.flags;
	}
}

/*
 * A region index: mostly one the device has (a region of non-zero size
 * most of the time), sometimes one it has not
 */
static uint32_t fuzz_region(struct target *t)
{
	uint32_t r;

	if (chance(90)) {
		r = below(t->nr_regions);
		while (chance(80) && !t->region_size[r])
			r = below(t->nr_regions);
		return r;
	}
	return chance(50) ? t->nr_regions + below(4) : (uint32_t)rnd();
}

/* An offset into region @r: inside, at the edge, or anywhere */
static uint64_t fuzz_offset(uint64_t size, unsigned int align)
{
	uint64_t off;

	switch (below(6)) {
	case 0:
		return size - below(8);
	case 1:
		return size + below(4096);
	case 2:
		return rnd();
	default:
		off = below(size ? size : 1);
		return align ? off & ~(uint64_t)(align - 1) : off;
	}
}

static uint64_t region_base(struct target *t, uint32_t r)
{
	/* The offset encoding of every VFIO PCI driver: index << 40 */
	return r < t->nr_regions ? t->region_offset[r] : (uint64_t)r << 40;
}

static int op_ioctl(struct target *t, unsigned long cmd, void *p)
{
	return ioctl(t->dev.fd, cmd, p) ? -errno : 0;
}

static int do_get_info(struct target *t)
{
	struct vfio_device_info *info = (void *)arg;

	memset(arg, 0, 256);
	info->argsz = fuzz_size(sizeof(*info), 4096);
	snprintf(op_text, sizeof(op_text), "GET_INFO argsz %u", info->argsz);
	return op_ioctl(t, VFIO_DEVICE_GET_INFO, info);
}

static int do_region_info(struct target *t)
{
	struct vfio_region_info *info = (void *)arg;

	memset(arg, 0, 4096);
	info->argsz = fuzz_size(sizeof(*info), 4096);
	info->index = fuzz_region(t);
	snprintf(op_text, sizeof(op_text), "GET_REGION_INFO argsz %u index %u",
		 info->argsz, info->index);
	return op_ioctl(t, VFIO_DEVICE_GET_REGION_INFO, info);
}

static int do_irq_info(struct target *t)
{
	struct vfio_irq_info *info = (void *)arg;

	memset(info, 0, sizeof(*info));
	info->argsz = fuzz_size(sizeof(*info), 256);
	info->index = chance(90) ? below(VFIO_PCI_NUM_IRQS + 1) : (uint32_t)rnd();
	snprintf(op_text, sizeof(op_text), "GET_IRQ_INFO argsz %u index %u",
		 info->argsz, info->index);
	return op_ioctl(t, VFIO_DEVICE_GET_IRQ_INFO, info);
}

static uint32_t fuzz_irq_count(void)
{
	switch (below(8)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		return below(64);
	default:
		return 1 + below(4);
	}
}

static int do_set_irqs(struct target *t)
{
	static const uint32_t data[] = {
		VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
		VFIO_IRQ_SET_DATA_EVENTFD,
	};
	static const uint32_t action[] = {
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
		VFIO_IRQ_SET_ACTION_TRIGGER,
	};
	struct vfio_irq_set *set = (void *)arg;
	uint32_t i, n, payload;
	bool valid = false;

	memset(set, 0, sizeof(*set));
	set->flags = data[below(3)] | action[below(3)];
	if (chance(5))
		set->flags = rnd();
	set->index = chance(95) ? below(VFIO_PCI_NUM_IRQS + 1) : (uint32_t)rnd();
	set->start = chance(80) ? below(4) : (uint32_t)rnd();
	/* Half of them within what the index has */
	if (set->index < VFIO_PCI_NUM_IRQS && t->irq_count[set->index] &&
	    chance(50)) {
		set->start = below(t->irq_count[set->index]);
		set->count = 1 + below(t->irq_count[set->index] - set->start);
		if (set->count > 8 && chance(80))
			set->count = 1 + below(8);
		valid = true;
	} else {
		set->count = fuzz_irq_count();
	}
	payload = 0;
	if (set->flags & VFIO_IRQ_SET_DATA_BOOL)
		payload = sizeof(uint8_t);
	else if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD)
		payload = sizeof(int32_t);
	n = set->count < 64 ? set->count : 64;
	for (i = 0; i < n; i++) {
		if (payload == sizeof(uint8_t))
			set->data[i] = below(3);
		else if (payload)
			((int32_t *)set->data)[i] = valid && chance(90) ?
				t->efd[below(NR_EVENTFDS)] : fuzz_fd(t);
	}
	set->argsz = fuzz_size(sizeof(*set) + n * payload, ARG_SIZE);
	snprintf(op_text, sizeof(op_text),
		 "SET_IRQS argsz %u flags 0x%x index %u start %u count %u",
		 set->argsz, set->flags, set->index, set->start, set->count);
	return op_ioctl(t, VFIO_DEVICE_SET_IRQS, set);
}

static int do_reset(struct target *t)
{
	snprintf(op_text, sizeof(op_text), "RESET");
	return ioctl(t->dev.fd, VFIO_DEVICE_RESET) ? -errno : 0;
}

static int do_hot_reset_info(struct target *t)
{
	struct vfio_pci_hot_reset_info *info = (void *)arg;

	memset(arg, 0, 4096);
	info->argsz = fuzz_size(sizeof(*info) + 2 * sizeof(info->devices[0]),
				4096);
	if (chance(10))
		info->flags = rnd();
	snprintf(op_text, sizeof(op_text),
		 "GET_PCI_HOT_RESET_INFO argsz %u flags 0x%x", info->argsz,
		 info->flags);
	return op_ioctl(t, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
}

static int do_hot_reset(struct target *t)
{
	struct vfio_pci_hot_reset *reset = (void *)arg;
	uint32_t i, n;

	memset(reset, 0, sizeof(*reset));
	reset->count = chance(80) ? 1 : below(8);
	if (chance(5))
		reset->count = rnd();
	n = reset->count < 8 ? reset->count : 8;
	for (i = 0; i < n; i++)
		reset->group_fds[i] = chance(80) ? t->dev.group : fuzz_fd(t);
	reset->argsz = fuzz_size(sizeof(*reset) + n * sizeof(int32_t), 4096);
	if (chance(10))
		reset->flags = rnd();
	snprintf(op_text, sizeof(op_text),
		 "PCI_HOT_RESET argsz %u flags 0x%x count %u", reset->argsz,
		 reset->flags, reset->count);
	return op_ioctl(t, VFIO_DEVICE_PCI_HOT_RESET, reset);
}

static int do_ioeventfd(struct target *t)
{
	struct vfio_device_ioeventfd *io = (void *)arg;
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	uint32_t r = fuzz_region(t);

	memset(io, 0, sizeof(*io));
	io->argsz = fuzz_size(sizeof(*io), 256);
	io->flags = chance(90) ? sizes[below(4)] : (uint32_t)rnd();
	io->offset = region_base(t, r) +
		fuzz_offset(r < t->nr_regions ? t->region_size[r] : 0,
			    io->flags < 16 ? io->flags : 1);
	if (stock_safe)
		io->offset &= ~(1ULL << 63);
	/* What is written on a signal: what a read gives there, harmless */
	io->data = 0;
	io->fd = fuzz_fd(t);
	snprintf(op_text, sizeof(op_text),
		 "IOEVENTFD argsz %u flags 0x%x offset 0x%llx fd %d", io->argsz,
		 io->flags, (unsigned long long)io->offset, io->fd);
	return op_ioctl(t, VFIO_DEVICE_IOEVENTFD, io);
}

static int do_feature(struct target *t)
{
	struct vfio_device_feature *f = (void *)arg;
	static const uint32_t dirs[] = {
		VFIO_DEVICE_FEATURE_GET, VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET,
	};
	uint32_t payload = below(64);

	memset(arg, 0, 256);
	f->flags = dirs[below(6)] | below(12);
	if (chance(5))
		f->flags = rnd();
	fill_random(f->data, payload);
	/* The VF token: a UUID; the fuzzer must not change a real one */
	if ((f->flags & VFIO_DEVICE_FEATURE_MASK) ==
	    VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)
		f->flags &= ~VFIO_DEVICE_FEATURE_SET;
	f->argsz = fuzz_size(sizeof(*f) + payload, 4096);
	snprintf(op_text, sizeof(op_text), "FEATURE argsz %u flags 0x%x",
		 f->argsz, f->flags);
	return op_ioctl(t, VFIO_DEVICE_FEATURE, f);
}

static int do_low_power(struct target *t)
{
	struct vfio_device_feature *f = (void *)arg;
	static const uint32_t which[] = {
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	uint32_t w = below(3);

	memset(arg, 0, 256);
	f->flags = VFIO_DEVICE_FEATURE_SET | which[w];
	f->argsz = sizeof(*f);
	if (which[w] == VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP) {
		struct vfio_device_low_power_entry_with_wakeup *wake =
			(void *)f->data;

		wake->wakeup_eventfd = fuzz_fd(t);
		f->argsz += sizeof(*wake);
	}
	snprintf(op_text, sizeof(op_text), "LOW_POWER feature %u",
		 which[w]);
	return op_ioctl(t, VFIO_DEVICE_FEATURE, f);
}

static int do_unknown_ioctl(struct target *t)
{
	/* Numbers in VFIO's range that no device ioctl uses, and others */
	unsigned long cmd = chance(50) ? _IO(VFIO_TYPE, VFIO_BASE + 40 + below(60))
				       : (unsigned long)(uint32_t)rnd();

	memset(arg, 0, 256);
	snprintf(op_text, sizeof(op_text), "ioctl 0x%lx", cmd);
	/* Keep clear of generic fd ioctls that change the fd itself */
	if (cmd == FIOCLEX || cmd == FIONCLEX || cmd == FIONBIO ||
	    cmd == FIOASYNC)
		return 0;
	return op_ioctl(t, cmd, arg);
}

/* An argument that ends in, or lies in, an unmapped page: EFAULT */
static int do_bad_pointer(struct target *t)
{
	static const unsigned long cmds[] = {
		VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO,
		VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_SET_IRQS,
		VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_PCI_HOT_RESET,
		VFIO_DEVICE_IOEVENTFD, VFIO_DEVICE_FEATURE,
	};
	unsigned long cmd = cmds[below(8)];
	uint32_t *p = (uint32_t *)(arg + ARG_SIZE - 2 * sizeof(uint32_t));

	/* argsz fits in the mapped buffer, the rest of the struct not */
	p[0] = fuzz_size(64, 4096);
	p[1] = rnd();
	snprintf(op_text, sizeof(op_text), "ioctl 0x%lx at the end of the buffer, argsz %u",
		 cmd, p[0]);
	if (chance(30)) {
		snprintf(op_text, sizeof(op_text), "ioctl 0x%lx on an unmapped page", cmd);
		p = (uint32_t *)(arg + ARG_SIZE);
	}
	return op_ioctl(t, cmd, p);
}

static uint32_t cfg_size(struct target *t)
{
	return t->region_size[VFIO_PCI_CONFIG_REGION_INDEX];
}

static int do_cfg_read(struct target *t)
{
	uint64_t off = chance(70) ? below(256) : fuzz_offset(cfg_size(t), 0);
	size_t len = chance(80) ? 1u << below(3) : below(64);

	snprintf(op_text, sizeof(op_text), "config read 0x%llx+%zu",
		 (unsigned long long)off, len);
	if (pread(t->dev.fd, arg, len,
		  region_base(t, VFIO_PCI_CONFIG_REGION_INDEX) + off) < 0)
		return -errno;
	return 0;
}

static int do_cfg_write(struct target *t)
{
	uint64_t off = chance(70) ? below(256) : fuzz_offset(cfg_size(t), 0);
	size_t len = chance(80) ? 1u << below(3) : below(64);

	size_t i, n;

	fill_random(arg, len);
	n = snprintf(op_text, sizeof(op_text), "config write 0x%llx+%zu =",
		     (unsigned long long)off, len);
	for (i = 0; i < len && i < 4; i++)
		n += snprintf(op_text + n, sizeof(op_text) - n, " %02x", arg[i]);
	if (pwrite(t->dev.fd, arg, len,
		   region_base(t, VFIO_PCI_CONFIG_REGION_INDEX) + off) < 0)
		return -errno;
	return 0;
}

/* A region other than config space, where the device has one */
static uint32_t fuzz_bar_region(struct target *t)
{
	uint32_t r = fuzz_region(t);

	return r == VFIO_PCI_CONFIG_REGION_INDEX ? VFIO_PCI_BAR0_REGION_INDEX : r;
}

static size_t fuzz_len(void)
{
	switch (below(6)) {
	case 0:
		return below(ARG_SIZE);
	case 1:
		return 3 + below(13);
	default:
		return 1u << below(4);
	}
}

/*
 * A read or write of a random stretch in or around a region. A write
 * stores back what is there (zeros where reading fails).
 */
static int region_rw(struct target *t, bool write)
{
	uint32_t r = fuzz_bar_region(t);
	uint64_t off = fuzz_offset(r < t->nr_regions ? t->region_size[r] : 0, 0);
	size_t len = fuzz_len();
	bool got;

	snprintf(op_text, sizeof(op_text), "region %u %s 0x%llx+%zu", r,
		 write ? "write" : "read", (unsigned long long)off, len);
	got = pread(t->dev.fd, arg, len, region_base(t, r) + off) >= 0;
	if (!write)
		return got ? 0 : -errno;
	if (!got)
		memset(arg, 0, len);
	if (pwrite(t->dev.fd, arg, len, region_base(t, r) + off) < 0)
		return -errno;
	return 0;
}

static int do_region_read(struct target *t)
{
	return region_rw(t, false);
}

static int do_region_write(struct target *t)
{
	return region_rw(t, true);
}

static void unmap_slot(struct target *t, unsigned int i)
{
	if (t->map[i].addr)
		munmap(t->map[i].addr, t->map[i].len);
	t->map[i].addr = NULL;
}

static int do_mmap(struct target *t)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	uint64_t page = sysconf(_SC_PAGESIZE);
	uint32_t r = fuzz_bar_region(t);
	uint64_t size = r < t->nr_regions ? t->region_size[r] : page;
	uint64_t off = fuzz_offset(size, page);
	size_t len;
	int prot = chance(80) ? prots[below(2)] : prots[below(5)];
	int flags = chance(95) ? MAP_SHARED : MAP_PRIVATE;
	unsigned int slot = below(NR_MAPS);
	bool keep = chance(60);
	void *p;

	len = chance(70) ? page * (1 + below(4)) : below(size + 2 * page) + 1;
	snprintf(op_text, sizeof(op_text),
		 "mmap region %u 0x%llx+0x%zx prot %d flags %d", r,
		 (unsigned long long)off, len, prot, flags);
	p = mmap(NULL, len, prot, flags, t->dev.fd, region_base(t, r) + off);
	if (p == MAP_FAILED)
		return -errno;
	if (prot & PROT_READ) {
		uint32_t val;

		if (!vfio_try_read32(p, &val) && (prot & PROT_WRITE))
			vfio_try_write32(p, val);
	}
	/* Kept for later operations to touch, or gone at once */
	unmap_slot(t, slot);
	if ((prot & PROT_READ) && keep) {
		t->map[slot].addr = p;
		t->map[slot].len = len;
	} else {
		munmap(p, len);
	}
	return 0;
}

static int do_touch(struct target *t)
{
	unsigned int slot = below(NR_MAPS);
	struct mapping *m = &t->map[slot];
	uint64_t where = rnd();
	bool drop = chance(30);
	uint32_t val;
	size_t off;

	if (!m->addr) {
		snprintf(op_text, sizeof(op_text), "touch mapping %u (none)", slot);
		return 0;
	}
	/* A mapping may be shorter than 4 bytes: its page is there all the same */
	off = m->len >= 8 ? where % (m->len / 4) * 4 : 0;
	snprintf(op_text, sizeof(op_text), "touch mapping %u at 0x%zx", slot, off);
	if (vfio_try_read32((uint32_t *)((char *)m->addr + off), &val))
		return -EFAULT;		/* SIGBUS: refused, as it may be */
	if (drop)
		unmap_slot(t, slot);
	return 0;
}

/* Close an eventfd the driver may hold, and open a new one in its place */
static int do_eventfd_close(struct target *t)
{
	unsigned int i = below(NR_EVENTFDS);

	snprintf(op_text, sizeof(op_text), "close eventfd %d", t->efd[i]);
	close(t->efd[i]);
	t->efd[i] = eventfd(0, EFD_CLOEXEC);
	return t->efd[i] < 0 ? -errno : 0;
}

static int (*const handlers[NR_OPS])(struct target *t) = {
	[OP_GET_INFO]		= do_get_info,
	[OP_REGION_INFO]	= do_region_info,
	[OP_IRQ_INFO]		= do_irq_info,
	[OP_SET_IRQS]		= do_set_irqs,
	[OP_RESET]		= do_reset,
	[OP_HOT_RESET_INFO]	= do_hot_reset_info,
	[OP_HOT_RESET]		= do_hot_reset,
	[OP_IOEVENTFD]		= do_ioeventfd,
	[OP_FEATURE]		= do_feature,
	[OP_LOW_POWER]		= do_low_power,
	[OP_UNKNOWN_IOCTL]	= do_unknown_ioctl,
	[OP_BAD_POINTER]	= do_bad_pointer,
	[OP_CFG_READ]		= do_cfg_read,
	[OP_CFG_WRITE]		= do_cfg_write,
	[OP_REGION_READ]	= do_region_read,
	[OP_REGION_WRITE]	= do_region_write,
	[OP_MMAP]		= do_mmap,
	[OP_TOUCH]		= do_touch,
	[OP_EVENTFD_CLOSE]	= do_eventfd_close,
};

static enum op pick_op(void)
{
	static unsigned int total;
	unsigned int i, n;

	if (!total)
		for (i = 0; i < NR_OPS; i++)
			total += ops[i].weight;
	n = below(total);
	for (i = 0; i < NR_OPS; i++) {
		if (n < ops[i].weight)
			return i;
		n -= ops[i].weight;
	}
	return OP_GET_INFO;
}

static bool errno_expected(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(expected_errnos); i++)
		if (err == expected_errnos[i])
			return true;
	return false;
}

static int cfg_ids(struct target *t, uint32_t *ids)
{
	return pread(t->dev.fd, ids, 4,
		     region_base(t, VFIO_PCI_CONFIG_REGION_INDEX)) == 4 ? 0 : -errno;
}

static int open_target(struct target *t, const char *bdf, const char *token)
{
	unsigned int i;
	int ret;

	ret = vfio_open_token(&t->dev, bdf, token);
	if (ret)
		return ret;
	region_cache(t);
	t->pm_cap = vfio_find_cap(&t->dev, PCI_CAP_ID_PM);
	for (i = 0; i < NR_EVENTFDS; i++)
		t->efd[i] = eventfd(0, EFD_CLOEXEC);
	return 0;
}

static void close_target(struct target *t)
{
	unsigned int i;

	for (i = 0; i < NR_MAPS; i++)
		unmap_slot(t, i);
	for (i = 0; i < NR_EVENTFDS; i++)
		if (t->efd[i] >= 0)
			close(t->efd[i]);
	vfio_close(&t->dev);
}

/*
 * For the trace: what the user sees of the device's state after an
 * operation (command register, power state), so that a comparison finds
 * where two drivers' devices start to differ before a result does.
 */
static const char *trace_state(struct target *t)
{
	static char buf[32];
	uint16_t cmd = 0xffff;
	uint16_t pmcsr = 0;

	vfio_cfg_read16(&t->dev, PCI_COMMAND, &cmd);
	if (t->pm_cap > 0)
		vfio_cfg_read16(&t->dev, t->pm_cap + PCI_PM_CTRL, &pmcsr);
	snprintf(buf, sizeof(buf), "cmd %04x D%u", cmd,
		 pmcsr & PCI_PM_CTRL_STATE_MASK);
	return buf;
}

/* Run @n operations; false (with the finding printed) on a finding */
static bool fuzz(struct target *t, const char *bdf, uint64_t seed,
		 unsigned long n)
{
	unsigned long i;
	uint32_t ids;
	enum op op;
	int ret;

	for (i = 0; i < n; i++) {
		op = pick_op();
		op_text[0] = '\0';
		ret = handlers[op](t);
		if (trace)
			fprintf(trace, "%s\t%lu\t%s\t%s\t%s\t%s\n", bdf, i,
				ops[op].name, op_text,
				ret ? strerrorname_np(-ret) ?: "?" : "ok",
				trace_state(t));
		results[op][-ret < MAX_ERRNO ? -ret : MAX_ERRNO]++;
		if (ret && !errno_expected(-ret)) {
			ksft_print_msg("seed %#llx, op %lu (%s): errno %d (%s) %s\n",
				       (unsigned long long)seed, i, op_text, -ret,
				       strerror(-ret), "is not one VFIO gives");
			return false;
		}
		if ((i + 1) % CHECK_EVERY)
			continue;
		ret = cfg_ids(t, &ids);
		if (ret || ids != t->ids) {
			ksft_print_msg("seed %#llx, after op %lu (%s): %s %08x (%s), want %08x\n",
				       (unsigned long long)seed, i, op_text,
				       "config IDs read", ids,
				       ret ? strerror(-ret) : "ok", t->ids);
			return false;
		}
	}
	return true;
}

/* Tear down what the run set up and check that the device still works */
static bool check_device(struct target *t, const char *bdf, const char *token)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	struct vfio_irq_set set = { .argsz = sizeof(set) };
	uint32_t i, ids, id;
	unsigned int pass;
	bool ok = true;

	for (pass = 0; pass < 2 && ok; pass++) {
		if (pass) {
			/* Closing and opening again: the open path resets */
			close_target(t);
			if (open_target(t, bdf, token)) {
				ksft_print_msg("%s: cannot open it again\n", bdf);
				return false;
			}
		}
		ioctl(t->dev.fd, VFIO_DEVICE_FEATURE, &f);
		for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
			set.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
			set.index = i;
			ioctl(t->dev.fd, VFIO_DEVICE_SET_IRQS, &set);
		}
		for (i = 0; i < NR_MAPS; i++)
			unmap_slot(t, i);
		if ((t->dev.info.flags & VFIO_DEVICE_FLAGS_RESET) &&
		    ioctl(t->dev.fd, VFIO_DEVICE_RESET)) {
			ksft_print_msg("%s: VFIO_DEVICE_RESET: %s\n", bdf, strerror(errno));
			ok = false;
		}
		if (cfg_ids(t, &ids) || ids != t->ids) {
			ksft_print_msg("%s: config IDs %08x, want %08x\n", bdf, ids, t->ids);
			ok = false;
		}
		if (vfio_set_memory_decode(&t->dev, true)) {
			ksft_print_msg("%s: cannot turn memory decode on\n", bdf);
			ok = false;
		}
		/* edu: its ID register through BAR0 */
		if (t->ids == (EDU_VENDOR | EDU_DEVICE << 16) &&
		    (vfio_region_read(&t->dev, VFIO_PCI_BAR0_REGION_INDEX,
				      EDU_REG_ID, &id, 4) || id != EDU_ID_VALUE)) {
			ksft_print_msg("%s: edu ID register reads %08x\n", bdf, id);
			ok = false;
		}
	}
	return ok;
}

static void print_summary(void)
{
	unsigned int i, e;
	char line[1024];
	int len;

	for (i = 0; i < NR_OPS; i++) {
		len = snprintf(line, sizeof(line), "%-24s", ops[i].name);
		for (e = 0; e <= MAX_ERRNO; e++) {
			if (!results[i][e] || len >= (int)sizeof(line) - 40)
				continue;
			len += snprintf(line + len, sizeof(line) - len, " %s %llu",
					e ? (e == MAX_ERRNO ? "other" : strerrorname_np(e))
					  : "ok", results[i][e]);
		}
		ksft_print_msg("%s\n", line);
	}
}

/* The VF token the PFs of -V are opened with */
#define FUZZ_TOKEN	"3c9f1e7a-52d4-4b8e-9a61-0d7e2f4c8b19"

/* Fuzz one device and check it afterwards: two KTAP results */
static void run_one(const char *prog, const char *bdf, const char *token,
		    uint64_t seed, unsigned long n)
{
	struct target t = { 0 };
	bool ran;

	ksft_print_msg("%s: seed %#llx, %lu ops (rerun: %s -s %#llx -n %lu%s %s%s)\n",
		       bdf, (unsigned long long)seed, n, prog,
		       (unsigned long long)seed, n, stock_safe ? " -S" : "",
		       token ? "-V PF, for the VF " : "", bdf);
	if (open_target(&t, bdf, token)) {
		ksft_test_result_fail("%s: fuzz (cannot open)\n", bdf);
		ksft_test_result_skip("%s: works afterwards\n", bdf);
		return;
	}
	if (cfg_ids(&t, &t.ids)) {
		ksft_test_result_fail("%s: fuzz (cannot read its IDs)\n", bdf);
		ksft_test_result_skip("%s: works afterwards\n", bdf);
		close_target(&t);
		return;
	}
	rng_state = seed;
	ran = fuzz(&t, bdf, seed, n);
	ksft_test_result(ran, "%s: %lu ops without a finding\n", bdf, n);
	ksft_test_result(check_device(&t, bdf, token), "%s: works afterwards\n", bdf);
	close_target(&t);
}

/* A VF of @pf, created with the PF held open, fuzzed, and removed again */
static void run_vf(const char *prog, const char *pf, uint64_t seed,
		   unsigned long n)
{
	char link[PATH_MAX], target[PATH_MAX], *vf;
	struct vfio_dev pfdev;
	ssize_t len;
	int ret;

	ret = vfio_open_token(&pfdev, pf, FUZZ_TOKEN);
	if (!ret)
		ret = vfio_sysfs_write(pf, "sriov_numvfs", "1");
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/virtfn0", pf);
	len = ret ? -1 : readlink(link, target, sizeof(target) - 1);
	if (len <= 0) {
		ksft_test_result_fail("%s: a VF to fuzz (%s)\n", pf,
				      ret ? strerror(-ret) : "no virtfn0");
		ksft_test_result_skip("%s: its VF works afterwards\n", pf);
	} else {
		target[len] = '\0';
		vf = strrchr(target, '/');
		run_one(prog, vf ? vf + 1 : target, FUZZ_TOKEN, seed, n);
	}
	vfio_sysfs_write(pf, "sriov_numvfs", "0");
	vfio_close(&pfdev);
}

int main(int argc, char **argv)
{
	const char *pfs[8];
	unsigned int npfs = 0, k;
	uint64_t seed = 0;
	unsigned long n = 10000;
	bool seeded = false;
	int opt, i;

	while ((opt = getopt(argc, argv, "s:n:t:SV:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 't':
			trace = fopen(optarg, "w");
			if (!trace) {
				perror(optarg);
				return 2;
			}
			break;
		case 'S':
			stock_safe = true;
			break;
		case 'V':
			if (npfs < ARRAY_SIZE(pfs))
				pfs[npfs++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s %s\n", argv[0],
				"[-s SEED] [-n OPS] [-t TRACE] [-S] [-V PF]... BDF...");
			return 2;
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec;
	}

	ksft_print_header();
	if (optind == argc && !npfs)
		ksft_exit_skip("no device given\n");
	ksft_set_plan(2 * (argc - optind + npfs));

	/* The argument buffer, with an unmapped page right behind it */
	arg = mmap(NULL, ARG_SIZE + 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arg == MAP_FAILED || mprotect(arg + ARG_SIZE, 4096, PROT_NONE))
		ksft_exit_fail_msg("cannot map the argument buffer\n");

	/* Each device its own seed, so that one can be rerun alone */
	for (i = optind; i < argc; i++)
		run_one(argv[0], argv[i], NULL, seed + (i - optind), n);
	for (k = 0; k < npfs; k++)
		run_vf(argv[0], pfs[k], seed + (argc - optind) + k, n);
	print_summary();
	if (trace)
		fclose(trace);
	ksft_finished();
}
