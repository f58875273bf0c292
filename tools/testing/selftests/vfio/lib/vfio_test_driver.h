/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test-only variant driver (vfio_test_driver/), as the tests that
 * bind edu to it load, configure and unload it.
 */
#ifndef VFIO_TEST_DRIVER_LIB_H
#define VFIO_TEST_DRIVER_LIB_H

#include <stdbool.h>

#include "vfio_util.h"

/*
 * Where vm-run puts the modules under test, built for the kernel the VM
 * runs (Debian's or the debug kernel): our library, vfio-pci and the
 * test-only variant driver.
 */
#define VFIO_RUN_MODULE_DIR	"/run/vm-run/ours"

/* Its pci_driver name, for vfio_bind() */
#define VFIO_TEST_DRIVER	"vfio-test-driver"

/*
 * For kselftest programs: as root, with edu present and bound to vfio-pci
 * (its address into @bdf), return; otherwise skip the whole program.
 */
void vfio_test_driver_require_edu(char bdf[VFIO_BDF_LEN]);

/*
 * insmod the module (vm-run's copy, else the one built in this tree) with
 * the parameters @args ("" for none), unless it is loaded already. Sets
 * *@loaded when this call loaded it. Returns 0 or a negative errno.
 */
int vfio_test_driver_load(const char *args, bool *loaded);

/* Write @val to the module parameter @name: 0 or a negative errno. */
int vfio_test_driver_param(const char *name, const char *val);

/* rmmod the module: 0 or a negative errno. */
int vfio_test_driver_unload(void);

#endif /* VFIO_TEST_DRIVER_LIB_H */
