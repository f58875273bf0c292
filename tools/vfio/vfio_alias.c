// SPDX-License-Identifier: GPL-2.0-only
/*
 * modules.alias parsing and ranking of the VFIO drivers matching a device.
 *
 * Ranking rule, documented in vfio-bind(8) and the admin guide:
 *  1. fewer '*' wildcards in the matching pattern first (more specific);
 *  2. then more literal (non-'*') characters in the pattern first;
 *  3. then module name in strcmp() order, then pattern in strcmp() order,
 *     so that the result never depends on the order of modules.alias.
 * A module appears once, with its best matching pattern.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_alias.h"

void vfio_alias_db_init(struct vfio_alias_db *db)
{
	memset(db, 0, sizeof(*db));
}

void vfio_alias_db_free(struct vfio_alias_db *db)
{
	size_t i;

	for (i = 0; i < db->count; i++) {
		free(db->aliases[i].pattern);
		free(db->aliases[i].module);
	}
	free(db->aliases);
	vfio_alias_db_init(db);
}

static void note_malformed(struct vfio_alias_db *db, unsigned int line)
{
	if (!db->malformed++)
		db->first_malformed_line = line;
}

static int add_alias(struct vfio_alias_db *db, const char *pattern,
		     const char *module, unsigned int line)
{
	struct vfio_alias *a;

	if (db->count == db->alloc) {
		size_t n = db->alloc ? db->alloc * 2 : 16;

		a = realloc(db->aliases, n * sizeof(*a));
		if (!a)
			return -ENOMEM;
		db->aliases = a;
		db->alloc = n;
	}
	a = &db->aliases[db->count];
	a->pattern = strdup(pattern);
	a->module = strdup(module);
	a->line = line;
	if (!a->pattern || !a->module) {
		free(a->pattern);
		free(a->module);
		return -ENOMEM;
	}
	db->count++;
	return 0;
}

/*
 * Only "alias PATTERN MODULE" lines are valid (as depmod writes them);
 * aliases of other buses are kept out of the database, malformed lines
 * are counted so that the caller can warn about them.
 */
static int parse_line(struct vfio_alias_db *db, char *s, unsigned int line)
{
	const char *sep = " \t\r\n";
	char *save, *kw, *pattern, *module;

	s += strspn(s, sep);
	if (!*s || *s == '#')
		return 0;
	kw = strtok_r(s, sep, &save);
	pattern = strtok_r(NULL, sep, &save);
	module = strtok_r(NULL, sep, &save);
	if (strcmp(kw, "alias") || !pattern || !module ||
	    strtok_r(NULL, sep, &save)) {
		note_malformed(db, line);
		return 0;
	}
	if (strncmp(pattern, VFIO_ALIAS_PREFIX, strlen(VFIO_ALIAS_PREFIX)))
		return 0;
	if (!pattern[strlen(VFIO_ALIAS_PREFIX)]) {
		note_malformed(db, line);
		return 0;
	}
	return add_alias(db, pattern, module, line);
}

int vfio_alias_db_load(struct vfio_alias_db *db, FILE *f)
{
	unsigned int line = 0;
	size_t len = 0;
	char *buf = NULL;
	int ret = 0;

	while (getline(&buf, &len, f) >= 0) {
		ret = parse_line(db, buf, ++line);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(buf);
	return ret;
}

int vfio_alias_db_load_file(struct vfio_alias_db *db, const char *path)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	ret = vfio_alias_db_load(db, f);
	fclose(f);
	return ret;
}

/* Module names compare equal whether spelt with '-' or '_', as in kmod. */
int vfio_module_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '-' ? '_' : *a;
		char cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return 0;
	}
	return !*a && !*b;
}

int vfio_candidate_cmp(const struct vfio_candidate *a,
		       const struct vfio_candidate *b)
{
	int r;

	if (a->wildcards != b->wildcards)
		return a->wildcards < b->wildcards ? -1 : 1;
	if (a->literals != b->literals)
		return a->literals > b->literals ? -1 : 1;
	r = strcmp(a->module, b->module);
	if (r)
		return r;
	return strcmp(a->pattern, b->pattern);
}

static int candidate_qsort_cmp(const void *a, const void *b)
{
	return vfio_candidate_cmp(a, b);
}

/*
 * @modalias is the device's "pci:v...d...sv...sd...bc..sc..i.." string from
 * sysfs; the vfio_pci: patterns are matched against it with its "pci:"
 * prefix replaced, the way the aliases were generated from the ID tables.
 */
int vfio_alias_match(const struct vfio_alias_db *db, const char *modalias,
		     struct vfio_candidate **out, size_t *count)
{
	struct vfio_candidate *c, cand;
	size_t i, j, n = 0;
	char *subject;

	*out = NULL;
	*count = 0;
	if (strncmp(modalias, "pci:", 4))
		return -EINVAL;
	subject = malloc(strlen(VFIO_ALIAS_PREFIX) + strlen(modalias + 4) + 1);
	if (!subject)
		return -ENOMEM;
	strcpy(subject, VFIO_ALIAS_PREFIX);
	strcat(subject, modalias + 4);

	c = calloc(db->count ? db->count : 1, sizeof(*c));
	if (!c) {
		free(subject);
		return -ENOMEM;
	}
	for (i = 0; i < db->count; i++) {
		const char *p = db->aliases[i].pattern;

		if (fnmatch(p, subject, 0))
			continue;
		cand.module = db->aliases[i].module;
		cand.pattern = p;
		cand.wildcards = 0;
		for (; *p; p++)
			cand.wildcards += *p == '*';
		cand.literals = strlen(cand.pattern) - cand.wildcards;

		for (j = 0; j < n; j++)
			if (vfio_module_name_eq(c[j].module, cand.module))
				break;
		if (j == n)
			c[n++] = cand;
		else if (vfio_candidate_cmp(&cand, &c[j]) < 0)
			c[j] = cand;
	}
	free(subject);
	qsort(c, n, sizeof(*c), candidate_qsort_cmp);
	*out = c;
	*count = n;
	return 0;
}

/*
 * --driver MODULE: keep the candidates of that module only, in their rank
 * order. Returns how many are left at the front of @cand.
 */
size_t vfio_candidates_keep_module(struct vfio_candidate *cand, size_t n,
				   const char *module)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++)
		if (vfio_module_name_eq(cand[i].module, module))
			cand[kept++] = cand[i];
	return kept;
}
