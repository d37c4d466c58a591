/*
 * notify_api.c: /api/v1/notifications, the in-app notifications of the
 * caller's organisation (see src/domain/notify/notify.h for who sees what).
 */
#include <string.h>

#include "../domain/notify/notify.h"
#include "api.h"

void api_notifications_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	const char *unread = http_query(req, "unread");
	if (unread && strcmp(unread, "0") && strcmp(unread, "1")) {
		api_error(req, "invalid", "unread");
		return;
	}
	json_t *items;
	char next[NOTIFY_CURSOR_MAX];
	int64_t n_unread;
	int rc = notify_list(&call->ctx, unread && !strcmp(unread, "1"), http_query(req, "cursor"), limit, &items,
			     next, &n_unread);
	if (rc == ERR_INVALID) {
		api_error(req, "invalid", "cursor");
		return;
	}
	if (rc < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, json_pack("{s:o, s:I, s:o}", "items", items, "unread", (json_int_t)n_unread,
				     "next_cursor", next[0] ? json_string(next) : json_null()));
}

void api_notifications_read(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "ids", JF_ARRAY_OF_STRINGS, 0, 64 },
		{ "all", JF_BOOL, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	const json_t *ids = json_object_get(body, "ids");
	const json_t *all = json_object_get(body, "all");
	bool has_ids = ids && !json_is_null(ids), has_all = all && !json_is_null(all);
	/* Exactly one of the two, and "all" only as true. */
	if (has_ids == has_all || (has_all && !json_is_true(all))) {
		json_decref(body);
		if (!has_ids && !has_all)
			api_error(req, "missing_field", "ids");
		else
			api_error(req, "invalid", "all");
		return;
	}
	const char *list[NOTIFY_READ_IDS_MAX];
	int n = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(has_ids ? ids : NULL, i, v)
	{
		if (n >= NOTIFY_READ_IDS_MAX)
			break;
		list[n++] = json_string_value(v);
	}
	int64_t marked, unread;
	struct problem pb = { 0 };
	int rc = notify_mark_read(&call->ctx, list, n, has_all, &marked, &unread, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	api_json(req, 200, json_pack("{s:I, s:I}", "marked", (json_int_t)marked, "unread", (json_int_t)unread));
}
