/*
 * test_audit_journal.c: the read journal of the audit log (src/audit/journal.h)
 * on SQLite and on PostgreSQL (IHALA_TEST_PG; skipped without it). Rows wait
 * in the journal until a drain, keep their order and time, reach the chain
 * once whatever the process did before it stopped, a second process on the
 * folder commits its own, and servers with folders of their own share one
 * database without losing or doubling a row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/err.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "store/store.h"

#define EVERY 10

struct fixture {
	char dir[256];                 /* temp data folder: keys/, ihala.db, audit-journal/ */
	char url[768];                 /* how a new connection reaches the same database */
	char schema[64];               /* PostgreSQL: the test's own schema, dropped after */
	struct store *db;              /* owned */
	struct signer *signer;         /* owned */
	unsigned char pk[SIGN_PUBLIC_BYTES];
	struct audit au;               /* au.group owned */
};

static int fixture_open(void **state, bool postgres)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	const char *pg = getenv("IHALA_TEST_PG");
	if (!fx || crypto_init_once() != 0)
		return -1;
	*state = fx;
	if (postgres && (!pg || !*pg))
		return 0;   /* the tests skip themselves */
	snprintf(fx->dir, sizeof fx->dir, "/tmp/ihala-test-journal-XXXXXX");
	if (!mkdtemp(fx->dir) || keyring_create(fx->dir) != 0)
		return -1;
	if (signer_load(&fx->signer, fx->dir) != 0 || sign_public_load(fx->pk, fx->dir) != 0)
		return -1;
	if (postgres) {
		char hex[17], sql[128];
		random_hex(hex, 8);
		snprintf(fx->schema, sizeof fx->schema, "journal_test_%s", hex);
		snprintf(sql, sizeof sql, "CREATE SCHEMA %s", fx->schema);
		if (store_open(&fx->db, pg) != 0 || store_exec(fx->db, sql) != 0)
			return -1;
		store_close(fx->db);
		snprintf(fx->url, sizeof fx->url, "%s options='-csearch_path=%s'", pg, fx->schema);
	} else {
		snprintf(fx->url, sizeof fx->url, "%s/ihala.db", fx->dir);
	}
	if (store_open(&fx->db, fx->url) != 0 || store_migrate(fx->db) != 0)
		return -1;
	fx->au.signer = fx->signer;
	fx->au.checkpoint_every = EVERY;
	return 0;
}

static int setup_sqlite(void **state)
{
	return fixture_open(state, false);
}

static int setup_pg(void **state)
{
	return fixture_open(state, true);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[600];
	audit_group_free(fx->au.group);
	if (fx->db && fx->schema[0]) {
		snprintf(cmd, sizeof cmd, "DROP SCHEMA %s CASCADE", fx->schema);
		if (store_exec(fx->db, cmd) != 0)
			fprintf(stderr, "could not drop schema %s\n", fx->schema);
	}
	store_close(fx->db);
	signer_free(fx->signer);
	if (!strncmp(fx->dir, "/tmp/ihala-test-journal-", 24)) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", fx->dir);
	}
	free(fx);
	return 0;
}

/* The fixture, or a skip when its backend is not available. */
static struct fixture *fixture_get(void **state)
{
	struct fixture *fx = *state;
	if (!fx->db)
		skip();
	return fx;
}

/* A new group journaling the fixture's folder; the open's result. */
static int journal_start(struct fixture *fx)
{
	audit_group_free(fx->au.group);
	fx->au.group = audit_group_new();
	assert_non_null(fx->au.group);
	return audit_group_journal(fx->au.group, &fx->au, fx->dir, fx->db);
}

/* The process "dies": the group goes without a drain (the files stay). */
static void journal_crash(struct fixture *fx)
{
	audit_group_free(fx->au.group);
	fx->au.group = NULL;
}

static void append_read(struct fixture *fx, struct store *db, int i)
{
	char object_id[ID_HEX_LEN + 1];
	snprintf(object_id, sizeof object_id, "%032x", (unsigned)i);
	struct audit_event ev = {
		.actor_id = "0123456789abcdef0123456789abcdef",
		.org_id = i % 3 ? "fedcba9876543210fedcba9876543210" : NULL,
		.action = "case.read",
		.object_type = "case",
		.object_id = object_id,
		.outcome = "ok",
		.at = 1700000000 + i,
	};
	assert_int_equal(audit_append_tx(db, &fx->au, &ev), 0);
}

static int64_t count_rows(struct fixture *fx)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(fx->db, &st, "SELECT COUNT(*) FROM audit_log"), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	int64_t n = store_column_int64(st, 0);
	store_finalize(st);
	return n;
}

static int count_files(struct fixture *fx)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "ls '%s/audit-journal' | grep -c '\\.log$'", fx->dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void expect_verified(struct fixture *fx, int64_t rows)
{
	struct audit_report rep;
	assert_int_equal(audit_verify(fx->db, fx->pk, &rep), 0);
	if (!rep.ok)
		print_error("%s\n", rep.problem);
	assert_true(rep.ok);
	assert_int_equal(rep.rows, rows);
}

/* Rows are in the chain only after a drain, in the order written, with their own time and ids. */
static void test_rows_wait_for_drain(void **state)
{
	struct fixture *fx = fixture_get(state);
	assert_int_equal(journal_start(fx), 0);
	for (int i = 1; i <= 25; i++)
		append_read(fx, fx->db, i);
	assert_int_equal(count_rows(fx), 0);
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	assert_int_equal(count_rows(fx), 25);
	struct store_stmt *st;
	assert_int_equal(store_prepare(fx->db, &st, "SELECT seq, at, org_id, object_id FROM audit_log ORDER BY seq"), 0);
	for (int i = 1; i <= 25; i++) {
		char object_id[ID_HEX_LEN + 1];
		snprintf(object_id, sizeof object_id, "%032x", (unsigned)i);
		assert_int_equal(store_step(st), STORE_ROW);
		assert_int_equal(store_column_int64(st, 0), i);
		assert_int_equal(store_column_int64(st, 1), 1700000000 + i);
		if (i % 3)
			assert_string_equal(store_column_text(st, 2), "fedcba9876543210fedcba9876543210");
		else
			assert_null(store_column_text(st, 2));
		assert_string_equal(store_column_text(st, 3), object_id);
	}
	store_finalize(st);
	expect_verified(fx, 25);
	/* Moved files are gone; a drain with nothing new writes nothing. */
	assert_int_equal(count_files(fx), 1);
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	assert_int_equal(count_rows(fx), 25);
	/* A row outside the allowed vocabulary is refused before it reaches the file. */
	struct audit_event bad = { .action = "case read", .outcome = "ok" };
	assert_int_equal(audit_append_tx(fx->db, &fx->au, &bad), ERR_INVALID);
}

/* A process that stops without moving its journal: the next start appends the rows, once. */
static void test_replayed_after_crash(void **state)
{
	struct fixture *fx = fixture_get(state);
	assert_int_equal(journal_start(fx), 0);
	for (int i = 1; i <= 12; i++)
		append_read(fx, fx->db, i);
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	for (int i = 13; i <= 20; i++)
		append_read(fx, fx->db, i);
	journal_crash(fx);
	assert_int_equal(count_rows(fx), 12);
	assert_int_equal(journal_start(fx), 0);
	assert_int_equal(count_rows(fx), 20);
	expect_verified(fx, 20);
	journal_crash(fx);
	assert_int_equal(journal_start(fx), 0);
	assert_int_equal(count_rows(fx), 20);
	assert_int_equal(count_files(fx), 1);
}

/* Files moved but not yet removed when the process died are removed unread at the next start. */
static void test_never_twice(void **state)
{
	struct fixture *fx = fixture_get(state);
	char cmd[800];
	assert_int_equal(journal_start(fx), 0);
	for (int i = 1; i <= 7; i++)
		append_read(fx, fx->db, i);
	snprintf(cmd, sizeof cmd, "cp -p '%s'/audit-journal/*.log '%s'/", fx->dir, fx->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	journal_crash(fx);
	/* Put the moved file back, as if the process had died between the commit and the unlink. */
	snprintf(cmd, sizeof cmd, "cp -p '%s'/*.log '%s'/audit-journal/", fx->dir, fx->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(journal_start(fx), 0);
	assert_int_equal(count_rows(fx), 7);
	expect_verified(fx, 7);
}

/* A line cut short by a power loss, or one that does not parse, is skipped; the rest are kept. */
static void test_bad_lines_skipped(void **state)
{
	struct fixture *fx = fixture_get(state);
	char path[600];
	assert_int_equal(journal_start(fx), 0);
	append_read(fx, fx->db, 1);
	journal_crash(fx);
	snprintf(path, sizeof path, "%s/audit-journal/000000999999.log", fx->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("1700000100\t\t\tcase.read\tcase\tabc\tok\n", f);            /* good */
	fputs("1700000101\t\t\tcase read\tcase\tabc\tok\n", f);            /* space in the action */
	fputs("not-a-time\t\t\tcase.read\tcase\tabc\tok\n", f);            /* bad time */
	fputs("1700000102\t\t\tcase.read\tcase\tabc\n", f);                 /* a field short */
	fputs("1700000103\tAli Hassan\t\tcase.read\tcase\tabc\tok\n", f);  /* a name, not an id */
	fputs("1700000104\t\t\tcase.read\tcase\tdef\tok\n", f);            /* good */
	fputs("1700000105\t\t\tcase.read\tcase\tghi\to", f);               /* cut short */
	fclose(f);
	assert_int_equal(journal_start(fx), 0);
	assert_int_equal(count_rows(fx), 3);
	expect_verified(fx, 3);
}

/* A second server on the folder finds the journal taken and commits its rows itself. */
static void test_second_process_commits(void **state)
{
	struct fixture *fx = fixture_get(state);
	assert_int_equal(journal_start(fx), 0);
	struct audit other = { .signer = fx->signer, .checkpoint_every = EVERY, .group = audit_group_new() };
	assert_non_null(other.group);
	assert_int_equal(audit_group_journal(other.group, &other, fx->dir, fx->db), 1);
	struct audit_event ev = { .action = "session.login", .object_type = "session", .outcome = "ok" };
	assert_int_equal(audit_append_tx(fx->db, &other, &ev), 0);
	assert_int_equal(count_rows(fx), 1);
	assert_int_equal(audit_group_drain(other.group, fx->db), 0);
	audit_group_free(other.group);
}

/* Threads append on their own connections while another drains: every row once, the chain whole. */
#define N_THREADS 6
#define N_PER_THREAD 40

struct appender {
	struct fixture *fx;
	int failures;
};

static void *appender_run(void *arg)
{
	struct appender *ap = arg;
	struct store *db = NULL;
	if (store_open(&db, ap->fx->url) != 0) {
		ap->failures = N_PER_THREAD;
		return NULL;
	}
	for (int i = 0; i < N_PER_THREAD; i++) {
		struct audit_event ev = { .action = "case.read", .object_type = "case", .outcome = "ok" };
		if (audit_append_tx(db, &ap->fx->au, &ev) != 0)
			ap->failures++;
		if (i % 10 == 0)
			usleep(1000);
	}
	store_close(db);
	return NULL;
}

static void test_concurrent_drain(void **state)
{
	struct fixture *fx = fixture_get(state);
	struct appender aps[N_THREADS];
	pthread_t threads[N_THREADS];
	assert_int_equal(journal_start(fx), 0);
	for (int i = 0; i < N_THREADS; i++) {
		aps[i] = (struct appender){ fx, 0 };
		assert_int_equal(pthread_create(&threads[i], NULL, appender_run, &aps[i]), 0);
	}
	for (int k = 0; k < 20; k++) {
		assert_int_equal(audit_group_flush(fx->au.group, fx->db), 0);
		usleep(2000);
	}
	for (int i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(aps[i].failures, 0);
	}
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	assert_int_equal(count_rows(fx), N_THREADS * N_PER_THREAD);
	expect_verified(fx, N_THREADS * N_PER_THREAD);
	/* The batched moves signed a checkpoint at every EVERY-th row. */
	struct audit_report rep;
	assert_int_equal(audit_verify(fx->db, fx->pk, &rep), 0);
	assert_int_equal(rep.checkpoints, N_THREADS * N_PER_THREAD / EVERY);
}

/*
 * Two servers with folders of their own on one database (PostgreSQL's way),
 * one of them dies with rows waiting and its folder is copied, leftovers and
 * all, to a third server: every row reaches the chain once.
 */
static void test_servers_share_database(void **state)
{
	struct fixture *fx = fixture_get(state);
	char dir2[300], dir3[300], cmd[1000];
	snprintf(dir2, sizeof dir2, "%s/two", fx->dir);
	snprintf(dir3, sizeof dir3, "%s/three", fx->dir);
	assert_int_equal(mkdir(dir2, 0700), 0);
	assert_int_equal(journal_start(fx), 0);
	struct audit two = { .signer = fx->signer, .checkpoint_every = EVERY, .group = audit_group_new() };
	assert_non_null(two.group);
	assert_int_equal(audit_group_journal(two.group, &two, dir2, fx->db), 0);
	struct audit_event ev = { .action = "case.read", .object_type = "case", .outcome = "ok" };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(audit_append_tx(fx->db, &fx->au, &ev), 0);
		assert_int_equal(audit_append_tx(fx->db, &two, &ev), 0);
	}
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	assert_int_equal(audit_group_drain(two.group, fx->db), 0);
	assert_int_equal(count_rows(fx), 10);
	/* Both number their files from 1: the second's moves do not hide the first's. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(audit_append_tx(fx->db, &fx->au, &ev), 0);
		assert_int_equal(audit_append_tx(fx->db, &two, &ev), 0);
	}
	assert_int_equal(audit_group_drain(two.group, fx->db), 0);
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	assert_int_equal(count_rows(fx), 16);
	/* The second dies with 4 rows waiting; its folder is copied before it starts again. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(audit_append_tx(fx->db, &two, &ev), 0);
	audit_group_free(two.group);
	snprintf(cmd, sizeof cmd, "cp -rp '%s' '%s'", dir2, dir3);
	assert_int_equal(system(cmd), 0);
	two.group = audit_group_new();
	assert_int_equal(audit_group_journal(two.group, &two, dir2, fx->db), 0);
	assert_int_equal(count_rows(fx), 20);
	struct audit three = { .signer = fx->signer, .checkpoint_every = EVERY, .group = audit_group_new() };
	assert_non_null(three.group);
	assert_int_equal(audit_group_journal(three.group, &three, dir3, fx->db), 0);
	assert_int_equal(count_rows(fx), 20);
	audit_group_free(two.group);
	audit_group_free(three.group);
	assert_int_equal(audit_group_drain(fx->au.group, fx->db), 0);
	expect_verified(fx, 20);
}

#define JOURNAL_TESTS(setup)                                                     \
	cmocka_unit_test_setup_teardown(test_rows_wait_for_drain, setup, teardown),    \
	cmocka_unit_test_setup_teardown(test_replayed_after_crash, setup, teardown),   \
	cmocka_unit_test_setup_teardown(test_never_twice, setup, teardown),            \
	cmocka_unit_test_setup_teardown(test_bad_lines_skipped, setup, teardown),      \
	cmocka_unit_test_setup_teardown(test_second_process_commits, setup, teardown), \
	cmocka_unit_test_setup_teardown(test_concurrent_drain, setup, teardown),       \
	cmocka_unit_test_setup_teardown(test_servers_share_database, setup, teardown)

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = { JOURNAL_TESTS(setup_sqlite) };
	const struct CMUnitTest pg_tests[] = { JOURNAL_TESTS(setup_pg) };
	int failed = cmocka_run_group_tests_name("audit journal (sqlite)", sqlite_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("audit journal (postgres)", pg_tests, NULL, NULL);
	return failed != 0;
}
