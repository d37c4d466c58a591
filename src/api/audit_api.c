/* audit_api.c: GET /api/v1/audit, for auditors. Rows carry no personal data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static json_t *text_or_null(struct store_stmt *st, int col)
{
	const char *s = store_column_text(st, col);
	return s ? json_string(s) : json_null();
}

void api_audit_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	long long after = 0;
	const char *a = http_query(req, "after");
	if (!a)
		a = http_query(req, "cursor");
	if (a) {
		char *end;
		after = strtoll(a, &end, 10);
		if (end == a || *end || after < 0) {
			api_error(req, "invalid", "after");
			return;
		}
	}
	/* Reading the log is itself recorded. */
	if (ctx_audit_tx(&call->ctx, "audit.read", "audit", NULL, "ok") < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	/* Rows still in the read journal (src/audit/journal.h) first, this one included. */
	if (audit_group_drain(call->ctx.app->audit.group, call->ctx.db) < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	struct store_stmt *st;
	if (store_prepare(call->ctx.db, &st,
			  "SELECT seq, at, actor_id, org_id, action, object_type, object_id, outcome "
			  "FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?") < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	store_bind_int64(st, 1, after);
	store_bind_int64(st, 2, limit + 1);
	json_t *items = json_array();
	int rc, n = 0;
	long long last = 0;
	bool more = false;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n == limit) {
			more = true;
			break;
		}
		last = store_column_int64(st, 0);
		json_array_append_new(items, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			"seq", (json_int_t)last, "at", (json_int_t)store_column_int64(st, 1),
			"actor_id", text_or_null(st, 2), "org_id", text_or_null(st, 3),
			"action", text_or_null(st, 4), "object_type", text_or_null(st, 5),
			"object_id", text_or_null(st, 6), "outcome", text_or_null(st, 7)));
		n++;
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(items);
		api_error(req, "internal", NULL);
		return;
	}
	char cursor[32];
	snprintf(cursor, sizeof(cursor), "%lld", last);
	api_json(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
				     more ? json_string(cursor) : json_null()));
}
