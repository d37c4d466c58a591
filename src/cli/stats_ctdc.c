/*
 * stats_ctdc.c: `ihala stats ctdc DIR --out FILE [--k K] [--format csv|xlsx]
 * [--from DATE] [--to DATE]`: the k-anonymous CTDC microdata file
 * (src/domain/stats/ctdc.h), the same as POST /api/v1/export/ctdc, for the
 * operator of the installation and for files larger than the API's 64 MB.
 * Audited with the system as the actor. Called by stats_cmd.c for
 * `ihala stats ctdc`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/ctx.h"
#include "../core/buf.h"
#include "../core/clock.h"
#include "../domain/stats/ctdc.h"
#include "../domain/stats/stats.h"
#include "cli.h"

#define CTDC_FILE_MAX ((size_t)1 << 30)   /* 1 GiB: some eight million rows of CSV */

static const char ctdc_usage[] =
	"usage: ihala stats ctdc DIR --out FILE [--k K] [--format csv|xlsx]\n"
	"                            [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	"\n"
	"Write the persons of the installation in DIR as CTDC microdata (the\n"
	"Counter Trafficking Data Collaborative's columns and codes: one row per\n"
	"person, a merged person once), k-anonymous: every combination of the\n"
	"quasi-identifiers gender, ageBroad, majorityStatus, citizenship,\n"
	"CountryOfExploitation and yearOfRegistration (an empty cell counting as a\n"
	"value) is shared by at least K rows. Values are blanked where needed, and\n"
	"as a last resort (fewer than K rows) whole rows are left out. No name,\n"
	"date of birth or other personal field is read; no key is used.\n"
	"\n"
	"  --out FILE        the file to write (created with mode 0600; an existing\n"
	"                    file is replaced only when the export succeeds)\n"
	"  --k K             2 to 1000 (default: stats_ctdc_k in ihala.conf, 11)\n"
	"  --format F        csv (default) or xlsx\n"
	"  --from, --to      only persons registered in these months (the months of\n"
	"                    the dates given, inclusive)\n"
	"\n"
	"Prints the counts: persons, rows written, rows left out, values blanked.\n"
	"The export is audited (stats.export_ctdc, with the counts) with the system\n"
	"as the actor. The columns and the mapping from the registry are in\n"
	"docs/statistics.md, section \"CTDC export\".\n"
	"\n"
	"Exit status: 0 ok, 1 the export failed (nothing is left at FILE),\n"
	"2 usage error. See docs/admin-guide.md.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "ihala stats ctdc: %s\n\n%s", why, ctdc_usage);
	return 2;
}

static int32_t day_arg(const char *text)
{
	int64_t t;
	if (strlen(text) != 10 || clock_parse_iso(text, &t) < 0 || t < 86400)
		return -1;
	return (int32_t)(t / 86400);
}

int cmd_stats_ctdc(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(ctdc_usage, stdout);
		return 0;
	}
	const char *dir = NULL, *out = NULL, *format = "csv";
	long k = 0;
	struct ctdc_request rq = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--out") && has_val) {
			out = argv[++i];
		} else if (!strcmp(a, "--format") && has_val) {
			format = argv[++i];
		} else if (!strcmp(a, "--k") && has_val) {
			char *end;
			errno = 0;
			k = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || k < CTDC_K_MIN || k > CTDC_K_MAX)
				return usage_error("--k needs a number from 2 to 1000");
		} else if ((!strcmp(a, "--from") || !strcmp(a, "--to")) && has_val) {
			int32_t day = day_arg(argv[++i]);
			if (day < 0)
				return usage_error("--from and --to need a date YYYY-MM-DD");
			*(a[2] == 'f' ? &rq.from_day : &rq.to_day) = day;
		} else if (a[0] == '-') {
			return usage_error("unknown option, or an option without its value");
		} else if (dir) {
			return usage_error("too many arguments");
		} else {
			dir = a;
		}
	}
	if (!dir)
		return usage_error("missing DIR");
	if (!out)
		return usage_error("missing --out FILE");
	if (!strcmp(format, "csv"))
		rq.fmt = EXPORT_CSV;
	else if (!strcmp(format, "xlsx"))
		rq.fmt = EXPORT_XLSX;
	else
		return usage_error("--format must be csv or xlsx");
	if (rq.from_day && rq.to_day && rq.to_day < rq.from_day)
		return usage_error("--to is before --from");

	struct out_file f;
	if (out_file_open(&f, out) < 0) {
		if (errno == ENAMETOOLONG)
			return usage_error("--out path too long");
		fprintf(stderr, "ihala stats ctdc: cannot create %s: %s\n", f.tmp, strerror(errno));
		return 1;
	}
	struct app app;
	/* No key: the export reads statistical rows only (stats.h). */
	if (cli_app_open_keyless(&app, dir) < 0) {
		out_file_close(&f, -1);
		return 1;
	}
	rq.k = (size_t)(k ? k : app.cfg.stats_ctdc_k);
	struct ctx c;
	memset(&c, 0, sizeof(c));   /* the system actor */
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	struct buf file;
	struct ctdc_result res;
	buf_init(&file, CTDC_FILE_MAX);
	int rc = stats_prepare(c.db);
	if (rc < 0)
		fprintf(stderr, "ihala stats ctdc: deriving the statistical rows failed (see the log line above)\n");
	else
		rc = stats_ctdc_export(&c, &rq, &file, &res);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	if (rc == 0 && out_file_write(&f, file.data ? file.data : "", file.len) < 0)
		rc = -1;
	if (out_file_close(&f, rc) < 0 && rc == 0)
		rc = -1;
	buf_release(&file);
	if (rc < 0) {
		fprintf(stderr, "ihala stats ctdc: the export failed%s; nothing was written to %s\n",
			rc == ERR_TOO_LARGE ? " (the file would pass 1 GiB)" : "", out);
		return 1;
	}
	printf("persons: %zu\nrows written: %zu\nrows left out: %zu\nvalues blanked: %zu\nk: %zu\n", res.persons,
	       res.records, res.suppressed_records, res.suppressed_values, rq.k);
	printf("written to %s\n", out);
	return 0;
}
