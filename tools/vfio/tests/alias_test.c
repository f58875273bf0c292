// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of vfio_alias.c: parsing of crafted modules.alias contents,
 * matching of vfio_pci: patterns and the ranking rule. Prints KTAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_alias.h"

#define __printf(a, b) __attribute__((format(printf, a, b)))

static unsigned int test_nr, failed;

static void __printf(2, 3)
result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u ", ok ? "" : "not ", ++test_nr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failed++;
}

static int load(struct vfio_alias_db *db, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	vfio_alias_db_init(db);
	ret = vfio_alias_db_load(db, f);
	fclose(f);
	return ret;
}

/* The ranked module names, space separated, for compact comparisons. */
static char *ranked(const char *text, const char *modalias, int *err)
{
	static char buf[1024];
	struct vfio_alias_db db;
	struct vfio_candidate *c;
	size_t n, i;

	buf[0] = '\0';
	*err = load(&db, text);
	if (*err)
		return buf;
	*err = vfio_alias_match(&db, modalias, &c, &n);
	for (i = 0; !*err && i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, c[i].module);
	}
	if (!*err)
		free(c);
	vfio_alias_db_free(&db);
	return buf;
}

static void expect_rank(const char *name, const char *text,
			const char *modalias, const char *want)
{
	int err;
	const char *got = ranked(text, modalias, &err);

	if (err || strcmp(got, want))
		printf("# %s: got '%s' (err %d), want '%s'\n", name, got, err,
		       want);
	result(!err && !strcmp(got, want), "%s", name);
}

/* QEMU edu device, class 00ff00 */
#define EDU "pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00"
/* QEMU e1000e, class 020000 */
#define E1000E "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00"
/* an NVMe controller, class 010802 */
#define NVME "pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"

static const char generic[] =
	"alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n";

static void test_parse(void)
{
	struct vfio_alias_db db;
	int ret;

	ret = load(&db,
		   "# a comment\n"
		   "\n"
		   "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n"
		   "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
		   "   \talias\tvfio_pci:v00001234d000011E8sv*sd*bc*sc*i*\tedu_vfio\t\r\n"
		   "alias symbol:foo bar\n");
	result(!ret && db.count == 2 && db.malformed == 0,
	       "parse_keeps_only_vfio_pci_aliases");
	result(db.count == 2 && !strcmp(db.aliases[1].module, "edu_vfio") &&
	       db.aliases[1].line == 5, "parse_tabs_and_line_numbers");
	vfio_alias_db_free(&db);

	ret = load(&db,
		   "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
		   "alias vfio_pci:v00001234d*sv*sd*bc*sc*i*\n"
		   "options vfio_pci:v* x\n"
		   "alias vfio_pci:v* mod extra\n"
		   "alias vfio_pci: empty\n"
		   "alias\n"
		   "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* good\n");
	result(!ret && db.count == 2 && db.malformed == 5 &&
	       db.first_malformed_line == 2, "parse_counts_malformed_lines");
	vfio_alias_db_free(&db);

	ret = load(&db, "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci");
	result(!ret && db.count == 1, "parse_last_line_without_newline");
	vfio_alias_db_free(&db);

	vfio_alias_db_init(&db);
	ret = vfio_alias_db_load_file(&db, "/nonexistent/modules.alias");
	result(ret == -ENOENT, "load_missing_file_is_enoent");
}

static void test_match(void)
{
	struct vfio_alias_db db;
	struct vfio_candidate *c;
	size_t n;
	int ret;

	expect_rank("generic_matches_everything", generic, EDU, "vfio_pci");
	expect_rank("vendor_device_beats_generic",
		    "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* edu_vfio\n"
		    "alias vfio_pci:v00001234d*sv*sd*bc*sc*i* qemu_vfio\n",
		    EDU, "edu_vfio qemu_vfio vfio_pci");
	expect_rank("other_device_excluded",
		    "alias vfio_pci:v00001234d000011E9sv*sd*bc*sc*i* other\n"
		    "alias vfio_pci:v00001235d*sv*sd*bc*sc*i* other2\n",
		    EDU, "");
	expect_rank("subsystem_fields",
		    "alias vfio_pci:v00001234d000011E8sv00001AF4sd00001100bc*sc*i* sub\n"
		    "alias vfio_pci:v00001234d000011E8sv00001AF4sd*bc*sc*i* subv\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd00001101bc*sc*i* wrongsd\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* dev\n",
		    EDU, "sub subv dev");
	expect_rank("wildcard_in_every_field",
		    "alias vfio_pci:v*d*sv*sd*bc*sc*i* all\n"
		    "alias vfio_pci:v*d000010D3sv*sd*bc*sc*i* devonly\n"
		    "alias vfio_pci:v00008086d*sv*sd*bc*sc*i* vendonly\n"
		    "alias vfio_pci:v*d*sv00008086sd*bc*sc*i* svonly\n"
		    "alias vfio_pci:v*d*sv*sd00000000bc*sc*i* sdonly\n"
		    "alias vfio_pci:v*d*sv*sd*bc02sc*i* bconly\n"
		    "alias vfio_pci:v*d*sv*sd*bc*sc00i* sconly\n"
		    "alias vfio_pci:v*d*sv*sd*bc*sc*i00 ionly\n",
		    E1000E,
		    "devonly sdonly svonly vendonly bconly ionly sconly all");
	expect_rank("class_subclass_progif",
		    "alias vfio_pci:v*d*sv*sd*bc01sc08i02 nvme_progif\n"
		    "alias vfio_pci:v*d*sv*sd*bc01sc08i* nvme_class\n"
		    "alias vfio_pci:v*d*sv*sd*bc01sc08i01 wrong_progif\n"
		    "alias vfio_pci:v*d*sv*sd*bc01sc06i* wrong_subclass\n"
		    "alias vfio_pci:v*d*sv*sd*bc02sc*i* wrong_class\n"
		    "alias vfio_pci:v*d*sv*sd*bc01sc*i* storage\n",
		    NVME, "nvme_progif nvme_class storage");
	expect_rank("tie_more_literals_first",
		    "alias vfio_pci:v00001234d*sv*sd*bc*sc*i* aaa\n"
		    "alias vfio_pci:v*d*sv00001AF4sd*bc00sc*i* zzz\n",
		    EDU, "zzz aaa");
	expect_rank("tie_module_name_order",
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* zeta\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* alpha\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* mid\n",
		    EDU, "alpha mid zeta");
	expect_rank("tie_independent_of_file_order",
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* mid\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* alpha\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* zeta\n",
		    EDU, "alpha mid zeta");
	expect_rank("module_listed_once_with_best_pattern",
		    "alias vfio_pci:v*d*sv*sd*bc*sc*i* multi\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* multi\n"
		    "alias vfio_pci:v00001234d*sv*sd*bc*sc*i* other\n",
		    EDU, "multi other");
	expect_rank("hex_is_case_sensitive_uppercase",
		    "alias vfio_pci:v00001234d000011e8sv*sd*bc*sc*i* lower\n"
		    "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* upper\n",
		    EDU, "upper");
	expect_rank("partial_wildcards",
		    "alias vfio_pci:v0000123*d*sv*sd*bc*sc*i* prefix\n"
		    "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n",
		    EDU, "prefix vfio_pci");
	expect_rank("non_vfio_aliases_never_match",
		    "alias pci:v00001234d000011E8sv*sd*bc*sc*i* native\n"
		    "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n",
		    EDU, "vfio_pci");

	load(&db, "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
		  "alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* edu\n");
	ret = vfio_alias_match(&db, EDU, &c, &n);
	result(!ret && n == 2 && c[0].wildcards == 5 &&
	       c[0].literals == strlen(c[0].pattern) - 5 &&
	       c[1].wildcards == 7 && !strcmp(c[1].module, "vfio_pci"),
	       "wildcard_and_literal_counts");
	if (!ret)
		free(c);
	ret = vfio_alias_match(&db, "usb:v1234p5678", &c, &n);
	result(ret == -EINVAL && n == 0, "non_pci_modalias_rejected");
	vfio_alias_db_free(&db);

	vfio_alias_db_init(&db);
	ret = vfio_alias_match(&db, EDU, &c, &n);
	result(!ret && n == 0, "empty_db_no_match");
	if (!ret)
		free(c);
}

static void test_names(void)
{
	result(vfio_module_name_eq("vfio-pci", "vfio_pci") &&
	       vfio_module_name_eq("vfio_pci", "vfio_pci") &&
	       !vfio_module_name_eq("vfio_pci", "vfio_pci_core") &&
	       !vfio_module_name_eq("vfio_pc", "vfio_pci"),
	       "module_name_dash_underscore");
}

/* --driver keeps one module's candidates, ranked as they were. */
static void test_keep_module(void)
{
	static const char text[] =
		"alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
		"alias vfio_pci:v00001234d000011E8sv*sd*bc*sc*i* edu_vfio_pci\n"
		"alias vfio_pci:v00001234d*sv*sd*bc*sc*i* qemu-vfio-pci\n";
	struct vfio_alias_db db;
	struct vfio_candidate *c;
	size_t n = 0, kept;
	int ret;

	ret = load(&db, text);
	if (!ret)
		ret = vfio_alias_match(&db, EDU, &c, &n);
	if (ret || n != 3) {
		result(0, "keep_module (setup: %d, %zu candidates)", ret, n);
		goto out;
	}
	kept = vfio_candidates_keep_module(c, n, "qemu_vfio_pci");
	result(kept == 1 && !strcmp(c[0].module, "qemu-vfio-pci"),
	       "keep_module_dash_underscore");
	kept = vfio_candidates_keep_module(c, kept, "vfio_pci");
	result(kept == 0, "keep_module_none_left");
	free(c);
out:
	vfio_alias_db_free(&db);
}

int main(void)
{
	printf("KTAP version 1\n1..24\n");
	test_parse();
	test_match();
	test_names();
	test_keep_module();
	printf("# alias_test: %u passed, %u failed\n", test_nr - failed, failed);
	return failed ? 1 : 0;
}
