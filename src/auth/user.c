/* user.c: staff accounts; see user.h. */
#include "user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/clock.h"
#include "../core/text.h"
#include "../core/log.h"
#include "session.h"

#define USER_COLS USER_COLUMNS("")

int user_check_username(const char *u)
{
	size_t n = u ? strlen(u) : 0;
	if (n < 3 || n > USERNAME_MAX)
		return ERR_INVALID;
	if (strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return ERR_INVALID;
	if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789", u[0]))
		return ERR_INVALID;
	return 0;
}

int user_check_display_name(const char *name)
{
	return text_check_name(name, DISPLAY_NAME_MAX / 4);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static role_set roles_parse(const char *list);

void user_row_read(struct store_stmt *st, int k, struct user *u)
{
	memset(u, 0, sizeof(*u));
	copy(u->id, sizeof(u->id), store_column_text(st, k));
	copy(u->org_id, sizeof(u->org_id), store_column_text(st, k + 1));
	copy(u->username, sizeof(u->username), store_column_text(st, k + 2));
	copy(u->display_name, sizeof(u->display_name), store_column_text(st, k + 3));
	u->must_change_password = store_column_int64(st, k + 4) != 0;
	u->totp_enabled = store_column_int64(st, k + 5) != 0;
	u->disabled = store_column_int64(st, k + 6) != 0;
	copy(u->locale, sizeof(u->locale), store_column_text(st, k + 7));
	u->created_at = store_column_int64(st, k + 8);
	u->updated_at = store_column_int64(st, k + 9);
	u->version = store_column_int64(st, k + 10);
	u->roles = roles_parse(store_column_text(st, k + 11));
}

static void row_to_user(struct store_stmt *st, struct user *u)
{
	user_row_read(st, 0, u);
}

/* Role names, comma-separated, in the order of enum role: the users.roles column. */
static void roles_format(role_set roles, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (roles & (1u << r)) {
			int w = snprintf(out + n, size - n, "%s%s", n ? "," : "", role_name((enum role)r));
			if (w < 0 || (size_t)w >= size - n)
				return;
			n += (size_t)w;
		}
	}
}

/* Unknown names (from a newer version) are ignored, never widened. */
static role_set roles_parse(const char *list)
{
	role_set roles = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *s = buf, *comma; s && *s; s = comma ? comma + 1 : NULL) {
		comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		enum role r;
		if (role_parse(s, &r) == 0)
			roles |= 1u << r;
	}
	return roles;
}

static int load_where(struct store *db, const char *where, const char *value, struct user *out,
		      char *pw_hash, size_t pw_hash_size)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT " USER_COLS "%s FROM users WHERE %s = ?",
		 pw_hash ? ", password_hash" : "", where);
	struct store_stmt *st;
	if (store_prepare(db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, value);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		row_to_user(st, out);
		if (pw_hash)
			copy(pw_hash, pw_hash_size, store_column_text(st, 12));
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : ERR_NOT_FOUND;
}

int user_load(struct store *db, const char *id, struct user *out)
{
	return load_where(db, "id", id, out, NULL, 0);
}

int user_load_by_name(struct store *db, const char *username, struct user *out, char *pw_hash,
		      size_t pw_hash_size)
{
	return load_where(db, "username", username, out, pw_hash, pw_hash_size);
}


int user_list_enabled_in_org(struct store *db, const char *org_id, struct user **items, int *n_items)
{
	*items = NULL;
	*n_items = 0;
	struct store_stmt *st;
	if (store_prepare(db, &st, "SELECT " USER_COLS " FROM users WHERE org_id = ? AND disabled = 0 "
				   "ORDER BY display_name, id") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	int rc, n = 0, cap = 0;
	struct user *list = NULL;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n == cap) {
			struct user *grown = cap < 1000 ? xreallocarray(list, (size_t)(cap ? cap * 2 : 16), sizeof(*list)) : NULL;
			if (!grown) {
				rc = ERR_NOMEM;
				break;
			}
			list = grown;
			cap = cap ? cap * 2 : 16;
		}
		row_to_user(st, &list[n++]);
	}
	store_finalize(st);
	if (rc < 0) {
		free(list);
		return rc;
	}
	*items = list;
	*n_items = n;
	return 0;
}

int user_get(struct ctx *c, const char *id, struct user *out)
{
	int rc = user_load(c->db, id, out);
	if (rc < 0)
		return rc;
	if (!ctx_in_scope(c, PERM_USER_READ, out->org_id))
		return ERR_NOT_FOUND;
	return 0;
}

static int org_exists(struct store *db, const char *org_id)
{
	struct store_stmt *st;
	if (store_prepare(db, &st, "SELECT 1 FROM orgs WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : ERR_NOT_FOUND;
}

int user_create_with_password(struct ctx *c, const char *org_id, const char *username,
			      const char *display_name, role_set roles, bool must_change,
			      const char *password, struct user *out, struct problem *pb)
{
	if (user_check_username(username) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "username");
	if (user_check_display_name(display_name) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "display_name");
	if (roles == 0 || roles >= (1u << ROLE_COUNT))
		return problem_set(pb, ERR_INVALID, "invalid", "roles");
	if (!org_id || strlen(org_id) != ID_HEX_LEN || !ctx_in_scope(c, PERM_USER_WRITE, org_id))
		return problem_set(pb, ERR_INVALID, "invalid", "org_id");
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(hash, password) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);

	char id[ID_HEX_LEN + 1];
	random_id(id);
	int64_t now = clock_now();
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int err;
	int rc = org_exists(c->db, org_id);
	if (rc == ERR_NOT_FOUND) {
		err = problem_set(pb, ERR_INVALID, "invalid", "org_id");
		goto fail;
	}
	if (rc < 0)
		goto fail_internal;
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO users (id, org_id, username, display_name, roles, password_hash, "
			  "must_change_password, locale, created_at, updated_at, version) "
			  "VALUES (?, ?, ?, ?, ?, ?, ?, 'ar', ?, ?, 1)") < 0)
		goto fail_internal;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, org_id);
	store_bind_text(st, 3, username);
	store_bind_text(st, 4, display_name);
	char role_list[256];
	roles_format(roles, role_list, sizeof(role_list));
	store_bind_text(st, 5, role_list);
	store_bind_text(st, 6, hash);
	store_bind_int64(st, 7, must_change ? 1 : 0);
	store_bind_int64(st, 8, now);
	store_bind_int64(st, 9, now);
	rc = store_step(st);
	store_finalize(st);
	if (rc == ERR_CONFLICT) {
		err = problem_set(pb, ERR_CONFLICT, "conflict", "username");
		goto fail;
	}
	if (rc < 0 || ctx_audit(c, "user.create", "user", id, "ok") < 0)
		goto fail_internal;
	if (store_commit(c->db) < 0)
		goto fail_internal;
	return user_load(c->db, id, out) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;

fail_internal:
	err = problem_set(pb, ERR_FAIL, "internal", NULL);
fail:
	store_rollback(c->db);
	return err;
}

int user_create(struct ctx *c, const char *org_id, const char *username,
		const char *display_name, role_set roles, bool must_change,
		char password_out[ONE_TIME_PASSWORD_LEN + 1], struct user *out,
		struct problem *pb)
{
	password_generate(password_out);
	return user_create_with_password(c, org_id, username, display_name, roles, must_change,
					 password_out, out, pb);
}

int user_list(struct ctx *c, const char *org_filter, const char *cursor, int limit,
	      struct user **items, int *n_items, char next_cursor[ID_HEX_LEN + 1])
{
	*items = NULL;
	*n_items = 0;
	next_cursor[0] = '\0';
	enum scope sc = ctx_scope(c, PERM_USER_READ);
	if (sc == SCOPE_NONE)
		return 0;
	const char *org = org_filter && *org_filter ? org_filter : NULL;
	if (sc == SCOPE_OWN_ORG) {
		if (org && strcmp(org, c->actor.org_id))
			return 0;   /* another organisation: nothing visible */
		org = c->actor.org_id;
	}
	struct user *list = xcalloc((size_t)limit + 1, sizeof(*list));
	if (!list)
		return ERR_NOMEM;
	struct store_stmt *st;
	int rc = store_prepare(c->db, &st,
			       org ? "SELECT " USER_COLS " FROM users WHERE id > ? AND org_id = ? ORDER BY id LIMIT ?"
				   : "SELECT " USER_COLS " FROM users WHERE id > ? ORDER BY id LIMIT ?");
	if (rc < 0) {
		free(list);
		return ERR_FAIL;
	}
	int i = 1;
	store_bind_text(st, i++, cursor ? cursor : "");
	if (org)
		store_bind_text(st, i++, org);
	store_bind_int64(st, i, limit + 1);
	int n = 0;
	while ((rc = store_step(st)) == STORE_ROW && n <= limit)
		row_to_user(st, &list[n++]);
	store_finalize(st);
	if (rc < 0) {
		free(list);
		return rc;
	}
	if (n > limit) {
		n = limit;
		copy(next_cursor, ID_HEX_LEN + 1, list[n - 1].id);
	}
	*items = list;
	*n_items = n;
	return 0;
}

int user_update(struct ctx *c, const char *id, const struct user_patch *patch, struct user *out,
		struct problem *pb)
{
	struct user u;
	int rc = user_load(c->db, id, &u);
	if (rc == ERR_NOT_FOUND || (rc == 0 && !ctx_in_scope(c, PERM_USER_WRITE, u.org_id)))
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	if (rc < 0)
		return problem_set(pb, rc, "internal", NULL);
	if (patch->display_name && user_check_display_name(patch->display_name) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "display_name");
	if (patch->set_roles && (patch->roles == 0 || patch->roles >= (1u << ROLE_COUNT)))
		return problem_set(pb, ERR_INVALID, "invalid", "roles");
	/* An administrator cannot disable themself or drop their own admin role:
	 * an installation must never be left without anyone to manage it. */
	if (!strcmp(id, c->actor.user_id) &&
	    ((patch->set_disabled && patch->disabled) ||
	     (patch->set_roles && !(patch->roles & (1u << ROLE_ADMIN)))))
		return problem_set(pb, ERR_INVALID, "invalid", patch->set_disabled ? "disabled" : "roles");

	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "UPDATE users SET display_name = ?, disabled = ?, roles = ?, updated_at = ?, "
			  "version = version + 1 WHERE id = ? AND (? = 0 OR version = ?)") < 0)
		goto internal;
	char role_list[256];
	roles_format(patch->set_roles ? patch->roles : u.roles, role_list, sizeof(role_list));
	store_bind_text(st, 1, patch->display_name ? patch->display_name : u.display_name);
	store_bind_int64(st, 2, patch->set_disabled ? patch->disabled : u.disabled);
	store_bind_text(st, 3, role_list);
	store_bind_int64(st, 4, clock_now());
	store_bind_text(st, 5, id);
	store_bind_int64(st, 6, patch->version);
	store_bind_int64(st, 7, patch->version);
	rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		goto internal;
	if (changed == 0) {
		store_rollback(c->db);
		pb->current_version = u.version;
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	if (patch->set_disabled && patch->disabled && session_end_all(c, id) < 0)
		goto internal;
	const char *action = patch->set_disabled ? (patch->disabled ? "user.disable" : "user.enable")
						 : "user.update";
	if (ctx_audit(c, action, "user", id, "ok") < 0 || store_commit(c->db) < 0)
		goto internal;
	session_cache_forget(c);
	return user_load(c->db, id, out) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
internal:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

/* A user the caller may change (PERM_USER_WRITE scope), else ERR_NOT_FOUND. */
static int load_writable(struct ctx *c, const char *id, struct user *u)
{
	int rc = user_load(c->db, id, u);
	if (rc == 0 && !ctx_in_scope(c, PERM_USER_WRITE, u->org_id))
		return ERR_NOT_FOUND;
	return rc;
}

/*
 * The administrator's account actions share one shape: in one transaction,
 * an optional change to the account (sql binds [hash,] now, id), then every
 * session of the user ends, then the audit row.
 */
static int account_action(struct ctx *c, const char *id, const char *sql, const char *hash,
			  const char *action)
{
	struct store_stmt *st;
	int rc = 0;
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	if (sql) {
		if (store_prepare(c->db, &st, sql) < 0)
			goto fail;
		int k = 1;
		if (hash)
			store_bind_text(st, k++, hash);
		store_bind_int64(st, k++, clock_now());
		store_bind_text(st, k, id);
		rc = store_step(st);
		store_finalize(st);
	}
	if (rc < 0 || session_end_all(c, id) < 0 || ctx_audit(c, action, "user", id, "ok") < 0 ||
	    store_commit(c->db) < 0)
		goto fail;
	session_cache_forget(c);
	return 0;
fail:
	store_rollback(c->db);
	return ERR_FAIL;
}

int user_reset_password(struct ctx *c, const char *id, char password_out[ONE_TIME_PASSWORD_LEN + 1])
{
	struct user u;
	int rc = load_writable(c, id, &u);
	if (rc < 0)
		return rc;
	char hash[PASSWORD_HASH_MAX];
	password_generate(password_out);
	if (password_hash(hash, password_out) < 0)
		return ERR_FAIL;
	return account_action(c, id,
			      "UPDATE users SET password_hash = ?, must_change_password = 1, updated_at = ?, "
			      "version = version + 1 WHERE id = ?",
			      hash, "user.password_reset");
}

int user_reset_totp(struct ctx *c, const char *id)
{
	struct user u;
	int rc = load_writable(c, id, &u);
	if (rc < 0)
		return rc;
	return account_action(c, id,
			      "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = 0, "
			      "updated_at = ?, version = version + 1 WHERE id = ?",
			      NULL, "user.totp_reset");
}

int user_end_sessions(struct ctx *c, const char *id)
{
	struct user u;
	int rc = load_writable(c, id, &u);
	if (rc < 0)
		return rc;
	return account_action(c, id, NULL, NULL, "user.sessions_end");
}
