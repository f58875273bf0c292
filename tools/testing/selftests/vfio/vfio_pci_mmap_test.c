// SPDX-License-Identifier: GPL-2.0
/*
 * mmap of vfio-pci BARs: what may be mapped and how, and the revocation
 * rules: while userspace has memory decode off (command register), mapped
 * accesses raise SIGBUS and read/write fail with EIO; once it is back on,
 * both work again. Mappings are revoked before decoding stops: a racing
 * mapped read never sees the BAR undecoded. Mappings survive fork, munmap of a part and the close
 * of the device fd, and come back after a reset.
 *
 * Needs edu (1234:11e8) bound to vfio-pci, and for some tests nvme,
 * e1000e or pci-testdev: run it with vm-run (ours and --stock).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <time.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest_harness.h"
#include "lib/vfio_harness.h"
#include "lib/vfio_util.h"

/*
 * Where region @index starts in the device fd. Both drivers place regions
 * 2^40 bytes apart; the tests that rely on it check it against the offsets
 * GET_REGION_INFO reports.
 */
#define EDU_ID	((uint32_t)EDU_ID_VALUE)
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((uint64_t)(index) << 40)

FIXTURE(edu) {
	struct vfio_dev dev;
	long page;
	uint64_t bar0;
};

FIXTURE_SETUP(edu)
{
	self->page = sysconf(_SC_PAGESIZE);
	vfio_setup_open_bound(_metadata, &self->dev, EDU_VENDOR,
			      EDU_DEVICE);
	self->bar0 = self->dev.regions[VFIO_PCI_BAR0_REGION_INDEX].offset;
	ASSERT_EQ(EDU_BAR0_SIZE, self->dev.regions[0].size);
	ASSERT_TRUE(!!(self->dev.regions[0].flags & VFIO_REGION_INFO_FLAG_MMAP));
	TH_LOG("edu at %s, %s driver", self->dev.bdf, vfio_driver_name());
}

FIXTURE_TEARDOWN(edu)
{
	if (self->dev.fd >= 0)
		vfio_set_memory_decode(&self->dev, true);
	vfio_close(&self->dev);
}

TEST_F(edu, map_whole_bar)
{
	volatile uint32_t *regs;

	regs = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	EXPECT_EQ(EDU_ID, regs[EDU_REG_ID / 4]);
	regs[EDU_REG_LIVENESS / 4] = 0x12345678;
	EXPECT_EQ(~0x12345678u, regs[EDU_REG_LIVENESS / 4]);
	/* The last page is mapped too. */
	(void)regs[(EDU_BAR0_SIZE - 4) / 4];
	EXPECT_EQ(0, munmap((void *)regs, EDU_BAR0_SIZE));
}

TEST_F(edu, map_parts)
{
	volatile uint32_t *first, *last;

	/* One page at the start, and one at the end of the BAR. */
	first = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, first);
	EXPECT_EQ(EDU_ID, first[0]);
	last = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->dev.fd,
		    self->bar0 + EDU_BAR0_SIZE - self->page);
	ASSERT_NE(MAP_FAILED, last);
	(void)last[0];
	EXPECT_EQ(0, munmap((void *)first, self->page));
	EXPECT_EQ(0, munmap((void *)last, self->page));
}

TEST_F(edu, map_bad)
{
	static const unsigned int unmappable[] = {
		VFIO_PCI_BAR1_REGION_INDEX, VFIO_PCI_ROM_REGION_INDEX,
		VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_VGA_REGION_INDEX,
		VFIO_PCI_NUM_REGIONS,
	};
	int fd = self->dev.fd, err;
	unsigned int i;
	void *p;

	/* A private mapping of a device makes no sense. */
	p = mmap(NULL, self->page, PROT_READ, MAP_PRIVATE, fd, self->bar0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* Past the end of the BAR, or straddling it. */
	p = mmap(NULL, EDU_BAR0_SIZE + self->page, PROT_READ, MAP_SHARED, fd, self->bar0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * self->page, PROT_READ, MAP_SHARED, fd,
		 self->bar0 + EDU_BAR0_SIZE - self->page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, fd, self->bar0 + EDU_BAR0_SIZE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* Not page aligned. */
	p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, fd, self->bar0 + 4);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);

	/* Regions that are not mappable BARs. */
	for (i = 0; i < ARRAY_SIZE(unmappable); i++) {
		p = mmap(NULL, self->page, PROT_READ, MAP_SHARED, fd,
			 VFIO_PCI_INDEX_TO_OFFSET(unmappable[i]));
		err = errno;	/* before TH_LOG() can change it */
		EXPECT_EQ(MAP_FAILED, p)
			TH_LOG("region %u", unmappable[i]);
		EXPECT_EQ(EINVAL, err)
			TH_LOG("region %u", unmappable[i]);
	}
}

TEST_F(edu, decode_off_revokes)
{
	volatile uint32_t *regs;
	uint32_t val;
	char buf[4];

	regs = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	ASSERT_EQ(0, vfio_try_read32(regs, &val));
	EXPECT_EQ(EDU_ID, val);

	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	/* Already faulted-in pages and new ones alike. */
	EXPECT_EQ(-EFAULT, vfio_try_read32(regs, &val));
	EXPECT_EQ(-EFAULT, vfio_try_read32(regs + (EDU_BAR0_SIZE / 2) / 4, &val));
	EXPECT_EQ(-EFAULT, vfio_try_write32(regs + EDU_REG_LIVENESS / 4, 1));
	EXPECT_EQ(-1, pread(self->dev.fd, buf, 4, self->bar0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(self->dev.fd, buf, 4, self->bar0 + EDU_REG_LIVENESS));
	EXPECT_EQ(EIO, errno);

	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	ASSERT_EQ(0, vfio_try_read32(regs, &val));
	EXPECT_EQ(EDU_ID, val);
	ASSERT_EQ(0, vfio_try_write32(regs + EDU_REG_LIVENESS / 4, 0x55));
	ASSERT_EQ(0, vfio_try_read32(regs + EDU_REG_LIVENESS / 4, &val));
	EXPECT_EQ(~0x55u, val);
	EXPECT_EQ(4, pread(self->dev.fd, &val, 4, self->bar0));
	EXPECT_EQ(EDU_ID, val);
	munmap((void *)regs, EDU_BAR0_SIZE);
}

/*
 * decode_toggle_race: readers hammer a mapped register while the test
 * turns memory decode off and on. A read sees the register or SIGBUS,
 * never a BAR that has stopped decoding (all ones on real hardware, where
 * it may end in a machine check; QEMU reads 0): the driver must revoke the
 * mappings before the command write reaches the device. A driver that
 * writes first and revokes after gets thousands of bad reads here in two
 * seconds.
 */
struct decode_race {
	volatile uint32_t *reg;
	volatile bool stop;
	unsigned long good, ones, other, sigbus;
};

static __thread sigjmp_buf race_jmp;

static void race_on_sigbus(int sig)
{
	siglongjmp(race_jmp, sig);
}

static void *race_reader(void *arg)
{
	struct decode_race *r = arg;
	/* Live across siglongjmp(): volatile, as setjmp wants. */
	volatile unsigned long good = 0, ones = 0, other = 0, sigbus = 0;
	uint32_t val;

	while (!r->stop) {
		if (sigsetjmp(race_jmp, 1)) {
			sigbus++;
			continue;
		}
		val = *r->reg;
		if (val == EDU_ID)
			good++;
		else if (val == ~0u)
			ones++;
		else
			other++;
	}
	__atomic_add_fetch(&r->good, good, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->ones, ones, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->other, other, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->sigbus, sigbus, __ATOMIC_RELAXED);
	return NULL;
}

TEST_F(edu, decode_toggle_race)
{
	struct sigaction sa = { .sa_handler = race_on_sigbus }, old;
	struct decode_race race = { 0 };
	struct timespec start, now;
	pthread_t readers[2];
	unsigned int i, toggles = 0;
	void *regs;

	regs = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	race.reg = (volatile uint32_t *)regs + EDU_REG_ID / 4;
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&readers[i], NULL, race_reader,
					    &race));

	/* Two seconds, or 2000 round trips on a fast machine. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		if (vfio_set_memory_decode(&self->dev, false) ||
		    vfio_set_memory_decode(&self->dev, true))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (++toggles < 2000 && now.tv_sec - start.tv_sec < 2);

	race.stop = true;
	for (i = 0; i < 2; i++)
		pthread_join(readers[i], NULL);
	sigaction(SIGBUS, &old, NULL);
	munmap(regs, EDU_BAR0_SIZE);

	TH_LOG("%u toggles: %lu reads of the register, %lu SIGBUS, %lu all ones, %lu other",
	       toggles, race.good, race.sigbus, race.ones, race.other);
	EXPECT_GT(toggles, 10U);
	EXPECT_GT(race.good, 0UL);
	EXPECT_EQ(0UL, race.ones);
	EXPECT_EQ(0UL, race.other);
}

/* Child of fork_inherits: 0 if the access went as @expect_sigbus says. */
static int child_access(volatile uint32_t *regs, int go, bool expect_sigbus)
{
	uint32_t val;
	char c;

	if (read(go, &c, 1) != 1)
		return 2;
	if (vfio_try_read32(regs, &val))
		return expect_sigbus ? 0 : 3;
	if (expect_sigbus)
		return 4;
	return val == EDU_ID ? 0 : 5;
}

TEST_F(edu, fork_inherits)
{
	bool stock_keeps = vfio_driver_is_stock() && !vfio_kernel_at_least(6, 10);
	volatile uint32_t *regs;
	int go[2], status, round;
	pid_t pid;

	regs = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	EXPECT_EQ(EDU_ID, regs[0]);

	/*
	 * Round 0: decode on, the child sees the device; 1: off, SIGBUS. The
	 * stock driver of 6.1 only revokes the mappings it saw faulting in,
	 * and fork copies the parent's page tables of a PFN mapping: its
	 * child keeps reaching the device. Ours, and stock since 6.10,
	 * revoke every mapping of the device.
	 */

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, pipe(go));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(child_access(regs, go[0], round == 1));
		if (round == 1)
			ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
		ASSERT_EQ(1, write(go[1], "x", 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		if (round == 1 && stock_keeps) {
			EXPECT_EQ(4, WEXITSTATUS(status)) TH_LOG("stock: no SIGBUS");
		} else {
			EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("round %d", round);
		}
		close(go[0]);
		close(go[1]);
	}
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	EXPECT_EQ(EDU_ID, regs[0]);
	munmap((void *)regs, EDU_BAR0_SIZE);
}

TEST_F(edu, munmap_part)
{
	volatile uint32_t *regs;
	long words = self->page / 4;

	regs = mmap(NULL, 4 * self->page, PROT_READ, MAP_SHARED, self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	ASSERT_EQ(0, munmap((void *)(regs + words), self->page));
	EXPECT_EQ(EDU_ID, regs[0]);
	(void)regs[2 * words];
	/* The split mappings are revoked and restored like any other. */
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, false));
	uint32_t val;

	EXPECT_EQ(-EFAULT, vfio_try_read32(regs + 3 * words, &val));
	ASSERT_EQ(0, vfio_set_memory_decode(&self->dev, true));
	EXPECT_EQ(0, vfio_try_read32(regs + 3 * words, &val));
	munmap((void *)regs, self->page);
	munmap((void *)(regs + 2 * words), 2 * self->page);
}

TEST_F(edu, close_fd_while_mapped)
{
	volatile uint32_t *regs;
	struct vfio_dev again;
	char why[128];

	regs = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	/* The mapping holds the file: the device stays open and usable. */
	close(self->dev.fd);
	self->dev.fd = -1;
	EXPECT_EQ(EDU_ID, regs[0]);
	regs[EDU_REG_LIVENESS / 4] = 7;
	EXPECT_EQ(~7u, regs[EDU_REG_LIVENESS / 4]);
	EXPECT_EQ(0, munmap((void *)regs, EDU_BAR0_SIZE));

	/* Now it is really closed, and can be opened afresh. */
	vfio_close(&self->dev);
	ASSERT_EQ(0, vfio_open_bound(&again, EDU_VENDOR, EDU_DEVICE, why, sizeof(why)));
	regs = vfio_region_mmap(&again, VFIO_PCI_BAR0_REGION_INDEX);
	ASSERT_NE(NULL, regs);
	EXPECT_EQ(EDU_ID, regs[0]);
	vfio_region_munmap(&again, VFIO_PCI_BAR0_REGION_INDEX, (void *)regs);
	vfio_close(&again);
}

TEST_F(edu, reset_refaults)
{
	volatile uint32_t *regs;
	uint32_t val;

	regs = mmap(NULL, EDU_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->dev.fd, self->bar0);
	ASSERT_NE(MAP_FAILED, regs);
	EXPECT_EQ(EDU_ID, regs[0]);
	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_RESET));
	/* Zapped by the reset, faulted in again: decode is still on. */
	ASSERT_EQ(0, vfio_try_read32(regs, &val));
	EXPECT_EQ(EDU_ID, val);
	munmap((void *)regs, EDU_BAR0_SIZE);
}

/* For tests that open devices of their own. */
FIXTURE(any) {
	int unused;
};

FIXTURE_SETUP(any)
{
	(void)self;
}

FIXTURE_TEARDOWN(any)
{
	(void)self;
}

TEST_F(any, io_bar_not_mappable)
{
	long page = sysconf(_SC_PAGESIZE);
	int i, tested = 0;
	struct vfio_dev dev;
	void *p;

	if (!vfio_open_bound_or_skip(_metadata, &dev, 0x1b36, 0x0005))
		return;
	for (i = 0; i < 6; i++) {
		struct vfio_region_info *r = &dev.regions[i];

		if (!r->size || (r->flags & VFIO_REGION_INFO_FLAG_MMAP))
			continue;
		TH_LOG("BAR%d: %#llx bytes, not mappable", i, (unsigned long long)r->size);
		p = mmap(NULL, page, PROT_READ, MAP_SHARED, dev.fd, r->offset);
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, errno);
		tested++;
	}
	EXPECT_LT(0, tested);
	vfio_close(&dev);
}

/*
 * ivshmem's BAR2 is plain RAM: every page can be told apart by what was
 * written to it, which checks that each mapping shows the right page of
 * the BAR wherever it starts and in whatever order it is touched. Only in
 * a VM with an ivshmem-plain device, as vm-run's zoo has (64 MiB).
 */
static bool check_pages(volatile uint32_t *p, long page, unsigned long first,
			unsigned long count, bool reverse)
{
	unsigned long i, j;

	for (i = 0; i < count; i++) {
		j = reverse ? count - 1 - i : i;
		if (p[j * page / 4] != first + j ||
		    p[(j + 1) * page / 4 - 1] != ~(uint32_t)(first + j))
			return false;
	}
	return true;
}

TEST_F(any, ivshmem_pages)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile uint32_t *p;
	struct vfio_region_info *r;
	unsigned long npages, i;
	struct vfio_dev dev;
	uint32_t val;

	if (!vfio_open_bound_or_skip(_metadata, &dev, 0x1af4, 0x1110))
		return;
	r = &dev.regions[VFIO_PCI_BAR2_REGION_INDEX];
	ASSERT_TRUE(!!(r->flags & VFIO_REGION_INFO_FLAG_MMAP));
	npages = r->size / page;
	ASSERT_LE(64ul, npages);

	for (i = 0; i < npages; i++) {
		val = i;
		ASSERT_EQ(0, vfio_region_write(&dev, 2, i * page, &val, 4));
		val = ~(uint32_t)i;
		ASSERT_EQ(0, vfio_region_write(&dev, 2, (i + 1) * page - 4, &val, 4));
	}

	/* All of it, forwards and backwards. */
	p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd, r->offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(check_pages(p, page, 0, npages, false));
	munmap((void *)p, r->size);
	p = mmap(NULL, r->size, PROT_READ, MAP_SHARED, dev.fd, r->offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(check_pages(p, page, 0, npages, true));
	munmap((void *)p, r->size);

	/* Starting at odd pages, over fault-around windows, in both orders. */
	p = mmap(NULL, 77 * page, PROT_READ, MAP_SHARED, dev.fd, r->offset + 5 * page);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(check_pages(p, page, 5, 77, true));
	munmap((void *)p, 77 * page);
	p = mmap(NULL, 3 * page, PROT_READ, MAP_SHARED, dev.fd, r->offset + 31 * page);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(check_pages(p, page, 31, 3, false));
	munmap((void *)p, 3 * page);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, dev.fd, r->offset + r->size - page);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(check_pages(p, page, npages - 1, 1, false));
	munmap((void *)p, page);

	/* Writes through a mapping land in the right page. */
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd,
		 r->offset + 40 * page);
	ASSERT_NE(MAP_FAILED, p);
	p[page / 4 + 1] = 0xfeedbeef;
	munmap((void *)p, 2 * page);
	ASSERT_EQ(0, vfio_region_read(&dev, 2, 41 * page + 4, &val, 4));
	EXPECT_EQ(0xfeedbeefu, val);
	vfio_close(&dev);
}

#define SZ_2M	(2ul << 20)

/*
 * Does this kernel map BARs with huge entries? From 6.12 on x86_64 with
 * transparent huge pages enabled, which huge pfnmaps go by (Debian's
 * kernels have them on, "always"; the debug kernels have none).
 */
static bool huge_pfnmaps(void)
{
	char buf[128] = "";
	FILE *f;

	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return vfio_kernel_at_least(6, 12) && strstr(buf, "[always]");
}

/* Minor page faults this process took so far. */
static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Faults taken reading every page of [p, p + len), page by page. */
static long faults_to_touch(volatile uint8_t *p, unsigned long len, long page)
{
	long before = minor_faults();
	unsigned long off;

	for (off = 0; off < len; off += page)
		(void)p[off];
	return minor_faults() - before;
}

/*
 * Huge pfnmaps (6.12 on x86): a BAR mapping whose address and physical
 * pages are 2 MiB aligned is faulted in one PMD entry per 2 MiB, by ours
 * and by stock, which a count of the page faults shows (a PTE-mapped BAR
 * takes one fault per page with stock, one per fault-around window of 32
 * pages with ours). A mapping not so aligned falls back to PTEs. Either
 * way, memory decode off revokes every entry and decode back on brings
 * them back. Where there are no huge pfnmaps (6.1, a kernel without
 * transparent huge pages) no huge entries are made: the counts show that
 * too (stock 6.1 maps a whole mapping at its first fault, so only ours is
 * counted there).
 */
TEST_F(any, huge_mappings)
{
	long page = sysconf(_SC_PAGESIZE);
	bool huge = huge_pfnmaps();
	struct vfio_region_info *r;
	volatile uint8_t *p;
	struct vfio_dev dev;
	long blocks[3];
	uint32_t val;
	int i;

	if (!vfio_open_bound_or_skip(_metadata, &dev, 0x1af4, 0x1110))
		return;
	r = &dev.regions[VFIO_PCI_BAR2_REGION_INDEX];
	if (r->size < 8 * SZ_2M)
		SKIP(goto out, "ivshmem BAR2 is %llu bytes, under 16 MiB",
		     (unsigned long long)r->size);

	/* Aligned: one fault per 2 MiB, or none after the first (stock 6.1) */
	p = vfio_region_mmap_at(&dev, VFIO_PCI_BAR2_REGION_INDEX, 4 * SZ_2M,
				SZ_2M, 0);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 3; i++)
		blocks[i] = faults_to_touch(p + i * SZ_2M, SZ_2M, page);
	TH_LOG("aligned: %ld, %ld, %ld faults per 2 MiB, %s driver",
	       blocks[0], blocks[1], blocks[2], vfio_driver_name());
	if (huge) {
		for (i = 0; i < 3; i++)
			EXPECT_GE(2, blocks[i]) TH_LOG("block %d", i);
	} else if (!vfio_driver_is_stock()) {
		for (i = 0; i < 3; i++)
			EXPECT_LE(SZ_2M / page / 32, blocks[i]) TH_LOG("block %d", i);
	}

	/* Decode off revokes huge entries like any: SIGBUS, then back. */
	ASSERT_EQ(0, vfio_set_memory_decode(&dev, false));
	EXPECT_EQ(-EFAULT, vfio_try_read32((volatile uint32_t *)(p + SZ_2M + page),
					   &val));
	ASSERT_EQ(0, vfio_set_memory_decode(&dev, true));
	EXPECT_EQ(0, vfio_try_read32((volatile uint32_t *)(p + SZ_2M + page),
				     &val));
	if (huge)
		EXPECT_GE(2, faults_to_touch(p + 2 * SZ_2M, SZ_2M, page));
	munmap((void *)p, 4 * SZ_2M);

	/* One page off the boundary: no block is covered, PTEs only */
	p = vfio_region_mmap_at(&dev, VFIO_PCI_BAR2_REGION_INDEX, 3 * SZ_2M,
				SZ_2M, page);
	ASSERT_NE(NULL, p);
	blocks[0] = faults_to_touch(p, 2 * SZ_2M, page);
	TH_LOG("unaligned: %ld faults over 4 MiB", blocks[0]);
	if (huge || !vfio_driver_is_stock())
		EXPECT_LE(2 * SZ_2M / page / 32, blocks[0]);
	munmap((void *)p, 3 * SZ_2M);
out:
	vfio_close(&dev);
}

/*
 * ivshmem's BAR0 (its registers) is 256 bytes: a BAR smaller than a page
 * may be mapped, as a whole page, when it starts the page and the rest of
 * the page is claimed while the device is bound, so that nothing else can
 * be placed there (/proc/iomem shows the claim under the BAR's bridge
 * window). Writes through the mapping reach the register.
 */
TEST_F(any, subpage_bar)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long start, end, flags, a, b;
	char line[256], want[64];
	struct vfio_region_info *r;
	struct vfio_dev dev;
	volatile uint32_t *p;
	bool claimed = false;
	uint32_t val;
	FILE *f;

	if (!vfio_open_bound_or_skip(_metadata, &dev, 0x1af4, 0x1110))
		return;
	r = &dev.regions[VFIO_PCI_BAR0_REGION_INDEX];
	ASSERT_EQ(256u, r->size);
	ASSERT_TRUE(!!(r->flags & VFIO_REGION_INFO_FLAG_MMAP));

	snprintf(line, sizeof(line), "/sys/bus/pci/devices/%s/resource", dev.bdf);
	f = fopen(line, "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(3, fscanf(f, "%llx %llx %llx", &start, &end, &flags));
	fclose(f);
	ASSERT_EQ(0ull, start % page);
	snprintf(want, sizeof(want), "%llx-%llx", end + 1, start + page - 1);
	f = fopen("/proc/iomem", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %llx-%llx", &a, &b) == 2 && a == end + 1 &&
		    b == start + page - 1)
			claimed = true;
	fclose(f);
	EXPECT_TRUE(claimed) TH_LOG("no /proc/iomem entry %s", want);

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd, r->offset);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x5a5a;			/* IntrMask */
	ASSERT_EQ(0, vfio_region_read(&dev, 0, 0, &val, 4));
	EXPECT_EQ(0x5a5au, val);
	p[0] = 0;
	munmap((void *)p, page);
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, dev.fd, r->offset);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	vfio_close(&dev);
}

/* The MSI-X table may be mapped along with the rest of its BAR. */
static void check_msix_bar(struct __test_metadata *_metadata, uint16_t vendor,
			   uint16_t device)
{
	struct vfio_info_cap_header *cap;
	struct vfio_region_info *r;
	struct vfio_dev dev;
	uint32_t table, val;
	volatile uint32_t *p;
	int pos, bar;

	if (!vfio_open_bound_or_skip(_metadata, &dev, vendor, device))
		return;
	pos = vfio_find_cap(&dev, PCI_CAP_ID_MSIX);
	ASSERT_LE(0x40, pos);
	ASSERT_EQ(0, vfio_cfg_read32(&dev, pos + PCI_MSIX_TABLE, &table));
	bar = table & PCI_MSIX_TABLE_BIR;
	ASSERT_EQ(0, vfio_region_info(dev.fd, bar, &r));
	cap = vfio_region_cap(r, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	TH_LOG("MSI-X table at BAR%d+%#x, MSIX_MAPPABLE %s", bar,
	       table & PCI_MSIX_TABLE_OFFSET, cap ? "yes" : "no");
	ASSERT_NE(NULL, cap);
	p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev.fd, r->offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, vfio_try_read32(p + (table & PCI_MSIX_TABLE_OFFSET) / 4 + 3, &val));
	munmap((void *)p, r->size);
	free(r);
	vfio_close(&dev);
}

TEST_F(any, msix_bar_nvme)
{
	check_msix_bar(_metadata, 0x1b36, 0x0010);
}

TEST_F(any, msix_bar_e1000e)
{
	check_msix_bar(_metadata, 0x8086, 0x10d3);
}

TEST_HARNESS_MAIN
