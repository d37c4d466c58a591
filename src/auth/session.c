/* session.c: see session.h. */
#include "session.h"

#include <string.h>

#include "../core/clock.h"
#include "../core/err.h"
#include "../core/log.h"

static int token_hash(const struct ctx *c, const char *token, unsigned char out[32])
{
	unsigned char raw[TOKEN_BYTES];
	if (!token || strlen(token) != TOKEN_HEX_LEN || hex_decode(raw, TOKEN_BYTES, token) < 0)
		return ERR_UNAUTH;
	hash_keyed(out, keyring_subkey(c->app->kr, KEY_SESSION), raw, sizeof(raw));
	return 0;
}

int session_create(struct ctx *c, const char *user_id, char token[TOKEN_HEX_LEN + 1],
		   char csrf[TOKEN_HEX_LEN + 1])
{
	unsigned char th[32];
	random_hex(token, TOKEN_BYTES);
	random_hex(csrf, TOKEN_BYTES);
	if (token_hash(c, token, th) < 0)
		return ERR_FAIL;
	int64_t now = clock_now();
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at) "
			  "VALUES (?, ?, ?, ?, ?, ?)") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, th, sizeof(th));
	store_bind_text(st, 2, user_id);
	store_bind_text(st, 3, csrf);
	store_bind_int64(st, 4, now);
	store_bind_int64(st, 5, now);
	store_bind_int64(st, 6, now + c->app->cfg.session_absolute);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int delete_by_hash(struct ctx *c, const unsigned char th[32])
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "DELETE FROM sessions WHERE token_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, th, 32);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int session_lookup(struct ctx *c, const char *token, struct session_info *out, struct user *u, bool *has_user)
{
	unsigned char th[32];
	memset(out, 0, sizeof(*out));
	*has_user = false;
	if (token_hash(c, token, th) < 0)
		return ERR_UNAUTH;
	/* One statement, so no transaction is needed around it (one round trip on PostgreSQL). */
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen, s.expires_at, "
			  USER_COLUMNS("u.") " FROM sessions s LEFT JOIN users u ON u.id = s.user_id "
			  "WHERE s.token_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, th, sizeof(th));
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		const char *uid = store_column_text(st, 0), *csrf = store_column_text(st, 1);
		snprintf(out->user_id, sizeof(out->user_id), "%s", uid ? uid : "");
		snprintf(out->csrf, sizeof(out->csrf), "%s", csrf ? csrf : "");
		out->created_at = store_column_int64(st, 2);
		out->last_seen = store_column_int64(st, 3);
		out->expires_at = store_column_int64(st, 4);
		*has_user = !store_column_is_null(st, 5);
		if (*has_user)
			user_row_read(st, 5, u);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (rc != STORE_ROW)
		return ERR_UNAUTH;
	int64_t now = clock_now();
	out->expired = now >= out->expires_at || now - out->last_seen >= c->app->cfg.session_idle ||
		       now - out->created_at >= c->app->cfg.session_absolute;
	/* Refresh the idle timer at most once a minute (every request when the limit is tiny). */
	out->stale = now - out->last_seen >= 60 || c->app->cfg.session_idle < 120;
	return 0;
}

int session_upkeep(struct ctx *c, const char *token, struct session_info *si)
{
	unsigned char th[32];
	if (token_hash(c, token, th) < 0)
		return ERR_UNAUTH;
	if (si->expired) {
		/* A failure here only delays the clean-up; the session is refused either way. */
		if (store_begin(c->db) == 0) {
			if (delete_by_hash(c, th) < 0 || store_commit(c->db) < 0)
				store_rollback(c->db);
		}
		return ERR_UNAUTH;
	}
	if (!si->stale)
		return 0;
	int64_t now = clock_now();
	struct store_stmt *st;
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	if (store_prepare(c->db, &st, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?") < 0) {
		store_rollback(c->db);
		return ERR_FAIL;
	}
	store_bind_int64(st, 1, now);
	store_bind_blob(st, 2, th, sizeof(th));
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		return ERR_FAIL;
	}
	si->last_seen = now;
	si->stale = 0;
	return 0;
}

int session_end(struct ctx *c, const char *token)
{
	unsigned char th[32];
	if (token_hash(c, token, th) < 0)
		return ERR_UNAUTH;
	return delete_by_hash(c, th);
}

int session_end_all(struct ctx *c, const char *user_id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "DELETE FROM sessions WHERE user_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, user_id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}
