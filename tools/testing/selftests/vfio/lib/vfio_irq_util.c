// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt helpers for the VFIO PCI selftests, see vfio_irq_util.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "vfio_irq_util.h"

int vfio_set_irqs(int fd, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const void *data, size_t elem_size)
{
	size_t len = sizeof(struct vfio_irq_set) + (size_t)count * elem_size;
	struct vfio_irq_set *set;
	int ret;

	set = calloc(1, len);
	if (!set)
		return -ENOMEM;
	set->argsz = len;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (elem_size && count)
		memcpy(set->data, data, (size_t)count * elem_size);
	ret = ioctl(fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

int vfio_irq_set_eventfds(int fd, uint32_t index, uint32_t start,
			  uint32_t count, const int32_t *fds)
{
	return vfio_set_irqs(fd, index, VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER, start, count, fds,
			     sizeof(*fds));
}

int vfio_irq_disable(int fd, uint32_t index)
{
	return vfio_set_irqs(fd, index, VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL, 0);
}

int vfio_irq_action(int fd, uint32_t index, uint32_t action, uint32_t start,
		    uint32_t count)
{
	return vfio_set_irqs(fd, index, VFIO_IRQ_SET_DATA_NONE | action,
			     start, count, NULL, 0);
}

int vfio_eventfd(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return efd < 0 ? -errno : efd;
}

long long vfio_eventfd_poll(int efd)
{
	uint64_t val;

	if (read(efd, &val, sizeof(val)) == sizeof(val))
		return (long long)val;
	return errno == EAGAIN ? 0 : -errno;
}

long long vfio_eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return 0;
	return vfio_eventfd_poll(efd);
}

int vfio_eventfd_signal(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}
