/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_util.h helpers for tests written with kselftest_harness.h: they
 * take the harness' _metadata, so they can SKIP() and ASSERT_*() on their
 * caller's behalf. Include after kselftest_harness.h.
 */
#ifndef VFIO_HARNESS_H
#define VFIO_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "vfio_util.h"

/*
 * Linux 6.1's kselftest_harness.h, which these tests build with, runs a
 * test's body even when its FIXTURE_SETUP has SKIP()ped (later kernels'
 * return there). A setup therefore ends a skipped test itself: its process
 * exits with the status the harness reads as a skip, the reason SKIP()
 * recorded in memory the harness shares.
 */
static inline void __attribute__((noreturn)) vfio_setup_skipped(void)
{
	fflush(NULL);
	_exit(255);
}

/* SKIP() for a FIXTURE_SETUP: the test ends here, reported as skipped. */
#define SETUP_SKIP(fmt, ...) SKIP(vfio_setup_skipped(), fmt, ##__VA_ARGS__)

/*
 * vfio_open_bound() from a test: skips the test when the device is absent
 * or not bound to vfio-pci, fails it when opening fails. Returns true when
 * @dev is open; on false the caller returns at once. @dev can be passed to
 * vfio_close() in every case.
 */
static inline bool vfio_open_bound_or_skip(struct __test_metadata *_metadata,
					   struct vfio_dev *dev,
					   uint16_t vendor, uint16_t device)
{
	char why[128];
	int ret;

	ret = vfio_open_bound(dev, vendor, device, why, sizeof(why));
	if (ret > 0)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret);	/* does not return when it fails */
	return true;
}

/* The same from a FIXTURE_SETUP, which returns only with @dev open. */
static inline void vfio_setup_open_bound(struct __test_metadata *_metadata,
					 struct vfio_dev *dev,
					 uint16_t vendor, uint16_t device)
{
	if (!vfio_open_bound_or_skip(_metadata, dev, vendor, device))
		vfio_setup_skipped();
}

#endif /* VFIO_HARNESS_H */
