// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-bind's output: progress messages (printed, or kept for JSON), the
 * error of a run, and the JSON object --json prints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_bind.h"

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

/* Progress messages: printed as they happen, or collected for JSON. */
void __printf(2, 3)
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

int __printf(3, 4)
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

void json_str(const char *s)
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
void json_end(const struct ctx *c, int ret)
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

void print_result(struct ctx *c, int ret)
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
