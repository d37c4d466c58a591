/*
 * screening_cmd.c: `ihala screening import-set DIR FILE` and `ihala
 * screening list-sets DIR`: the indicator sets a committee loads (format in
 * docs/screening.md). An import is checked whole before anything is
 * written; a refused file leaves the sets in use as they were.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/ctx.h"
#include "../core/clock.h"
#include "../domain/screening/set.h"
#include "cli.h"

#define FILE_MAX (4u << 20)   /* as the parser's cap; one byte more is read to notice a larger file */

static const char usage[] =
	"usage: ihala screening COMMAND DIR [FILE]\n"
	"\n"
	"Indicator sets for screening: the questions, their dimensions and grades,\n"
	"and the rule that turns answers into a result (format: docs/screening.md).\n"
	"\n"
	"  import-set DIR FILE  check FILE and add it as a new version of its set;\n"
	"                       prints `imported KEY version N`, or `KEY version N\n"
	"                       unchanged` when that version is already there with the\n"
	"                       same content. A file with a fault is refused with\n"
	"                       `ihala: FILE:LINE: reason` and nothing changes; a\n"
	"                       version already imported with other content is refused\n"
	"                       (give the new file a higher version). The highest\n"
	"                       version of a set is the one new screenings use; running\n"
	"                       servers see it at once.\n"
	"  list-sets DIR        every stored version: key, version, source (builtin or\n"
	"                       import), when imported, in-use or older, number of\n"
	"                       indicators, English title\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 done, 1 refused or failed, 2 usage error.\n";

/* Read path whole (at most FILE_MAX + 1 bytes); NULL with errno set, or EFBIG. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = malloc(FILE_MAX + 2);
	size_t n = data ? fread(data, 1, FILE_MAX + 1, f) : 0;
	int failed = !data || ferror(f);
	fclose(f);
	if (failed) {
		free(data);
		errno = data ? EIO : ENOMEM;
		return NULL;
	}
	if (n > FILE_MAX) {
		free(data);
		errno = EFBIG;
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

static void refusal(const char *file, int line, const struct problem *pb)
{
	if (line > 0)
		fprintf(stderr, "ihala: %s:%d: %s\n", file, line, pb->field);
	else
		fprintf(stderr, "ihala: %s: %s\n", file, pb->field);
}

static int import_set(struct ctx *c, const char *file)
{
	size_t len = 0;
	char *text = read_file(file, &len);
	if (!text) {
		if (errno == EFBIG)
			fprintf(stderr, "ihala: %s: file larger than %u MiB\n", file, FILE_MAX >> 20);
		else
			fprintf(stderr, "ihala: %s: cannot read: %s\n", file, strerror(errno));
		return 1;
	}
	struct problem pb = { 0 };
	int line = 0, version = 0, rc = 1;
	bool created = false;
	struct screen_set *s = NULL;
	/* Parsed here for the key; screen_set_import checks it again inside its transaction. */
	if (screen_set_parse(text, len, &s, &pb, &line) < 0) {
		refusal(file, line, &pb);
		goto out;
	}
	int err = screen_set_import(c, text, len, &pb, &line, &version, &created);
	if (err == ERR_INVALID) {
		refusal(file, line, &pb);
	} else if (err == ERR_CONFLICT) {
		fprintf(stderr, "ihala: %s: %s version %d is already imported with other content; "
			"give the new file a higher version\n", file, s->key, version);
	} else if (err < 0) {
		fprintf(stderr, "ihala: %s: the import failed (see the log line above)\n", file);
	} else {
		if (created)
			printf("imported %s version %d", s->key, version);
		else
			printf("%s version %d unchanged", s->key, version);
		struct screen_set *newest = NULL;
		if (screen_set_load(c, s->key, 0, &newest) == 0 && newest->version > version)
			printf(" (version %d is newer and stays in use)", newest->version);
		screen_set_free(newest);
		putchar('\n');
		rc = 0;
	}
out:
	screen_set_free(s);
	free(text);
	return rc;
}

static int list_sets(struct ctx *c)
{
	json_t *items = NULL;
	if (screen_sets_history(c, &items) < 0) {
		fprintf(stderr, "ihala: cannot list the indicator sets (see the log line above)\n");
		return 1;
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		char when[32] = "";
		if (clock_format_iso(json_integer_value(json_object_get(it, "imported_at")), when, sizeof(when)) < 0)
			snprintf(when, sizeof(when), "-");
		printf("%s\t%lld\t%s\t%s\t%s\t%lld\t%s\n", json_string_value(json_object_get(it, "key")),
		       (long long)json_integer_value(json_object_get(it, "version")),
		       json_string_value(json_object_get(it, "source")), when,
		       json_is_true(json_object_get(it, "in_use")) ? "in-use" : "older",
		       (long long)json_integer_value(json_object_get(it, "indicator_count")),
		       json_string_value(json_object_get(json_object_get(it, "title"), "en")));
	}
	json_decref(items);
	return 0;
}

int cli_screening_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	bool import = argc == 4 && !strcmp(argv[1], "import-set");
	bool list = argc == 3 && !strcmp(argv[1], "list-sets");
	if (!import && !list) {
		fputs(usage, stderr);
		return 2;
	}
	struct app app;
	if (cli_app_open(&app, argv[2], NULL, 1) < 0)
		return 1;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	int rc = import ? import_set(&c, argv[3]) : list_sets(&c);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	return rc;
}
