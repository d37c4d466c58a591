/*
 * referrals_api.c: /api/v1/referrals, /api/v1/referral-profiles and
 * /api/v1/cases/{ref}/transfer(s). Who may do what, and what each side
 * sees, is decided in src/domain/referral (referral.h); here only HTTP.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/referral/referral.h"
#include "api.h"

void api_referrals_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "case", JF_STRING, 1, 32 },
		{ "to_org", JF_STRING, 1, 64 },
		{ "services", JF_ARRAY_OF_STRINGS, 1, 64 },
		{ "urgency", JF_STRING, 1, 16 },
		{ "reason", JF_STRING, 1, 4 * REFERRAL_REASON_MAX_CHARS },
		{ "profile", JF_STRING, 1, 64 },
		{ "consent_override", JF_OBJECT, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out;
	struct problem pb = { 0 };
	int rc = referral_create(&call->ctx, body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 201, out, &pb);
}

void api_referrals_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	const char *overdue = http_query(req, "overdue");
	if (overdue && strcmp(overdue, "0") && strcmp(overdue, "1")) {
		api_error(req, "invalid", "overdue");
		return;
	}
	struct referral_filter f = {
		.role = http_query(req, "role"),
		.state = http_query(req, "state"),
		.overdue = overdue && !strcmp(overdue, "1"),
		.case_ref = http_query(req, "case"),
		.org = http_query(req, "org"),
		.service = http_query(req, "service"),
		.cursor = http_query(req, "cursor"),
	};
	json_t *items;
	char *next = NULL;
	struct problem pb = { 0 };
	int rc = referral_list(&call->ctx, &f, limit, &items, &next, &pb);
	if (rc < 0) {
		json_decref(items);
		api_problem(req, &pb);
		return;
	}
	api_page(req, items, next);
}

void api_referrals_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = referral_get(&call->ctx, req->params[0], &out);
	api_read_reply(req, rc, out);
}

void api_referrals_transition(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "to", JF_STRING, 1, 32 },
		{ "version", JF_INT, 1, 0 },
		{ "planned_start", JF_STRING, 0, 16 },
		{ "reason", JF_STRING, 0, 32 },
		{ "outcome", JF_STRING, 0, 32 },
		{ "note", JF_STRING, 0, 4 * REFERRAL_NOTE_MAX_CHARS },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out;
	struct problem pb = { 0 };
	int rc = referral_transition(&call->ctx, req->params[0], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 200, out, &pb);
}

void api_referrals_form(struct http_request *req, void *p)
{
	struct api_call *call = p;
	const char *lang = http_query(req, "lang");
	if (lang && strcmp(lang, "ar") && strcmp(lang, "en")) {
		api_error(req, "invalid", "lang");
		return;
	}
	char *html;
	int rc = referral_form(&call->ctx, req->params[0], lang ? lang : "ar", &html);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	size_t len = strlen(html);
	http_respond(req, 200, "text/html; charset=utf-8", html, len);
	sodium_memzero(html, len);   /* it may hold the person's values */
	free(html);
}

void api_referrals_overview(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out;
	int rc = referral_overview(&call->ctx, &out);
	api_read_reply(req, rc, out);
}

void api_referral_profiles_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *items;
	int rc = referral_profiles_list(&call->ctx, &items);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "items", items));
}

static void profile_put(struct http_request *req, struct api_call *call, const char *id)
{
	static const struct jfield fields[] = {
		{ "name_en", JF_STRING, 1, 400 },
		{ "name_ar", JF_STRING, 1, 400 },
		{ "fields", JF_ARRAY_OF_STRINGS, 1, 128 },
		{ "version", JF_INT, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out;
	struct problem pb = { 0 };
	int rc = referral_profile_put(&call->ctx, id, body, &out, &pb);
	json_decref(body);
	api_result(req, rc, id ? 200 : 201, out, &pb);
}

void api_referral_profiles_create(struct http_request *req, void *p)
{
	profile_put(req, p, NULL);
}

void api_referral_profiles_put(struct http_request *req, void *p)
{
	profile_put(req, p, req->params[0]);
}

void api_cases_transfer(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "to_org", JF_STRING, 1, 64 },
		{ "reason", JF_STRING, 1, 4 * REFERRAL_REASON_MAX_CHARS },
		{ "consent_override", JF_OBJECT, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out;
	struct problem pb = { 0 };
	int rc = case_transfer(&call->ctx, req->params[0], body, &out, &pb);
	json_decref(body);
	api_result(req, rc, 200, out, &pb);
}

void api_cases_transfers(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *items;
	int rc = case_transfers_list(&call->ctx, req->params[0], &items);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "items", items));
}
