/*
 * retention_cmd.c: `ihala retention run DIR [--dry-run]`: erase the cases
 * whose retention period has passed (src/domain/case/retention.h). Meant for
 * a daily timer beside the running server: each erasure is its own short
 * transaction, like a DELETE through the API.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../auth/ctx.h"
#include "../domain/case/retention.h"
#include "cli.h"

static const char retention_usage[] =
	"usage: ihala retention run DIR [--dry-run]\n"
	"\n"
	"Erase the cases kept longer than their retention period, exactly as\n"
	"DELETE /api/v1/cases/{ref} does: the case's data key, records, facts,\n"
	"comments and search indexes are destroyed; the reference stays as a\n"
	"tombstone with status Erased. Each erasure is audited as case.erase by\n"
	"the system, and the run as retention.run.\n"
	"\n"
	"The periods are set in DIR/ihala.conf, in days (0 = never):\n"
	"  retention_closed_days = 1825           Closed cases (default 5 years)\n"
	"  retention_closed_referred_days = 1825  ClosedReferred cases\n"
	"  retention_active_days = 0              Active and FollowUp cases, counted\n"
	"                                         from their last change (default never)\n"
	"A closed case's period counts from its closed_date when one is recorded,\n"
	"otherwise from its last change.\n"
	"\n"
	"  --dry-run   list the cases that are due, change nothing\n"
	"\n"
	"Prints one line per case (\"erased BH-2026-00042\", or \"would erase ...\"),\n"
	"then \"retention: N cases erased\" (\"retention: would erase N cases\").\n"
	"Safe while the server runs. Run it daily, e.g. from a systemd timer.\n"
	"\n"
	"Exit status: 0 ok, 1 a case could not be erased or the database failed,\n"
	"2 usage error. See docs/admin-guide.md.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "ihala retention: %s\n\n%s", why, retention_usage);
	return 2;
}

static void print_due(const char *ref, const char *status, bool erased, void *arg)
{
	const bool *dry_run = arg;
	printf("%s %s (%s)\n", *dry_run ? "would erase" : erased ? "erased" : "NOT erased", ref, status);
}

int cli_retention_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(retention_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return usage_error("missing command (run)");
	if (strcmp(argv[1], "run") != 0)
		return usage_error("unknown command; expected run");
	const char *dir = NULL;
	bool dry_run = false;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (argv[i][0] == '-')
			return usage_error("unknown option");
		else if (dir)
			return usage_error("too many arguments");
		else
			dir = argv[i];
	}
	if (!dir)
		return usage_error("missing DIR");

	struct app app;
	if (cli_app_open(&app, dir, NULL, 1) < 0)
		return 1;
	struct retention_policy pol;
	retention_policy_from_config(&app.cfg, &pol);
	struct ctx c;
	memset(&c, 0, sizeof(c));   /* the system actor */
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	struct retention_result res;
	int rc = retention_run(&c, &pol, dry_run, print_due, &dry_run, &res);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	if (!pol.closed_days && !pol.closed_referred_days && !pol.active_days)
		printf("retention: no retention period is set in %s/ihala.conf; nothing is ever due\n", dir);
	if (dry_run)
		printf("retention: would erase %ld cases\n", res.n_due);
	else
		printf("retention: %ld cases erased\n", res.n_erased);
	if (res.n_skipped)
		printf("retention: %ld cases changed or were erased meanwhile; left for the next run\n",
		       res.n_skipped);
	if (rc < 0) {
		fprintf(stderr, "ihala retention: the run stopped on a database error (see the log line above)\n");
		return 1;
	}
	if (res.n_failed) {
		fprintf(stderr, "ihala retention: %ld cases could not be erased (see the log lines above)\n",
			res.n_failed);
		return 1;
	}
	return 0;
}
