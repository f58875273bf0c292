/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-bind's layers and what they share: the run's context (options and
 * outcome), a PCI device as sysfs shows it, and a recorded binding.
 *
 *   vfio-bind.c          the commands and the CLI
 *   vfio_alias.c         modules.alias: matching and ranking (unit-tested)
 *   vfio_bind_sysfs.c    sysfs: devices, drivers, driver_override, probe
 *   vfio_bind_kmod.c     loading modules with libkmod, module -> driver
 *   vfio_bind_group.c    IOMMU group viability
 *   vfio_bind_state.c    records of bindings (what restore gives back)
 *   vfio_bind_report.c   progress messages, errors and JSON output
 */
#ifndef VFIO_BIND_H
#define VFIO_BIND_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "vfio_alias.h"

struct kmod_ctx;

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

static inline int errno_code(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ? EX_PERM : EX_FAIL;
}

static inline void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* vfio_bind_report.c */
void __printf(2, 3) note(struct ctx *c, const char *fmt, ...);
/* Record the error @code with its message; returns @code. */
int __printf(3, 4) fail(struct ctx *c, int code, const char *fmt, ...);
void json_str(const char *s);
void json_end(const struct ctx *c, int ret);
void print_result(struct ctx *c, int ret);

/* vfio_bind_sysfs.c */
void __printf(4, 5) sys_path(const struct ctx *c, char *buf, size_t size,
			     const char *fmt, ...);
int read_attr(const char *path, char *buf, size_t size);
int write_attr(struct ctx *c, const char *path, const char *val);
int link_name(const char *path, char *buf, size_t size);
int normalize_bdf(const char *in, char *out, size_t size);
int dev_load(struct ctx *c, const char *bdf, struct pci_dev *d);
int current_driver(struct ctx *c, const char *bdf, char *buf, size_t size);
int unbind_current(struct ctx *c, const char *bdf, const char *driver);
int set_override(struct ctx *c, const char *bdf, const char *driver);
int probe(struct ctx *c, const char *bdf);

/* vfio_bind_kmod.c */
int load_aliases(struct ctx *c);
int module_driver(struct ctx *c, const char *module, char *buf, size_t size);
int load_module(struct ctx *c, const char *module);

/* vfio_bind_group.c */
int group_blockers(struct ctx *c, const struct pci_dev *d,
		   char blockers[][32], unsigned int *nr,
		   char *desc, size_t desc_size);

/* vfio_bind_state.c */
int state_read(const struct ctx *c, const char *bdf, struct state *s);
int state_write(struct ctx *c, const char *bdf, const struct state *s);
void state_remove(struct ctx *c, const char *bdf);
int lock_state(struct ctx *c);

#endif /* VFIO_BIND_H */
