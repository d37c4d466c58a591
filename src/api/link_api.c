/*
 * link_api.c: the review queue of likely duplicates, /api/v1/link/pairs and
 * /api/v1/link/merges (docs/linkage.md). Who sees which pair, merging and
 * undoing live in src/domain/link/ (dedup.h); here only HTTP.
 */
#include <stdlib.h>
#include <string.h>

#include "../domain/link/dedup.h"
#include "api.h"

void api_link_pairs_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	struct dedup_filter f = { http_query(req, "status"), http_query(req, "class"), http_query(req, "cursor") };
	json_t *items = NULL;
	char *next = NULL;
	struct problem pb = { 0 };
	int rc = dedup_pairs_list(&call->ctx, &f, limit, &items, &next, &pb);
	if (rc < 0) {
		json_decref(items);
		api_problem(req, &pb);
		return;
	}
	api_page(req, items, next);
}

void api_link_pairs_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = dedup_pair_get(&call->ctx, req->params[0], &out);
	api_read_reply(req, rc, out);
}

void api_link_pairs_decide(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "decision", JF_STRING, 1, 16 },
		{ "version", JF_INT, 1, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out;
	struct problem pb = { 0 };
	int rc = dedup_pair_decide(&call->ctx, req->params[0], jsonin_str(body, "decision"),
				   (int64_t)json_integer_value(json_object_get(body, "version")), &out, &pb);
	json_decref(body);
	api_result(req, rc, 200, out, &pb);
}

void api_link_merges_undo(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *body = api_body(call, NULL, 0);
	if (!body)
		return;
	json_decref(body);
	json_t *out;
	struct problem pb = { 0 };
	int rc = dedup_merge_undo(&call->ctx, req->params[0], &out, &pb);
	api_result(req, rc, 200, out, &pb);
}
