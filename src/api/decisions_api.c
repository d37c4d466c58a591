/*
 * decisions_api.c: /api/v1/cases/{ref}/decisions and /api/v1/worklist.
 * The rules (who may decide which case, transitions, deadlines) live in
 * domain/ident; here only HTTP.
 */
#include <stdlib.h>
#include <string.h>

#include "../domain/ident/decision.h"
#include "api.h"

void api_decisions_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "status", JF_STRING, 1, 32 },
		{ "date", JF_STRING, 1, 16 },
		{ "reasons", JF_STRING, 0, 4 * IDENT_REASONS_MAX_CHARS },
		{ "decided_by_type", JF_STRING, 0, 64 },
		{ "screenings", JF_ARRAY_OF_STRINGS, 0, 64 },
		{ "supersedes", JF_STRING, 0, 64 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out;
	struct problem pb = { 0 };
	int rc = ident_decide(&call->ctx, req->params[0], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 201, out, &pb);
}

void api_decisions_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = ident_list(&call->ctx, req->params[0], &out);
	api_read_reply(req, rc, out);
}

void api_worklist(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	json_t *items;
	char *next = NULL;
	int rc = ident_worklist(&call->ctx, http_query(req, "cursor"), limit, &items, &next);
	if (rc < 0) {
		json_decref(items);
		api_error(req, rc == ERR_INVALID ? "invalid" : "internal", rc == ERR_INVALID ? "cursor" : NULL);
		return;
	}
	api_page(req, items, next);
}
