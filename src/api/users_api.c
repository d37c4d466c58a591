/* users_api.c: /api/v1/users. */
#include <stdlib.h>
#include <string.h>

#include "../auth/user.h"
#include "api.h"

static json_t *user_json(const struct user *u)
{
	json_t *roles = json_array();
	for (int r = 0; r < ROLE_COUNT; r++)
		if (u->roles & (1u << r))
			json_array_append_new(roles, json_string(role_name((enum role)r)));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:b, s:I, s:I, s:I}", "id", u->id,
			 "username", u->username, "display_name", u->display_name, "org_id", u->org_id,
			 "roles", roles, "disabled", u->disabled, "totp_enabled", u->totp_enabled,
			 "must_change_password", u->must_change_password,
			 "created_at", (json_int_t)u->created_at, "updated_at", (json_int_t)u->updated_at,
			 "version", (json_int_t)u->version);
}

/* Roles from a JSON array of names; ERR_INVALID on an unknown name or an empty list. */
static int parse_roles(const json_t *arr, role_set *out)
{
	size_t i;
	json_t *v;
	*out = 0;
	json_array_foreach(arr, i, v) {
		enum role r;
		if (role_parse(json_string_value(v), &r) < 0)
			return ERR_INVALID;
		*out |= 1u << r;
	}
	return *out ? 0 : ERR_INVALID;
}

void api_users_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	struct user *items;
	int n;
	char next[ID_HEX_LEN + 1];
	if (user_list(&call->ctx, http_query(req, "org"), http_query(req, "cursor"), limit, &items, &n, next) < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, user_json(&items[i]));
	free(items);
	api_json(req, 200, json_pack("{s:o, s:o}", "items", arr, "next_cursor", next[0] ? json_string(next) : json_null()));
}

void api_users_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "username", JF_STRING, 1, 64 },
		{ "display_name", JF_STRING, 1, 800 },
		{ "org_id", JF_STRING, 1, 64 },
		{ "roles", JF_ARRAY_OF_STRINGS, 1, 32 },
	};
	json_t *body = api_body(call, fields, 4);
	if (!body)
		return;
	role_set roles;
	if (parse_roles(json_object_get(body, "roles"), &roles) < 0) {
		json_decref(body);
		api_error(req, "invalid", "roles");
		return;
	}
	struct user u;
	struct problem pb = { 0 };
	char password[ONE_TIME_PASSWORD_LEN + 1];
	int rc = user_create(&call->ctx, jsonin_str(body, "org_id"), jsonin_str(body, "username"),
			     jsonin_str(body, "display_name"), roles, true, password, &u, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	api_json(req, 201, json_pack("{s:o, s:s}", "user", user_json(&u), "password", password));
}

void api_users_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	struct user u;
	int rc = user_get(&call->ctx, req->params[0], &u);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	if (ctx_audit_tx(&call->ctx, "user.read", "user", u.id, "ok") < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, user_json(&u));
}

void api_users_patch(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "display_name", JF_STRING, 0, 800 },
		{ "roles", JF_ARRAY_OF_STRINGS, 0, 32 },
		{ "disabled", JF_BOOL, 0, 0 },
		{ "version", JF_INT, 0, 0 },
	};
	json_t *body = api_body(call, fields, 4);
	if (!body)
		return;
	struct user_patch patch = { 0 };
	patch.display_name = jsonin_str(body, "display_name");
	json_t *roles = json_object_get(body, "roles");
	if (roles && !json_is_null(roles)) {
		patch.set_roles = true;
		if (parse_roles(roles, &patch.roles) < 0) {
			json_decref(body);
			api_error(req, "invalid", "roles");
			return;
		}
	}
	json_t *dis = json_object_get(body, "disabled");
	if (dis && !json_is_null(dis)) {
		patch.set_disabled = true;
		patch.disabled = json_is_true(dis);
	}
	patch.version = jsonin_int(body, "version", 0);
	struct user u;
	struct problem pb = { 0 };
	int rc = user_update(&call->ctx, req->params[0], &patch, &u, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	api_json(req, 200, user_json(&u));
}

void api_users_password(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *body = api_body(call, NULL, 0);
	if (!body)
		return;
	json_decref(body);
	char password[ONE_TIME_PASSWORD_LEN + 1];
	int rc = user_reset_password(&call->ctx, req->params[0], password);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_json(req, 200, json_pack("{s:s}", "password", password));
}

void api_users_totp_delete(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int rc = user_reset_totp(&call->ctx, req->params[0]);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_no_content(req);
}

void api_users_sessions_delete(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int rc = user_end_sessions(&call->ctx, req->params[0]);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	api_no_content(req);
}
