// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-bind's sysfs layer: a PCI device's modalias, driver, driver_override
 * and IOMMU group, and the writes that move a device between drivers.
 * Under --dry-run writes are only reported.
 */
#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfio_bind.h"

void __printf(4, 5)
sys_path(const struct ctx *c, char *buf, size_t size, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(buf, size, "%s/", c->sysfs);
	va_start(ap, fmt);
	if (n < size)
		vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

int read_attr(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/* A sysfs write; in dry-run mode it is only reported. */
int write_attr(struct ctx *c, const char *path, const char *val)
{
	ssize_t n;
	int fd;

	if (c->dry_run) {
		note(c, "would write '%s' to %s", *val == '\n' ? "\\n" : val,
		     path);
		return 0;
	}
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

int link_name(const char *path, char *buf, size_t size)
{
	char tmp[PATH_MAX];
	ssize_t n;

	n = readlink(path, tmp, sizeof(tmp) - 1);
	if (n < 0)
		return -errno;
	tmp[n] = '\0';
	copy_str(buf, size, basename(tmp));
	return 0;
}

int normalize_bdf(const char *in, char *out, size_t size)
{
	unsigned int dom = 0, bus, dev, fn;
	char tail;

	if (sscanf(in, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(in, "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3)
			return -EINVAL;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, size, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

int dev_load(struct ctx *c, const char *bdf, struct pci_dev *d)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	memset(d, 0, sizeof(*d));
	if (normalize_bdf(bdf, d->bdf, sizeof(d->bdf)))
		return fail(c, EX_USAGE, "'%s' is not a PCI address (DDDD:BB:DD.F)",
			    bdf);
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s", d->bdf);
	if (stat(path, &st))
		return fail(c, EX_NODEV, "no such PCI device: %s", d->bdf);
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/modalias", d->bdf);
	ret = read_attr(path, d->modalias, sizeof(d->modalias));
	if (ret)
		return fail(c, errno_code(-ret), "cannot read %s: %s", path,
			    strerror(-ret));
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver", d->bdf);
	link_name(path, d->driver, sizeof(d->driver));
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver_override",
		 d->bdf);
	if (!read_attr(path, d->override, sizeof(d->override)) &&
	    !strcmp(d->override, "(null)"))
		d->override[0] = '\0';
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/iommu_group",
		 d->bdf);
	link_name(path, d->group, sizeof(d->group));
	return 0;
}

int current_driver(struct ctx *c, const char *bdf, char *buf,
		   size_t size)
{
	char path[PATH_MAX];

	buf[0] = '\0';
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver", bdf);
	return link_name(path, buf, size);
}

int unbind_current(struct ctx *c, const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	if (!*driver)
		return 0;
	note(c, "unbinding %s from %s", bdf, driver);
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver/unbind", bdf);
	return write_attr(c, path, bdf);
}

int set_override(struct ctx *c, const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver_override",
		 bdf);
	/* a lone newline is how driver_override is cleared */
	return write_attr(c, path, *driver ? driver : "\n");
}

int probe(struct ctx *c, const char *bdf)
{
	char path[PATH_MAX];

	sys_path(c, path, sizeof(path), "bus/pci/drivers_probe");
	return write_attr(c, path, bdf);
}
