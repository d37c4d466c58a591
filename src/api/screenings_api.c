/*
 * screenings_api.c: /api/v1/screenings. Reach, rules and audit live in
 * domain/screening; here only the body's shape and the HTTP replies.
 */
#include <string.h>

#include "../domain/screening/screening.h"
#include "api.h"

void api_screenings_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "set", JF_STRING, 1, 64 },      { "answers", JF_OBJECT, 0, 0 }, { "case", JF_STRING, 0, 32 },
		{ "age", JF_STRING, 0, 16 },      { "context", JF_STRING, 0, 32 },
		/* characters are counted by the domain; this caps the bytes */
		{ "notes", JF_STRING, 0, 4 * SCREENING_NOTES_MAX },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	/* An indicator set holds at most 1000 indicators: more answers cannot all be valid. */
	if (json_object_size(json_object_get(body, "answers")) > 1000) {
		json_decref(body);
		api_error(req, "too_long", "answers");
		return;
	}
	struct screening_input in = {
		.set_key = jsonin_str(body, "set"),
		.answers = json_object_get(body, "answers"),
		.case_ref = jsonin_str(body, "case"),
		.age = jsonin_str(body, "age"),
		.context = jsonin_str(body, "context"),
		.notes = jsonin_str(body, "notes"),
	};
	if (json_is_null(in.answers))
		in.answers = NULL;
	json_t *result;
	struct problem pb = { 0 };
	int rc = screening_create(&call->ctx, &in, &result, &pb);
	json_decref(body);
	api_result(req, rc, 201, result, &pb);
}

void api_screenings_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = screening_get(&call->ctx, req->params[0], &out);
	api_read_reply(req, rc, out);
}

void api_screenings_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	const char *ref = http_query(req, "case");
	if (ref && (!*ref || strlen(ref) > 32)) {
		api_error(req, "not_found", NULL);
		return;
	}
	json_t *items;
	int rc = screening_list(&call->ctx, ref, limit, &items);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_screenings_attach(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "case", JF_OBJECT, 0, 0 },
		{ "ref", JF_STRING, 0, 32 },
		{ "urgent_needs", JF_ARRAY_OF_STRINGS, 0, 32 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	struct screening_attach a = {
		.case_body = json_is_object(json_object_get(body, "case")) ? json_object_get(body, "case") : NULL,
		.ref = jsonin_str(body, "ref"),
		.urgent_needs = json_is_array(json_object_get(body, "urgent_needs")) ? json_object_get(body, "urgent_needs")
										      : NULL,
	};
	json_t *out;
	struct problem pb = { 0 };
	int rc = screening_attach(&call->ctx, req->params[0], &a, &out, &pb);
	json_decref(body);
	api_result(req, rc, 201, out, &pb);
}
