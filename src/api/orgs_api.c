/* orgs_api.c: /api/v1/orgs. */
#include <stdlib.h>
#include <string.h>

#include "../domain/org/org.h"
#include "api.h"

static json_t *org_json(const struct org *o)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id", o->id, "name_ar", o->name_ar,
			 "name_en", o->name_en, "type", o->type, "country", o->country,
			 "created_at", (json_int_t)o->created_at, "updated_at", (json_int_t)o->updated_at,
			 "version", (json_int_t)o->version);
}

static const struct jfield org_fields[] = {
	{ "name_ar", JF_STRING, 0, 800 },
	{ "name_en", JF_STRING, 0, 800 },
	{ "type", JF_STRING, 0, 48 },
	{ "country", JF_STRING, 0, 8 },
	{ "version", JF_INT, 0, 0 },
};

void api_orgs_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	struct org *items;
	int n;
	char next[ID_HEX_LEN + 1];
	if (org_list(&call->ctx, http_query(req, "cursor"), limit, &items, &n, next) < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, org_json(&items[i]));
	free(items);
	api_json(req, 200, json_pack("{s:o, s:o}", "items", arr, "next_cursor", next[0] ? json_string(next) : json_null()));
}

void api_orgs_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "name_ar", JF_STRING, 1, 800 },
		{ "name_en", JF_STRING, 1, 800 },
		{ "type", JF_STRING, 1, 48 },
		{ "country", JF_STRING, 1, 8 },
	};
	json_t *body = api_body(call, fields, 4);
	if (!body)
		return;
	struct org_fields f = { jsonin_str(body, "name_ar"), jsonin_str(body, "name_en"),
				jsonin_str(body, "type"), jsonin_str(body, "country"), 0 };
	struct org o;
	struct problem pb = { 0 };
	int rc = org_create(&call->ctx, &f, &o, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	api_json(req, 201, org_json(&o));
}

void api_orgs_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	struct org o;
	int rc = org_get(&call->ctx, req->params[0], &o);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	if (ctx_audit_tx(&call->ctx, "org.read", "org", o.id, "ok") < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, org_json(&o));
}

void api_orgs_patch(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *body = api_body(call, org_fields, sizeof(org_fields) / sizeof(org_fields[0]));
	if (!body)
		return;
	struct org_fields f = { jsonin_str(body, "name_ar"), jsonin_str(body, "name_en"),
				jsonin_str(body, "type"), jsonin_str(body, "country"),
				jsonin_int(body, "version", 0) };
	struct org o;
	struct problem pb = { 0 };
	int rc = org_update(&call->ctx, req->params[0], &f, &o, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	api_json(req, 200, org_json(&o));
}
