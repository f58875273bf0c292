// SPDX-License-Identifier: GPL-2.0
/*
 * A variant driver's say over config space, end to end, with edu
 * (1234:11e8) and the test-only variant driver vfio_test_driver.
 *
 * With cap_handler=1 the driver serves edu's MSI capability from an image
 * of its own (ID, no next pointer, flags 0, a writable message address and
 * data): every access to the capability, of any width, aligned or not,
 * into any user buffer, must reach the driver's handlers and nothing else,
 * and the real capability must stay as it was. With cap_handler=2 the
 * capability is hidden: edu, whose only capability MSI is, shows none.
 *
 * The variant driver is built against our vfio-pci-core, so everything is
 * skipped with the stock modules. edu is given back to vfio-pci and the
 * module unloaded at the end. Run it with vm-run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "kselftest.h"
#include "lib/vfio_test_driver.h"
#include "lib/vfio_util.h"

#define IMAGE_TESTS	9
#define HIDE_TESTS	3
#define TESTS		(1 + IMAGE_TESTS + HIDE_TESTS + 1)

/* MSI capability layout of the driver's image */
#define IMAGE_LEN	(PCI_MSI_DATA_32 + 2)

/* Bind @bdf to the test driver with cap_handler=@mode and open it. */
static int open_variant(const char *bdf, const char *mode, struct vfio_dev *dev)
{
	int ret = vfio_test_driver_param("cap_handler", mode);

	if (!ret)
		ret = vfio_bind(bdf, VFIO_TEST_DRIVER);
	if (!ret)
		ret = vfio_open(dev, bdf);
	return ret;
}

static void test_image(const char *bdf, int msi, uint16_t lib_flags,
		       const uint8_t *real)
{
	uint8_t id = 0xff, next = 0xff, after[IMAGE_LEN], buf[12];
	uint32_t addr = 0, v = 0;
	uint16_t flags = 0xffff, data = 0;
	struct vfio_dev dev;
	int i;

	if (open_variant(bdf, "1", &dev)) {
		for (i = 0; i < IMAGE_TESTS; i++)
			ksft_test_result_error("bind %s to %s with cap_handler=1\n",
					       bdf, VFIO_TEST_DRIVER);
		return;
	}

	ksft_test_result(vfio_find_cap(&dev, PCI_CAP_ID_MSI) == msi,
			 "image: MSI still listed at 0x%x\n", msi);

	vfio_cfg_read8(&dev, msi + PCI_CAP_LIST_ID, &id);
	vfio_cfg_read8(&dev, msi + PCI_CAP_LIST_NEXT, &next);
	ksft_test_result(id == PCI_CAP_ID_MSI && !next,
			 "image: ID 0x%02x, next 0x%02x come from the driver\n",
			 id, next);

	vfio_cfg_read16(&dev, msi + PCI_MSI_FLAGS, &flags);
	ksft_test_result(!flags && lib_flags,
			 "image: flags 0x%04x (the library shows 0x%04x)\n",
			 flags, lib_flags);

	vfio_cfg_write32(&dev, msi + PCI_MSI_ADDRESS_LO, 0xfee01234);
	vfio_cfg_write16(&dev, msi + PCI_MSI_DATA_32, 0x4321);
	vfio_cfg_read32(&dev, msi + PCI_MSI_ADDRESS_LO, &addr);
	vfio_cfg_read16(&dev, msi + PCI_MSI_DATA_32, &data);
	ksft_test_result(addr == 0xfee01234 && data == 0x4321,
			 "image: address 0x%08x and data 0x%04x written and read back\n",
			 addr, data);

	/* Flags and the low half of the address: two pieces of 2 bytes */
	vfio_cfg_read32(&dev, msi + PCI_MSI_FLAGS, &v);
	ksft_test_result(v == 0x12340000,
			 "image: unaligned 4-byte read across flags and address: 0x%08x\n",
			 v);

	/* The bounce-buffer path, into a misaligned buffer */
	memset(buf, 0xee, sizeof(buf));
	i = vfio_cfg_read(&dev, msi, buf + 1, IMAGE_LEN);
	ksft_test_result(!i && buf[1] == PCI_CAP_ID_MSI && !buf[2] &&
			 !buf[3] && !buf[4] && buf[5] == 0x34 &&
			 buf[6] == 0x12 && buf[7] == 0xe0 && buf[8] == 0xfe &&
			 buf[9] == 0x21 && buf[10] == 0x43,
			 "image: %d-byte read into a misaligned buffer\n",
			 IMAGE_LEN);

	flags = 0xffff;
	vfio_cfg_write16(&dev, msi + PCI_MSI_FLAGS, 0xffff);
	vfio_cfg_write8(&dev, msi + PCI_CAP_LIST_ID, 0x11);
	vfio_cfg_read16(&dev, msi + PCI_MSI_FLAGS, &flags);
	vfio_cfg_read8(&dev, msi + PCI_CAP_LIST_ID, &id);
	ksft_test_result(!flags && id == PCI_CAP_ID_MSI,
			 "image: ID and flags ignore writes (0x%02x, 0x%04x)\n",
			 id, flags);

	v = 0xffffffff;
	vfio_cfg_read32(&dev, msi + PCI_MSI_DATA_32, &v);
	ksft_test_result(v == 0x4321,
			 "image: bytes past the image read as 0 (0x%08x)\n", v);

	vfio_close(&dev);
	memset(after, 0, sizeof(after));
	vfio_sysfs_config_read(bdf, msi, after, sizeof(after));
	ksft_test_result(!memcmp(real, after, IMAGE_LEN),
			 "image: the real MSI capability is unchanged\n");
}

static void test_hide(const char *bdf, int msi, const uint8_t *real)
{
	uint8_t ptr = 0xff, after[IMAGE_LEN];
	uint16_t status = 0xffff;
	struct vfio_dev dev;
	int i;

	if (open_variant(bdf, "2", &dev)) {
		for (i = 0; i < HIDE_TESTS; i++)
			ksft_test_result_error("bind %s to %s with cap_handler=2\n",
					       bdf, VFIO_TEST_DRIVER);
		return;
	}
	ksft_test_result(!vfio_find_cap(&dev, PCI_CAP_ID_MSI),
			 "hide: MSI is not listed\n");
	vfio_cfg_read8(&dev, PCI_CAPABILITY_LIST, &ptr);
	vfio_cfg_read16(&dev, PCI_STATUS, &status);
	ksft_test_result(!ptr && !(status & PCI_STATUS_CAP_LIST),
			 "hide: no capability list left (pointer 0x%02x, status 0x%04x)\n",
			 ptr, status);
	vfio_close(&dev);
	memset(after, 0, sizeof(after));
	vfio_sysfs_config_read(bdf, msi, after, sizeof(after));
	ksft_test_result(!memcmp(real, after, IMAGE_LEN),
			 "hide: the real MSI capability is unchanged\n");
}

int main(void)
{
	uint8_t real[IMAGE_LEN];
	char bdf[VFIO_BDF_LEN];
	uint16_t lib_flags = 0;
	struct vfio_dev dev;
	bool loaded;
	int msi, ret;

	ksft_print_header();
	ksft_set_plan(TESTS);
	vfio_test_driver_require_edu(bdf);
	if (vfio_driver_is_stock())
		ksft_exit_skip("the variant driver needs our vfio-pci-core\n");

	/* What the library shows, and what the device really has */
	if (vfio_open(&dev, bdf))
		ksft_exit_fail_msg("open %s\n", bdf);
	msi = vfio_find_cap(&dev, PCI_CAP_ID_MSI);
	if (msi > 0)
		vfio_cfg_read16(&dev, msi + PCI_MSI_FLAGS, &lib_flags);
	vfio_close(&dev);
	if (msi <= 0)
		ksft_exit_skip("edu has no MSI capability\n");
	ksft_test_result(!vfio_sysfs_config_read(bdf, msi, real, sizeof(real)),
			 "library: MSI at 0x%x, flags 0x%04x\n", msi, lib_flags);

	if (vfio_test_driver_load("", &loaded))
		ksft_exit_fail_msg("cannot load vfio_test_driver (is it built?)\n");
	test_image(bdf, msi, lib_flags, real);
	test_hide(bdf, msi, real);

	ret = vfio_test_driver_param("cap_handler", "0") ?:
	      vfio_bind(bdf, "vfio-pci");
	if (!ret && loaded)
		ret = vfio_test_driver_unload();
	ksft_test_result(!ret, "%s back on vfio-pci (%d)\n", bdf, ret);
	ksft_finished();
}
