/* login.c: see login.h. */
#include "login.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../crypto/password.h"
#include "../crypto/seal.h"
#include "throttle.h"

const char *login_next(const struct ctx *c, const struct user *u)
{
	if (u->must_change_password)
		return "change_password";
	if (c->app->totp_enforced && role_set_needs_totp(u->roles) && !u->totp_enabled)
		return "enrol_totp";
	return NULL;
}

static void set_actor(struct ctx *c, const struct user *u)
{
	snprintf(c->actor.user_id, sizeof(c->actor.user_id), "%s", u->id);
	snprintf(c->actor.org_id, sizeof(c->actor.org_id), "%s", u->org_id);
	snprintf(c->actor.username, sizeof(c->actor.username), "%s", u->username);
	c->actor.roles = u->roles;
}

static struct seal_ad totp_ad(const char *user_id)
{
	struct seal_ad ad = { "users", "totp_secret", user_id };
	return ad;
}

/* Read and open the user's sealed TOTP secret, with its last used step. */
static int totp_secret_load(struct ctx *c, const char *user_id, unsigned char secret[TOTP_SECRET_BYTES],
			    int64_t *last_step)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT totp_secret, totp_last_step FROM users WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, user_id);
	int rc = store_step(st);
	if (rc != STORE_ROW) {
		store_finalize(st);
		return rc < 0 ? rc : ERR_NOT_FOUND;
	}
	size_t len = 0;
	const unsigned char *sealed = store_column_blob(st, 0, &len);
	*last_step = store_column_int64(st, 1);
	unsigned char plain[TOTP_SECRET_BYTES + 16];
	size_t plain_len = 0;
	struct seal_ad ad = totp_ad(user_id);
	rc = ERR_NOT_FOUND;
	if (sealed && len == seal_len(TOTP_SECRET_BYTES)) {
		rc = seal_decrypt(plain, &plain_len, sealed, len, &ad, seal_key_version(sealed, len),
				  keyring_subkey(c->app->kr, KEY_FIELD));
		if (rc == 0 && plain_len == TOTP_SECRET_BYTES)
			memcpy(secret, plain, TOTP_SECRET_BYTES);
		else if (rc == 0)
			rc = ERR_CRYPTO;
	}
	store_finalize(st);
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

static int totp_accept(struct ctx *c, const char *user_id, int64_t step, bool enable)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  enable ? "UPDATE users SET totp_last_step = ?, totp_enabled = 1, version = version + 1 "
				   "WHERE id = ? AND totp_last_step < ?"
				 : "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, step);
	store_bind_text(st, 2, user_id);
	store_bind_int64(st, 3, step);
	int rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	/* Zero rows: a concurrent request used this step first. */
	return changed == 1 ? 0 : ERR_UNAUTH;
}

static int fail_login(struct ctx *c, const char *username, const char *user_id, const char *outcome,
		      struct problem *pb, const char *code)
{
	if (throttle_fail(c, username, c->remote_addr) < 0)
		log_warn("throttle record failed", "%s", "");
	struct audit_event ev = { user_id, NULL, "session.login_failed", "user", user_id, outcome, 0 };
	if (audit_append_tx(c->db, &c->app->audit, &ev) < 0)
		log_error("audit append failed", "action=%s", ev.action);
	return problem_set(pb, ERR_UNAUTH, code, NULL);
}

int login_password(struct ctx *c, const char *username, const char *password, const char *totp,
		   struct login_result *out, struct problem *pb)
{
	memset(out, 0, sizeof(*out));
	if (!username || !password || strlen(username) > USERNAME_MAX || strlen(password) > PASSWORD_MAX_LEN)
		return problem_set(pb, ERR_UNAUTH, "invalid_credentials", NULL);
	int rc = throttle_check(c, username, c->remote_addr, &out->retry_after);
	if (rc == ERR_THROTTLED) {
		struct audit_event ev = { NULL, NULL, "session.login_throttled", NULL, NULL, "denied", 0 };
		if (audit_append_tx(c->db, &c->app->audit, &ev) < 0)
			log_error("audit append failed", "action=%s", ev.action);
		return problem_set(pb, ERR_THROTTLED, "throttled", NULL);
	}
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);

	struct user u;
	char hash[PASSWORD_HASH_MAX];
	rc = user_load_by_name(c->db, username, &u, hash, sizeof(hash));
	if (rc == ERR_NOT_FOUND) {
		password_burn(password);
		return fail_login(c, username, NULL, "failed", pb, "invalid_credentials");
	}
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	bool rehash = false;
	rc = password_verify(hash, password, &rehash);
	if (rc < 0 || u.disabled)
		return fail_login(c, username, u.id, u.disabled ? "denied" : "failed", pb, "invalid_credentials");

	int64_t step = 0;
	if (u.totp_enabled) {
		if (!totp || !*totp)
			return problem_set(pb, ERR_UNAUTH, "totp_required", "totp");
		unsigned char secret[TOTP_SECRET_BYTES];
		int64_t last = 0;
		if (totp_secret_load(c, u.id, secret, &last) < 0)
			return problem_set(pb, ERR_FAIL, "internal", NULL);
		rc = totp_check(secret, totp, clock_now(), last, &step);
		sodium_memzero(secret, sizeof(secret));
		if (rc < 0)
			return fail_login(c, username, u.id, "failed", pb, "totp_invalid");
	}

	set_actor(c, &u);
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (step && totp_accept(c, u.id, step, false) < 0) {
		store_rollback(c->db);
		memset(&c->actor, 0, sizeof(c->actor));
		return fail_login(c, username, u.id, "failed", pb, "totp_invalid");
	}
	if (rehash) {
		char fresh[PASSWORD_HASH_MAX];
		struct store_stmt *st;
		if (password_hash(fresh, password) == 0 &&
		    store_prepare(c->db, &st, "UPDATE users SET password_hash = ? WHERE id = ?") == 0) {
			store_bind_text(st, 1, fresh);
			store_bind_text(st, 2, u.id);
			if (store_step(st) < 0)
				log_warn("password rehash failed", "%s", "");
			store_finalize(st);
		}
	}
	if (throttle_clear(c, username) < 0 || session_create(c, u.id, out->token, out->csrf) < 0 ||
	    ctx_audit(c, "session.login", "user", u.id, "ok") < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	out->next = login_next(c, &u);
	return 0;
}

int login_lookup(struct ctx *c, const char *token, struct session_info *si, struct user *u,
		 const char **next)
{
	bool has_user;
	int rc = session_lookup(c, token, si, u, &has_user);
	if (rc < 0 || si->expired)
		return rc;
	if (!has_user || u->disabled)
		return ERR_UNAUTH;
	set_actor(c, u);
	*next = login_next(c, u);
	return 0;
}

int login_resume(struct ctx *c, const char *token, struct session_info *si, struct user *u,
		 const char **next)
{
	/* The session and its user (one statement: no transaction), then any write the session needs. */
	int rc = login_lookup(c, token, si, u, next);
	if (rc == 0 && (si->expired || si->stale))
		rc = session_upkeep(c, token, si);
	if (rc < 0)
		memset(&c->actor, 0, sizeof(c->actor));
	return rc;
}

int login_change_password(struct ctx *c, const char *current, const char *new_password,
			  struct login_result *out, struct problem *pb)
{
	memset(out, 0, sizeof(*out));
	struct user u;
	char hash[PASSWORD_HASH_MAX];
	if (user_load_by_name(c->db, c->actor.username, &u, hash, sizeof(hash)) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	bool rehash;
	if (!current || strlen(current) > PASSWORD_MAX_LEN || password_verify(hash, current, &rehash) < 0) {
		if (ctx_audit_tx(c, "user.password_change", "user", u.id, "failed") < 0)
			log_error("audit append failed", "action=%s", "user.password_change");
		return problem_set(pb, ERR_INVALID, "wrong_password", "current");
	}
	if (password_check_policy(new_password) < 0 || !strcmp(new_password, current) ||
	    !strcmp(new_password, u.username))
		return problem_set(pb, ERR_INVALID, "weak_password", "new");
	char fresh[PASSWORD_HASH_MAX];
	if (password_hash(fresh, new_password) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ?, "
			  "version = version + 1 WHERE id = ?") < 0)
		goto fail;
	store_bind_text(st, 1, fresh);
	store_bind_int64(st, 2, clock_now());
	store_bind_text(st, 3, u.id);
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || session_end_all(c, u.id) < 0 || session_create(c, u.id, out->token, out->csrf) < 0 ||
	    ctx_audit(c, "user.password_change", "user", u.id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	session_cache_forget(c);
	u.must_change_password = false;
	out->next = login_next(c, &u);
	return 0;
fail:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int login_totp_begin(struct ctx *c, char secret_b32[TOTP_BASE32_MAX], struct problem *pb)
{
	struct user u;
	if (user_load(c->db, c->actor.user_id, &u) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (u.totp_enabled)
		return problem_set(pb, ERR_CONFLICT, "conflict", NULL);
	unsigned char secret[TOTP_SECRET_BYTES], sealed[seal_len(TOTP_SECRET_BYTES)];
	totp_secret_new(secret);
	struct seal_ad ad = totp_ad(u.id);
	int rc = seal_encrypt(sealed, secret, sizeof(secret), &ad, keyring_version(c->app->kr),
			      keyring_subkey(c->app->kr, KEY_FIELD));
	if (rc == 0)
		rc = totp_secret_base32(secret, secret_b32);
	sodium_memzero(secret, sizeof(secret));
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ? AND totp_enabled = 0") < 0)
		goto fail;
	store_bind_blob(st, 1, sealed, sizeof(sealed));
	store_bind_text(st, 2, u.id);
	rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || ctx_audit(c, "user.totp_begin", "user", u.id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int login_totp_confirm(struct ctx *c, const char *code, struct problem *pb)
{
	struct user u;
	if (user_load(c->db, c->actor.user_id, &u) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (u.totp_enabled)
		return problem_set(pb, ERR_CONFLICT, "conflict", NULL);
	unsigned char secret[TOTP_SECRET_BYTES];
	int64_t last = 0, step = 0;
	int rc = totp_secret_load(c, u.id, secret, &last);
	if (rc == ERR_NOT_FOUND)
		return problem_set(pb, ERR_INVALID, "totp_invalid", "code");
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	rc = totp_check(secret, code, clock_now(), last, &step);
	sodium_memzero(secret, sizeof(secret));
	if (rc < 0) {
		if (ctx_audit_tx(c, "user.totp_confirm", "user", u.id, "failed") < 0)
			log_error("audit append failed", "action=%s", "user.totp_confirm");
		return problem_set(pb, ERR_INVALID, "totp_invalid", "code");
	}
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	rc = totp_accept(c, u.id, step, true);
	if (rc == ERR_UNAUTH) {
		store_rollback(c->db);
		return problem_set(pb, ERR_INVALID, "totp_invalid", "code");
	}
	if (rc < 0 || ctx_audit(c, "user.totp_enrol", "user", u.id, "ok") < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	session_cache_forget(c);
	return 0;
}

int login_set_locale(struct ctx *c, const char *locale, struct problem *pb)
{
	if (!locale || (strcmp(locale, "ar") && strcmp(locale, "en")))
		return problem_set(pb, ERR_INVALID, "invalid", "locale");
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "UPDATE users SET locale = ? WHERE id = ?") < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	store_bind_text(st, 1, locale);
	store_bind_text(st, 2, c->actor.user_id);
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	session_cache_forget(c);
	return 0;
}
