/*
 * migrate.c: apply the numbered SQL migrations embedded in the binary
 * (src/store/migrations/NNNN_name.sql -> ihala_migrations[]), each in its own
 * transaction together with its row in schema_migrations.
 *
 * Several servers may start at once against one PostgreSQL: each migration
 * transaction first takes a transaction-scoped advisory lock, then checks
 * again whether the version is recorded, so exactly one of them applies it.
 * On SQLite, BEGIN IMMEDIATE gives the same exclusion.
 *
 * Migrations are written in the common subset (store.h); for PostgreSQL the
 * type names INTEGER and BLOB become BIGINT and BYTEA. A file named
 * NNNN_name.pg.sql is for PostgreSQL only (triggers, functions): on SQLite
 * its number is recorded and nothing runs. NNNN_name.sqlite.sql is the
 * mirror image, for what only SQLite has (WITHOUT ROWID tables).
 */
#include <assert.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/embedded.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store_int.h"

#define MIGRATION_MAX (4u << 20)
/* Any constant shared by every ihala server: the bytes of "ihala", big-endian. */
#define MIGRATION_LOCK_KEY "452722781281"

static const char create_table_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	"version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

/*
 * The PostgreSQL spelling of sql: whole words INTEGER -> BIGINT and
 * BLOB -> BYTEA outside literals, quoted names and comments. Caller frees.
 * NULL on failure (logged).
 */
static char *translate_for_pg(const char *sql)
{
	struct buf b;
	buf_init(&b, MIGRATION_MAX);
	size_t i = 0;
	while (sql[i]) {
		size_t end = store_sql_skip(sql, i);
		if (end > i) {
			buf_append(&b, sql + i, end - i);
			i = end;
			continue;
		}
		if (!store_sql_is_word(sql[i])) {
			buf_putc(&b, sql[i++]);
			continue;
		}
		size_t start = i;
		while (sql[i] && store_sql_is_word(sql[i]))
			i++;
		size_t len = i - start;
		if (len == 7 && strncasecmp(sql + start, "INTEGER", 7) == 0)
			buf_puts(&b, "BIGINT");
		else if (len == 4 && strncasecmp(sql + start, "BLOB", 4) == 0)
			buf_puts(&b, "BYTEA");
		else
			buf_append(&b, sql + start, len);
	}
	if (buf_error(&b)) {
		log_error("store migration failed", "err=\"translation: %s\"", err_name(buf_error(&b)));
		buf_release(&b);
		return NULL;
	}
	size_t out_len;
	char *out = buf_detach(&b, &out_len);
	if (!out)
		log_error("store migration failed", "err=\"out of memory\"");
	return out;
}

/* The number in "0001_init.sql"; -1 when the name does not start with digits. */
static int migration_number(const char *name)
{
	long n = 0;
	size_t i = 0;
	for (; name[i] >= '0' && name[i] <= '9'; i++) {
		n = n * 10 + (name[i] - '0');
		if (n > 1000000)
			return -1;
	}
	return i > 0 ? (int)n : -1;
}

/* 1 if version is recorded, 0 if not, negative on failure. */
static int is_applied(struct store *db, int version)
{
	struct store_stmt *st;
	int rc = store_prepare(db, &st, "SELECT 1 FROM schema_migrations WHERE version = ?");
	if (rc < 0)
		return rc;
	rc = store_bind_int64(st, 1, version);
	if (rc == 0)
		rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW;
}

static int record(struct store *db, int version)
{
	struct store_stmt *st;
	int rc = store_prepare(db, &st,
			       "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
	if (rc < 0)
		return rc;
	rc = store_bind_int64(st, 1, version);
	if (rc == 0)
		rc = store_bind_int64(st, 2, clock_now());
	if (rc == 0)
		rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Apply one migration unless recorded; one transaction. 0 or negative. */
static int apply_one(struct store *db, int version, const char *name, const char *sql)
{
	int pg = store_backend(db) == STORE_POSTGRES;
	char *create_sql = NULL, *body = NULL;
	int rc = ERR_FAIL;
	if (pg) {
		create_sql = translate_for_pg(create_table_sql);
		body = translate_for_pg(sql);
		if (!create_sql || !body)
			goto out;
	}
	rc = store_begin(db);
	if (rc < 0)
		goto out;
	if (pg && (rc = store_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ")")) < 0)
		goto rollback;
	if ((rc = store_exec(db, pg ? create_sql : create_table_sql)) < 0)
		goto rollback;
	rc = is_applied(db, version);
	if (rc < 0)
		goto rollback;
	if (rc == 1) {
		rc = 0;   /* another server, or an earlier start, applied it */
		goto rollback;
	}
	size_t nl = strlen(name);
	bool pg_only = nl > 7 && !strcmp(name + nl - 7, ".pg.sql");
	bool sqlite_only = nl > 11 && !strcmp(name + nl - 11, ".sqlite.sql");
	bool runs = pg ? !sqlite_only : !pg_only;
	if (runs && (rc = store_exec(db, pg ? body : sql)) < 0) {
		log_error("store migration failed", "migration=%s", name);
		goto rollback;
	}
	if ((rc = record(db, version)) < 0)
		goto rollback;
	if ((rc = store_commit(db)) < 0)
		goto rollback;
	log_info("store migration applied", "migration=%s version=%d", name, version);
	goto out;
rollback:
	store_rollback(db);
out:
	free(create_sql);
	free(body);
	return rc < 0 ? rc : 0;
}

int store_migrate(struct store *db)
{
	return store_migrate_to(db, INT_MAX);
}

int store_migrate_to(struct store *db, int upto)
{
	assert(db);
	int last = 0;
	for (size_t i = 0; i < ihala_migrations_count; i++) {
		const struct embedded_file *m = &ihala_migrations[i];
		int version = migration_number(m->path);
		if (version <= last) {
			/* Sorted by name, so numbers must rise: a build mistake. */
			log_error("store migration failed", "migration=%s err=\"bad or repeated number\"",
				  m->path);
			return ERR_FAIL;
		}
		last = version;
		if (version > upto)
			break;
		int rc = apply_one(db, version, m->path, (const char *)m->data);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* 1 if schema_migrations exists, 0 if not, negative on failure. */
static int have_table(struct store *db)
{
	const char *sql = store_backend(db) == STORE_POSTGRES
		? "SELECT count(*) FROM information_schema.tables "
		  "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
		: "SELECT count(*) FROM sqlite_master "
		  "WHERE type = 'table' AND name = 'schema_migrations'";
	struct store_stmt *st;
	int rc = store_prepare(db, &st, sql);
	if (rc < 0)
		return rc;
	rc = store_step(st);
	int found = rc == STORE_ROW && store_column_int64(st, 0) > 0;
	store_finalize(st);
	return rc < 0 ? rc : found;
}

int store_schema_version(struct store *db)
{
	assert(db);
	int rc = have_table(db);
	if (rc <= 0)
		return rc;   /* 0: nothing applied yet */
	struct store_stmt *st;
	rc = store_prepare(db, &st, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
	if (rc < 0)
		return rc;
	rc = store_step(st);
	int64_t version = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
	store_finalize(st);
	if (rc < 0)
		return rc;
	return (int)version;
}
