// SPDX-License-Identifier: GPL-2.0-only
/*
 * Modules: the alias file, loading a module with its dependencies through
 * libkmod (as modprobe would), and the PCI driver a loaded module registers.
 */
#include <dirent.h>
#include <limits.h>
#include <syslog.h>
#include <unistd.h>
#include <libkmod.h>

#include "vfio_bind.h"

int load_aliases(struct ctx *c)
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
int module_driver(struct ctx *c, const char *module, char *buf,
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
int load_module(struct ctx *c, const char *module)
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
