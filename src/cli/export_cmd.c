/*
 * export_cmd.c: `ihala export DIR --out FILE [--format csv|xlsx]
 * [--status S] [--limit N]`: every case (or those of one status), newest
 * first, as one HTCDS table (src/domain/case/export.h), streamed to a file.
 * For the operator of the installation (whoever can read DIR/keys can read
 * everything anyway), for migrations and large exports that the API's
 * list of references does not suit. Audited like an API export, with the
 * system as the actor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/ctx.h"
#include "../domain/case/export.h"
#include "cli.h"

static const char export_usage[] =
	"usage: ihala export DIR --out FILE [--format csv|xlsx] [--status STATUS] [--limit N]\n"
	"\n"
	"Write the cases of the installation as one HTCDS table, newest first: the\n"
	"columns of POST /api/v1/export (ihala_Ref, ihala_ExternalRef, then every\n"
	"registry field by its HTCDS name), with the same formula neutralisation.\n"
	"Erased cases are left out.\n"
	"\n"
	"  --out FILE        the file to write (created with mode 0600; an existing\n"
	"                    file is replaced only when the export succeeds)\n"
	"  --format F        csv (default) or xlsx (XLSX is limited to 64 MB)\n"
	"  --status S        only cases of this cas_Status (Active, FollowUp, Closed,\n"
	"                    ClosedReferred)\n"
	"  --limit N         at most N cases\n"
	"\n"
	"The file holds personal data in clear: keep it encrypted and delete it\n"
	"when done. The export is audited (case.export per case and a count) with\n"
	"the system as the actor. Prints \"exported N cases to FILE\".\n"
	"\n"
	"Exit status: 0 ok, 1 the export failed (nothing is left at FILE),\n"
	"2 usage error. See docs/admin-guide.md.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "ihala export: %s\n\n%s", why, export_usage);
	return 2;
}

static int write_out(void *arg, const void *data, size_t len)
{
	return out_file_write(arg, data, len);
}

int cli_export_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(export_usage, stdout);
		return 0;
	}
	const char *dir = NULL, *out = NULL, *format = "csv";
	struct export_selection sel = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--out") && has_val) {
			out = argv[++i];
		} else if (!strcmp(a, "--format") && has_val) {
			format = argv[++i];
		} else if (!strcmp(a, "--status") && has_val) {
			sel.status = argv[++i];
		} else if (!strcmp(a, "--limit") && has_val) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1)
				return usage_error("--limit needs a positive number");
			sel.max = (size_t)n;
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
	enum export_format fmt;
	if (!strcmp(format, "csv"))
		fmt = EXPORT_CSV;
	else if (!strcmp(format, "xlsx"))
		fmt = EXPORT_XLSX;
	else
		return usage_error("--format must be csv or xlsx");
	static const char *const statuses[] = { "Active", "FollowUp", "Closed", "ClosedReferred" };
	bool ok_status = !sel.status;
	for (size_t i = 0; !ok_status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		ok_status = !strcmp(sel.status, statuses[i]);
	if (!ok_status)
		return usage_error("--status must be Active, FollowUp, Closed or ClosedReferred");

	struct out_file file;
	if (out_file_open(&file, out) < 0) {
		if (errno == ENAMETOOLONG)
			return usage_error("--out path too long");
		fprintf(stderr, "ihala export: cannot create %s: %s\n", file.tmp, strerror(errno));
		return 1;
	}
	struct app app;
	if (cli_app_open(&app, dir, NULL, 1) < 0) {
		out_file_close(&file, -1);
		return 1;
	}
	struct ctx c;
	memset(&c, 0, sizeof(c));   /* the system actor */
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	struct export_sink sink = { write_out, &file };
	size_t n = 0;
	int rc = case_export_all(&c, &sel, fmt, &sink, &n);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	if (out_file_close(&file, rc) < 0) {
		fprintf(stderr, "ihala export: the export failed%s; nothing was written to %s\n",
			rc == ERR_TOO_LARGE ? " (the XLSX file would pass 64 MB: use csv)" : "", out);
		return 1;
	}
	printf("exported %zu cases to %s\n", n, out);
	return 0;
}
