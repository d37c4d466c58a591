/*
 * test_auth.c: the permission table, TOTP (RFC 6238 vectors, single use),
 * account validation, sessions (expiry, ending), throttling, and login
 * answers, on a real SQLite database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/ctx.h"
#include "auth/login.h"
#include "auth/perm.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "auth/user.h"
#include "core/clock.h"
#include "domain/org/org.h"

/* ---- the permission table ---- */

struct perm_case {
	enum role role;
	enum perm perm;
	enum scope want;
};

static const struct perm_case perm_cases[] = {
	{ ROLE_ADMIN, PERM_ORG_WRITE, SCOPE_ALL },
	{ ROLE_ADMIN, PERM_USER_WRITE, SCOPE_ALL },
	{ ROLE_ADMIN, PERM_AUDIT_READ, SCOPE_NONE },
	{ ROLE_COORDINATOR, PERM_ORG_READ, SCOPE_ALL },
	{ ROLE_COORDINATOR, PERM_ORG_WRITE, SCOPE_NONE },
	{ ROLE_COORDINATOR, PERM_USER_READ, SCOPE_OWN_ORG },
	{ ROLE_CASE_MANAGER, PERM_ORG_READ, SCOPE_OWN_ORG },
	{ ROLE_CASE_MANAGER, PERM_USER_READ, SCOPE_NONE },
	{ ROLE_ANALYST, PERM_ORG_READ, SCOPE_NONE },
	{ ROLE_ANALYST, PERM_USER_READ, SCOPE_NONE },
	{ ROLE_ANALYST, PERM_AUDIT_READ, SCOPE_NONE },
	{ ROLE_AUDITOR, PERM_AUDIT_READ, SCOPE_ALL },
	{ ROLE_AUDITOR, PERM_ORG_READ, SCOPE_NONE },
	{ ROLE_FIRST_RESPONDER, PERM_SIGNED_IN, SCOPE_ALL },
};

static void test_perm_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(perm_cases) / sizeof(perm_cases[0]); i++) {
		const struct perm_case *c = &perm_cases[i];
		assert_int_equal(perm_scope(1u << c->role, c->perm), c->want);
		assert_int_equal(perm_allowed(1u << c->role, c->perm), c->want != SCOPE_NONE);
	}
	/* Roles combine to the widest scope. */
	assert_int_equal(perm_scope((1u << ROLE_CASE_MANAGER) | (1u << ROLE_COORDINATOR), PERM_ORG_READ), SCOPE_ALL);
	/* No role: nothing but public. */
	assert_false(perm_allowed(0, PERM_SIGNED_IN));
	assert_true(perm_allowed(0, PERM_PUBLIC));
	enum role r;
	for (int k = 0; k < ROLE_COUNT; k++) {
		assert_int_equal(role_parse(role_name((enum role)k), &r), 0);
		assert_int_equal(r, k);
	}
	assert_int_equal(role_parse("root", &r), ERR_INVALID);
	assert_true(role_set_needs_totp(1u << ROLE_ADMIN));
	assert_true(role_set_needs_totp(1u << ROLE_COORDINATOR));
	assert_false(role_set_needs_totp(1u << ROLE_CASE_MANAGER));
}

/* ---- TOTP ---- */

static void test_totp_rfc6238(void **state)
{
	(void)state;
	/* RFC 6238 appendix B, SHA-1 secret, 8-digit values truncated to the 6 low digits. */
	const unsigned char secret[TOTP_SECRET_BYTES] = "12345678901234567890";
	static const struct { int64_t t; const char *code; } v[] = {
		{ 59, "287082" }, { 1111111109, "081804" }, { 1234567890, "005924" }, { 2000000000, "279037" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t step = 0;
		assert_int_equal(totp_check(secret, v[i].code, v[i].t, 0, &step), 0);
		assert_int_equal(step, v[i].t / 30);
		/* The same step again is a replay. */
		assert_int_equal(totp_check(secret, v[i].code, v[i].t, step, &step), ERR_UNAUTH);
	}
	int64_t step;
	assert_int_equal(totp_check(secret, "287083", 59, 0, &step), ERR_UNAUTH);
	assert_int_equal(totp_check(secret, "28708", 59, 0, &step), ERR_UNAUTH);
	assert_int_equal(totp_check(secret, "2870822", 59, 0, &step), ERR_UNAUTH);
	assert_int_equal(totp_check(secret, "abcdef", 59, 0, &step), ERR_UNAUTH);
	/* One step of drift either way is accepted, two are not. */
	assert_int_equal(totp_check(secret, "287082", 59 + 30, 0, &step), 0);
	assert_int_equal(totp_check(secret, "287082", 59 + 90, 0, &step), ERR_UNAUTH);
	char b32[TOTP_BASE32_MAX];
	assert_int_equal(totp_secret_base32(secret, b32), 0);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

/* ---- validation ---- */

static void test_username_rules(void **state)
{
	(void)state;
	static const struct { const char *name; int ok; } cases[] = {
		{ "admin", 1 }, { "a.b-c_d", 1 }, { "x1", 0 }, { "Admin", 0 }, { ".hidden", 0 },
		{ "has space", 0 }, { "عربي", 0 }, { "", 0 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(user_check_username(cases[i].name) == 0, cases[i].ok);
	assert_int_equal(user_check_display_name("مريم الأحمد"), 0);
	assert_int_equal(user_check_display_name("a\nb"), ERR_INVALID);
	assert_int_equal(user_check_display_name(""), ERR_INVALID);
}

/* ---- a real database ---- */

struct fixture {
	char dir[64];
	struct app app;
	struct ctx c;
	char org_id[ID_HEX_LEN + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/ihala-auth-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	crypto_init_once();
	unsigned char master[KEY_BYTES];
	memset(master, 7, sizeof(master));
	config_defaults(&f->app.cfg, f->dir);
	f->app.totp_enforced = true;
	if (keyring_from_bytes(&f->app.kr, master) < 0)
		return -1;
	if (store_pool_open(&f->app.pool, f->app.cfg.db, 1) < 0)
		return -1;
	f->c.app = &f->app;
	f->c.db = store_pool_acquire(f->app.pool);
	f->c.remote_addr = "192.0.2.1";
	if (store_migrate(f->c.db) < 0)
		return -1;
	struct org o;
	struct problem pb = { 0 };
	struct org_fields of = { "منظمة", "Org", "NGO", "BH", 0 };
	if (org_create(&f->c, &of, &o, &pb) < 0)
		return -1;
	snprintf(f->org_id, sizeof(f->org_id), "%s", o.id);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_pool_release(f->app.pool, f->c.db);
	store_pool_close(f->app.pool);
	keyring_free(f->app.kr);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void make_user(struct fixture *f, const char *name, role_set roles, bool must_change, const char *pw)
{
	struct user u;
	struct problem pb = { 0 };
	assert_int_equal(user_create_with_password(&f->c, f->org_id, name, "Name", roles, must_change, pw, &u, &pb), 0);
}

static void test_login_answers(void **state)
{
	struct fixture *f = *state;
	make_user(f, "alice", 1u << ROLE_ADMIN, true, "correct horse battery");
	struct login_result lr;
	struct problem pb = { 0 };
	assert_int_equal(login_password(&f->c, "alice", "wrong password!!", NULL, &lr, &pb), ERR_UNAUTH);
	assert_string_equal(pb.code, "invalid_credentials");
	assert_int_equal(login_password(&f->c, "nobody", "wrong password!!", NULL, &lr, &pb), ERR_UNAUTH);
	assert_string_equal(pb.code, "invalid_credentials");
	memset(&f->c.actor, 0, sizeof(f->c.actor));
	assert_int_equal(login_password(&f->c, "alice", "correct horse battery", NULL, &lr, &pb), 0);
	assert_string_equal(lr.next, "change_password");
	assert_int_equal(strlen(lr.token), TOKEN_HEX_LEN);

	/* The session resolves to alice; a changed password ends it and issues another. */
	struct session_info si;
	struct user ru;
	const char *next;
	assert_int_equal(login_resume(&f->c, lr.token, &si, &ru, &next), 0);
	assert_string_equal(f->c.actor.username, "alice");
	struct login_result lr2;
	assert_int_equal(login_change_password(&f->c, "correct horse battery", "short", &lr2, &pb), ERR_INVALID);
	assert_string_equal(pb.code, "weak_password");
	assert_int_equal(login_change_password(&f->c, "not the password", "a much better passphrase", &lr2, &pb),
			 ERR_INVALID);
	assert_string_equal(pb.code, "wrong_password");
	assert_int_equal(login_change_password(&f->c, "correct horse battery", "a much better passphrase", &lr2, &pb), 0);
	assert_string_equal(lr2.next, "enrol_totp");   /* admin, TOTP enforced */
	assert_int_equal(login_resume(&f->c, lr.token, &si, &ru, &next), ERR_UNAUTH);
	assert_int_equal(login_resume(&f->c, lr2.token, &si, &ru, &next), 0);
	assert_string_equal(next, "enrol_totp");
}

static void test_throttle(void **state)
{
	struct fixture *f = *state;
	make_user(f, "bob", 1u << ROLE_CASE_MANAGER, false, "bob's long password");
	struct login_result lr;
	struct problem pb = { 0 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(login_password(&f->c, "bob", "wrong wrong wrong", NULL, &lr, &pb), ERR_UNAUTH);
	/* Now even the right password waits, with a bounded delay. */
	assert_int_equal(login_password(&f->c, "bob", "bob's long password", NULL, &lr, &pb), ERR_THROTTLED);
	assert_true(lr.retry_after > 0 && lr.retry_after <= 900);
	/* Another account from the same address is not affected. */
	make_user(f, "carol", 1u << ROLE_CASE_MANAGER, false, "carol's long password");
	assert_int_equal(login_password(&f->c, "carol", "carol's long password", NULL, &lr, &pb), 0);
	/* After the delay the account may try again: no lock-out. */
	clock_set_offset(901);
	assert_int_equal(login_password(&f->c, "bob", "bob's long password", NULL, &lr, &pb), 0);
	clock_set_offset(0);
}

static void test_session_expiry(void **state)
{
	struct fixture *f = *state;
	make_user(f, "dave", 1u << ROLE_CASE_MANAGER, false, "dave's long password");
	struct login_result lr;
	struct problem pb = { 0 };
	assert_int_equal(login_password(&f->c, "dave", "dave's long password", NULL, &lr, &pb), 0);
	struct session_info si;
	struct user ru;
	const char *next;
	assert_int_equal(login_resume(&f->c, lr.token, &si, &ru, &next), 0);
	assert_null(next);
	clock_set_offset(f->app.cfg.session_idle + 1);
	assert_int_equal(login_resume(&f->c, lr.token, &si, &ru, &next), ERR_UNAUTH);
	clock_set_offset(0);
	/* It was deleted, not just refused. */
	assert_int_equal(login_resume(&f->c, lr.token, &si, &ru, &next), ERR_UNAUTH);
	/* A malformed token is refused without a query error. */
	assert_int_equal(login_resume(&f->c, "zz", &si, &ru, &next), ERR_UNAUTH);
	/* Disabling ends sessions. */
	assert_int_equal(login_password(&f->c, "dave", "dave's long password", NULL, &lr, &pb), 0);
	struct user u;
	assert_int_equal(user_load_by_name(f->c.db, "dave", &u, NULL, 0), 0);
	struct user_patch p = { .set_disabled = true, .disabled = true };
	memset(&f->c.actor, 0, sizeof(f->c.actor));
	assert_int_equal(user_update(&f->c, u.id, &p, &u, &pb), 0);
	assert_int_equal(login_resume(&f->c, lr.token, &si, &ru, &next), ERR_UNAUTH);
	assert_int_equal(login_password(&f->c, "dave", "dave's long password", NULL, &lr, &pb), ERR_UNAUTH);
	assert_string_equal(pb.code, "invalid_credentials");
}

int main(void)
{
	setenv("IHALA_PWHASH", "fast", 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perm_table),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_username_rules),
		cmocka_unit_test_setup_teardown(test_login_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
