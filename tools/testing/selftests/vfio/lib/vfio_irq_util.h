/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt helpers for the VFIO PCI selftests: VFIO_DEVICE_SET_IRQS
 * wrappers, eventfds, and the edu device's interrupt registers.
 *
 * Functions returning int return 0 (or a count) on success and a negative
 * errno on failure.
 */
#ifndef VFIO_IRQ_UTIL_H
#define VFIO_IRQ_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vfio.h>

/* edu interrupt registers (BAR0) */
#define EDU_REG_STATUS		0x20	/* bit 7: raise IRQ on factorial done */
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_FACTORIAL	0x08

/*
 * VFIO_DEVICE_SET_IRQS with @count elements of @data, each @elem_size
 * bytes (0 for DATA_NONE). Returns 0 or -errno.
 */
int vfio_set_irqs(int fd, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const void *data, size_t elem_size);

/* Set eventfds @fds[0..count) for vectors [start, start + count). */
int vfio_irq_set_eventfds(int fd, uint32_t index, uint32_t start,
			  uint32_t count, const int32_t *fds);

/* DATA_NONE with count 0 and ACTION_TRIGGER: disable @index. */
int vfio_irq_disable(int fd, uint32_t index);

/* DATA_NONE with @action on [start, start + count). */
int vfio_irq_action(int fd, uint32_t index, uint32_t action, uint32_t start,
		    uint32_t count);

/* A non-blocking eventfd, or -errno. */
int vfio_eventfd(void);

/*
 * Wait up to @timeout_ms for @efd to be signalled and read it.
 * Returns the counter value read (> 0), 0 on timeout, or -errno.
 */
long long vfio_eventfd_wait(int efd, int timeout_ms);

/* Read @efd without waiting: its counter, 0 if not signalled. */
long long vfio_eventfd_poll(int efd);

/* Signal @efd once. */
int vfio_eventfd_signal(int efd);

/* 32-bit MMIO access through a mapped BAR. */
static inline uint32_t mmio_read32(volatile void *bar, uint32_t off)
{
	return *(volatile uint32_t *)((volatile char *)bar + off);
}

static inline void mmio_write32(volatile void *bar, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)((volatile char *)bar + off) = val;
}

static inline uint64_t mmio_read64(volatile void *bar, uint32_t off)
{
	return *(volatile uint64_t *)((volatile char *)bar + off);
}

static inline void mmio_write64(volatile void *bar, uint32_t off, uint64_t val)
{
	*(volatile uint64_t *)((volatile char *)bar + off) = val;
}

#endif /* VFIO_IRQ_UTIL_H */
