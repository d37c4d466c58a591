/* session_api.c: signing in and out, and the signed-in user's own account. */
#include <stdio.h>
#include <string.h>

#include "../auth/login.h"
#include "../auth/user.h"
#include "../core/log.h"
#include "../domain/org/org.h"
#include "api.h"

static void reply_login(struct http_request *req, int status, const struct login_result *lr)
{
	api_set_session_cookie(req, lr->token);
	api_json(req, status, json_pack("{s:s, s:o}", "csrf_token", lr->csrf, "next",
					lr->next ? json_string(lr->next) : json_null()));
}

void api_session_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "username", JF_STRING, 1, 256 },
		{ "password", JF_STRING, 1, 1024 },
		{ "totp", JF_STRING, 0, 16 },
	};
	json_t *body = api_body(call, fields, 3);
	if (!body)
		return;
	struct login_result lr;
	struct problem pb = { 0 };
	int rc = login_password(&call->ctx, jsonin_str(body, "username"), jsonin_str(body, "password"),
				jsonin_str(body, "totp"), &lr, &pb);
	json_decref(body);
	if (rc == ERR_THROTTLED) {
		char retry[32];
		snprintf(retry, sizeof(retry), "%lld", (long long)(lr.retry_after > 0 ? lr.retry_after : 1));
		http_add_header(req, "Retry-After", retry);
	}
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	reply_login(req, 200, &lr);
}

void api_session_delete(struct http_request *req, void *p)
{
	struct api_call *call = p;
	struct ctx *c = &call->ctx;
	if (store_begin(c->db) < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	if (session_end(c, call->token) < 0 || ctx_audit(c, "session.logout", "user", c->actor.user_id, "ok") < 0 ||
	    store_commit(c->db) < 0) {
		store_rollback(c->db);
		api_error(req, "internal", NULL);
		return;
	}
	session_cache_forget(c);
	api_clear_session_cookie(req);
	api_no_content(req);
}

/* The signed-in user as loaded with the session (call->user), with their organisation. */
static void reply_me(struct api_call *call)
{
	struct ctx *c = &call->ctx;
	const struct user *up = &call->user;
	struct org o;
	memset(&o, 0, sizeof(o));
	/* The caller's own organisation is always visible to them. */
	struct ctx sys = *c;
	memset(&sys.actor, 0, sizeof(sys.actor));
	if (org_get(&sys, up->org_id, &o) < 0) {
		api_error(call->req, "internal", NULL);
		return;
	}
	json_t *roles = json_array(), *perms = json_array();
	for (int r = 0; r < ROLE_COUNT; r++)
		if (up->roles & (1u << r))
			json_array_append_new(roles, json_string(role_name((enum role)r)));
	const char *names[PERM_COUNT];
	int n = perm_names(up->roles, names, PERM_COUNT);
	for (int i = 0; i < n; i++)
		json_array_append_new(perms, json_string(names[i]));
	const char *next = login_next(c, up);
	json_t *me = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s, s:s, s:s, s:s}, s:b, s:b, s:o, s:b}",
			       "id", up->id, "username", up->username, "display_name", up->display_name,
			       "locale", up->locale, "roles", roles, "permissions", perms,
			       "org", "id", o.id, "name_ar", o.name_ar, "name_en", o.name_en, "type", o.type,
			       "country", o.country, "must_change_password", up->must_change_password,
			       "totp_enabled", up->totp_enabled, "next", next ? json_string(next) : json_null(),
			       "demo", c->app->cfg.demo);
	api_json(call->req, 200, me);
}

void api_me_get(struct http_request *req, void *p)
{
	(void)req;
	reply_me(p);
}

void api_me_patch(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = { { "locale", JF_STRING, 1, 8 } };
	json_t *body = api_body(call, fields, 1);
	if (!body)
		return;
	struct problem pb = { 0 };
	int rc = login_set_locale(&call->ctx, jsonin_str(body, "locale"), &pb);
	if (rc == 0)
		snprintf(call->user.locale, sizeof(call->user.locale), "%s", jsonin_str(body, "locale"));
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	reply_me(call);
}

void api_me_password(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "current", JF_STRING, 1, 1024 },
		{ "new", JF_STRING, 1, 1024 },
	};
	json_t *body = api_body(call, fields, 2);
	if (!body)
		return;
	struct login_result lr;
	struct problem pb = { 0 };
	int rc = login_change_password(&call->ctx, jsonin_str(body, "current"), jsonin_str(body, "new"), &lr, &pb);
	json_decref(body);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	reply_login(req, 200, &lr);
}

void api_me_totp(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *body = api_body(call, NULL, 0);
	if (!body)
		return;
	json_decref(body);
	char secret[TOTP_BASE32_MAX];
	struct problem pb = { 0 };
	if (login_totp_begin(&call->ctx, secret, &pb) < 0) {
		api_problem(req, &pb);
		return;
	}
	char uri[256];
	snprintf(uri, sizeof(uri), "otpauth://totp/ihala:%s?secret=%s&issuer=ihala&digits=6&period=30",
		 call->ctx.actor.username, secret);
	api_json(req, 200, json_pack("{s:s, s:s}", "secret", secret, "otpauth_uri", uri));
}

void api_me_totp_confirm(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = { { "code", JF_STRING, 1, 16 } };
	json_t *body = api_body(call, fields, 1);
	if (!body)
		return;
	struct problem pb = { 0 };
	int rc = login_totp_confirm(&call->ctx, jsonin_str(body, "code"), &pb);
	json_decref(body);
	if (rc < 0) {
		/* A wrong code here is a form error, not a failed sign-in. */
		if (pb.code && !strcmp(pb.code, "totp_invalid")) {
			api_json(req, 400, json_pack("{s:{s:s, s:s, s:{s:s}}}", "error", "code", "totp_invalid",
						     "message", "The authenticator code is not valid. / رمز المصادقة غير صالح.",
						     "fields", "code", "totp_invalid"));
			return;
		}
		api_problem(req, &pb);
		return;
	}
	struct user u;
	const char *next = NULL;
	if (user_load(call->ctx.db, call->ctx.actor.user_id, &u) == 0)
		next = login_next(&call->ctx, &u);
	api_json(req, 200, json_pack("{s:o}", "next", next ? json_string(next) : json_null()));
}
