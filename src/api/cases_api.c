/* cases_api.c: /api/v1/cases. Access rules live in domain/case; here only HTTP. */
#include <stdlib.h>
#include <string.h>

#include "../domain/case/case.h"
#include "api.h"

void api_cases_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "person", JF_OBJECT, 1, 0 },  { "victim", JF_OBJECT, 0, 0 }, { "case", JF_OBJECT, 1, 0 },
		{ "events", JF_ANY, 0, 0 },     { "consents", JF_ANY, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	char ref[CASE_REF_MAX];
	struct problem pb = { 0 };
	int rc = case_create(&call->ctx, body, ref, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	json_t *out;
	if (case_get(&call->ctx, ref, &out) < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 201, out);
}

void api_cases_search(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	const char *q = http_query(req, "q");
	json_t *items;
	if (q && *q) {
		if (strlen(q) > 256) {
			api_error(req, "too_long", "q");
			return;
		}
		if (case_search(&call->ctx, q, limit, &items) < 0) {
			json_decref(items);
			api_error(req, "internal", NULL);
			return;
		}
		api_json(req, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
		return;
	}
	/* No query: the caller's cases, filtered. */
	const char *assigned = http_query(req, "assigned");
	if (assigned && strcmp(assigned, "me")) {
		api_error(req, "invalid", "assigned");
		return;
	}
	struct case_filter f = { http_query(req, "status"), assigned != NULL, http_query(req, "exploitation"),
				 http_query(req, "cursor") };
	char *next = NULL;
	int rc = case_list(&call->ctx, &f, limit, &items, &next);
	if (rc < 0) {
		json_decref(items);
		api_error(req, rc == ERR_INVALID ? "invalid" : "internal", rc == ERR_INVALID ? "cursor" : NULL);
		return;
	}
	api_page(req, items, next);
}

void api_cases_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = case_get(&call->ctx, req->params[0], &out);
	api_read_reply(req, rc, out);
}

void api_cases_delete(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int rc = case_erase(&call->ctx, req->params[0]);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_no_content(req);
}

/* Reply with the case as it now is (200 or 201), or the problem. */
static void reply_case(struct api_call *call, int rc, const struct problem *pb, int status)
{
	if (rc < 0) {
		api_problem(call->req, pb);
		return;
	}
	json_t *out;
	if (case_get(&call->ctx, call->req->params[0], &out) < 0) {
		api_error(call->req, "internal", NULL);
		return;
	}
	api_json(call->req, status, out);
}

void api_cases_patch(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "version", JF_INT, 1, 0 },     { "person", JF_OBJECT, 0, 0 },  { "victim", JF_OBJECT, 0, 0 },
		{ "case", JF_OBJECT, 0, 0 },     { "events", JF_ANY, 0, 0 },     { "assigned_to", JF_ANY, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	struct problem pb = { 0 };
	int rc = case_update(&call->ctx, req->params[0], body, &pb);
	json_decref(body);
	reply_case(call, rc, &pb, 200);
}

void api_cases_consent_add(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *body = api_body(call, (const struct jfield[]){ { "purpose", JF_ANY, 0, 0 },
							       { "given", JF_ANY, 0, 0 },
							       { "date", JF_ANY, 0, 0 },
							       { "legal_basis", JF_ANY, 0, 0 },
							       { "legal_basis_details", JF_ANY, 0, 0 },
							       { "withdrawn_date", JF_ANY, 0, 0 } }, 6);
	if (!body)
		return;
	struct problem pb = { 0 };
	int rc = case_consent_add(&call->ctx, req->params[0], body, &pb);
	json_decref(body);
	reply_case(call, rc, &pb, 201);
}

void api_cases_consent_withdraw(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = { { "date", JF_STRING, 1, 16 } };
	json_t *body = api_body(call, fields, 1);
	if (!body)
		return;
	char *end;
	long n = strtol(req->params[1], &end, 10);
	struct problem pb = { 0 };
	int rc = *end || n < 0 || n > 1000 ? problem_set(&pb, ERR_NOT_FOUND, "not_found", NULL)
					   : case_consent_withdraw(&call->ctx, req->params[0], (int)n,
								   jsonin_str(body, "date"), &pb);
	json_decref(body);
	reply_case(call, rc, &pb, 200);
}

void api_cases_comments_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *items;
	int rc = case_comments_list(&call->ctx, req->params[0], &items);
	if (rc < 0) {
		json_decref(items);
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_cases_comment_add(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = { { "text", JF_STRING, 1, 40000 } };
	json_t *body = api_body(call, fields, 1);
	if (!body)
		return;
	json_t *comment;
	struct problem pb = { 0 };
	int rc = case_comment_add(&call->ctx, req->params[0], jsonin_str(body, "text"), &comment, &pb);
	json_decref(body);
	api_result(req, rc, 201, comment, &pb);
}

void api_cases_assignees(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *items;
	int rc = case_assignees(&call->ctx, req->params[0], &items);
	if (rc < 0) {
		json_decref(items);
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "items", items));
}
