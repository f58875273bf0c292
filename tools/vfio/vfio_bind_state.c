// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records of bindings, one small key=value file per device in the state
 * directory: what restore gives back. A lock file serialises the runs
 * that change bindings.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfio_bind.h"

static void state_path(const struct ctx *c, const char *bdf, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%s/%s", c->state_dir, bdf);
}

int state_read(const struct ctx *c, const char *bdf, struct state *s)
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
int state_write(struct ctx *c, const char *bdf, const struct state *s)
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

void state_remove(struct ctx *c, const char *bdf)
{
	char path[PATH_MAX];

	state_path(c, bdf, path, sizeof(path));
	if (c->dry_run)
		note(c, "would remove %s", path);
	else
		unlink(path);
}

/*
 * Serialises vfio-bind runs that change bindings: two of them interleaving
 * their driver_override writes and probes would record each other's choice
 * as the previous driver. The lock goes with the process.
 */
int lock_state(struct ctx *c)
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
