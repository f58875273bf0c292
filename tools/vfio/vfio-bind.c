// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-bind: bind a PCI device to the VFIO driver that serves it best.
 *
 * Every VFIO PCI driver advertises its ID table in modules.alias with a
 * "vfio_pci:" prefix; the kernel never auto-binds those entries, so the
 * choice is made here, by the ranking of vfio_alias.c, and carried out
 * through driver_override. See vfio-bind.8 for the interface.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>

#include "vfio_alias.h"

#define __printf(a, b) __attribute__((format(printf, a, b)))

enum exit_code {
	EX_OK = 0,
	EX_FAIL = 1,		/* I/O error, unreadable alias or state file */
	EX_USAGE = 2,
	EX_NODEV = 3,		/* no such PCI device */
	EX_NOGROUP = 4,		/* the device has no IOMMU group */
	EX_GROUP = 5,		/* the IOMMU group is not viable */
	EX_NOMATCH = 6,		/* no VFIO driver matches the device */
	EX_MODULE = 7,		/* the chosen module failed to load */
	EX_PROBE = 8,		/* the driver refused the device */
	EX_PERM = 9,		/* permission denied */
};

static const char * const exit_kind[] = {
	[EX_OK] = "ok",
	[EX_FAIL] = "failure",
	[EX_USAGE] = "usage",
	[EX_NODEV] = "no-such-device",
	[EX_NOGROUP] = "no-iommu-group",
	[EX_GROUP] = "group-not-viable",
	[EX_NOMATCH] = "no-matching-driver",
	[EX_MODULE] = "module-load-failed",
	[EX_PROBE] = "probe-refused",
	[EX_PERM] = "permission-denied",
};

#define MAX_LOG		128
#define MAX_ATTEMPTS	32
#define MAX_GROUP	64
#define NAME_LEN	128

struct attempt {
	char bdf[32];
	char module[NAME_LEN];
	char driver[NAME_LEN];
	const char *result;
};

struct ctx {
	const char *alias_file;
	const char *module_dir;
	const char *state_dir;
	const char *sysfs;
	const char *want_driver;
	bool dry_run;
	bool json;
	bool group;

	const char *command;
	char bdf[32];
	struct vfio_alias_db db;
	struct kmod_ctx *kmod;

	/* the outcome, printed as JSON at exit */
	const char *status;
	char module[NAME_LEN];
	char driver[NAME_LEN];
	char prev_driver[NAME_LEN];
	struct attempt attempts[MAX_ATTEMPTS];
	unsigned int nr_attempts;
	char moved[MAX_GROUP][32];
	unsigned int nr_moved;
	char *log[MAX_LOG];
	unsigned int nr_log;
	int err;
	char errmsg[512];
};

struct pci_dev {
	char bdf[32];
	char modalias[256];
	char driver[NAME_LEN];
	char override[NAME_LEN];
	char group[32];
};

struct state {
	char driver[NAME_LEN];
	char override[NAME_LEN];
	char bound[NAME_LEN];
	char module[NAME_LEN];
	char leader[32];
	char moved[MAX_GROUP][32];
	unsigned int nr_moved;
};

/* Progress messages: printed as they happen, or collected for JSON. */
static void __printf(2, 3)
note(struct ctx *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!c->json) {
		printf("%s%s\n", c->dry_run ? "[dry-run] " : "", buf);
		fflush(stdout);
	} else if (c->nr_log < MAX_LOG) {
		c->log[c->nr_log] = strdup(buf);
		if (c->log[c->nr_log])
			c->nr_log++;
	}
}

static int __printf(3, 4)
fail(struct ctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	c->err = code;
	c->status = "error";
	return code;
}

static int errno_code(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ? EX_PERM : EX_FAIL;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void __printf(4, 5)
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

static int read_attr(const char *path, char *buf, size_t size)
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
static int write_attr(struct ctx *c, const char *path, const char *val)
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

static int link_name(const char *path, char *buf, size_t size)
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

static int normalize_bdf(const char *in, char *out, size_t size)
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

static int dev_load(struct ctx *c, const char *bdf, struct pci_dev *d)
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

static int load_aliases(struct ctx *c)
{
	int ret;

	if (c->db.aliases || c->db.malformed)
		return 0;
	ret = vfio_alias_db_load_file(&c->db, c->alias_file);
	if (ret)
		return fail(c, errno_code(-ret), "cannot read alias file %s: %s",
			    c->alias_file, strerror(-ret));
	if (c->db.malformed)
		fprintf(stderr,
			"vfio-bind: warning: %s: %u malformed line(s) ignored, first at line %u\n",
			c->alias_file, c->db.malformed,
			c->db.first_malformed_line);
	return 0;
}

static void module_sysfs_name(const char *module, char *buf, size_t size)
{
	char *p;

	copy_str(buf, size, module);
	for (p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* The PCI driver a loaded module registers, from /sys/module/M/drivers. */
static int module_driver(struct ctx *c, const char *module, char *buf,
			 size_t size)
{
	char path[PATH_MAX], name[NAME_LEN];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	module_sysfs_name(module, name, sizeof(name));
	sys_path(c, path, sizeof(path), "module/%s", name);
	if (access(path, F_OK))
		return -ENOENT;
	sys_path(c, path, sizeof(path), "module/%s/drivers", name);
	dir = opendir(path);
	if (!dir)
		return -ENODEV;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, "pci:", 4)) {
			copy_str(buf, size, de->d_name + 4);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret ? -ENODEV : 0;
}

static bool module_loaded(struct ctx *c, const char *module)
{
	char path[PATH_MAX], name[NAME_LEN];

	module_sysfs_name(module, name, sizeof(name));
	sys_path(c, path, sizeof(path), "module/%s/initstate", name);
	return !access(path, F_OK);
}

/* Load @module and what it depends on, as modprobe would. */
static int load_module(struct ctx *c, const char *module)
{
	struct kmod_module *mod;
	int ret;

	if (module_loaded(c, module))
		return 0;
	if (c->dry_run) {
		note(c, "would load module %s with its dependencies", module);
		return 0;
	}
	if (!c->kmod) {
		c->kmod = kmod_new(c->module_dir, NULL);
		if (!c->kmod)
			return -ENOMEM;
		/* failures are reported by vfio-bind itself, with context */
		kmod_set_log_priority(c->kmod, LOG_CRIT);
	}
	ret = kmod_module_new_from_name(c->kmod, module, &mod);
	if (ret)
		return ret;
	note(c, "loading module %s", module);
	ret = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
	kmod_module_unref(mod);
	if (ret > 0)
		ret = -EPERM;
	return ret;
}

/* Drivers that take DMA ownership cooperatively, so that VFIO can use a group */
static bool driver_is_viable(struct ctx *c, const char *driver)
{
	char path[PATH_MAX], mod[NAME_LEN];
	size_t i;

	if (!*driver || !strcmp(driver, "vfio-pci") ||
	    !strcmp(driver, "pci-stub") || !strcmp(driver, "pcieport"))
		return true;
	sys_path(c, path, sizeof(path), "bus/pci/drivers/%s/module", driver);
	if (link_name(path, mod, sizeof(mod)))
		return false;
	sys_path(c, path, sizeof(path), "module/vfio_pci_core/holders/%s", mod);
	if (!access(path, F_OK))
		return true;
	for (i = 0; i < c->db.count; i++)
		if (vfio_module_name_eq(c->db.aliases[i].module, mod))
			return true;
	return false;
}

/* Collects the other members of the group that a VFIO user would trip on. */
static int group_blockers(struct ctx *c, const struct pci_dev *d,
			  char blockers[][32], unsigned int *nr,
			  char *desc, size_t desc_size)
{
	char path[PATH_MAX], drv[NAME_LEN];
	struct dirent *de;
	size_t len = 0;
	DIR *dir;

	*nr = 0;
	desc[0] = '\0';
	if (!*d->group)
		return fail(c, EX_NOGROUP,
			    "%s has no IOMMU group (is the IOMMU enabled, e.g. intel_iommu=on?)",
			    d->bdf);
	sys_path(c, path, sizeof(path), "kernel/iommu_groups/%s/devices",
		 d->group);
	dir = opendir(path);
	if (!dir)
		return fail(c, errno_code(errno), "cannot list %s: %s", path,
			    strerror(errno));
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, d->bdf))
			continue;
		sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver",
			 de->d_name);
		drv[0] = '\0';
		link_name(path, drv, sizeof(drv));
		if (driver_is_viable(c, drv) || *nr >= MAX_GROUP)
			continue;
		copy_str(blockers[*nr], 32, de->d_name);
		(*nr)++;
		if (len < desc_size)
			len += snprintf(desc + len, desc_size - len, "%s%s (%s)",
					len ? ", " : "", de->d_name, drv);
	}
	closedir(dir);
	return 0;
}

static void state_path(const struct ctx *c, const char *bdf, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%s/%s", c->state_dir, bdf);
}

static int state_read(const struct ctx *c, const char *bdf, struct state *s)
{
	char path[PATH_MAX], *line = NULL, *val;
	size_t len = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	state_path(c, bdf, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &len, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		val = strchr(line, '=');
		if (!val)
			continue;
		*val++ = '\0';
		if (!strcmp(line, "driver"))
			copy_str(s->driver, sizeof(s->driver), val);
		else if (!strcmp(line, "override"))
			copy_str(s->override, sizeof(s->override), val);
		else if (!strcmp(line, "bound"))
			copy_str(s->bound, sizeof(s->bound), val);
		else if (!strcmp(line, "module"))
			copy_str(s->module, sizeof(s->module), val);
		else if (!strcmp(line, "leader"))
			copy_str(s->leader, sizeof(s->leader), val);
		else if (!strcmp(line, "moved") && s->nr_moved < MAX_GROUP)
			copy_str(s->moved[s->nr_moved++], 32, val);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Written to a temporary file and renamed, so a reader never sees half. */
static int state_write(struct ctx *c, const char *bdf, const struct state *s)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	unsigned int i;
	FILE *f;

	if (c->dry_run) {
		state_path(c, bdf, path, sizeof(path));
		note(c, "would record the previous driver '%s' in %s",
		     s->driver, path);
		return 0;
	}
	if (mkdir(c->state_dir, 0755) && errno != EEXIST)
		return -errno;
	state_path(c, bdf, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "driver=%s\noverride=%s\nbound=%s\nmodule=%s\n", s->driver,
		s->override, s->bound, s->module);
	if (*s->leader)
		fprintf(f, "leader=%s\n", s->leader);
	for (i = 0; i < s->nr_moved; i++)
		fprintf(f, "moved=%s\n", s->moved[i]);
	if (fclose(f) || rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

static void state_remove(struct ctx *c, const char *bdf)
{
	char path[PATH_MAX];

	state_path(c, bdf, path, sizeof(path));
	if (c->dry_run)
		note(c, "would remove %s", path);
	else
		unlink(path);
}

static int current_driver(struct ctx *c, const char *bdf, char *buf,
			  size_t size)
{
	char path[PATH_MAX];

	buf[0] = '\0';
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver", bdf);
	return link_name(path, buf, size);
}

static int unbind_current(struct ctx *c, const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	if (!*driver)
		return 0;
	note(c, "unbinding %s from %s", bdf, driver);
	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver/unbind", bdf);
	return write_attr(c, path, bdf);
}

static int set_override(struct ctx *c, const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	sys_path(c, path, sizeof(path), "bus/pci/devices/%s/driver_override",
		 bdf);
	/* a lone newline is how driver_override is cleared */
	return write_attr(c, path, *driver ? driver : "\n");
}

static int probe(struct ctx *c, const char *bdf)
{
	char path[PATH_MAX];

	sys_path(c, path, sizeof(path), "bus/pci/drivers_probe");
	return write_attr(c, path, bdf);
}

/*
 * Give the device back to @s->driver with @s->override restored, as
 * recorded before vfio-bind touched it.
 */
static int restore_device(struct ctx *c, const char *bdf,
			  const struct state *s)
{
	char path[PATH_MAX], now[NAME_LEN];
	int ret;

	ret = set_override(c, bdf, s->override);
	if (ret)
		return fail(c, errno_code(-ret),
			    "cannot restore driver_override of %s: %s", bdf,
			    strerror(-ret));
	current_driver(c, bdf, now, sizeof(now));
	if (!strcmp(now, s->driver)) {
		note(c, "%s is bound to %s already", bdf,
		     *now ? now : "no driver");
		return 0;
	}
	ret = unbind_current(c, bdf, now);
	if (ret)
		return fail(c, errno_code(-ret), "cannot unbind %s from %s: %s",
			    bdf, now, strerror(-ret));
	if (!*s->driver) {
		note(c, "%s left without a driver, as it was", bdf);
		return 0;
	}
	note(c, "binding %s back to %s", bdf, s->driver);
	sys_path(c, path, sizeof(path), "bus/pci/drivers/%s/bind", s->driver);
	ret = write_attr(c, path, bdf);
	if (ret && ret != -EBUSY) {
		note(c, "%s/bind failed (%s), asking the PCI core to probe",
		     s->driver, strerror(-ret));
		probe(c, bdf);
	}
	if (c->dry_run)
		return 0;
	current_driver(c, bdf, now, sizeof(now));
	if (strcmp(now, s->driver))
		return fail(c, EX_PROBE,
			    "%s did not take %s back (now bound to %s)",
			    s->driver, bdf, *now ? now : "no driver");
	return 0;
}

static void add_attempt(struct ctx *c, const char *bdf, const char *module,
			const char *driver, const char *result)
{
	struct attempt *a;

	if (c->nr_attempts >= MAX_ATTEMPTS)
		return;
	a = &c->attempts[c->nr_attempts++];
	copy_str(a->bdf, sizeof(a->bdf), bdf);
	copy_str(a->module, sizeof(a->module), module);
	copy_str(a->driver, sizeof(a->driver), driver);
	a->result = result;
}

static int match_device(struct ctx *c, const struct pci_dev *d,
			struct vfio_candidate **cand, size_t *n)
{
	size_t i, j;
	int ret;

	ret = vfio_alias_match(&c->db, d->modalias, cand, n);
	if (ret)
		return fail(c, ret == -ENOMEM ? EX_FAIL : EX_NODEV,
			    "cannot match modalias '%s' of %s", d->modalias,
			    d->bdf);
	if (c->want_driver) {
		for (i = 0, j = 0; i < *n; i++)
			if (vfio_module_name_eq((*cand)[i].module,
						c->want_driver))
				(*cand)[j++] = (*cand)[i];
		*n = j;
		if (!j)
			return fail(c, EX_NOMATCH,
				    "no vfio_pci: alias of module %s in %s matches %s (%s)",
				    c->want_driver, c->alias_file, d->bdf,
				    d->modalias);
	}
	if (!*n)
		return fail(c, EX_NOMATCH,
			    "no VFIO driver in %s matches %s (%s)",
			    c->alias_file, d->bdf, d->modalias);
	return 0;
}

/*
 * Try the candidates in rank order until one binds. The device has no
 * driver when this returns an error, and @c->attempts says why.
 */
static int bind_candidates(struct ctx *c, const struct pci_dev *d,
			   const struct vfio_candidate *cand, size_t n,
			   char *bound, char *bound_module)
{
	char drv[NAME_LEN], now[NAME_LEN];
	int ret, code = EX_NOMATCH;
	bool unbound = false;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *mod = cand[i].module;

		ret = load_module(c, mod);
		if (ret) {
			note(c, "module %s failed to load: %s", mod,
			     strerror(-ret));
			add_attempt(c, d->bdf, mod, "", "module-load-failed");
			code = EX_MODULE;
			continue;
		}
		if (module_driver(c, mod, drv, sizeof(drv))) {
			if (!c->dry_run) {
				note(c, "module %s registers no PCI driver", mod);
				add_attempt(c, d->bdf, mod, "", "no-pci-driver");
				code = EX_MODULE;
				continue;
			}
			/* not loaded yet: by convention, the module's name */
			copy_str(drv, sizeof(drv), mod);
			for (char *p = drv; *p; p++)
				if (*p == '_')
					*p = '-';
		}
		ret = set_override(c, d->bdf, drv);
		if (ret)
			return fail(c, errno_code(-ret),
				    "cannot write driver_override of %s: %s",
				    d->bdf, strerror(-ret));
		if (!unbound) {
			ret = unbind_current(c, d->bdf, d->driver);
			if (ret)
				return fail(c, errno_code(-ret),
					    "cannot unbind %s from %s: %s",
					    d->bdf, d->driver, strerror(-ret));
			unbound = true;
		}
		note(c, "probing %s with %s (module %s, pattern %s)", d->bdf,
		     drv, mod, cand[i].pattern);
		ret = probe(c, d->bdf);
		if (c->dry_run) {
			add_attempt(c, d->bdf, mod, drv, "would-bind");
			copy_str(bound, NAME_LEN, drv);
			copy_str(bound_module, NAME_LEN, mod);
			return 0;
		}
		current_driver(c, d->bdf, now, sizeof(now));
		if (!strcmp(now, drv)) {
			add_attempt(c, d->bdf, mod, drv, "bound");
			copy_str(bound, NAME_LEN, drv);
			copy_str(bound_module, NAME_LEN, mod);
			return 0;
		}
		note(c, "%s refused %s%s%s (see the kernel log)", drv, d->bdf,
		     ret ? ": " : "", ret ? strerror(-ret) : "");
		add_attempt(c, d->bdf, mod, drv, "probe-refused");
		code = EX_PROBE;
	}
	return fail(c, code, "no VFIO driver took %s: %s", d->bdf,
		    code == EX_PROBE ? "the last candidate refused it at probe" :
		    "the last candidate's module failed to load");
}

static bool already_bound(struct ctx *c, const struct pci_dev *d,
			  const struct vfio_candidate *cand, size_t n,
			  bool have_state)
{
	char drv[NAME_LEN];
	size_t i;

	if (!*d->driver)
		return false;
	for (i = 0; i < n; i++) {
		if (i && !have_state)
			break;
		if (!module_driver(c, cand[i].module, drv, sizeof(drv)) &&
		    !strcmp(drv, d->driver)) {
			copy_str(c->driver, sizeof(c->driver), drv);
			copy_str(c->module, sizeof(c->module), cand[i].module);
			return true;
		}
	}
	return false;
}

/* Bind one device; @leader is set for the other members of a moved group. */
static int bind_one(struct ctx *c, const char *bdf, const char *leader,
		    char moved[][32], unsigned int *nr_moved)
{
	char blockers[MAX_GROUP][32], desc[1024], path[PATH_MAX];
	char bound[NAME_LEN], bound_module[NAME_LEN];
	struct vfio_candidate *cand = NULL;
	struct state st, old;
	unsigned int nb = 0, i, first_attempt;
	bool have_state;
	struct pci_dev d;
	size_t n;
	int ret;

	ret = dev_load(c, bdf, &d);
	if (ret)
		return ret;
	ret = match_device(c, &d, &cand, &n);
	if (ret)
		goto out;
	have_state = !state_read(c, d.bdf, &old);
	if (already_bound(c, &d, cand, n, have_state)) {
		note(c, "%s is already bound to %s (module %s): nothing to do",
		     d.bdf, c->driver, c->module);
		c->status = "already-bound";
		copy_str(c->prev_driver, sizeof(c->prev_driver),
			 have_state ? old.driver : d.driver);
		goto out;
	}
	if (!leader) {
		ret = group_blockers(c, &d, blockers, &nb, desc, sizeof(desc));
		if (ret)
			goto out;
		if (nb && !c->group) {
			ret = fail(c, EX_GROUP,
				   "IOMMU group %s of %s is not viable: %s bound to non-VFIO drivers (use --group to move the whole group)",
				   d.group, d.bdf, desc);
			goto out;
		}
	}
	if (!c->dry_run) {
		sys_path(c, path, sizeof(path),
			 "bus/pci/devices/%s/driver_override", d.bdf);
		if (access(path, W_OK)) {
			ret = fail(c, errno_code(errno), "cannot write %s: %s",
				   path, strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < nb; i++) {
		note(c, "moving %s of IOMMU group %s along", blockers[i],
		     d.group);
		ret = bind_one(c, blockers[i], d.bdf, moved, nr_moved);
		if (ret)
			goto undo_group;
		copy_str(moved[(*nr_moved)++], 32, blockers[i]);
	}

	memset(&st, 0, sizeof(st));
	if (have_state) {
		/* keep the driver of before the first bind, not an earlier choice */
		copy_str(st.driver, sizeof(st.driver), old.driver);
		copy_str(st.override, sizeof(st.override), old.override);
	} else {
		copy_str(st.driver, sizeof(st.driver), d.driver);
		copy_str(st.override, sizeof(st.override), d.override);
	}
	copy_str(st.leader, sizeof(st.leader), leader);
	if (!leader) {
		for (i = 0; i < *nr_moved; i++)
			copy_str(st.moved[i], 32, moved[i]);
		st.nr_moved = *nr_moved;
	}
	if (!leader)
		copy_str(c->prev_driver, sizeof(c->prev_driver), st.driver);
	ret = state_write(c, d.bdf, &st);
	if (ret) {
		ret = fail(c, errno_code(-ret), "cannot record state in %s: %s",
			   c->state_dir, strerror(-ret));
		goto undo_group;
	}
	first_attempt = c->nr_attempts;
	ret = bind_candidates(c, &d, cand, n, bound, bound_module);
	if (ret) {
		char msg[sizeof(c->errmsg)];

		copy_str(msg, sizeof(msg), c->errmsg);
		note(c, "putting %s back to %s", d.bdf,
		     *st.driver ? st.driver : "no driver");
		restore_device(c, d.bdf, &st);
		if (!have_state)
			state_remove(c, d.bdf);
		fail(c, ret, "%s", msg);
		goto undo_group;
	}
	copy_str(st.bound, sizeof(st.bound), bound);
	copy_str(st.module, sizeof(st.module), bound_module);
	if (!c->dry_run)
		state_write(c, d.bdf, &st);
	if (!leader) {
		for (i = 0; i < *nr_moved; i++)
			copy_str(c->moved[i], 32, moved[i]);
		c->nr_moved = *nr_moved;
		copy_str(c->driver, sizeof(c->driver), bound);
		copy_str(c->module, sizeof(c->module), bound_module);
		c->status = c->dry_run ? "would-bind" : "bound";
	}
	note(c, "%s %s bound to %s (module %s)%s", d.bdf,
	     c->dry_run ? "would be" : "is now", bound, bound_module,
	     c->nr_attempts - first_attempt > 1 ? " after falling back" : "");
	goto out;

undo_group:
	if (!leader) {
		for (i = 0; i < *nr_moved; i++) {
			struct state ms;

			if (state_read(c, moved[i], &ms))
				continue;
			restore_device(c, moved[i], &ms);
			state_remove(c, moved[i]);
		}
		*nr_moved = 0;
	}
out:
	free(cand);
	return ret;
}

/*
 * Serialises vfio-bind runs that change bindings: two of them interleaving
 * their driver_override writes and probes would record each other's choice
 * as the previous driver. The lock goes with the process.
 */
static int lock_state(struct ctx *c)
{
	char path[PATH_MAX];
	int fd;

	if (c->dry_run)
		return 0;
	if (mkdir(c->state_dir, 0755) && errno != EEXIST)
		return fail(c, errno_code(errno), "cannot create %s: %s",
			    c->state_dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/.lock", c->state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX))
		return fail(c, errno_code(errno), "cannot lock %s: %s", path,
			    strerror(errno));
	return 0;
}

static int cmd_bind(struct ctx *c, const char *bdf)
{
	char moved[MAX_GROUP][32];
	unsigned int nr_moved = 0;
	int ret;

	ret = load_aliases(c);
	if (!ret)
		ret = lock_state(c);
	if (ret)
		return ret;
	return bind_one(c, bdf, NULL, moved, &nr_moved);
}

static int cmd_restore(struct ctx *c, const char *bdf)
{
	struct state st;
	struct pci_dev d;
	unsigned int i;
	int ret;

	ret = dev_load(c, bdf, &d);
	if (!ret)
		ret = lock_state(c);
	if (ret)
		return ret;
	if (state_read(c, d.bdf, &st)) {
		if (!*d.override) {
			note(c, "%s: no binding recorded, no driver_override: nothing to do",
			     d.bdf);
			c->status = "nothing-to-restore";
			copy_str(c->driver, sizeof(c->driver), d.driver);
			return 0;
		}
		note(c, "%s: no binding recorded in %s; clearing driver_override",
		     d.bdf, c->state_dir);
		ret = set_override(c, d.bdf, "");
		if (!ret)
			ret = unbind_current(c, d.bdf, d.driver);
		if (!ret)
			ret = probe(c, d.bdf);
		if (ret)
			return fail(c, errno_code(-ret), "cannot reset %s: %s",
				    d.bdf, strerror(-ret));
		current_driver(c, d.bdf, c->driver, sizeof(c->driver));
		c->status = c->dry_run ? "would-restore" : "restored";
		return 0;
	}
	if (*st.leader)
		note(c, "%s was moved along with %s; restoring it alone",
		     d.bdf, st.leader);
	copy_str(c->prev_driver, sizeof(c->prev_driver), st.driver);
	ret = restore_device(c, d.bdf, &st);
	if (ret)
		return ret;
	state_remove(c, d.bdf);
	for (i = 0; i < st.nr_moved; i++) {
		struct state ms;

		if (state_read(c, st.moved[i], &ms))
			continue;
		note(c, "restoring %s, moved along with %s", st.moved[i],
		     d.bdf);
		ret = restore_device(c, st.moved[i], &ms);
		if (ret)
			return ret;
		state_remove(c, st.moved[i]);
	}
	copy_str(c->driver, sizeof(c->driver), st.driver);
	note(c, "%s %s %s", d.bdf, c->dry_run ? "would be restored to" :
	     "restored to", *st.driver ? st.driver : "no driver");
	c->status = c->dry_run ? "would-restore" : "restored";
	return 0;
}

static void json_str(const char *s)
{
	if (!s || !*s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* Close a JSON array, then the exit code, the error and the object. */
static void json_end(const struct ctx *c, int ret)
{
	printf("],\"exit_code\":%d,\"error\":", ret);
	if (ret) {
		printf("{\"kind\":\"%s\",\"message\":", exit_kind[ret]);
		json_str(c->errmsg);
		putchar('}');
	} else {
		printf("null");
	}
	printf("}\n");
}

static int cmd_list(struct ctx *c, const char *bdf)
{
	struct vfio_candidate *cand = NULL;
	struct pci_dev d;
	size_t n, i;
	int ret;

	ret = dev_load(c, bdf, &d);
	if (ret)
		return ret;
	ret = load_aliases(c);
	if (ret)
		return ret;
	ret = match_device(c, &d, &cand, &n);
	if (ret && ret != EX_NOMATCH)
		return ret;
	if (c->json) {
		printf("{\"command\":\"list\",\"device\":");
		json_str(d.bdf);
		printf(",\"modalias\":");
		json_str(d.modalias);
		printf(",\"driver\":");
		json_str(d.driver);
		printf(",\"driver_override\":");
		json_str(d.override);
		printf(",\"iommu_group\":");
		json_str(d.group);
		printf(",\"alias_file\":");
		json_str(c->alias_file);
		printf(",\"malformed_lines\":%u,\"candidates\":[",
		       c->db.malformed);
		for (i = 0; i < n; i++) {
			printf("%s{\"rank\":%zu,\"module\":", i ? "," : "",
			       i + 1);
			json_str(cand[i].module);
			printf(",\"pattern\":");
			json_str(cand[i].pattern);
			printf(",\"wildcards\":%u,\"literals\":%u,\"chosen\":%s}",
			       cand[i].wildcards, cand[i].literals,
			       i ? "false" : "true");
		}
		json_end(c, ret);
	} else {
		printf("device:          %s\n", d.bdf);
		printf("modalias:        %s\n", d.modalias);
		printf("driver:          %s\n", *d.driver ? d.driver : "(none)");
		printf("driver_override: %s\n",
		       *d.override ? d.override : "(none)");
		printf("iommu group:     %s\n", *d.group ? d.group : "(none)");
		printf("candidates from %s, most specific first:\n",
		       c->alias_file);
		for (i = 0; i < n; i++)
			printf("%c %2zu. %-24s %-48s %u wildcard(s)\n",
			       i ? ' ' : '*', i + 1, cand[i].module,
			       cand[i].pattern, cand[i].wildcards);
		if (!n)
			printf("   (none)\n");
	}
	free(cand);
	return ret;
}

static void print_result(struct ctx *c, int ret)
{
	unsigned int i;

	if (!c->json) {
		if (ret)
			fprintf(stderr, "vfio-bind: error: %s\n", c->errmsg);
		return;
	}
	printf("{\"command\":");
	json_str(c->command);
	printf(",\"device\":");
	json_str(c->bdf);
	printf(",\"dry_run\":%s,\"status\":", c->dry_run ? "true" : "false");
	json_str(c->status ? c->status : (ret ? "error" : "ok"));
	printf(",\"driver\":");
	json_str(c->driver);
	printf(",\"module\":");
	json_str(c->module);
	printf(",\"previous_driver\":");
	json_str(c->prev_driver);
	printf(",\"attempts\":[");
	for (i = 0; i < c->nr_attempts; i++) {
		printf("%s{\"module\":", i ? "," : "");
		json_str(c->attempts[i].module);
		printf(",\"driver\":");
		json_str(c->attempts[i].driver);
		printf(",\"result\":");
		json_str(c->attempts[i].result);
		printf(",\"device\":");
		json_str(c->attempts[i].bdf);
		putchar('}');
	}
	printf("],\"moved\":[");
	for (i = 0; i < c->nr_moved; i++) {
		printf("%s", i ? "," : "");
		json_str(c->moved[i]);
	}
	printf("],\"messages\":[");
	for (i = 0; i < c->nr_log; i++) {
		printf("%s", i ? "," : "");
		json_str(c->log[i]);
	}
	json_end(c, ret);
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: vfio-bind [OPTIONS] list BDF\n"
		"       vfio-bind [OPTIONS] bind BDF [--driver MODULE] [--group]\n"
		"       vfio-bind [OPTIONS] restore|unbind BDF\n"
		"\n"
		"Options:\n"
		"  -d, --driver MODULE   bind to this VFIO driver module only (no fallback)\n"
		"  -g, --group           also move the other devices of the IOMMU group\n"
		"  -n, --dry-run         say what would be done, change nothing\n"
		"  -j, --json            print one JSON object on stdout\n"
		"      --alias-file FILE modules.alias to read (env VFIO_BIND_ALIAS_FILE)\n"
		"      --module-dir DIR  module directory for libkmod (env VFIO_BIND_MODULE_DIR)\n"
		"      --state-dir DIR   where bindings are recorded (env VFIO_BIND_STATE_DIR,\n"
		"                        default /run/vfio-bind)\n"
		"  -h, --help            this text; see vfio-bind(8)\n"
		"\n"
		"Exit codes: 0 ok, 1 failure, 2 usage, 3 no such device, 4 no IOMMU group,\n"
		"5 group not viable, 6 no matching driver, 7 module failed to load,\n"
		"8 probe refused, 9 permission denied.\n");
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "group", no_argument, NULL, 'g' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "alias-file", required_argument, NULL, 'A' },
		{ "module-dir", required_argument, NULL, 'M' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static char default_alias[PATH_MAX];
	static struct ctx c;
	struct utsname uts;
	int opt, ret;

	c.alias_file = getenv("VFIO_BIND_ALIAS_FILE");
	c.module_dir = getenv("VFIO_BIND_MODULE_DIR");
	c.state_dir = env_or("VFIO_BIND_STATE_DIR", "/run/vfio-bind");
	c.sysfs = env_or("VFIO_BIND_SYSFS", "/sys");
	while ((opt = getopt_long(argc, argv, "d:gnjh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			c.want_driver = optarg;
			break;
		case 'g':
			c.group = true;
			break;
		case 'n':
			c.dry_run = true;
			break;
		case 'j':
			c.json = true;
			break;
		case 'A':
			c.alias_file = optarg;
			break;
		case 'M':
			c.module_dir = optarg;
			break;
		case 'S':
			c.state_dir = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return EX_OK;
		default:
			print_usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind != 2) {
		print_usage(stderr);
		return EX_USAGE;
	}
	if (c.module_dir && !*c.module_dir)
		c.module_dir = NULL;
	if (!c.alias_file || !*c.alias_file) {
		if (c.module_dir) {
			snprintf(default_alias, sizeof(default_alias),
				 "%s/modules.alias", c.module_dir);
		} else {
			uname(&uts);
			snprintf(default_alias, sizeof(default_alias),
				 "/lib/modules/%s/modules.alias", uts.release);
		}
		c.alias_file = default_alias;
	}
	c.command = argv[optind];
	copy_str(c.bdf, sizeof(c.bdf), argv[optind + 1]);
	normalize_bdf(argv[optind + 1], c.bdf, sizeof(c.bdf));
	vfio_alias_db_init(&c.db);

	if (!strcmp(c.command, "list")) {
		ret = cmd_list(&c, argv[optind + 1]);
		if (ret && !c.json)
			fprintf(stderr, "vfio-bind: error: %s\n", c.errmsg);
		else if (ret && c.json && ret != EX_NOMATCH)
			print_result(&c, ret);
	} else if (!strcmp(c.command, "bind")) {
		ret = cmd_bind(&c, argv[optind + 1]);
		print_result(&c, ret);
	} else if (!strcmp(c.command, "restore") ||
		   !strcmp(c.command, "unbind")) {
		ret = cmd_restore(&c, argv[optind + 1]);
		print_result(&c, ret);
	} else {
		fprintf(stderr, "vfio-bind: unknown command '%s'\n", c.command);
		print_usage(stderr);
		ret = EX_USAGE;
	}
	if (c.kmod)
		kmod_unref(c.kmod);
	vfio_alias_db_free(&c.db);
	while (c.nr_log)
		free(c.log[--c.nr_log]);
	return ret;
}
