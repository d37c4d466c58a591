/*
 * test_audit.c: the audit chain and its checkpoints, on SQLite and (when
 * IHALA_TEST_PG holds a conninfo) on PostgreSQL, each test in a fresh database
 * (PostgreSQL: a fresh schema, dropped afterwards).
 *
 * Every tamper case starts from the same log: 50 rows, a signed checkpoint
 * every 10, verified clean. It then changes the database directly with SQL,
 * the way an insider with database access would, and checks that
 * audit_verify names the first row that can no longer be trusted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "core/err.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "store/store.h"

#define N_ROWS 50
#define EVERY 10

struct fixture {
	char dir[256];                     /* temp data folder: keys/ and (SQLite) ihala.db */
	char schema[64];                   /* PostgreSQL: the fresh schema, else empty */
	char url[512];                     /* what store_open was given */
	struct store *db;                  /* owned */
	struct signer *signer;             /* owned */
	unsigned char pk[SIGN_PUBLIC_BYTES];
	struct audit au;
};

/* ---- fixture ---- */

static int rm_rf(const char *dir)
{
	char cmd[600];

	if (dir[0] == '\0' || strncmp(dir, "/tmp/", 5) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static int fixture_open(void **state, int postgres)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char sql[256], hex[17];
	const char *pg = getenv("IHALA_TEST_PG");

	if (fx == NULL)
		return -1;
	*state = fx;
	if (postgres && (pg == NULL || pg[0] == '\0'))
		return 0;   /* the test skips itself */
	if (crypto_init_once() != 0)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/ihala-test-audit-XXXXXX");
	if (mkdtemp(fx->dir) == NULL || keyring_create(fx->dir) != 0)
		return -1;
	if (signer_load(&fx->signer, fx->dir) != 0 || sign_public_load(fx->pk, fx->dir) != 0)
		return -1;
	if (postgres) {
		snprintf(fx->url, sizeof fx->url, "%s", pg);
		if (store_open(&fx->db, pg) != 0)
			return -1;
		random_hex(hex, 8);
		snprintf(fx->schema, sizeof fx->schema, "audit_test_%s", hex);
		snprintf(sql, sizeof sql, "CREATE SCHEMA %s; SET search_path TO %s", fx->schema, fx->schema);
		if (store_exec(fx->db, sql) != 0)
			return -1;
	} else {
		snprintf(fx->url, sizeof fx->url, "%s/ihala.db", fx->dir);
		if (store_open(&fx->db, fx->url) != 0)
			return -1;
	}
	if (store_migrate(fx->db) != 0)
		return -1;
	fx->au.signer = fx->signer;
	fx->au.checkpoint_every = EVERY;
	return 0;
}

static int setup_sqlite(void **state)
{
	return fixture_open(state, 0);
}

static int setup_pg(void **state)
{
	return fixture_open(state, 1);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char sql[128];

	if (fx == NULL)
		return 0;
	if (fx->db != NULL && fx->schema[0] != '\0') {
		store_rollback(fx->db);
		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", fx->schema);
		if (store_exec(fx->db, sql) != 0)
			fprintf(stderr, "could not drop schema %s\n", fx->schema);
	}
	store_close(fx->db);
	signer_free(fx->signer);
	if (fx->dir[0] != '\0')
		rm_rf(fx->dir);
	free(fx);
	return 0;
}

/* Returns the fixture, or skips the test when its backend is not available. */
static struct fixture *fixture_get(void **state)
{
	struct fixture *fx = *state;

	if (fx->db == NULL)
		skip();
	return fx;
}

/* ---- helpers ---- */

static void append_row(struct fixture *fx, int i)
{
	char object_id[ID_HEX_LEN + 1];
	struct audit_event ev = {
		.actor_id = "0123456789abcdef0123456789abcdef",
		.org_id = (i % 3 == 0) ? NULL : "fedcba9876543210fedcba9876543210",
		.action = (i % 2 == 0) ? "org.create" : "org.read",
		.object_type = "org",
		.object_id = object_id,
		.outcome = (i % 7 == 0) ? "denied" : "ok",
	};

	snprintf(object_id, sizeof object_id, "%032x", (unsigned)i);
	assert_int_equal(audit_append_tx(fx->db, &fx->au, &ev), 0);
}

static void append_rows(struct fixture *fx, int n)
{
	int i;

	for (i = 1; i <= n; i++)
		append_row(fx, i);
}

static void exec_sql(struct fixture *fx, const char *sql)
{
	assert_int_equal(store_exec(fx->db, sql), 0);
}

static int64_t query_int(struct fixture *fx, const char *sql)
{
	struct store_stmt *st;
	int64_t value;

	assert_int_equal(store_prepare(fx->db, &st, sql), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	value = store_column_int64(st, 0);
	store_finalize(st);
	return value;
}

/* Read the stored hash of row seq. */
static void row_stored_hash(struct fixture *fx, int64_t seq, unsigned char out[32])
{
	struct store_stmt *st;
	const void *blob;
	size_t len = 0;

	assert_int_equal(store_prepare(fx->db, &st, "SELECT hash FROM audit_log WHERE seq = ?"), 0);
	assert_int_equal(store_bind_int64(st, 1, seq), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	blob = store_column_blob(st, 0, &len);
	assert_int_equal(len, 32);
	memcpy(out, blob, 32);
	store_finalize(st);
}

/* UPDATE with one blob and one integer parameter. */
static void update_blob(struct fixture *fx, const char *sql, const void *blob, size_t len, int64_t seq)
{
	struct store_stmt *st;

	assert_int_equal(store_prepare(fx->db, &st, sql), 0);
	assert_int_equal(store_bind_blob(st, 1, blob, len), 0);
	assert_int_equal(store_bind_int64(st, 2, seq), 0);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
}

static void verify(struct fixture *fx, struct audit_report *rep)
{
	assert_int_equal(audit_verify(fx->db, fx->pk, rep), 0);
}

static void expect_problem(struct fixture *fx, int64_t first_bad, const char *words)
{
	struct audit_report rep;

	verify(fx, &rep);
	if (rep.ok || rep.first_bad_seq != first_bad || strstr(rep.problem, words) == NULL)
		print_error("ok=%d first_bad_seq=%" PRId64 " problem=\"%s\"; expected row %" PRId64 " and \"%s\"\n",
			    rep.ok, rep.first_bad_seq, rep.problem, first_bad, words);
	assert_false(rep.ok);
	assert_int_equal(rep.first_bad_seq, first_bad);
	assert_non_null(strstr(rep.problem, words));
}

/*
 * Recompute the chain from row `from` to the end and the head, as an insider
 * who knows the algorithm (but not the signing key) would after altering a row.
 */
static void rechain_from(struct fixture *fx, int64_t from)
{
	struct store_stmt *st;
	unsigned char prev[32], hash[32];
	int64_t seqs[N_ROWS + 1];
	unsigned char hashes[N_ROWS + 1][32];
	int n = 0, i, rc;
	struct buf b;

	row_stored_hash(fx, from - 1, prev);
	buf_init(&b, 4096);
	assert_int_equal(store_prepare(fx->db, &st, "SELECT seq, at, actor_id, org_id, action, object_type, "
						    "object_id, outcome FROM audit_log WHERE seq >= ? ORDER BY seq"), 0);
	assert_int_equal(store_bind_int64(st, 1, from), 0);
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *f[6];
		int k;

		assert_true(n <= N_ROWS);
		for (k = 0; k < 6; k++)
			f[k] = store_column_text(st, 2 + k) ? store_column_text(st, 2 + k) : "";
		buf_reset(&b);
		buf_printf(&b, "v1\n%" PRId64 "\n%" PRId64 "\n%s\n%s\n%s\n%s\n%s\n%s\n", store_column_int64(st, 0),
			   store_column_int64(st, 1), f[0], f[1], f[2], f[3], f[4], f[5]);
		assert_int_equal(buf_error(&b), 0);
		assert_int_equal(hash_chain(hash, prev, b.data, b.len), 0);
		seqs[n] = store_column_int64(st, 0);
		memcpy(hashes[n], hash, 32);
		memcpy(prev, hash, 32);
		n++;
	}
	assert_int_equal(rc, STORE_DONE);
	store_finalize(st);
	buf_release(&b);
	for (i = 0; i < n; i++)
		update_blob(fx, "UPDATE audit_log SET hash = ? WHERE seq = ?", hashes[i], 32, seqs[i]);
	update_blob(fx, "UPDATE audit_head SET hash = ? WHERE id = ?", prev, 32, 1);
}

/* ---- the clean log ---- */

static void test_clean_log_verifies(void **state)
{
	struct fixture *fx = fixture_get(state);
	struct audit_report rep;

	verify(fx, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 0);
	assert_int_equal(rep.checkpoints, 0);

	append_rows(fx, N_ROWS);
	verify(fx, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, N_ROWS);
	assert_int_equal(rep.checkpoints, N_ROWS / EVERY);
	assert_int_equal(rep.first_bad_seq, 0);
	assert_int_equal(query_int(fx, "SELECT seq FROM audit_head WHERE id = 1"), N_ROWS);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_checkpoints"), N_ROWS / EVERY);
}

static void test_checkpoint_on_demand(void **state)
{
	struct fixture *fx = fixture_get(state);
	struct audit_report rep;

	/* Nothing to sign in an empty log. */
	assert_int_equal(store_begin(fx->db), 0);
	assert_int_equal(audit_checkpoint(fx->db, fx->signer), 0);
	assert_int_equal(store_commit(fx->db), 0);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_checkpoints"), 0);

	append_rows(fx, 13);
	/* Signing the same head twice stores one checkpoint. */
	assert_int_equal(store_begin(fx->db), 0);
	assert_int_equal(audit_checkpoint(fx->db, fx->signer), 0);
	assert_int_equal(audit_checkpoint(fx->db, fx->signer), 0);
	assert_int_equal(store_commit(fx->db), 0);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_checkpoints"), 2);
	assert_int_equal(query_int(fx, "SELECT MAX(seq) FROM audit_checkpoints"), 13);
	verify(fx, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.checkpoints, 2);

	/* Without a signer, no automatic checkpoints. */
	fx->au.signer = NULL;
	append_rows(fx, 20);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_checkpoints"), 2);
	verify(fx, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 33);
}

static void test_rolled_back_append_leaves_no_trace(void **state)
{
	struct fixture *fx = fixture_get(state);
	struct audit_event ev = { .action = "session.login", .outcome = "ok" };
	struct audit_report rep;

	append_rows(fx, 5);
	assert_int_equal(store_begin(fx->db), 0);
	assert_int_equal(audit_append(fx->db, &fx->au, &ev), 0);
	assert_int_equal(store_rollback(fx->db), 0);
	assert_int_equal(query_int(fx, "SELECT seq FROM audit_head WHERE id = 1"), 5);
	append_rows(fx, 1);
	verify(fx, &rep);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 6);
}

/* ---- input validation ---- */

static void test_append_rejects_bad_strings(void **state)
{
	static const struct {
		const char *action, *outcome, *object_type, *object_id;
	} bad[] = {
		{ "org create", "ok", NULL, NULL },          /* space */
		{ "org.cr\xc3\xa9\x61te", "ok", NULL, NULL }, /* non-ASCII */
		{ "Org.Create", "ok", NULL, NULL },          /* upper case */
		{ "org.create\n", "ok", NULL, NULL },        /* newline */
		{ "", "ok", NULL, NULL },                    /* empty */
		{ NULL, "ok", NULL, NULL },                  /* missing */
		{ "org.create", NULL, NULL, NULL },
		{ "org.create", "not ok", NULL, NULL },
		{ "org.create", "ok", "Org Type", NULL },
		{ "org.create", "ok", "org", "Fatima Ali" },  /* a name where an id belongs */
		{ "org.create", "ok", "org", "id\n1" },
		{ "a23456789.123456789.123456789.123456789.123456789.123456789.12345", "ok", NULL, NULL }, /* 65 */
	};
	struct fixture *fx = fixture_get(state);
	struct audit_event ok_ev = {
		.action = "a23456789.123456789.123456789.123456789.123456789.123456789.1234",   /* 64: fine */
		.outcome = "ok",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct audit_event ev = {
			.action = bad[i].action, .outcome = bad[i].outcome,
			.object_type = bad[i].object_type, .object_id = bad[i].object_id,
		};
		if (audit_append_tx(fx->db, &fx->au, &ev) != ERR_INVALID)
			fail_msg("case %zu was not rejected", i);
	}
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_log"), 0);
	assert_int_equal(audit_append_tx(fx->db, &fx->au, &ok_ev), 0);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_log"), 1);
}

/* ---- tampering ---- */

static void test_altered_row(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	exec_sql(fx, "UPDATE audit_log SET action = 'org.delete' WHERE seq = 17");
	expect_problem(fx, 17, "row 17 was altered");
}

static void test_altered_time(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	exec_sql(fx, "UPDATE audit_log SET at = at - 86400 WHERE seq = 44");
	expect_problem(fx, 44, "row 44 was altered");
}

static void test_removed_middle_row(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	exec_sql(fx, "DELETE FROM audit_log WHERE seq = 23");
	expect_problem(fx, 23, "row 23 is missing");
}

static void test_removed_range(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	exec_sql(fx, "DELETE FROM audit_log WHERE seq BETWEEN 5 AND 8");
	expect_problem(fx, 5, "rows 5 to 8 are missing");
}

static void test_reordered_rows(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	/* Swap rows 30 and 31 whole (contents and hashes). */
	exec_sql(fx, "UPDATE audit_log SET seq = -1 WHERE seq = 30");
	exec_sql(fx, "UPDATE audit_log SET seq = 30 WHERE seq = 31");
	exec_sql(fx, "UPDATE audit_log SET seq = 31 WHERE seq = -1");
	expect_problem(fx, 30, "row 30 was altered, removed or reordered");
}

static void test_removed_tail_head_fixed(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	exec_sql(fx, "DELETE FROM audit_log WHERE seq > 47");
	exec_sql(fx, "UPDATE audit_head SET seq = 47, hash = (SELECT hash FROM audit_log WHERE seq = 47) WHERE id = 1");
	/* The chain and the head agree; the signed checkpoint at 50 does not. */
	expect_problem(fx, 48, "rows 48 to 50 were removed from the end");
}

static void test_removed_tail_head_left(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	exec_sql(fx, "DELETE FROM audit_log WHERE seq > 47");
	exec_sql(fx, "DELETE FROM audit_checkpoints WHERE seq = 50");
	expect_problem(fx, 48, "rows 48 to 50 were removed from the end");
}

static void test_altered_head(void **state)
{
	struct fixture *fx = fixture_get(state);
	unsigned char junk[32];

	append_rows(fx, N_ROWS);
	memset(junk, 0x5a, sizeof junk);
	update_blob(fx, "UPDATE audit_head SET hash = ? WHERE id = ?", junk, sizeof junk, 1);
	expect_problem(fx, 50, "head does not match row 50");
}

static void test_forged_checkpoint(void **state)
{
	struct fixture *fx = fixture_get(state);
	unsigned char sig[SIGN_BYTES];

	append_rows(fx, N_ROWS);
	random_bytes(sig, sizeof sig);
	update_blob(fx, "UPDATE audit_checkpoints SET signature = ? WHERE seq = ?", sig, sizeof sig, 30);
	expect_problem(fx, 30, "checkpoint at row 30 has an invalid signature");
}

static void test_checkpoint_hash_swapped(void **state)
{
	struct fixture *fx = fixture_get(state);
	unsigned char hash[32];

	/* A checkpoint's hash changed without re-signing: the signature no longer covers it. */
	append_rows(fx, N_ROWS);
	row_stored_hash(fx, 19, hash);
	update_blob(fx, "UPDATE audit_checkpoints SET hash = ? WHERE seq = ?", hash, sizeof hash, 20);
	expect_problem(fx, 20, "checkpoint at row 20 has an invalid signature");
}

static void test_rewritten_chain(void **state)
{
	struct fixture *fx = fixture_get(state);

	/* Alter row 15, then recompute every later hash and the head: only the checkpoints notice. */
	append_rows(fx, N_ROWS);
	exec_sql(fx, "UPDATE audit_log SET outcome = 'ok' WHERE seq = 14");
	rechain_from(fx, 14);
	expect_problem(fx, 11, "rows 11 to 20 were rewritten");
}

/* ---- concurrent appenders ---- */

#define N_THREADS 8
#define N_PER_THREAD 25

struct appender {
	struct fixture *fx;   /* borrowed; read only in the thread */
	int failures;
};

/* One connection per thread, as the server's pool gives each worker. */
static void *appender_run(void *arg)
{
	struct appender *ap = arg;
	struct store *db = NULL;
	char sql[128];
	int i;

	if (store_open(&db, ap->fx->url) != 0) {
		ap->failures = N_PER_THREAD;
		return NULL;
	}
	if (ap->fx->schema[0] != '\0') {
		snprintf(sql, sizeof sql, "SET search_path TO %s", ap->fx->schema);
		if (store_exec(db, sql) != 0)
			ap->failures = N_PER_THREAD;
	}
	for (i = 0; i < N_PER_THREAD && ap->failures == 0; i++) {
		struct audit_event ev = { .action = "session.login", .object_type = "session", .outcome = "ok" };
		if (audit_append_tx(db, &ap->fx->au, &ev) != 0)
			ap->failures++;
	}
	store_close(db);
	return NULL;
}

static void run_appenders(struct fixture *fx)
{
	struct appender aps[N_THREADS];
	pthread_t threads[N_THREADS];
	struct audit_report rep;
	int i;

	/* The head row does not exist yet: the appenders race to create it too. */
	for (i = 0; i < N_THREADS; i++) {
		aps[i].fx = fx;
		aps[i].failures = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, appender_run, &aps[i]), 0);
	}
	for (i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(aps[i].failures, 0);
	}
	verify(fx, &rep);
	if (!rep.ok)
		print_error("%s\n", rep.problem);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, N_THREADS * N_PER_THREAD);
	assert_int_equal(rep.checkpoints, N_THREADS * N_PER_THREAD / EVERY);
}

static void test_concurrent_appenders(void **state)
{
	run_appenders(fixture_get(state));
}

/* The same with group commit: rows of concurrent callers share transactions, the chain holds. */
static void test_grouped_appenders(void **state)
{
	struct fixture *fx = fixture_get(state);
	fx->au.group = audit_group_new();
	assert_non_null(fx->au.group);
	run_appenders(fx);
	audit_group_free(fx->au.group);
	fx->au.group = NULL;
}

static void test_wrong_public_key(void **state)
{
	struct fixture *fx = fixture_get(state);

	append_rows(fx, N_ROWS);
	random_bytes(fx->pk, sizeof fx->pk);
	expect_problem(fx, 10, "checkpoint at row 10 has an invalid signature");
}

/* Rows appended in batches (the read journal's way) make the same chain, checkpoints at the same rows. */
static void test_append_many(void **state)
{
	struct fixture *fx = fixture_get(state);
	struct audit_event evs[150];
	char ids[150][ID_HEX_LEN + 1];
	struct audit_report rep;

	append_rows(fx, 4);
	for (int i = 0; i < 150; i++) {
		snprintf(ids[i], sizeof ids[i], "%032x", (unsigned)(100 + i));
		evs[i] = (struct audit_event){ .action = "case.read", .object_type = "case", .object_id = ids[i],
					      .outcome = "ok", .at = 1700000000 + i };
	}
	assert_int_equal(store_begin(fx->db), 0);
	assert_int_equal(audit_append_many(fx->db, &fx->au, evs, 23), 0);
	assert_int_equal(store_commit(fx->db), 0);
	append_rows(fx, 3);
	assert_int_equal(query_int(fx, "SELECT at FROM audit_log WHERE seq = 27"), 1700000022);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_checkpoints WHERE seq IN (10, 20, 30)"), 3);
	verify(fx, &rep);
	if (!rep.ok)
		print_error("%s\n", rep.problem);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 30);
	assert_int_equal(rep.checkpoints, 3);
	/* One bad row refuses the whole batch. */
	evs[5].action = "case read";
	assert_int_equal(store_begin(fx->db), 0);
	assert_int_equal(audit_append_many(fx->db, &fx->au, evs, 23), ERR_INVALID);
	store_rollback(fx->db);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_log"), 30);
	/* A large batch goes in as several multi-row INSERTs (64, 64, 16, 4, 1, 1): the same chain. */
	evs[5].action = "case.read";
	assert_int_equal(store_begin(fx->db), 0);
	assert_int_equal(audit_append_many(fx->db, &fx->au, evs, 150), 0);
	assert_int_equal(store_commit(fx->db), 0);
	append_rows(fx, 1);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_log"), 181);
	assert_int_equal(query_int(fx, "SELECT at FROM audit_log WHERE seq = 180"), 1700000149);
	assert_int_equal(query_int(fx, "SELECT COUNT(*) FROM audit_checkpoints"), 18);
	verify(fx, &rep);
	if (!rep.ok)
		print_error("%s\n", rep.problem);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, 181);
	assert_int_equal(rep.checkpoints, 18);
}

#define AUDIT_TESTS(setup)                                                   \
	cmocka_unit_test_setup_teardown(test_clean_log_verifies, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_checkpoint_on_demand, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_rolled_back_append_leaves_no_trace, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_append_rejects_bad_strings, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_altered_row, setup, teardown),       \
	cmocka_unit_test_setup_teardown(test_altered_time, setup, teardown),      \
	cmocka_unit_test_setup_teardown(test_removed_middle_row, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_removed_range, setup, teardown),     \
	cmocka_unit_test_setup_teardown(test_reordered_rows, setup, teardown),    \
	cmocka_unit_test_setup_teardown(test_removed_tail_head_fixed, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_removed_tail_head_left, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_altered_head, setup, teardown),      \
	cmocka_unit_test_setup_teardown(test_forged_checkpoint, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_checkpoint_hash_swapped, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_rewritten_chain, setup, teardown),   \
	cmocka_unit_test_setup_teardown(test_wrong_public_key, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_concurrent_appenders, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_grouped_appenders, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_append_many, setup, teardown)

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = { AUDIT_TESTS(setup_sqlite) };
	const struct CMUnitTest pg_tests[] = { AUDIT_TESTS(setup_pg) };
	int failed;

	failed = cmocka_run_group_tests_name("audit (sqlite)", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("audit (postgres)", pg_tests, NULL, NULL);
	return failed != 0;
}
