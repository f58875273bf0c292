// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-bind: bind a PCI device to the VFIO driver that serves it best.
 *
 * Every VFIO PCI driver advertises its ID table in modules.alias with a
 * "vfio_pci:" prefix; the kernel never auto-binds those entries, so the
 * choice is made here, by the ranking of vfio_alias.c, and carried out
 * through driver_override. See vfio-bind.8 for the interface.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libkmod.h>

#include "vfio_bind.h"

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
	int ret;

	ret = vfio_alias_match(&c->db, d->modalias, cand, n);
	if (ret)
		return fail(c, ret == -ENOMEM ? EX_FAIL : EX_NODEV,
			    "cannot match modalias '%s' of %s", d->modalias,
			    d->bdf);
	if (c->want_driver) {
		*n = vfio_candidates_keep_module(*cand, *n, c->want_driver);
		if (!*n)
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
