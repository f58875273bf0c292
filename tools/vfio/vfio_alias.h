/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Matching a PCI device's modalias against the vfio_pci: aliases of
 * modules.alias, and ranking the VFIO drivers that match.
 */
#ifndef VFIO_ALIAS_H
#define VFIO_ALIAS_H

#include <stdio.h>

#define VFIO_ALIAS_PREFIX	"vfio_pci:"

struct vfio_alias {
	char *pattern;		/* full pattern, starting with "vfio_pci:" */
	char *module;		/* module name as written in modules.alias */
	unsigned int line;	/* line number in the alias file */
};

struct vfio_alias_db {
	struct vfio_alias *aliases;
	size_t count;
	size_t alloc;
	/* lines that are not "alias PATTERN MODULE" (comments excepted) */
	unsigned int malformed;
	unsigned int first_malformed_line;
};

struct vfio_candidate {
	const char *module;
	const char *pattern;
	unsigned int wildcards;	/* number of '*' in the pattern */
	unsigned int literals;	/* characters of the pattern that are not '*' */
};

void vfio_alias_db_init(struct vfio_alias_db *db);
void vfio_alias_db_free(struct vfio_alias_db *db);
int vfio_alias_db_load(struct vfio_alias_db *db, FILE *f);
int vfio_alias_db_load_file(struct vfio_alias_db *db, const char *path);

int vfio_alias_match(const struct vfio_alias_db *db, const char *modalias,
		     struct vfio_candidate **out, size_t *count);
int vfio_candidate_cmp(const struct vfio_candidate *a,
		       const struct vfio_candidate *b);
int vfio_module_name_eq(const char *a, const char *b);
size_t vfio_candidates_keep_module(struct vfio_candidate *cand, size_t n,
				   const char *module);

#endif /* VFIO_ALIAS_H */
