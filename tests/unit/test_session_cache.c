/*
 * test_session_cache.c: the cache of checked sessions (src/auth/session.h)
 * on PostgreSQL (IHALA_TEST_PG; skipped without it). Two "servers" share one
 * database (a schema of their own), each with its cache and its listening
 * connection (src/store/pg_listen.h), as two ihala processes would. A session
 * is answered from memory after its first check; a logout, a disable, a
 * password reset or a change made straight in SQL is seen at once by the
 * server that made it and, through the notification, by the other one long
 * before the entries' time limit (a minute here); the limits of a session
 * are judged again on each use from memory; a cache that is off is not used.
 * The setting's values are checked without a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/ctx.h"
#include "auth/login.h"
#include "auth/session.h"
#include "auth/user.h"
#include "core/clock.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "domain/org/org.h"
#include "store/pg_listen.h"
#include "store/store.h"

#define TTL_S 60            /* far longer than any wait below: only a notification can explain a refusal */
#define NOTICE_WAIT_MS 3000

struct server {
	struct app app;
	struct ctx c;
	struct pg_listen *listener;
};

struct fixture {
	char schema[64];
	char url[1024];
	struct server s[2];
	char org_id[ID_HEX_LEN + 1];
};

static int server_open(struct fixture *fx, struct server *sv)
{
	unsigned char master[KEY_BYTES];
	memset(master, 9, sizeof(master));   /* both servers share the keys, as one installation does */
	config_defaults(&sv->app.cfg, "/nonexistent");
	snprintf(sv->app.cfg.db, sizeof(sv->app.cfg.db), "%s", fx->url);
	sv->app.totp_enforced = false;
	if (keyring_from_bytes(&sv->app.kr, master) < 0 || store_pool_open(&sv->app.pool, fx->url, 1) < 0)
		return -1;
	sv->app.sessions = session_cache_new(TTL_S);
	if (!sv->app.sessions ||
	    pg_listen_start(&sv->listener, fx->url, "ihala_sessions", session_cache_on_notice, sv->app.sessions) < 0)
		return -1;
	sv->c.app = &sv->app;
	sv->c.db = store_pool_acquire(sv->app.pool);
	sv->c.remote_addr = "192.0.2.7";
	return sv->c.db ? 0 : -1;
}

static void server_close(struct server *sv)
{
	pg_listen_stop(sv->listener);
	if (sv->c.db)
		store_pool_release(sv->app.pool, sv->c.db);
	if (sv->app.pool)
		store_pool_close(sv->app.pool);
	session_cache_free(sv->app.sessions);
	if (sv->app.kr)
		keyring_free(sv->app.kr);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *pg = getenv("IHALA_TEST_PG");
	if (!fx || crypto_init_once() != 0)
		return -1;
	*state = fx;
	if (!pg || !*pg)
		return 0;   /* the tests skip themselves */
	char hex[17], sql[128];
	random_hex(hex, 8);
	snprintf(fx->schema, sizeof fx->schema, "session_cache_%s", hex);
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", fx->schema);
	struct store *db;
	if (store_open(&db, pg) != 0 || store_exec(db, sql) != 0)
		return -1;
	snprintf(fx->url, sizeof fx->url, "%s options='-csearch_path=%s'", pg, fx->schema);
	store_close(db);
	if (store_open(&db, fx->url) != 0 || store_migrate(db) != 0)
		return -1;
	store_close(db);
	for (int i = 0; i < 2; i++)
		if (server_open(fx, &fx->s[i]) < 0)
			return -1;
	struct org o;
	struct problem pb = { 0 };
	struct org_fields of = { "منظمة", "Org", "NGO", "BH", 0 };
	if (org_create(&fx->s[0].c, &of, &o, &pb) < 0)
		return -1;
	snprintf(fx->org_id, sizeof fx->org_id, "%s", o.id);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	for (int i = 0; i < 2; i++)
		server_close(&fx->s[i]);
	const char *pg = getenv("IHALA_TEST_PG");
	if (fx->schema[0] && pg) {
		struct store *db;
		char sql[128];
		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", fx->schema);
		if (store_open(&db, pg) == 0) {
			if (store_exec(db, sql) != 0)
				fprintf(stderr, "could not drop %s\n", fx->schema);
			store_close(db);
		}
	}
	free(fx);
	return 0;
}

static struct fixture *fixture_get(void **state)
{
	struct fixture *fx = *state;
	if (!fx->url[0])
		skip();
	return fx;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A user of the fixture's organisation, signed in: its token. */
static void sign_in(struct fixture *fx, const char *name, role_set roles, char token[TOKEN_HEX_LEN + 1],
		    struct user *u)
{
	struct ctx *c = &fx->s[0].c;
	struct problem pb = { 0 };
	memset(&c->actor, 0, sizeof(c->actor));
	assert_int_equal(user_create_with_password(c, fx->org_id, name, "Name", roles, false, "a long password here",
						   u, &pb), 0);
	struct login_result lr;
	assert_int_equal(login_password(c, name, "a long password here", NULL, &lr, &pb), 0);
	memcpy(token, lr.token, TOKEN_HEX_LEN + 1);
	memset(&c->actor, 0, sizeof(c->actor));
}

/* login_resume on server i; its result, the user's roles in *roles. */
static int resume(struct fixture *fx, int i, const char *token, role_set *roles)
{
	struct session_info si;
	struct user u;
	const char *next;
	int rc = login_resume(&fx->s[i].c, token, &si, &u, &next);
	if (rc == 0 && roles)
		*roles = u.roles;
	memset(&fx->s[i].c.actor, 0, sizeof(fx->s[i].c.actor));
	return rc;
}

static uint64_t hits(struct fixture *fx, int i)
{
	uint64_t h, m;
	session_cache_counts(fx->s[i].app.sessions, &h, &m);
	return h;
}

/* Server i answers token from memory (after the listener is up): waits for the first hit. */
static void warm(struct fixture *fx, int i, const char *token)
{
	for (int t = 0; t < NOTICE_WAIT_MS / 10; t++) {
		uint64_t before = hits(fx, i);
		assert_int_equal(resume(fx, i, token, NULL), 0);
		if (hits(fx, i) > before)
			return;
		sleep_ms(10);
	}
	fail_msg("server %d never answered from its cache", i);
}

/* Milliseconds until server i refuses token (fails past NOTICE_WAIT_MS). */
static long until_refused(struct fixture *fx, int i, const char *token)
{
	uint64_t t0 = clock_mono_ns();
	for (;;) {
		int rc = resume(fx, i, token, NULL);
		if (rc == ERR_UNAUTH)
			return (long)((clock_mono_ns() - t0) / 1000000);
		assert_int_equal(rc, 0);
		if (clock_mono_ns() - t0 > (uint64_t)NOTICE_WAIT_MS * 1000000)
			fail_msg("server %d still accepts the session after %d ms", i, NOTICE_WAIT_MS);
		sleep_ms(5);
	}
}

static void test_second_check_from_memory(void **state)
{
	struct fixture *fx = fixture_get(state);
	char token[TOKEN_HEX_LEN + 1];
	struct user u;
	sign_in(fx, "amal", 1u << ROLE_CASE_MANAGER, token, &u);
	for (int i = 0; i < 2; i++) {
		warm(fx, i, token);
		uint64_t before = hits(fx, i);
		for (int k = 0; k < 5; k++)
			assert_int_equal(resume(fx, i, token, NULL), 0);
		assert_int_equal(hits(fx, i) - before, 5);
	}
	/* An unknown token is never remembered as good. */
	char other[TOKEN_HEX_LEN + 1];
	memcpy(other, token, sizeof(other));
	other[0] = other[0] == 'a' ? 'b' : 'a';
	assert_int_equal(resume(fx, 0, other, NULL), ERR_UNAUTH);
	assert_int_equal(resume(fx, 0, other, NULL), ERR_UNAUTH);
}

static void test_disable_seen_by_both(void **state)
{
	struct fixture *fx = fixture_get(state);
	char token[TOKEN_HEX_LEN + 1];
	struct user u;
	sign_in(fx, "badr", 1u << ROLE_CASE_MANAGER, token, &u);
	warm(fx, 0, token);
	warm(fx, 1, token);
	/* An administrator on server 0 disables the account. */
	struct ctx *c = &fx->s[0].c;
	struct user admin;
	struct problem pb = { 0 };
	assert_int_equal(user_create_with_password(c, fx->org_id, "admin1", "Admin", 1u << ROLE_ADMIN, false,
						   "a long password here", &admin, &pb), 0);
	snprintf(c->actor.user_id, sizeof(c->actor.user_id), "%s", admin.id);
	c->actor.roles = 1u << ROLE_ADMIN;
	struct user_patch p = { .set_disabled = true, .disabled = true };
	struct user out;
	assert_int_equal(user_update(c, u.id, &p, &out, &pb), 0);
	memset(&c->actor, 0, sizeof(c->actor));
	/* Server 0 refuses at once; server 1 when the notification arrives, long before the minute. */
	assert_int_equal(resume(fx, 0, token, NULL), ERR_UNAUTH);
	long ms = until_refused(fx, 1, token);
	assert_true(ms < NOTICE_WAIT_MS);
}

static void test_logout_seen_by_both(void **state)
{
	struct fixture *fx = fixture_get(state);
	char token[TOKEN_HEX_LEN + 1];
	struct user u;
	sign_in(fx, "dalia", 1u << ROLE_CASE_MANAGER, token, &u);
	warm(fx, 0, token);
	warm(fx, 1, token);
	/* Sign-out on server 1, as session_api.c does it. */
	struct ctx *c = &fx->s[1].c;
	assert_int_equal(store_begin(c->db), 0);
	assert_int_equal(session_end(c, token), 0);
	assert_int_equal(store_commit(c->db), 0);
	session_cache_forget(c);
	assert_int_equal(resume(fx, 1, token, NULL), ERR_UNAUTH);
	assert_true(until_refused(fx, 0, token) < NOTICE_WAIT_MS);
}

static void test_sql_change_seen_by_both(void **state)
{
	struct fixture *fx = fixture_get(state);
	char token[TOKEN_HEX_LEN + 1];
	struct user u;
	sign_in(fx, "farid", (1u << ROLE_CASE_MANAGER) | (1u << ROLE_SUPERVISOR), token, &u);
	warm(fx, 0, token);
	warm(fx, 1, token);
	/* An administrator takes a role away in psql: no ihala code runs. */
	struct store *db;
	assert_int_equal(store_open(&db, fx->url), 0);
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, "UPDATE users SET roles = 'case_manager' WHERE id = ?"), 0);
	store_bind_text(st, 1, u.id);
	assert_true(store_step(st) >= 0);
	store_finalize(st);
	store_close(db);
	for (int i = 0; i < 2; i++) {
		uint64_t t0 = clock_mono_ns();
		role_set roles = 0;
		for (;;) {
			assert_int_equal(resume(fx, i, token, &roles), 0);
			if (roles == 1u << ROLE_CASE_MANAGER)
				break;
			assert_true(clock_mono_ns() - t0 < (uint64_t)NOTICE_WAIT_MS * 1000000);
			sleep_ms(5);
		}
	}
}

static void test_limits_judged_from_memory(void **state)
{
	struct fixture *fx = fixture_get(state);
	char token[TOKEN_HEX_LEN + 1];
	struct user u;
	sign_in(fx, "hana", 1u << ROLE_CASE_MANAGER, token, &u);
	warm(fx, 0, token);
	/* Past the absolute limit the remembered session is refused (and then deleted). */
	clock_set_offset(fx->s[0].app.cfg.session_absolute + 1);
	assert_int_equal(resume(fx, 0, token, NULL), ERR_UNAUTH);
	clock_set_offset(0);
	assert_int_equal(resume(fx, 0, token, NULL), ERR_UNAUTH);
}

static void test_off_is_not_used(void **state)
{
	struct fixture *fx = fixture_get(state);
	char token[TOKEN_HEX_LEN + 1];
	struct user u;
	sign_in(fx, "jamil", 1u << ROLE_CASE_MANAGER, token, &u);
	warm(fx, 0, token);
	/* The listening connection was lost: nothing is answered from memory. */
	session_cache_reset(fx->s[0].app.sessions, false);
	uint64_t before = hits(fx, 0);
	for (int k = 0; k < 3; k++)
		assert_int_equal(resume(fx, 0, token, NULL), 0);
	assert_int_equal(hits(fx, 0), before);
	session_cache_reset(fx->s[0].app.sessions, true);
	warm(fx, 0, token);
}

/* The setting: 10 s by default, 0 turns it off, 0..60 only; no database needed. */
static void test_config_key(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-session-conf-XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	static const struct {
		const char *text;
		int rc;
		long want;
	} cases[] = {
		{ "db = x.db\n", 0, 10 },          { "session_cache = 0\n", 0, 0 },
		{ "session_cache = 60\n", 0, 60 }, { "session_cache = 61\n", ERR_INVALID, 0 },
		{ "session_cache = -1\n", ERR_INVALID, 0 }, { "session_cache = 5s\n", ERR_INVALID, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].text, f);
		fclose(f);
		struct config cfg;
		assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(cfg.session_cache, cases[i].want);
		else
			assert_non_null(strstr(err, "bad value for `session_cache`"));
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_key),
		cmocka_unit_test(test_second_check_from_memory),
		cmocka_unit_test(test_disable_seen_by_both),
		cmocka_unit_test(test_logout_seen_by_both),
		cmocka_unit_test(test_sql_change_seen_by_both),
		cmocka_unit_test(test_limits_judged_from_memory),
		cmocka_unit_test(test_off_is_not_used),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
