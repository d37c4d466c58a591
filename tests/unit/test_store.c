/*
 * test_store.c: the store.h contract, run on every backend available:
 * SQLite always (a fresh file per case, in a mkdtemp folder), PostgreSQL when
 * IHALA_TEST_PG holds a conninfo (a database is created for this run and
 * dropped at the end; each case starts from an empty public schema).
 *
 *	conn=$(bash scripts/pg.sh start /tmp/pgtest) && IHALA_TEST_PG="$conn" build/asan/tests/test_store
 *	bash scripts/pg.sh stop /tmp/pgtest
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/embedded.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

struct fixture {
	enum store_backend backend;
	char dir[256];   /* SQLite: this case's folder */
	char url[1024];  /* what store_open takes */
};

static char scratch_root[128];     /* mkdtemp folder; one subfolder per case */
static char pg_url[1024];          /* conninfo of this run's PostgreSQL database */
static char pg_admin_url[1024];    /* IHALA_TEST_PG as given */
static char pg_dbname[64];
static int case_counter;

/* ---------- helpers ---------- */

static struct store *open_db(const struct fixture *fx)
{
	struct store *db = NULL;
	assert_int_equal(store_open(&db, fx->url), 0);
	assert_non_null(db);
	assert_int_equal(store_backend(db), fx->backend);
	return db;
}

static struct store *open_migrated(const struct fixture *fx)
{
	struct store *db = open_db(fx);
	assert_int_equal(store_migrate(db), 0);
	return db;
}

static int64_t query_int(struct store *db, const char *sql)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, sql), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	int64_t value = store_column_int64(st, 0);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
	return value;
}

static int put_setting(struct store *db, const char *key, const char *value)
{
	struct store_stmt *st;
	int rc = store_prepare(db, &st, "INSERT INTO settings (key, value) VALUES (?, ?)");
	if (rc < 0)
		return rc;
	if ((rc = store_bind_text(st, 1, key)) == 0 && (rc = store_bind_text(st, 2, value)) == 0)
		rc = store_step(st);
	store_finalize(st);
	return rc;
}

/* The value of settings[key], copied into out; 0 if found, 1 if not. */
static int get_setting(struct store *db, const char *key, char *out, size_t out_size)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, "SELECT value FROM settings WHERE key = ?"), 0);
	assert_int_equal(store_bind_text(st, 1, key), 0);
	int rc = store_step(st);
	int found = rc == STORE_ROW;
	if (found)
		snprintf(out, out_size, "%s", store_column_text(st, 0));
	else
		assert_int_equal(rc, STORE_DONE);
	store_finalize(st);
	return found ? 0 : 1;
}

static int latest_migration(void)
{
	int latest = 0;
	for (size_t i = 0; i < ihala_migrations_count; i++) {
		int n = (int)strtol(ihala_migrations[i].path, NULL, 10);
		if (n > latest)
			latest = n;
	}
	return latest;
}

static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char child[512];
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		unlink(child);
	}
	closedir(d);
	rmdir(path);
}

/* ---------- per-backend setup ---------- */

static int sqlite_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->backend = STORE_SQLITE;
	snprintf(fx->dir, sizeof(fx->dir), "%s/case%d", scratch_root, ++case_counter);
	if (mkdir(fx->dir, 0700) < 0) {
		free(fx);
		return -1;
	}
	snprintf(fx->url, sizeof(fx->url), "%s/ihala.db", fx->dir);
	*state = fx;
	return 0;
}

static int sqlite_teardown(void **state)
{
	struct fixture *fx = *state;
	remove_dir(fx->dir);
	free(fx);
	return 0;
}

/* Run one admin statement on conninfo; 0 or -1 (printed). */
static int pg_admin(const char *conninfo, const char *sql)
{
	PGconn *conn = PQconnectdb(conninfo);
	int rc = -1;
	if (PQstatus(conn) == CONNECTION_OK) {
		PGresult *res = PQexec(conn, "SET client_min_messages = warning");
		PQclear(res);
		res = PQexec(conn, sql);
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
		PQclear(res);
	}
	if (rc < 0)
		fprintf(stderr, "test_store: postgres: %s", PQerrorMessage(conn));
	PQfinish(conn);
	return rc;
}

/*
 * The given conninfo (URL or keywords) with dbname replaced, as a keyword
 * string that starts with host= (what store_open recognises).
 */
static int pg_conninfo_with_db(const char *conninfo, const char *dbname, char *out, size_t out_size)
{
	char *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
	if (!opts) {
		fprintf(stderr, "test_store: bad IHALA_TEST_PG: %s\n", errmsg ? errmsg : "?");
		PQfreemem(errmsg);
		return -1;
	}
	const char *host = "";
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (strcmp(o->keyword, "host") == 0 && o->val)
			host = o->val;
	}
	size_t len = (size_t)snprintf(out, out_size, "host='%s' dbname='%s'", host, dbname);
	for (PQconninfoOption *o = opts; o->keyword && len < out_size; o++) {
		if (!o->val || strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "dbname") == 0)
			continue;
		len += (size_t)snprintf(out + len, out_size - len, " %s='%s'", o->keyword, o->val);
	}
	PQconninfoFree(opts);
	return len < out_size ? 0 : -1;
}

static int pg_group_setup(void **state)
{
	snprintf(pg_dbname, sizeof(pg_dbname), "ihala_test_store_%ld_%ld", (long)getpid(),
		 (long)time(NULL));
	char sql[128];
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_dbname);
	if (pg_admin(pg_admin_url, sql) < 0)
		return -1;
	return pg_conninfo_with_db(pg_admin_url, pg_dbname, pg_url, sizeof(pg_url));
}

static int pg_group_teardown(void **state)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_dbname);
	return pg_admin(pg_admin_url, sql);
}

static int pg_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->backend = STORE_POSTGRES;
	snprintf(fx->url, sizeof(fx->url), "%s", pg_url);
	if (pg_admin(fx->url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") < 0) {
		free(fx);
		return -1;
	}
	/* The backup case on PostgreSQL still needs a folder to name a target in. */
	snprintf(fx->dir, sizeof(fx->dir), "%s/case%d", scratch_root, ++case_counter);
	if (mkdir(fx->dir, 0700) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int pg_teardown(void **state)
{
	return sqlite_teardown(state);
}

/* ---------- cases ---------- */

static void test_migrate(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_db(fx);
	assert_int_equal(store_schema_version(db), 0);
	assert_int_equal(store_migrate(db), 0);
	assert_true(latest_migration() >= 1);
	assert_int_equal(store_schema_version(db), latest_migration());
	int64_t applied = query_int(db, "SELECT count(*) FROM schema_migrations");
	assert_int_equal(applied, (int64_t)ihala_migrations_count);
	assert_true(query_int(db, "SELECT min(applied_at) FROM schema_migrations") > 1600000000);

	/* Idempotent, on the same connection and after a reopen. */
	assert_int_equal(store_migrate(db), 0);
	store_close(db);
	db = open_migrated(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM schema_migrations"), applied);
	assert_int_equal(store_schema_version(db), latest_migration());

	/* 0001's tables are there and typed: a 64-bit value in an INTEGER column. */
	assert_int_equal(store_exec(db, "INSERT INTO orgs (id, name_ar, name_en, org_type, country, "
				    "created_at, updated_at) VALUES ('o1', 'منظمة', 'Org', 'ngo', 'BH', "
				    "4102444800000, 4102444800000)"), 0);
	assert_int_equal(query_int(db, "SELECT created_at FROM orgs WHERE id = 'o1'"), 4102444800000LL);
	assert_int_equal(query_int(db, "SELECT version FROM orgs"), 1);
	assert_int_equal(store_integrity_check(db), 0);
	store_close(db);
}

/* The text of one query's rows, column 0, joined with commas. */
static void query_list(struct store *db, const char *sql, char *out, size_t size)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, sql), 0);
	size_t len = 0;
	out[0] = '\0';
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", store_column_text(st, 0));
	assert_int_equal(rc, STORE_DONE);
	assert_true(len < size);
	store_finalize(st);
}

/*
 * 0020 (PostgreSQL) and 0021 (SQLite) give case_facts a list position and,
 * on SQLite, rebuild the case tables keyed by case: every row written before
 * is still there, and a list keeps the order it was entered in.
 */
static void test_migrate_case_tables(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_db(fx);
	assert_int_equal(store_migrate_to(db, 19), 0);
	assert_int_equal(store_schema_version(db), 19);
	assert_int_equal(store_exec(db,
		"INSERT INTO orgs (id, name_ar, name_en, org_type, country, created_at, updated_at) "
		"VALUES ('o1', 'منظمة', 'Org', 'ngo', 'BH', 1, 1);"
		"INSERT INTO users (id, org_id, username, display_name, roles, password_hash, created_at, updated_at) "
		"VALUES ('u1', 'o1', 'u1', 'U', 'case_manager', 'x', 1, 1);"
		"INSERT INTO cases (id, ref, org_id, created_by, status, created_at, updated_at) "
		"VALUES ('c2', 'BH-2026-00002', 'o1', 'u1', 'Active', 1, 1), "
		"('c1', 'BH-2026-00001', 'o1', 'u1', 'Active', 1, 1);"
		"INSERT INTO case_facts (case_id, entity, item, key, value) VALUES "
		"('c2', 'person', 0, 'citizenship', 'SY'), ('c1', 'person', 0, 'gender', 'Feminine'), "
		"('c2', 'person', 0, 'citizenship', 'EG'), ('c2', 'event', 1, 'country', 'QA'), "
		"('c2', 'person', 0, 'gender', 'Masculine'), ('c2', 'person', 0, 'citizenship', 'AE');"
		"INSERT INTO case_records (case_id, entity, item, sealed) VALUES "
		"('c2', 'person', 0, 'ab'), ('c1', 'person', 0, 'cd');"
		"INSERT INTO case_item_meta (case_id, entity, item, recorded_by, recorded_at) VALUES "
		"('c2', 'consent', 0, 'u1', 42);"), 0);
	assert_int_equal(store_migrate(db), 0);
	assert_int_equal(store_schema_version(db), latest_migration());

	char got[256];
	query_list(db, "SELECT value FROM case_facts WHERE case_id = 'c2' AND key = 'citizenship' ORDER BY n", got,
		   sizeof(got));
	assert_string_equal(got, "SY,EG,AE");
	query_list(db, "SELECT n FROM case_facts WHERE case_id = 'c2' AND key = 'citizenship' ORDER BY n", got,
		   sizeof(got));
	assert_string_equal(got, "0,1,2");
	query_list(db, "SELECT case_id || ':' || entity || ':' || item || ':' || key || ':' || n || ':' || value "
		       "FROM case_facts WHERE key <> 'citizenship' ORDER BY case_id, key", got, sizeof(got));
	assert_string_equal(got, "c1:person:0:gender:0:Feminine,c2:event:1:country:0:QA,c2:person:0:gender:0:Masculine");
	assert_int_equal(query_int(db, "SELECT count(*) FROM case_records WHERE case_id = 'c2' AND sealed = 'ab'"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM case_records"), 2);
	assert_int_equal(query_int(db, "SELECT recorded_at FROM case_item_meta WHERE case_id = 'c2' AND recorded_by = 'u1'"),
			 42);
	/* A new fact takes the list position; the same position twice is refused on SQLite (the key). */
	assert_int_equal(store_exec(db, "INSERT INTO case_facts (case_id, entity, item, key, n, value) "
				    "VALUES ('c1', 'person', 0, 'citizenship', 1, 'BH'), "
				    "('c1', 'person', 0, 'citizenship', 0, 'IN')"), 0);
	query_list(db, "SELECT value FROM case_facts WHERE case_id = 'c1' AND key = 'citizenship' ORDER BY n", got,
		   sizeof(got));
	assert_string_equal(got, "IN,BH");
	if (fx->backend == STORE_SQLITE) {
		assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
					       "AND name IN ('case_facts', 'case_records', 'case_item_meta') "
					       "AND sql LIKE '%WITHOUT ROWID'"), 3);
		assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'case_facts_key'"), 1);
		assert_true(store_exec(db, "INSERT INTO case_facts (case_id, entity, item, key, n, value) "
					   "VALUES ('c1', 'person', 0, 'citizenship', 1, 'QA')") < 0);
		assert_true(store_exec(db, "INSERT INTO case_facts (case_id, entity, item, key, n, value) "
					   "VALUES ('nope', 'person', 0, 'gender', 0, 'Feminine')") < 0);
	}
	assert_int_equal(store_integrity_check(db), 0);
	store_close(db);
}

/*
 * 0022 adds the sealed list name of cases (NULL for the cases before it,
 * which the partial index finds for case_display_upgrade) and 0023 the case
 * reference on each referral, filled from the case for those made before.
 */
static void test_migrate_display_and_referral_ref(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_db(fx);
	assert_int_equal(store_migrate_to(db, 21), 0);
	assert_int_equal(store_exec(db,
		"INSERT INTO orgs (id, name_ar, name_en, org_type, country, created_at, updated_at) "
		"VALUES ('o1', 'منظمة', 'Org', 'ngo', 'BH', 1, 1), ('o2', 'مأوى', 'Shelter', 'ngo', 'BH', 1, 1);"
		"INSERT INTO users (id, org_id, username, display_name, roles, password_hash, created_at, updated_at) "
		"VALUES ('u1', 'o1', 'u1', 'U', 'case_manager', 'x', 1, 1);"
		"INSERT INTO cases (id, ref, org_id, created_by, status, dek, created_at, updated_at) "
		"VALUES ('c1', 'BH-2026-00001', 'o1', 'u1', 'Active', 'k1', 1, 1), "
		"('c2', 'BH-2026-00002', 'o1', 'u1', 'Active', 'k2', 2, 2), "
		"('c3', 'BH-2026-00003', 'o1', 'u1', 'Erased', NULL, 3, 3);"
		"INSERT INTO referrals (id, case_id, from_org, to_org, created_by, created_at, urgency, services, "
		"profile, fields, reason, consent, state, ack_due, answer_due, next_due, updated_at) VALUES "
		"('r1', 'c2', 'o1', 'o2', 'u1', 5, 'urgent', 'Health', 'health', 'x', 'ab', 'given', 'sent', 9, 9, 9, 5), "
		"('r2', 'c1', 'o1', 'o2', 'u1', 6, 'urgent', 'Health', 'health', 'x', 'ab', 'given', 'sent', 9, 9, 9, 6);"), 0);
	assert_int_equal(store_migrate(db), 0);
	char got[256];
	query_list(db, "SELECT id || '=' || case_ref FROM referrals ORDER BY id", got, sizeof(got));
	assert_string_equal(got, "r1=BH-2026-00002,r2=BH-2026-00001");
	assert_int_equal(query_int(db, "SELECT count(*) FROM cases WHERE display IS NOT NULL"), 0);
	query_list(db, "SELECT id FROM cases WHERE display IS NULL AND dek IS NOT NULL ORDER BY id", got, sizeof(got));
	assert_string_equal(got, "c1,c2");
	assert_int_equal(store_integrity_check(db), 0);
	store_close(db);
}

struct migrate_race {
	const struct fixture *fx;
	int rc;
};

static void *migrate_thread(void *arg)
{
	struct migrate_race *r = arg;
	struct store *db = NULL;
	r->rc = store_open(&db, r->fx->url);
	if (r->rc == 0) {
		r->rc = store_migrate(db);
		store_close(db);
	}
	return NULL;
}

/* Servers starting together against one database apply each migration once. */
static void test_migrate_concurrent(void **state)
{
	const struct fixture *fx = *state;
	enum { N = 4 };
	pthread_t threads[N];
	struct migrate_race races[N];
	for (int i = 0; i < N; i++) {
		races[i] = (struct migrate_race){ .fx = fx, .rc = 1 };
		assert_int_equal(pthread_create(&threads[i], NULL, migrate_thread, &races[i]), 0);
	}
	/* Join all before asserting: a failed assert leaves the frame the threads write to. */
	for (int i = 0; i < N; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < N; i++)
		assert_int_equal(races[i].rc, 0);
	struct store *db = open_db(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM schema_migrations"),
			 (int64_t)ihala_migrations_count);
	store_close(db);
}

struct value_row {
	int64_t seq, at;
	const char *actor_id;   /* NULL: SQL NULL */
	const unsigned char *hash;
	size_t hash_len;
};

static void test_values(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);

	unsigned char all_bytes[256];
	for (int i = 0; i < 256; i++)
		all_bytes[i] = (unsigned char)(255 - i);   /* starts 0xff, ends 0x00 */
	static const unsigned char nuls[] = { 0x00, 0x00, 'a', 0x00, 0xff, 0x5c, 0x27, 0x00 };
	const struct value_row rows[] = {
		{ INT64_MIN, INT64_MAX, "عربي 'مقتبس' ?", all_bytes, sizeof(all_bytes) },
		{ -1, 0, NULL, nuls, sizeof(nuls) },
		{ 0, -1, "", (const unsigned char *)"", 0 },
		{ INT64_MAX, INT64_MIN, "x\\y", nuls + 2, 1 },
	};
	const size_t n_rows = sizeof(rows) / sizeof(rows[0]);

	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st,
		"INSERT INTO audit_log (seq, at, actor_id, org_id, action, object_type, outcome, hash) "
		"VALUES (?, ?, ?, ?, 'login', ?, 'ok', ?)"), 0);
	for (size_t i = 0; i < n_rows; i++) {
		assert_int_equal(store_bind_int64(st, 1, rows[i].seq), 0);
		assert_int_equal(store_bind_int64(st, 2, rows[i].at), 0);
		assert_int_equal(store_bind_text(st, 3, rows[i].actor_id), 0);   /* NULL binds NULL */
		assert_int_equal(store_bind_null(st, 4), 0);
		assert_int_equal(store_bind_text(st, 5, "case"), 0);
		assert_int_equal(store_bind_blob(st, 6, rows[i].hash, rows[i].hash_len), 0);
		assert_int_equal(store_step(st), STORE_DONE);
		assert_int_equal(store_changes(st), 1);
		assert_int_equal(store_reset(st), 0);
	}
	store_finalize(st);

	assert_int_equal(store_prepare(db, &st,
		"SELECT seq, at, actor_id, org_id, hash, object_type FROM audit_log ORDER BY seq"), 0);
	for (size_t k = 0; k < n_rows; k++) {
		const struct value_row *want = &rows[k];   /* rows[] is in seq order */
		assert_int_equal(store_step(st), STORE_ROW);
		assert_int_equal(store_column_count(st), 6);
		assert_true(store_column_int64(st, 0) == want->seq);
		assert_true(store_column_int64(st, 1) == want->at);
		if (want->actor_id) {
			assert_false(store_column_is_null(st, 2));
			assert_string_equal(store_column_text(st, 2), want->actor_id);
		} else {
			assert_true(store_column_is_null(st, 2));
			assert_null(store_column_text(st, 2));
		}
		assert_true(store_column_is_null(st, 3));
		size_t len = 12345;
		const void *blob = store_column_blob(st, 4, &len);
		assert_false(store_column_is_null(st, 4));
		assert_non_null(blob);   /* an empty blob is a value, not NULL */
		assert_int_equal(len, want->hash_len);
		if (want->hash_len)
			assert_memory_equal(blob, want->hash, want->hash_len);
		/* Asking twice gives the same bytes (cached per column on PostgreSQL). */
		size_t len2;
		assert_ptr_equal(store_column_blob(st, 4, &len2), blob);
		assert_int_equal(len2, len);
		assert_string_equal(store_column_text(st, 5), "case");
	}
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);

	/* A NULL blob column reads as NULL with length 0. */
	assert_int_equal(store_exec(db, "INSERT INTO orgs (id, name_ar, name_en, org_type, country, "
				    "created_at, updated_at) VALUES ('o1', 'a', 'b', 'ngo', 'BH', 1, 1)"), 0);
	assert_int_equal(store_exec(db, "INSERT INTO users (id, org_id, username, display_name, "
				    "roles, password_hash, created_at, updated_at) "
				    "VALUES ('u1', 'o1', 'u', 'U', 'analyst', 'h', 1, 1)"), 0);
	assert_int_equal(store_prepare(db, &st, "SELECT totp_secret FROM users WHERE id = ?"), 0);
	assert_int_equal(store_bind_text(st, 1, "u1"), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	size_t len = 99;
	assert_null(store_column_blob(st, 0, &len));
	assert_int_equal(len, 0);
	assert_true(store_column_is_null(st, 0));
	store_finalize(st);
	store_close(db);
}

static void test_conflict(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	assert_int_equal(put_setting(db, "k", "v1"), STORE_DONE);
	assert_int_equal(put_setting(db, "k", "v2"), ERR_CONFLICT);   /* primary key */

	/* A foreign key to nowhere (needs foreign_keys=ON on SQLite). */
	assert_int_equal(store_exec(db, "INSERT INTO users (id, org_id, username, display_name, "
				    "roles, password_hash, created_at, updated_at) "
				    "VALUES ('u1', 'no-such-org', 'u', 'U', 'analyst', 'h', 1, 1)"), ERR_CONFLICT);

	/* A unique column inside a transaction; the transaction can still be rolled back. */
	assert_int_equal(store_exec(db, "INSERT INTO orgs (id, name_ar, name_en, org_type, country, "
				    "created_at, updated_at) VALUES ('o1', 'a', 'b', 'ngo', 'BH', 1, 1)"), 0);
	assert_int_equal(store_exec(db, "INSERT INTO users (id, org_id, username, display_name, "
				    "roles, password_hash, created_at, updated_at) "
				    "VALUES ('u1', 'o1', 'same', 'U', 'analyst', 'h', 1, 1)"), 0);
	assert_int_equal(store_begin(db), 0);
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, "INSERT INTO users (id, org_id, username, "
				       "display_name, roles, password_hash, created_at, updated_at) "
				       "VALUES (?, ?, ?, 'U', 'analyst', 'h', 1, 1)"), 0);
	assert_int_equal(store_bind_text(st, 1, "u2"), 0);
	assert_int_equal(store_bind_text(st, 2, "o1"), 0);
	assert_int_equal(store_bind_text(st, 3, "same"), 0);
	assert_int_equal(store_step(st), ERR_CONFLICT);
	store_finalize(st);
	assert_int_equal(store_rollback(db), 0);

	/* Other errors are failures, not conflicts. */
	assert_int_equal(store_exec(db, "INSERT INTO no_such_table VALUES (1)"), ERR_FAIL);
	char value[16];
	assert_int_equal(get_setting(db, "k", value, sizeof(value)), 0);
	assert_string_equal(value, "v1");
	assert_int_equal(query_int(db, "SELECT count(*) FROM users"), 1);
	store_close(db);
}

static void test_rollback(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	assert_int_equal(store_rollback(db), 0);   /* nothing open: fine */
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(put_setting(db, "gone", "x"), STORE_DONE);
	char value[16];
	assert_int_equal(get_setting(db, "gone", value, sizeof(value)), 0);   /* visible inside */
	assert_int_equal(store_rollback(db), 0);
	assert_int_equal(get_setting(db, "gone", value, sizeof(value)), 1);
	assert_int_equal(store_rollback(db), 0);
	/* A new transaction can start after a rollback. */
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(store_commit(db), 0);
	store_close(db);
}

static void test_commit_persists(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(put_setting(db, "kept", "نعم"), STORE_DONE);
	assert_int_equal(store_commit(db), 0);
	store_close(db);

	db = open_db(fx);
	char value[32];
	assert_int_equal(get_setting(db, "kept", value, sizeof(value)), 0);
	assert_string_equal(value, "نعم");
	store_close(db);
}

static void test_question_mark_in_literal(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	struct store_stmt *st;
	/* Two `?` in literals and one in a comment; only the last `?` is a parameter. */
	assert_int_equal(store_prepare(db, &st,
		"INSERT INTO settings (key, value) -- which? \n"
		"VALUES ('what?', 'it''s ? ' || ?)"), 0);
	assert_int_equal(store_bind_text(st, 1, "bound"), 0);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
	char value[64];
	assert_int_equal(get_setting(db, "what?", value, sizeof(value)), 0);
	assert_string_equal(value, "it's ? bound");

	/* Binding past the parameters is refused. */
	assert_int_equal(store_prepare(db, &st, "SELECT value FROM settings WHERE key = '?'"), 0);
	assert_true(store_bind_text(st, 1, "x") < 0);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
	store_close(db);
}

static void test_changes(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	const char *keys[] = { "ka", "kb", "kc", "other" };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(put_setting(db, keys[i], "0"), STORE_DONE);

	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, "UPDATE settings SET value = ? WHERE key LIKE ?"), 0);
	assert_int_equal(store_bind_text(st, 1, "1"), 0);
	assert_int_equal(store_bind_text(st, 2, "k%"), 0);
	assert_int_equal(store_step(st), STORE_DONE);
	assert_int_equal(store_changes(st), 3);
	/* Run again with new bindings. */
	assert_int_equal(store_reset(st), 0);
	assert_int_equal(store_bind_text(st, 1, "2"), 0);
	assert_int_equal(store_bind_text(st, 2, "nothing%"), 0);
	assert_int_equal(store_step(st), STORE_DONE);
	assert_int_equal(store_changes(st), 0);
	store_finalize(st);

	assert_int_equal(store_prepare(db, &st, "DELETE FROM settings WHERE key <> ?"), 0);
	assert_int_equal(store_bind_text(st, 1, "other"), 0);
	assert_int_equal(store_step(st), STORE_DONE);
	assert_int_equal(store_changes(st), 3);
	store_finalize(st);
	assert_int_equal(query_int(db, "SELECT count(*) FROM settings"), 1);
	store_close(db);
}

static void test_backup(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	assert_int_equal(put_setting(db, "before", "backup"), STORE_DONE);
	char dest[512];
	snprintf(dest, sizeof(dest), "%s/backup.db", fx->dir);

	if (fx->backend == STORE_POSTGRES) {
		assert_int_equal(store_backup_to(db, dest), ERR_FAIL);   /* pg_dump's job */
		assert_int_equal(access(dest, F_OK), -1);
		store_close(db);
		return;
	}

	assert_int_equal(store_backup_to(db, dest), 0);
	/* Never overwrites: a second backup to the same name fails and leaves the first. */
	assert_int_equal(store_backup_to(db, dest), ERR_FAIL);
	assert_int_equal(put_setting(db, "after", "backup"), STORE_DONE);
	store_close(db);

	struct fixture copy = *fx;
	snprintf(copy.url, sizeof(copy.url), "%s", dest);
	struct store *bk = open_db(&copy);
	assert_int_equal(store_integrity_check(bk), 0);
	assert_int_equal(store_schema_version(bk), latest_migration());
	char value[32];
	assert_int_equal(get_setting(bk, "before", value, sizeof(value)), 0);
	assert_string_equal(value, "backup");
	assert_int_equal(get_setting(bk, "after", value, sizeof(value)), 1);
	store_close(bk);
}

enum { POOL_THREADS = 4, POOL_SIZE = 3, INSERTS_PER_THREAD = 25 };

struct pool_worker {
	struct store_pool *pool;
	int id;
	int failures;
};

static void *pool_thread(void *arg)
{
	struct pool_worker *w = arg;
	for (int i = 0; i < INSERTS_PER_THREAD; i++) {
		struct store *db = store_pool_acquire(w->pool);
		char key[32];
		snprintf(key, sizeof(key), "t%d-%d", w->id, i);
		if (store_begin(db) < 0 || put_setting(db, key, "v") != STORE_DONE ||
		    store_commit(db) < 0)
			w->failures++;
		store_pool_release(w->pool, db);
	}
	return NULL;
}

static void test_pool(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = open_migrated(fx);
	store_close(db);

	struct store_pool *pool;
	assert_int_equal(store_pool_open(&pool, fx->url, POOL_SIZE), 0);
	pthread_t threads[POOL_THREADS];
	struct pool_worker workers[POOL_THREADS];
	for (int i = 0; i < POOL_THREADS; i++) {
		workers[i] = (struct pool_worker){ .pool = pool, .id = i };
		assert_int_equal(pthread_create(&threads[i], NULL, pool_thread, &workers[i]), 0);
	}
	for (int i = 0; i < POOL_THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < POOL_THREADS; i++)
		assert_int_equal(workers[i].failures, 0);

	/* Release rolls back what a holder left open. */
	db = store_pool_acquire(pool);
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(put_setting(db, "uncommitted", "v"), STORE_DONE);
	store_pool_release(pool, db);
	for (int i = 0; i < POOL_SIZE; i++) {
		db = store_pool_acquire(pool);   /* takes each connection in turn */
		assert_int_equal(store_begin(db), 0);   /* no transaction left open */
		assert_int_equal(store_commit(db), 0);
		store_pool_release(pool, db);
	}
	db = store_pool_acquire(pool);
	assert_int_equal(query_int(db, "SELECT count(*) FROM settings"),
			 POOL_THREADS * INSERTS_PER_THREAD);
	store_pool_release(pool, db);
	store_pool_close(pool);
}

static void test_open_failure(void **state)
{
	const struct fixture *fx = *state;
	struct store *db = (struct store *)1;
	if (fx->backend == STORE_SQLITE) {
		char path[512];
		snprintf(path, sizeof(path), "%s/no/such/dir/x.db", fx->dir);
		assert_int_equal(store_open(&db, path), ERR_FAIL);
	} else {
		assert_int_equal(store_open(&db, "host=/nonexistent-socket-dir port=1 dbname=x "
					    "connect_timeout=2"), ERR_FAIL);
	}
	assert_null(db);
}

/* ---------- PostgreSQL: the prepared-statement cache of pg.c ---------- */

/*
 * How many prepared statements of db's session have this text (with $n),
 * and in *runs how many times they ran (pg_prepared_statements counts each
 * execution as a custom or a generic plan).
 */
static int64_t prepared_count(struct store *db, const char *statement, int64_t *runs)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st,
		"SELECT count(*), COALESCE(sum(generic_plans + custom_plans), 0) "
		"FROM pg_prepared_statements WHERE statement = ?"), 0);
	assert_int_equal(store_bind_text(st, 1, statement), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	int64_t n = store_column_int64(st, 0);
	if (runs)
		*runs = store_column_int64(st, 1);
	store_finalize(st);
	return n;
}

/* SELECT ? + k with 1000 bound: checks the answer. */
static void add_k(struct store *db, int k)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "SELECT ? + %d", k);
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, sql), 0);
	assert_int_equal(store_bind_int64(st, 1, 1000), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_column_int64(st, 0), 1000 + k);
	store_finalize(st);
}

static void test_pg_statement_cache(void **state)
{
	const struct fixture *fx = *state;
	if (fx->backend != STORE_POSTGRES)
		skip();
	struct store *db = open_migrated(fx);
	static const char insert_pg[] = "INSERT INTO settings (key, value) VALUES ($1, $2)";
	int64_t runs;

	/* Three statements of the same SQL: one prepare, three executions. */
	assert_int_equal(put_setting(db, "a", "1"), STORE_DONE);
	assert_int_equal(put_setting(db, "b", "1"), STORE_DONE);
	assert_int_equal(put_setting(db, "c", "2"), STORE_DONE);
	assert_int_equal(prepared_count(db, insert_pg, &runs), 1);
	assert_int_equal(runs, 3);

	/* Nested: the same SQL again while a first statement of it is between rows. */
	static const char by_value[] = "SELECT key FROM settings WHERE value = ? ORDER BY key";
	struct store_stmt *outer, *inner;
	assert_int_equal(store_prepare(db, &outer, by_value), 0);
	assert_int_equal(store_bind_text(outer, 1, "1"), 0);
	assert_int_equal(store_step(outer), STORE_ROW);
	assert_string_equal(store_column_text(outer, 0), "a");
	assert_int_equal(store_prepare(db, &inner, by_value), 0);
	assert_int_equal(store_bind_text(inner, 1, "2"), 0);
	assert_int_equal(store_step(inner), STORE_ROW);
	assert_string_equal(store_column_text(inner, 0), "c");
	assert_int_equal(store_step(inner), STORE_DONE);
	store_finalize(inner);
	assert_int_equal(store_step(outer), STORE_ROW);
	assert_string_equal(store_column_text(outer, 0), "b");
	assert_int_equal(store_step(outer), STORE_DONE);
	store_finalize(outer);
	assert_int_equal(prepared_count(db, "SELECT key FROM settings WHERE value = $1 ORDER BY key",
					&runs), 1);
	assert_int_equal(runs, 2);

	/* A blob, then NULL, then an empty blob in the same place: bytea or not is part of the key. */
	assert_int_equal(store_exec(db, "CREATE TABLE cache_blobs (id BIGINT PRIMARY KEY, data BYTEA)"), 0);
	static const unsigned char bytes[] = { 0x00, 'a', 0x00, 0xff, 0x27 };
	struct store_stmt *st;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_prepare(db, &st, "INSERT INTO cache_blobs (id, data) VALUES (?, ?)"), 0);
		assert_int_equal(store_bind_int64(st, 1, i), 0);
		if (i == 1)
			assert_int_equal(store_bind_null(st, 2), 0);
		else
			assert_int_equal(store_bind_blob(st, 2, bytes, i == 0 ? sizeof(bytes) : 0), 0);
		assert_int_equal(store_step(st), STORE_DONE);
		store_finalize(st);
	}
	assert_int_equal(prepared_count(db, "INSERT INTO cache_blobs (id, data) VALUES ($1, $2)", &runs), 2);
	assert_int_equal(runs, 3);
	assert_int_equal(store_prepare(db, &st, "SELECT data FROM cache_blobs ORDER BY id"), 0);
	size_t len;
	assert_int_equal(store_step(st), STORE_ROW);
	const void *blob = store_column_blob(st, 0, &len);
	assert_int_equal(len, sizeof(bytes));
	assert_memory_equal(blob, bytes, sizeof(bytes));
	assert_int_equal(store_step(st), STORE_ROW);
	assert_true(store_column_is_null(st, 0));
	assert_int_equal(store_step(st), STORE_ROW);
	assert_non_null(store_column_blob(st, 0, &len));
	assert_int_equal(len, 0);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
	/* Where the context gives no type, text and bytea are different statements. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_prepare(db, &st, "SELECT octet_length(?)"), 0);
		if (i == 0)
			assert_int_equal(store_bind_text(st, 1, "abc"), 0);
		else
			assert_int_equal(store_bind_blob(st, 1, bytes, sizeof(bytes)), 0);
		assert_int_equal(store_step(st), STORE_ROW);
		assert_int_equal(store_column_int64(st, 0), i == 0 ? 3 : (int64_t)sizeof(bytes));
		store_finalize(st);
	}

	/* Commands other than SELECT/INSERT/UPDATE/DELETE/WITH/VALUES are not prepared. */
	assert_int_equal(store_prepare(db, &st, "CREATE INDEX cache_blobs_data ON cache_blobs (data)"), 0);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
	assert_int_equal(prepared_count(db, "CREATE INDEX cache_blobs_data ON cache_blobs (data)", NULL), 0);

	/* Prepared in a transaction that rolls back: the statement stays and is used again. */
	static const char key_len[] = "SELECT length(value) FROM settings WHERE key = ?";
	char value[16];
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(store_prepare(db, &st, key_len), 0);
	assert_int_equal(store_bind_text(st, 1, "a"), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	store_finalize(st);
	assert_int_equal(store_rollback(db), 0);
	assert_int_equal(store_prepare(db, &st, key_len), 0);
	assert_int_equal(store_bind_text(st, 1, "a"), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_column_int64(st, 0), 1);
	store_finalize(st);
	assert_int_equal(prepared_count(db, "SELECT length(value) FROM settings WHERE key = $1", &runs), 1);
	assert_int_equal(runs, 2);

	/* DISCARD ALL drops the session's statements; the cache follows and prepares again. */
	assert_int_equal(store_exec(db, "DISCARD ALL"), 0);
	assert_int_equal(put_setting(db, "d", "3"), STORE_DONE);
	assert_int_equal(get_setting(db, "d", value, sizeof(value)), 0);
	assert_string_equal(value, "3");
	assert_int_equal(prepared_count(db, insert_pg, &runs), 1);
	assert_int_equal(runs, 1);
	store_close(db);
}

/* Past 256 entries the least recently used statement is deallocated. */
static void test_pg_statement_cache_eviction(void **state)
{
	const struct fixture *fx = *state;
	if (fx->backend != STORE_POSTGRES)
		skip();
	struct store *db = open_db(fx);
	for (int k = 0; k < 300; k++) {
		add_k(db, k);
		if (k % 50 == 49 && k < 250)
			add_k(db, 0);   /* used again: newer than 1..249, so not evicted with them */
	}
	assert_int_equal(query_int(db, "SELECT count(*) FROM pg_prepared_statements"), 256);
	int64_t runs;
	assert_int_equal(prepared_count(db, "SELECT $1 + 0", &runs), 1);
	assert_int_equal(runs, 6);   /* prepared once, run six times */
	assert_int_equal(prepared_count(db, "SELECT $1 + 1", NULL), 0);    /* the oldest went */
	assert_int_equal(prepared_count(db, "SELECT $1 + 299", NULL), 1);
	add_k(db, 1);   /* prepared again */
	assert_int_equal(prepared_count(db, "SELECT $1 + 1", NULL), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM pg_prepared_statements"), 256);
	store_close(db);
}

/* SELECT * FROM cache_alter WHERE a = 1: the number of columns, or the step's error. */
static int star_columns(struct store *db)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, "SELECT * FROM cache_alter WHERE a = ?"), 0);
	assert_int_equal(store_bind_int64(st, 1, 1), 0);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		rc = store_column_count(st);
		assert_int_equal(store_column_int64(st, 0), 1);
		assert_int_equal(store_step(st), STORE_DONE);
	}
	store_finalize(st);
	return rc;
}

/*
 * A table changed by another connection between two runs of a cached
 * SELECT *: PostgreSQL refuses the old plan (0A000); outside a transaction
 * the statement is prepared again and answers with the new columns.
 */
static void test_pg_statement_cache_schema_change(void **state)
{
	const struct fixture *fx = *state;
	if (fx->backend != STORE_POSTGRES)
		skip();
	struct store *db = open_db(fx), *other = open_db(fx);
	assert_int_equal(store_exec(db, "CREATE TABLE cache_alter (a BIGINT); "
				    "INSERT INTO cache_alter VALUES (1)"), 0);
	assert_int_equal(star_columns(db), 1);
	assert_int_equal(store_exec(other, "ALTER TABLE cache_alter ADD COLUMN b TEXT"), 0);
	assert_int_equal(star_columns(db), 2);
	int64_t runs;
	assert_int_equal(prepared_count(db, "SELECT * FROM cache_alter WHERE a = $1", &runs), 1);
	assert_int_equal(runs, 1);

	/* In a transaction the error has aborted it; after the rollback the next run is right. */
	assert_int_equal(store_exec(other, "ALTER TABLE cache_alter ADD COLUMN c TEXT"), 0);
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(star_columns(db), ERR_FAIL);
	assert_int_equal(store_rollback(db), 0);
	assert_int_equal(star_columns(db), 3);

	/* A change made on the same connection empties the cache first: no error even in a transaction. */
	assert_int_equal(store_begin(db), 0);
	assert_int_equal(store_exec(db, "ALTER TABLE cache_alter ADD COLUMN d TEXT"), 0);
	assert_int_equal(star_columns(db), 4);
	assert_int_equal(store_commit(db), 0);
	store_close(other);
	store_close(db);
}

/* A connection the server dropped comes back with a fresh cache. */
static void test_pg_statement_cache_reconnect(void **state)
{
	const struct fixture *fx = *state;
	if (fx->backend != STORE_POSTGRES)
		skip();
	struct store *db = open_db(fx), *other = open_db(fx);
	add_k(db, 7);
	int64_t pid = query_int(db, "SELECT pg_backend_pid()");
	struct store_stmt *st;
	assert_int_equal(store_prepare(other, &st, "SELECT pg_terminate_backend(?)"), 0);
	assert_int_equal(store_bind_int64(st, 1, pid), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	store_finalize(st);
	/* The first command on the dropped connection may fail; the one after reconnects. */
	int rc = STORE_DONE;
	for (int attempt = 0; attempt < 2 && rc != STORE_ROW; attempt++) {
		assert_int_equal(store_prepare(db, &st, "SELECT ? + 7"), 0);
		assert_int_equal(store_bind_int64(st, 1, 1), 0);
		rc = store_step(st);
		if (rc == STORE_ROW)
			assert_int_equal(store_column_int64(st, 0), 8);
		store_finalize(st);
	}
	assert_int_equal(rc, STORE_ROW);
	assert_true(query_int(db, "SELECT pg_backend_pid()") != pid);
	int64_t runs;
	assert_int_equal(prepared_count(db, "SELECT $1 + 7", &runs), 1);
	assert_int_equal(runs, 1);
	store_close(other);
	store_close(db);
}

#define CASES(setup, teardown)                                              \
	{                                                                   \
		cmocka_unit_test_setup_teardown(test_migrate, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_migrate_concurrent, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_migrate_case_tables, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_migrate_display_and_referral_ref, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_values, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_conflict, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_commit_persists, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_question_mark_in_literal, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_pool, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_open_failure, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_pg_statement_cache, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_pg_statement_cache_eviction, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_pg_statement_cache_schema_change, setup, teardown), \
		cmocka_unit_test_setup_teardown(test_pg_statement_cache_reconnect, setup, teardown), \
	}

int main(void)
{
	/* Cases provoke failures on purpose; errors still show, info and warnings do not. */
	log_set_level(LOG_ERROR);
	snprintf(scratch_root, sizeof(scratch_root), "/tmp/ihala-test-store-XXXXXX");
	if (!mkdtemp(scratch_root)) {
		perror("test_store: mkdtemp");
		return 1;
	}
	const struct CMUnitTest sqlite_tests[] = CASES(sqlite_setup, sqlite_teardown);
	const struct CMUnitTest pg_tests[] = CASES(pg_setup, pg_teardown);

	int failed = cmocka_run_group_tests_name("store/sqlite", sqlite_tests, NULL, NULL);
	const char *pg = getenv("IHALA_TEST_PG");
	int ran_pg = pg && *pg;
	if (ran_pg) {
		snprintf(pg_admin_url, sizeof(pg_admin_url), "%s", pg);
		failed += cmocka_run_group_tests_name("store/postgres", pg_tests,
						      pg_group_setup, pg_group_teardown);
	}
	rmdir(scratch_root);   /* each case removed its own folder */
	fflush(stderr);
	printf("test_store: backends run: sqlite%s\n",
	       ran_pg ? ", postgres" : " (postgres skipped: IHALA_TEST_PG not set)");
	fflush(stdout);
	return failed ? 1 : 0;
}
