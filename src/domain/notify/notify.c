/*
 * notify.c: notifications (notify.h).
 */
#include "notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/hash.h"
#include "mail.h"

int notify_org(struct ctx *c, const char *org_id, const char *kind, const char *object_type,
	       const char *object_id, const char *case_ref)
{
	char id[ID_HEX_LEN + 1];
	random_id(id);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "INSERT INTO notifications (id, org_id, kind, object_type, object_id,"
				      " case_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, org_id);
	store_bind_text(st, 3, kind);
	store_bind_text(st, 4, object_type);
	store_bind_text(st, 5, object_id);
	store_bind_text(st, 6, case_ref);
	store_bind_int64(st, 7, clock_now());
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (c->app && mail_enabled(&c->app->cfg))
		return mail_queue(c, org_id, kind);
	return 0;
}

static bool is_id(const char *s)
{
	return s && strlen(s) == ID_HEX_LEN && strspn(s, "0123456789abcdef") == ID_HEX_LEN;
}

/* "T:ID" as notify_list writes it; ERR_INVALID otherwise. */
static int cursor_parse(const char *s, int64_t *at, char id[ID_HEX_LEN + 1])
{
	if (strlen(s) >= NOTIFY_CURSOR_MAX)
		return ERR_INVALID;
	char *end;
	long long t = strtoll(s, &end, 10);
	if (end == s || *end != ':' || t < 0 || !is_id(end + 1))
		return ERR_INVALID;
	*at = t;
	memcpy(id, end + 1, ID_HEX_LEN + 1);
	return 0;
}

/* Unread notifications of the actor's organisation for the actor. */
static int count_unread(struct ctx *c, int64_t *unread)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "SELECT COUNT(*) FROM notifications n WHERE n.org_id = ? AND NOT EXISTS "
			  "(SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, c->actor.org_id);
	store_bind_text(st, 2, c->actor.user_id);
	int rc = store_step(st);
	*unread = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int notify_list(struct ctx *c, bool unread_only, const char *cursor, int limit, json_t **items,
		char next_cursor[NOTIFY_CURSOR_MAX], int64_t *unread)
{
	*items = NULL;
	next_cursor[0] = '\0';
	*unread = 0;
	int64_t cur_at = 0;
	char cur_id[ID_HEX_LEN + 1] = "";
	bool has_cursor = cursor && *cursor;
	if (has_cursor && cursor_parse(cursor, &cur_at, cur_id) < 0)
		return ERR_INVALID;
	if (limit < 1 || limit > 200)
		return ERR_INVALID;
	json_t *arr = json_array();
	if (!arr)
		return ERR_NOMEM;
	if (!c->actor.user_id[0] || !c->actor.org_id[0]) {
		*items = arr;   /* nobody signed in: no organisation, no notifications */
		return 0;
	}
	char sql[768];
	snprintf(sql, sizeof(sql),
		 "SELECT n.id, n.kind, n.object_type, n.object_id, n.case_ref, n.created_at,"
		 " CASE WHEN r.notification_id IS NULL THEN 0 ELSE 1 END"
		 " FROM notifications n LEFT JOIN notification_reads r"
		 " ON r.notification_id = n.id AND r.user_id = ?"
		 " WHERE n.org_id = ?%s%s"
		 " ORDER BY n.created_at DESC, n.id DESC LIMIT ?",
		 unread_only ? " AND r.notification_id IS NULL" : "",
		 has_cursor ? " AND (n.created_at < ? OR (n.created_at = ? AND n.id < ?))" : "");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0) {
		json_decref(arr);
		return ERR_FAIL;
	}
	int k = 1;
	store_bind_text(st, k++, c->actor.user_id);
	store_bind_text(st, k++, c->actor.org_id);
	if (has_cursor) {
		store_bind_int64(st, k++, cur_at);
		store_bind_int64(st, k++, cur_at);
		store_bind_text(st, k++, cur_id);
	}
	store_bind_int64(st, k++, limit + 1);   /* one more says whether a next page exists */
	int rc, n = 0;
	int64_t last_at = 0;
	char last_id[ID_HEX_LEN + 1] = "";
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n == limit) {
			snprintf(next_cursor, NOTIFY_CURSOR_MAX, "%" PRId64 ":%s", last_at, last_id);
			break;
		}
		const char *id = store_column_text(st, 0);
		last_at = store_column_int64(st, 5);
		snprintf(last_id, sizeof(last_id), "%s", id ? id : "");
		json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "id", last_id, "kind",
					 store_column_text(st, 1) ? store_column_text(st, 1) : "", "object_type",
					 store_column_text(st, 2) ? store_column_text(st, 2) : "", "object_id",
					 store_column_text(st, 3) ? store_column_text(st, 3) : "", "case_ref",
					 store_column_text(st, 4) ? store_column_text(st, 4) : "", "created_at",
					 (json_int_t)last_at, "read", store_column_int64(st, 6) != 0);
		if (!item || json_array_append_new(arr, item) < 0) {
			rc = ERR_NOMEM;
			break;
		}
		n++;
	}
	store_finalize(st);
	if (rc < 0 || (rc = count_unread(c, unread)) < 0) {
		json_decref(arr);
		next_cursor[0] = '\0';
		return rc;
	}
	*items = arr;
	return 0;
}

/* Insert the actor's read marks chosen by sql (its parameters: user, time, then extra); adds to *marked. */
static int mark(struct ctx *c, const char *sql, const char *extra, int64_t now, int64_t *marked)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, c->actor.user_id);
	store_bind_int64(st, 2, now);
	store_bind_text(st, 3, c->actor.org_id);
	if (extra)
		store_bind_text(st, 4, extra);
	int rc = store_step(st);
	if (rc >= 0)
		*marked += store_changes(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int notify_mark_read(struct ctx *c, const char *const *ids, int n_ids, bool all, int64_t *marked,
		     int64_t *unread, struct problem *pb)
{
	*marked = 0;
	*unread = 0;
	if (!all) {
		if (n_ids < 1 || n_ids > NOTIFY_READ_IDS_MAX)
			return problem_set(pb, ERR_INVALID, "invalid", "ids");
		for (int i = 0; i < n_ids; i++) {
			if (!is_id(ids[i])) {
				char field[24];
				snprintf(field, sizeof(field), "ids[%d]", i);
				return problem_set(pb, ERR_INVALID, "invalid", field);
			}
		}
	}
	if (!c->actor.user_id[0] || !c->actor.org_id[0])
		return 0;
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int64_t now = clock_now();
	int rc = 0;
	/*
	 * INSERT ... SELECT keeps the organisation check in the statement: an
	 * id of another organisation selects nothing. ON CONFLICT makes a second
	 * mark, or a concurrent one, a no-op.
	 */
	if (all)
		rc = mark(c,
			  "INSERT INTO notification_reads (notification_id, user_id, at) SELECT n.id, ?, ?"
			  " FROM notifications n WHERE n.org_id = ? ON CONFLICT (notification_id, user_id) DO NOTHING",
			  NULL, now, marked);
	for (int i = 0; !all && rc == 0 && i < n_ids; i++)
		rc = mark(c,
			  "INSERT INTO notification_reads (notification_id, user_id, at) SELECT n.id, ?, ?"
			  " FROM notifications n WHERE n.org_id = ? AND n.id = ?"
			  " ON CONFLICT (notification_id, user_id) DO NOTHING",
			  ids[i], now, marked);
	char object[ID_HEX_LEN + 8];
	if (all)
		snprintf(object, sizeof(object), "all");
	else if (n_ids == 1)
		snprintf(object, sizeof(object), "%s", ids[0]);
	else
		snprintf(object, sizeof(object), "ids:%d", n_ids);
	if (rc < 0 || (rc = count_unread(c, unread)) < 0 ||
	    ctx_audit(c, "notification.read", "notification", object, "ok") < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		*marked = 0;
		*unread = 0;
		log_error("notification mark-read failed", "user=%s", c->actor.user_id);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	return 0;
}
