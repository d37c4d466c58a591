/*
 * plan_api.c: /api/v1/cases/{ref}/plan (and its items) and
 * /api/v1/cases/{ref}/services. Who sees and changes what is decided in
 * domain/plan (plan.h); here only HTTP. The bodies are checked for their
 * shape here and for their values there.
 */
#include <stdlib.h>

#include "../domain/plan/plan.h"
#include "api.h"

/* Bytes of one free text: PLAN_TEXT_MAX_CHARS characters of up to 4 bytes. */
#define TEXT_BYTES (4 * PLAN_TEXT_MAX_CHARS)

void api_plan_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = plan_get(&call->ctx, req->params[0], &out);
	api_read_reply(req, rc, out);
}

void api_plan_put(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "version", JF_INT, 1, 0 },
		{ "items", JF_ANY, 1, 0 },   /* objects: checked item by item in plan_put */
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out = NULL;
	struct problem pb = { 0 };
	int rc = plan_put(&call->ctx, req->params[0], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 200, out, &pb);
}

static const struct jfield item_fields[] = {
	{ "support_type", JF_STRING, 0, 64 },
	{ "goal", JF_STRING, 0, TEXT_BYTES },
	{ "action", JF_STRING, 0, TEXT_BYTES },
	{ "responsible_org", JF_STRING, 0, 64 },
	{ "due_date", JF_STRING, 0, 16 },
	{ "status", JF_STRING, 0, 16 },
	{ "version", JF_INT, 0, 0 },   /* last: PATCH only (a POST leaves it out: unknown_field) */
};

void api_plan_item_add(struct http_request *req, void *p)
{
	struct api_call *call = p;
	/* Every field but version: plan_item_add reports the missing ones with their names. */
	json_t *body = api_body(call, item_fields, sizeof(item_fields) / sizeof(item_fields[0]) - 1);
	if (!body)
		return;
	json_t *out = NULL;
	struct problem pb = { 0 };
	int rc = plan_item_add(&call->ctx, req->params[0], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 201, out, &pb);
}

void api_plan_item_patch(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *body = api_body(call, item_fields, sizeof(item_fields) / sizeof(item_fields[0]));
	if (!body)
		return;
	json_t *out = NULL;
	struct problem pb = { 0 };
	int rc = plan_item_patch(&call->ctx, req->params[0], req->params[1], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 200, out, &pb);
}

void api_plan_services_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	json_t *items;
	char *next = NULL;
	struct problem pb = { 0 };
	int rc = plan_services_list(&call->ctx, req->params[0], http_query(req, "cursor"), limit, &items, &next, &pb);
	if (rc < 0) {
		json_decref(items);
		api_problem(req, &pb);
		return;
	}
	api_page(req, items, next);
}

void api_plan_service_log(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "date", JF_STRING, 1, 16 },
		{ "support_type", JF_STRING, 0, 64 },
		{ "item", JF_STRING, 0, 64 },
		{ "referral", JF_STRING, 0, 64 },
		{ "note", JF_STRING, 0, TEXT_BYTES },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out = NULL;
	struct problem pb = { 0 };
	int rc = plan_service_log(&call->ctx, req->params[0], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 201, out, &pb);
}
