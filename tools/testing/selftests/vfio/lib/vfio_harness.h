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

#include "vfio_util.h"

/*
 * vfio_open_bound() from a fixture setup or a test: skips the test when
 * the device is absent or not bound to vfio-pci, fails it when opening
 * fails. Returns true when @dev is open; on false the caller returns at
 * once. @dev can be passed to vfio_close() in every case.
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

#endif /* VFIO_HARNESS_H */
