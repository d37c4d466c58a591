/*
 * directory_api.c: /api/v1/services, the service directory (see
 * src/domain/directory/directory.h for who may do what).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/directory/directory.h"
#include "api.h"

static json_t *codes_json(const char *const *codes, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, json_string(codes[i]));
	return arr;
}

static json_t *entry_json(const struct directory_entry *e)
{
	json_t *langs = json_array();
	for (int i = 0; i < e->n_languages; i++)
		json_array_append_new(langs, json_string(e->languages[i]));
	json_t *capacity = e->has_capacity
				   ? json_pack("{s:I, s:I}", "total", (json_int_t)e->capacity_total, "free",
					       (json_int_t)e->capacity_free)
				   : json_null();
	json_t *obj = json_pack("{s:s, s:{s:s, s:s}, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:I}",
			 "org_id", e->org_id, "org_name", "en", e->org_name_en, "ar", e->org_name_ar,
			 "org_type", e->org_type, "services", codes_json(e->services, e->n_services),
			 "regions", codes_json((const char *const *)e->regions, e->n_regions),
			 "languages", langs, "accepts", codes_json(e->accepts, e->n_accepts),
			 "capacity", capacity, "accepting", e->accepting, "note", e->note,
			 "updated_at", (json_int_t)e->updated_at);
	/* Only for those who may change the entry (directory.h), and only when one is set. */
	if (obj && e->notify_email_shown && e->notify_email[0])
		json_object_set_new(obj, "notify_email", json_string(e->notify_email));
	return obj;
}

static json_t *service_types_json(void)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < directory_service_count; i++) {
		const struct directory_service *s = &directory_services[i];
		json_array_append_new(arr, json_pack("{s:s, s:b, s:{s:s, s:s}}", "code", s->code, "htcds",
						     s->htcds, "label", "en", s->label.en, "ar", s->label.ar));
	}
	return arr;
}

/* ?name=1 / 0 / absent; -1 after replying 400. */
static int flag(struct api_call *call, const char *name)
{
	const char *v = http_query(call->req, name);
	if (!v || !strcmp(v, "0"))
		return 0;
	if (!strcmp(v, "1"))
		return 1;
	api_error(call->req, "invalid", name);
	return -1;
}

void api_services_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	struct directory_filter f = {
		.service = http_query(req, "service"),
		.region = http_query(req, "region"),
		.language = http_query(req, "language"),
		.accepts = http_query(req, "accepts"),
	};
	int free_only = flag(call, "free");
	if (free_only < 0)
		return;
	int accepting_only = flag(call, "accepting");
	if (accepting_only < 0)
		return;
	f.free_only = free_only;
	f.accepting_only = accepting_only;
	struct directory_entry *items;
	int n;
	struct problem pb = { 0 };
	if (directory_search(&call->ctx, &f, &items, &n, &pb) < 0) {
		api_problem(req, &pb);
		return;
	}
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		json_array_append_new(arr, entry_json(&items[i]));
		directory_entry_release(&items[i]);
	}
	free(items);
	api_json(req, 200, json_pack("{s:o, s:o}", "items", arr, "service_types", service_types_json()));
}

void api_services_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	struct directory_entry e;
	int rc = directory_get(&call->ctx, req->params[0], &e);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, entry_json(&e));
	directory_entry_release(&e);
}

/* Copy a parsed array of strings into vals (jsonin has checked type and length). */
static int strings(const json_t *body, const char *key, const char **vals)
{
	const json_t *arr = json_object_get(body, key);
	int n = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (n >= DIRECTORY_LIST_MAX)
			break;
		vals[n++] = json_string_value(v);
	}
	return n;
}

/* The capacity object: {"total": n, "free": n} or null/absent; 0 or replies 400. */
static int capacity_in(struct api_call *call, const json_t *body, struct directory_input *in)
{
	const json_t *cap = json_object_get(body, "capacity");
	if (!cap || json_is_null(cap))
		return 0;
	if (!json_is_object(cap)) {
		api_error(call->req, "wrong_type", "capacity");
		return -1;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)cap, key, v)
	{
		if (strcmp(key, "total") && strcmp(key, "free")) {
			api_error(call->req, "unknown_field", "capacity");
			return -1;
		}
	}
	static const char *const names[] = { "total", "free" };
	int64_t *dst[] = { &in->capacity_total, &in->capacity_free };
	for (int i = 0; i < 2; i++) {
		char field[32];
		snprintf(field, sizeof(field), "capacity.%s", names[i]);
		v = json_object_get(cap, names[i]);
		if (!v || json_is_null(v)) {
			api_error(call->req, "missing_field", field);
			return -1;
		}
		if (!json_is_integer(v)) {
			api_error(call->req, "wrong_type", field);
			return -1;
		}
		*dst[i] = json_integer_value(v);
	}
	in->has_capacity = true;
	return 0;
}

void api_services_put(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "services", JF_ARRAY_OF_STRINGS, 1, 64 },
		{ "regions", JF_ARRAY_OF_STRINGS, 1, 1024 },
		{ "languages", JF_ARRAY_OF_STRINGS, 1, 8 },
		{ "accepts", JF_ARRAY_OF_STRINGS, 1, 16 },
		{ "capacity", JF_ANY, 0, 0 },
		{ "accepting", JF_BOOL, 1, 0 },
		{ "note", JF_STRING, 0, 4096 },
		{ "notify_email", JF_STRING, 0, 320 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	struct directory_input *in = calloc(1, sizeof(*in));
	if (!in) {
		json_decref(body);
		api_error(req, "internal", NULL);
		return;
	}
	in->n_services = strings(body, "services", in->services);
	in->n_regions = strings(body, "regions", in->regions);
	in->n_languages = strings(body, "languages", in->languages);
	in->n_accepts = strings(body, "accepts", in->accepts);
	in->accepting = jsonin_bool(body, "accepting", 0) != 0;
	in->note = jsonin_str(body, "note");
	in->notify_email = jsonin_str(body, "notify_email");   /* absent or null: keep */
	if (capacity_in(call, body, in) < 0)
		goto out;
	struct directory_entry e;
	struct problem pb = { 0 };
	if (directory_put(&call->ctx, req->params[0], in, &e, &pb) < 0) {
		api_problem(req, &pb);
		goto out;
	}
	api_json(req, 200, entry_json(&e));
	directory_entry_release(&e);
out:
	free(in);
	json_decref(body);
}

void api_services_capacity(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "free", JF_INT, 1, 0 },
	};
	json_t *body = api_body(call, fields, 1);
	if (!body)
		return;
	long long free_places = jsonin_int(body, "free", -1);
	json_decref(body);
	struct directory_entry e;
	struct problem pb = { 0 };
	if (directory_set_free(&call->ctx, req->params[0], free_places, &e, &pb) < 0) {
		api_problem(req, &pb);
		return;
	}
	api_json(req, 200, entry_json(&e));
	directory_entry_release(&e);
}
