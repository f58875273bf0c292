// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration through the 6.1 uAPI (VFIO_DEVICE_FEATURE_MIGRATION,
 * MIG_DEVICE_STATE, the data fd) and DMA logging, with edu (1234:11e8).
 *
 * vfio-pci, ours and stock, has no migration: every such feature is
 * -ENOTTY. With our library, the test-only variant driver vfio_test_driver
 * loaded with migration=1 implements STOP_COPY, saving edu's liveness
 * register: the test walks the state machine, saves the register, changes
 * it, restores it through RESUMING and checks the arcs vfio.ko refuses.
 * migration=2 (no STOP_COPY flag) and migration=3 (empty DMA logging ops)
 * are driver bugs our library must refuse at probe. The variant driver is
 * built against our vfio-pci-core, so that half is skipped with the stock
 * modules. edu is given back to vfio-pci and the module unloaded at the
 * end. Run it with vm-run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest.h"
#include "lib/vfio_test_driver.h"
#include "lib/vfio_util.h"

#define GENERIC_TESTS	3
#define VARIANT_TESTS	27

/* VFIO_DEVICE_FEATURE with a payload of @size bytes; 0 or -errno. */
static int feature(int fd, uint32_t flags, void *data, size_t size)
{
	struct {
		struct vfio_device_feature hdr;
		unsigned char data[64];
	} f = { .hdr = { .argsz = sizeof(f.hdr) + size, .flags = flags } };
	int ret;

	if (size)
		memcpy(f.data, data, size);
	ret = ioctl(fd, VFIO_DEVICE_FEATURE, &f);
	if (ret)
		return -errno;
	if (size)
		memcpy(data, f.data, size);
	return 0;
}

/* SET MIG_DEVICE_STATE; *@data_fd gets the returned fd (or -1). */
static int set_state(int fd, uint32_t state, int *data_fd)
{
	struct vfio_device_feature_mig_state mig = { .device_state = state };
	int ret;

	ret = feature(fd, VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &mig, sizeof(mig));
	if (data_fd)
		*data_fd = ret ? -1 : mig.data_fd;
	else if (!ret && mig.data_fd >= 0)
		close(mig.data_fd);
	return ret;
}

static int get_state(int fd)
{
	struct vfio_device_feature_mig_state mig = { .device_state = 99 };
	int ret;

	ret = feature(fd, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, &mig, sizeof(mig));
	return ret ? ret : (int)mig.device_state;
}

static int logging_probe(int fd)
{
	struct vfio_device_feature_dma_logging_control ctl = {
		.page_size = 4096,
	};

	return feature(fd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_DMA_LOGGING_START, &ctl, sizeof(ctl));
}

/* vfio-pci: no migration, no logging. */
static void test_generic(const char *bdf)
{
	struct vfio_device_feature_migration mig;
	struct vfio_dev dev;
	int ret;

	if (vfio_open(&dev, bdf)) {
		ksft_test_result_error("open %s\n", bdf);
		ksft_test_result_skip("no device\n");
		ksft_test_result_skip("no device\n");
		return;
	}
	ret = feature(dev.fd, VFIO_DEVICE_FEATURE_PROBE |
		      VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      &mig, sizeof(mig));
	ksft_test_result(ret == -ENOTTY, "%s: PROBE MIGRATION -> %d (want -ENOTTY)\n",
			 vfio_driver_name(), ret);
	ret = get_state(dev.fd);
	ksft_test_result(ret == -ENOTTY, "%s: GET MIG_DEVICE_STATE -> %d (want -ENOTTY)\n",
			 vfio_driver_name(), ret);
	ret = logging_probe(dev.fd);
	ksft_test_result(ret == -ENOTTY, "%s: PROBE DMA_LOGGING_START -> %d (want -ENOTTY)\n",
			 vfio_driver_name(), ret);
	vfio_close(&dev);
}

static int liveness(struct vfio_dev *dev, unsigned int *val, bool write)
{
	return write ? vfio_region_write(dev, 0, EDU_REG_LIVENESS, val, 4) :
		       vfio_region_read(dev, 0, EDU_REG_LIVENESS, val, 4);
}

/* The variant driver's STOP_COPY implementation, bound as migration=1. */
static void test_variant(const char *bdf)
{
	struct vfio_device_feature_migration mig = { 0 };
	unsigned char blob[64], junk[64] = { 0 };
	unsigned int val, saved;
	struct vfio_dev dev;
	ssize_t n, blob_len;
	int ret, err, dfd, dfd2;

	if (vfio_open(&dev, bdf) || vfio_set_memory_decode(&dev, true)) {
		ksft_test_result_error("open %s on %s\n", bdf, VFIO_TEST_DRIVER);
		return;
	}

	ret = feature(dev.fd, VFIO_DEVICE_FEATURE_PROBE |
		      VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
		      &mig, sizeof(mig));
	ksft_test_result(!ret, "variant: PROBE GET MIGRATION -> %d\n", ret);
	ret = feature(dev.fd, VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_MIGRATION, &mig, sizeof(mig));
	ksft_test_result(!ret && mig.flags == VFIO_MIGRATION_STOP_COPY,
			 "variant: GET MIGRATION -> %d, flags %#llx\n", ret,
			 (unsigned long long)mig.flags);
	ret = feature(dev.fd, VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_MIGRATION, &mig, sizeof(mig));
	ksft_test_result(ret == -EINVAL,
			 "variant: SET MIGRATION -> %d (want -EINVAL)\n", ret);
	ret = logging_probe(dev.fd);
	ksft_test_result(ret == -ENOTTY,
			 "variant: PROBE DMA_LOGGING_START without log_ops -> %d (want -ENOTTY)\n",
			 ret);
	ret = get_state(dev.fd);
	ksft_test_result(ret == VFIO_DEVICE_STATE_RUNNING,
			 "variant: initial state %d (want RUNNING)\n", ret);

	/* The device state to save: ~0x12345678 in the liveness register. */
	val = 0x12345678;
	ret = liveness(&dev, &val, true) ?: liveness(&dev, &saved, false);
	ksft_test_result(!ret && saved == ~0x12345678u,
			 "variant: liveness reads %#x\n", saved);

	/* Refused arcs leave the state as it was. */
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_RUNNING_P2P, NULL);
	ksft_test_result(ret == -EINVAL && get_state(dev.fd) ==
			 VFIO_DEVICE_STATE_RUNNING,
			 "variant: SET RUNNING_P2P without the P2P flag -> %d (want -EINVAL)\n",
			 ret);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_ERROR, NULL);
	ksft_test_result(ret == -EINVAL,
			 "variant: SET ERROR -> %d (want -EINVAL)\n", ret);
	ret = set_state(dev.fd, 99, NULL);
	ksft_test_result(ret == -EINVAL && get_state(dev.fd) ==
			 VFIO_DEVICE_STATE_RUNNING,
			 "variant: SET state 99 -> %d (want -EINVAL)\n", ret);

	/* Save. */
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP, &dfd);
	ksft_test_result(!ret && dfd < 0 &&
			 get_state(dev.fd) == VFIO_DEVICE_STATE_STOP,
			 "variant: RUNNING -> STOP -> %d, no data fd\n", ret);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP_COPY, &dfd);
	ksft_test_result(!ret && dfd >= 0,
			 "variant: STOP -> STOP_COPY -> %d, data fd %d\n", ret,
			 dfd);
	blob_len = dfd >= 0 ? read(dfd, blob, sizeof(blob)) : -1;
	n = dfd >= 0 ? read(dfd, junk, sizeof(junk)) : -1;
	ksft_test_result(blob_len == 8 && n == 0 &&
			 !memcmp(blob + 4, &saved, 4),
			 "variant: data fd gives %zd bytes then %zd (EOF)\n",
			 blob_len, n);
	n = dfd >= 0 ? pread(dfd, junk, sizeof(junk), 0) : 0;
	ksft_test_result(n < 0 && errno == ESPIPE,
			 "variant: pread on the data fd -> %zd (want -ESPIPE)\n",
			 n);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_RUNNING, NULL);
	n = dfd >= 0 ? read(dfd, junk, sizeof(junk)) : 0;
	ksft_test_result(!ret && get_state(dev.fd) ==
			 VFIO_DEVICE_STATE_RUNNING && n < 0 && errno == ENODEV,
			 "variant: STOP_COPY -> RUNNING -> %d, old data fd read -> %zd (want -ENODEV)\n",
			 ret, n);
	if (dfd >= 0)
		close(dfd);

	/* Change the register, then restore it. */
	val = 0;
	liveness(&dev, &val, true);
	liveness(&dev, &val, false);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP_COPY, &dfd);
	ksft_test_result(!ret && dfd >= 0,
			 "variant: RUNNING -> STOP_COPY (through STOP) -> %d, data fd %d\n",
			 ret, dfd);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_RESUMING, &dfd2);
	ksft_test_result(!ret && dfd2 >= 0 && get_state(dev.fd) ==
			 VFIO_DEVICE_STATE_RESUMING,
			 "variant: STOP_COPY -> RESUMING (through STOP) -> %d, data fd %d\n",
			 ret, dfd2);
	if (dfd >= 0)
		close(dfd);
	dfd = dfd2;
	n = dfd >= 0 ? write(dfd, blob, 4) : -1;
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP, NULL);
	ksft_test_result(n == 4 && ret == -EINVAL && get_state(dev.fd) ==
			 VFIO_DEVICE_STATE_RESUMING,
			 "variant: RESUMING -> STOP with half a blob -> %d (want -EINVAL, still RESUMING)\n",
			 ret);
	n = dfd >= 0 ? write(dfd, blob + 4, blob_len - 4) : -1;
	ksft_test_result(n == blob_len - 4,
			 "variant: data fd takes the rest of the blob: %zd\n", n);
	n = dfd >= 0 ? write(dfd, blob, 1) : 0;
	ksft_test_result(n < 0 && errno == ENOSPC,
			 "variant: data fd refuses more -> %zd (want -ENOSPC)\n",
			 n);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP, NULL);
	ksft_test_result(!ret && get_state(dev.fd) == VFIO_DEVICE_STATE_STOP,
			 "variant: RESUMING -> STOP -> %d\n", ret);
	if (dfd >= 0)
		close(dfd);
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_RUNNING, NULL);
	ksft_test_result(!ret, "variant: STOP -> RUNNING -> %d\n", ret);
	liveness(&dev, &val, false);
	ksft_test_result(val == saved,
			 "variant: liveness restored: %#x (want %#x)\n", val,
			 saved);

	/*
	 * A reset loses the device state: back to RUNNING, transfer over.
	 * The driver applies it on its next state machine call (its
	 * reset_done cannot take the locks the data fd uses).
	 */
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP_COPY, &dfd);
	ret = ret ?: ioctl(dev.fd, VFIO_DEVICE_RESET) ? -errno : 0;
	val = get_state(dev.fd);
	n = dfd >= 0 ? read(dfd, junk, sizeof(junk)) : 0;
	err = errno;
	if (dfd >= 0)
		close(dfd);
	ksft_test_result(!ret && n < 0 && err == ENODEV &&
			 val == VFIO_DEVICE_STATE_RUNNING,
			 "variant: VFIO_DEVICE_RESET in STOP_COPY -> %d, ends the data fd (%zd), RUNNING\n",
			 ret, n);

	/* Close puts the device back in RUNNING for the next user. */
	ret = set_state(dev.fd, VFIO_DEVICE_STATE_STOP_COPY, &dfd);
	vfio_close(&dev);
	n = dfd >= 0 ? read(dfd, junk, sizeof(junk)) : 0;
	err = errno;
	if (dfd >= 0)
		close(dfd);
	if (vfio_open(&dev, bdf)) {
		ksft_test_result_error("reopen %s\n", bdf);
		return;
	}
	ksft_test_result(!ret && n < 0 && err == ENODEV &&
			 get_state(dev.fd) == VFIO_DEVICE_STATE_RUNNING,
			 "variant: close in STOP_COPY ends the data fd (%zd) and reopens RUNNING\n",
			 n);
	vfio_close(&dev);
}

static bool log_has(const char *bdf, const char *msg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "dmesg | grep -q '%s.*%s'", bdf, msg);
	return system(cmd) == 0;
}

/* A driver bug the library refuses at probe: edu stays unbound. */
static void test_refused(const char *bdf, const char *mode, const char *msg)
{
	char drv[64] = "";
	int ret;

	if (vfio_test_driver_param("migration", mode)) {
		ksft_test_result_error("cannot set migration=%s\n", mode);
		return;
	}
	ret = vfio_bind(bdf, VFIO_TEST_DRIVER);
	vfio_device_driver(bdf, drv, sizeof(drv));
	ksft_test_result(ret && !*drv && log_has(bdf, msg),
			 "variant: migration=%s refused at probe (bind %d, driver '%s')\n",
			 mode, ret, drv);
}

int main(void)
{
	char bdf[VFIO_BDF_LEN];
	bool loaded;
	int ret, i;

	ksft_print_header();
	ksft_set_plan(GENERIC_TESTS + VARIANT_TESTS);
	vfio_test_driver_require_edu(bdf);

	test_generic(bdf);

	if (vfio_driver_is_stock()) {
		/* Its module links against our exports, not stock's. */
		for (i = 0; i < VARIANT_TESTS; i++)
			ksft_test_result_skip("variant driver needs our vfio-pci-core\n");
		ksft_finished();
	}

	if (vfio_test_driver_load("migration=1", &loaded) ||
	    vfio_test_driver_param("migration", "1"))
		ksft_exit_fail_msg("cannot load vfio_test_driver, migration=1 (is it built?)\n");

	if (vfio_bind(bdf, VFIO_TEST_DRIVER))
		ksft_test_result_error("bind %s to %s\n", bdf, VFIO_TEST_DRIVER);
	else
		test_variant(bdf);

	test_refused(bdf, "2", "without VFIO_MIGRATION_STOP_COPY");
	test_refused(bdf, "3", "DMA logging ops lack");

	ret = vfio_test_driver_param("migration", "0") ?:
	      vfio_bind(bdf, "vfio-pci");
	if (!ret && loaded)
		ret = vfio_test_driver_unload();
	ksft_test_result(!ret && (!loaded ||
				  access("/sys/module/vfio_test_driver", F_OK)),
			 "%s back on vfio-pci, vfio_test_driver unloaded (%d)\n",
			 bdf, ret);
	ksft_finished();
}
