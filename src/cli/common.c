/* common.c: what every subcommand that opens a data folder shares. */
#include <stdio.h>
#include <string.h>

#include <stdbool.h>
#include <stdlib.h>

#include "../auth/ctx.h"
#include "../auth/session.h"
#include "../core/embedded.h"
#include "../core/log.h"
#include "../domain/case/case.h"
#include "../domain/screening/set.h"
#include "../domain/stats/stats.h"
#include "cli.h"

int cli_known_schema_version(void)
{
	int highest = 0;
	for (size_t i = 0; i < ihala_migrations_count; i++) {
		int n = (int)strtol(ihala_migrations[i].path, NULL, 10);
		if (n > highest)
			highest = n;
	}
	return highest;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

static void reindex_progress(long done, long total)
{
	fprintf(stderr, "ihala: search index rebuilt for %ld of %ld cases (once, after an upgrade)\n", done, total);
}

static void display_progress(long done, long total)
{
	fprintf(stderr, "ihala: list names sealed for %ld of %ld cases (once, after an upgrade)\n", done, total);
}

static void doc_progress(long done, long total)
{
	fprintf(stderr, "ihala: read copies made for %ld of %ld cases (once, after an upgrade)\n", done, total);
}

static int app_open(struct app *app, const char *dir, const char *db_override, unsigned pool_size, bool keys)
{
	char err[512];
	memset(app, 0, sizeof(*app));
	if (crypto_init_once() < 0) {
		fprintf(stderr, "ihala: libsodium could not start\n");
		return -1;
	}
	int rc = config_load(&app->cfg, dir, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "ihala: %s\n", err);
		return -1;
	}
	if (db_override)
		snprintf(app->cfg.db, sizeof(app->cfg.db), "%s", db_override);
	if (keys && keyring_load(&app->kr, dir) < 0) {
		fprintf(stderr, "ihala: cannot read the keys in %s/keys (missing, or readable by others)\n", dir);
		goto fail;
	}
	if (keys && signer_load(&app->signer, dir) < 0) {
		fprintf(stderr, "ihala: cannot read the audit signing key in %s/keys\n", dir);
		goto fail;
	}
	app->audit.signer = app->signer;
	app->audit.checkpoint_every = app->cfg.checkpoint_every;
	app->totp_enforced = !app->cfg.demo;
	if (store_pool_open(&app->pool, app->cfg.db, pool_size ? pool_size : 1) < 0) {
		fprintf(stderr, "ihala: cannot open the database (see the log line above)\n");
		goto fail;
	}
	struct store *db = store_pool_acquire(app->pool);
	rc = store_migrate(db);
	int version = rc < 0 ? rc : store_schema_version(db);
	/* The built-in indicator sets, for a key that has no version yet. */
	int seeded = rc < 0 || version < 0 || version > cli_known_schema_version() ? 0 : screen_sets_seed(db);
	store_pool_release(app->pool, db);
	if (rc < 0 || version < 0) {
		fprintf(stderr, "ihala: database migration failed (see the log line above)\n");
		goto fail;
	}
	if (seeded < 0) {
		fprintf(stderr, "ihala: cannot add the built-in screening indicator sets (see the log line above)\n");
		goto fail;
	}
	/* A database written by a newer ihala may hold what this binary would misread. */
	if (version > cli_known_schema_version()) {
		fprintf(stderr, "ihala: the database has schema version %d, newer than this binary knows (%d); "
			"run the newer ihala\n", version, cli_known_schema_version());
		goto fail;
	}
	/* After an upgrade that changed the search index: rebuild it once (it needs the key). */
	struct ctx sys;
	memset(&sys, 0, sizeof(sys));
	sys.app = app;
	sys.db = store_pool_acquire(app->pool);
	rc = keys ? case_search_index_upgrade(&sys, reindex_progress) : 0;
	/* After the upgrade that sealed list names beside the cases (migration 0022): seal the older ones once. */
	int drc = rc < 0 || !keys ? 0 : case_display_upgrade(&sys, display_progress);
	/* After the upgrade that brought the cases' read copies (migration 0024), or a registry change: make them once. */
	if (drc == 0 && rc == 0 && keys)
		drc = case_doc_upgrade(&sys, doc_progress);
	/* After an upgrade that brought statistics or changed their fields: derive every case's row once. */
	int src = rc < 0 ? 0 : stats_prepare(sys.db);
	store_pool_release(app->pool, sys.db);
	if (rc < 0) {
		fprintf(stderr, "ihala: rebuilding the search index failed (see the log line above)\n");
		goto fail;
	}
	if (drc < 0) {
		fprintf(stderr, "ihala: sealing the cases' list names or read copies failed (see the log line above)\n");
		goto fail;
	}
	if (src < 0) {
		fprintf(stderr, "ihala: deriving the statistical rows failed (see the log line above)\n");
		goto fail;
	}
	return 0;
fail:
	cli_app_close(app);
	return -1;
}

int cli_app_open(struct app *app, const char *dir, const char *db_override, unsigned pool_size)
{
	return app_open(app, dir, db_override, pool_size, true);
}

int cli_app_open_keyless(struct app *app, const char *dir)
{
	return app_open(app, dir, NULL, 1, false);
}

void cli_app_close(struct app *app)
{
	if (app->pool)
		store_pool_close(app->pool);
	session_cache_free(app->sessions);
	app->sessions = NULL;
	if (app->signer)
		signer_free(app->signer);
	if (app->kr)
		keyring_free(app->kr);
	app->pool = NULL;
	app->signer = NULL;
	app->kr = NULL;
}
