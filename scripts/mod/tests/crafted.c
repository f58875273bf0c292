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
#define __maybe_unused		__attribute__((__unused__))
#define __section(s)		__attribute__((__section__(s)))
#define __alias(s)		__attribute__((__alias__(s)))

#define ANY 0xffffffff
#define ID(v, d, flag) { v, d, ANY, ANY, 0, 0, 0, flag }
#define TABLE(name)						\
	extern typeof(name) __mod_pci__##name##_device_table		\
	__maybe_unused __alias(#name)
#define MODINFO(tag, s) \
	static const char tag[] __used __section(".modinfo") = s

#if defined(CASE_good)
static const struct pci_device_id ids[] = {
	ID(0x1234, 0x11e8, 1), ID(ANY, ANY, 1), { }
};

TABLE(ids);
MODINFO(a1, "alias=vfio_pci:v00001234d000011E8sv*sd*bc*sc*i*");
MODINFO(a2, "alias=vfio_pci:v*d*sv*sd*bc*sc*i*");
MODINFO(l, "license=GPL");
#elif defined(CASE_library)
MODINFO(l, "license=GPL");
int exported_function(void) { return 0; }
#elif defined(CASE_bad_flag)
static const struct pci_device_id ids[] = {
	ID(0x1234, 0x11e8, 1), ID(0x1234, 0x11e9, 0), { }
};

TABLE(ids);
MODINFO(a1, "alias=vfio_pci:v00001234d000011E8sv*sd*bc*sc*i*");
#elif defined(CASE_bad_value)
static const struct pci_device_id ids[] = { ID(0x1234, 0x11e8, 2), { } };

TABLE(ids);
#elif defined(CASE_bad_alias)
static const struct pci_device_id ids[] = { ID(0x1234, 0x11e8, 1), { } };

TABLE(ids);
MODINFO(a1, "alias=pci:v00001234d000011E8sv*sd*bc*sc*i*");
#elif defined(CASE_after_terminator)
static const struct pci_device_id ids[] = {
	ID(0x1234, 0x11e8, 1), { }, ID(0x1234, 0x11e9, 0)
};

TABLE(ids);
#elif defined(CASE_no_terminator)
static const struct pci_device_id ids[] = { ID(0x1234, 0x11e8, 1) };

TABLE(ids);
#elif defined(CASE_bad_size)
static const u32 ids[9] = { 0x1234, 0x11e8 };

TABLE(ids);
#elif defined(CASE_other_table)
static const char ids[32] = "vendor,model";
#define OF_TABLE(name)						\
	extern typeof(name) __mod_of__##name##_device_table		\
	__maybe_unused __alias(#name)
OF_TABLE(ids);
#endif
