// SPDX-License-Identifier: GPL-2.0-only
/*
 * Crafted objects for vfio_override_check, compiled with -DCASE_x: each
 * lays out an ID table and .modinfo strings the way a built module does.
 */
#include <stdint.h>

typedef uint32_t u32;

struct pci_device_id {
	u32 vendor, device, subvendor, subdevice, class, class_mask;
	unsigned long driver_data;
	u32 override_only;
};

#define __used			__attribute__((__used__))
#define __section(s)		__attribute__((__section__(s)))

#define ANY 0xffffffff
#define ID(v, d, flag) { v, d, ANY, ANY, 0, 0, 0, flag }
#define MODINFO(tag, s) \
	static const char tag[] __used __section(".modinfo") = s

#if defined(CASE_good)
const struct pci_device_id __mod_pci__ids_device_table[] = {
	ID(0x1234, 0x11e8, 1), ID(ANY, ANY, 1), { }
};

MODINFO(a1, "alias=vfio_pci:v00001234d000011E8sv*sd*bc*sc*i*");
MODINFO(a2, "alias=vfio_pci:v*d*sv*sd*bc*sc*i*");
MODINFO(l, "license=GPL");
#elif defined(CASE_library)
MODINFO(l, "license=GPL");
int exported_function(void) { return 0; }
#elif defined(CASE_bad_flag)
const struct pci_device_id __mod_pci__ids_device_table[] = {
	ID(0x1234, 0x11e8, 1), ID(0x1234, 0x11e9, 0), { }
};

MODINFO(a1, "alias=vfio_pci:v00001234d000011E8sv*sd*bc*sc*i*");
#elif defined(CASE_bad_value)
const struct pci_device_id __mod_pci__ids_device_table[] = { ID(0x1234, 0x11e8, 2), { } };
#elif defined(CASE_bad_alias)
const struct pci_device_id __mod_pci__ids_device_table[] = { ID(0x1234, 0x11e8, 1), { } };

MODINFO(a1, "alias=pci:v00001234d000011E8sv*sd*bc*sc*i*");
#elif defined(CASE_after_terminator)
const struct pci_device_id __mod_pci__ids_device_table[] = {
	ID(0x1234, 0x11e8, 1), { }, ID(0x1234, 0x11e9, 0)
};
#elif defined(CASE_no_terminator)
const struct pci_device_id __mod_pci__ids_device_table[] = { ID(0x1234, 0x11e8, 1) };
#elif defined(CASE_bad_size)
const u32 __mod_pci__ids_device_table[9] = { 0x1234, 0x11e8 };
#elif defined(CASE_other_table)
const u32 __mod_of__ids_device_table[8] = { 0x1234 };
#endif
