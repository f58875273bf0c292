// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_override_check: fail the build when a VFIO driver module could be
 * auto-loaded or auto-bound by the kernel.
 *
 * A VFIO PCI driver must only ever be bound through driver_override: every
 * entry of its PCI ID table carries PCI_ID_F_VFIO_DRIVER_OVERRIDE, which
 * makes the PCI core skip the entry unless driver_override names the
 * driver, and makes modpost advertise it as a "vfio_pci:" alias instead of
 * a "pci:" one. A variant driver that forgets the flag steals devices from
 * their native drivers at boot. This reads each module the way modpost
 * does: the __mod_pci__<name>_device_table symbol of its ELF symbol table
 * gives the ID table, and the alias= strings of .modinfo the aliases.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/elf.h>

/*
 * struct pci_device_id of include/linux/mod_devicetable.h on a 64-bit
 * kernel (kernel_ulong_t is 64 bits wide there):
 *	__u32 vendor, device, subvendor, subdevice, class, class_mask;
 *	kernel_ulong_t driver_data;
 *	__u32 override_only;
 * padded to the 8-byte alignment of driver_data.
 */
#define PCI_ID_SIZE		40
#define PCI_ID_OFF_VENDOR	0
#define PCI_ID_OFF_DEVICE	4
#define PCI_ID_OFF_SUBVENDOR	8
#define PCI_ID_OFF_SUBDEVICE	12
#define PCI_ID_OFF_CLASS	16
#define PCI_ID_OFF_CLASS_MASK	20
#define PCI_ID_OFF_OVERRIDE	32
#define PCI_ID_F_VFIO_DRIVER_OVERRIDE	1

#define __printf(a, b)	__attribute__((format(printf, a, b)))

typedef uint32_t u32;
typedef uint64_t u64;

#define TABLE_PREFIX	"__mod_"
#define TABLE_SUFFIX	"_device_table"
#define PCI_TABLE	"__mod_pci__"
#define VFIO_ALIAS	"alias=vfio_pci:"

struct elf_file {
	const char *path;
	unsigned char *data;
	size_t size;
	const struct elf64_hdr *eh;
	const struct elf64_shdr *sh;
	unsigned int shnum;
	int errors;
	bool verbose;
};

static __printf(2, 3) void problem(struct elf_file *f, const char *fmt, ...);

static void problem(struct elf_file *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", f->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	f->errors++;
}

static u32 get_u32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static int read_file(struct elf_file *f)
{
	FILE *fp = fopen(f->path, "rb");
	long len;

	if (!fp)
		return -errno;
	len = fseek(fp, 0, SEEK_END) ? -1 : ftell(fp);
	if (len < 0 || fseek(fp, 0, SEEK_SET)) {
		fclose(fp);
		return -EIO;
	}
	f->size = len;
	f->data = malloc(f->size ? f->size : 1);
	if (!f->data) {
		fclose(fp);
		return -ENOMEM;
	}
	if (fread(f->data, 1, f->size, fp) != f->size) {
		fclose(fp);
		return -EIO;
	}
	fclose(fp);
	return 0;
}

static bool in_file(const struct elf_file *f, u64 off, u64 len)
{
	return off <= f->size && len <= f->size - off;
}

/* Only what the rest of the checks rely on is validated, but all of it. */
static const char *check_headers(struct elf_file *f)
{
	const struct elf64_hdr *eh = (const struct elf64_hdr *)f->data;

	if (f->size < EI_NIDENT || memcmp(f->data, ELFMAG, SELFMAG))
		return "not an ELF file";
	if (f->data[EI_CLASS] != ELFCLASS64)
		return "not a 64-bit ELF file (struct pci_device_id layout unknown)";
	if (f->data[EI_DATA] != ELFDATA2LSB)
		return "not a little-endian ELF file";
	if (f->size < sizeof(*eh))
		return "truncated ELF header";
	if (eh->e_type != ET_REL)
		return "not a relocatable object (a .ko is ET_REL)";
	if (eh->e_shentsize != sizeof(struct elf64_shdr) || !eh->e_shnum)
		return "no usable section header table";
	if (!in_file(f, eh->e_shoff, (u64)eh->e_shnum * sizeof(struct elf64_shdr)))
		return "section header table beyond the end of the file";
	if (eh->e_shoff % 8)
		return "misaligned section header table";
	f->eh = eh;
	f->sh = (const struct elf64_shdr *)(f->data + eh->e_shoff);
	f->shnum = eh->e_shnum;
	return NULL;
}

static const unsigned char *section_data(struct elf_file *f, unsigned int i)
{
	const struct elf64_shdr *s = &f->sh[i];

	if (s->sh_type == SHT_NOBITS || !in_file(f, s->sh_offset, s->sh_size))
		return NULL;
	return f->data + s->sh_offset;
}

static const char *string_at(struct elf_file *f, unsigned int strtab,
			     u32 off)
{
	const char *base = (const char *)section_data(f, strtab);
	u64 size = f->sh[strtab].sh_size;

	if (!base || off >= size || !memchr(base + off, '\0', size - off))
		return NULL;
	return base + off;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static void check_pci_table(struct elf_file *f, const char *name,
			    const struct elf64_sym *sym)
{
	const unsigned char *data, *e;
	static const unsigned char zero[PCI_ID_SIZE];
	u64 i, n;
	bool terminated = false;

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= f->shnum) {
		problem(f, "%s is not defined in a section", name);
		return;
	}
	data = section_data(f, sym->st_shndx);
	if (!data || sym->st_value > f->sh[sym->st_shndx].sh_size ||
	    sym->st_size > f->sh[sym->st_shndx].sh_size - sym->st_value) {
		problem(f, "%s lies outside its section's data", name);
		return;
	}
	if (!sym->st_size || sym->st_size % PCI_ID_SIZE) {
		problem(f, "%s is %llu bytes, not a multiple of sizeof(struct pci_device_id) = %d",
			name, (unsigned long long)sym->st_size, PCI_ID_SIZE);
		return;
	}
	data += sym->st_value;
	n = sym->st_size / PCI_ID_SIZE;
	for (i = 0; i < n; i++) {
		u32 flags;

		e = data + i * PCI_ID_SIZE;
		if (!memcmp(e, zero, PCI_ID_SIZE)) {
			terminated = true;
			break;
		}
		flags = get_u32(e + PCI_ID_OFF_OVERRIDE);
		if (flags != PCI_ID_F_VFIO_DRIVER_OVERRIDE)
			problem(f,
				"%s[%llu] (vendor 0x%04x device 0x%04x subvendor 0x%04x subdevice 0x%04x class 0x%06x/0x%06x): override_only is %u, not PCI_ID_F_VFIO_DRIVER_OVERRIDE; the kernel would auto-bind it (use PCI_DRIVER_OVERRIDE_DEVICE_VFIO())",
				name, (unsigned long long)i,
				get_u32(e + PCI_ID_OFF_VENDOR),
				get_u32(e + PCI_ID_OFF_DEVICE),
				get_u32(e + PCI_ID_OFF_SUBVENDOR),
				get_u32(e + PCI_ID_OFF_SUBDEVICE),
				get_u32(e + PCI_ID_OFF_CLASS),
				get_u32(e + PCI_ID_OFF_CLASS_MASK), flags);
	}
	if (!terminated)
		problem(f, "%s has no all-zero terminating entry", name);
	else if (f->verbose)
		printf("%s: %s: %llu override-only entries\n", f->path, name,
		       (unsigned long long)i);
}

static void check_symbols(struct elf_file *f)
{
	unsigned int i;
	u64 j, n;

	for (i = 0; i < f->shnum; i++) {
		const struct elf64_shdr *s = &f->sh[i];
		const struct elf64_sym *syms;

		if (s->sh_type != SHT_SYMTAB)
			continue;
		syms = (const struct elf64_sym *)section_data(f, i);
		if (!syms || s->sh_entsize != sizeof(struct elf64_sym) ||
		    s->sh_link >= f->shnum || s->sh_offset % 8) {
			problem(f, "malformed symbol table (section %u)", i);
			continue;
		}
		n = s->sh_size / sizeof(struct elf64_sym);
		for (j = 0; j < n; j++) {
			const char *name = string_at(f, s->sh_link,
						     syms[j].st_name);

			if (!name || strncmp(name, TABLE_PREFIX,
					     strlen(TABLE_PREFIX)) ||
			    !has_suffix(name, TABLE_SUFFIX))
				continue;
			if (!strncmp(name, PCI_TABLE, strlen(PCI_TABLE)))
				check_pci_table(f, name, &syms[j]);
			else
				problem(f,
					"%s: a VFIO driver must not carry a device table the kernel auto-loads from",
					name);
		}
	}
}

static void check_modinfo(struct elf_file *f)
{
	const char *shstr, *p, *end;
	unsigned int i, aliases = 0;

	if (f->eh->e_shstrndx >= f->shnum) {
		problem(f, "no section name table");
		return;
	}
	for (i = 0; i < f->shnum; i++) {
		shstr = string_at(f, f->eh->e_shstrndx, f->sh[i].sh_name);
		if (!shstr || strcmp(shstr, ".modinfo"))
			continue;
		p = (const char *)section_data(f, i);
		if (!p) {
			problem(f, ".modinfo lies outside the file");
			return;
		}
		end = p + f->sh[i].sh_size;
		while (p < end) {
			size_t len = strnlen(p, end - p);

			if (!strncmp(p, "alias=", 6) && (size_t)(end - p) > 6) {
				aliases++;
				if (strncmp(p, VFIO_ALIAS, strlen(VFIO_ALIAS)))
					problem(f,
						"modinfo '%.*s' is not a vfio_pci: alias; the module would be auto-loaded",
						(int)len, p);
			}
			p += len + 1;
		}
	}
	if (f->verbose)
		printf("%s: %u alias(es) checked\n", f->path, aliases);
}

static int check_file(const char *path, bool verbose)
{
	struct elf_file f = { .path = path, .verbose = verbose };
	const char *err;
	int ret;

	ret = read_file(&f);
	if (ret) {
		fprintf(stderr, "%s: error: cannot read: %s\n", path,
			strerror(-ret));
		free(f.data);
		return 2;
	}
	err = check_headers(&f);
	if (err) {
		fprintf(stderr, "%s: error: %s\n", path, err);
		free(f.data);
		return 2;
	}
	check_symbols(&f);
	check_modinfo(&f);
	free(f.data);
	if (f.errors)
		return 1;
	if (verbose)
		printf("%s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	bool verbose = false;
	int i, ret = 0, r;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = true;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr,
			"usage: vfio_override_check [-v] MODULE.ko...\n"
			"Fails (exit 1) if a PCI ID entry lacks PCI_ID_F_VFIO_DRIVER_OVERRIDE\n"
			"or an alias is not a vfio_pci: one; exit 2 on unreadable input.\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		r = check_file(argv[i], verbose);
		if (r > ret)
			ret = r;
	}
	return ret;
}
