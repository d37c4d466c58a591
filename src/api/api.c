/*
 * api.c: the route table and the one path every API request takes:
 * route -> session -> permission -> set-up state -> CSRF -> handler.
 * Handlers never check roles or CSRF themselves.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../auth/login.h"
#include "../core/log.h"
#include "../http/assets.h"
#include "../http/router.h"
#include "api.h"

static const struct route routes[] = {
	{ "GET", "/api/v1/health", PERM_PUBLIC, api_health },
	{ "GET", "/api/v1/meta", PERM_PUBLIC, api_meta },
	{ "GET", "/api/v1/openapi.yaml", PERM_PUBLIC, api_openapi },
	{ "POST", "/api/v1/session", PERM_PUBLIC, api_session_create },
	{ "DELETE", "/api/v1/session", PERM_SESSION, api_session_delete },
	{ "GET", "/api/v1/me", PERM_SESSION, api_me_get },
	{ "PATCH", "/api/v1/me", PERM_SIGNED_IN, api_me_patch },
	{ "POST", "/api/v1/me/password", PERM_SESSION, api_me_password },
	{ "POST", "/api/v1/me/totp", PERM_SESSION, api_me_totp },
	{ "POST", "/api/v1/me/totp/confirm", PERM_SESSION, api_me_totp_confirm },
	{ "GET", "/api/v1/orgs", PERM_ORG_READ, api_orgs_list },
	{ "POST", "/api/v1/orgs", PERM_ORG_WRITE, api_orgs_create },
	{ "GET", "/api/v1/orgs/{id}", PERM_ORG_READ, api_orgs_get },
	{ "PATCH", "/api/v1/orgs/{id}", PERM_ORG_WRITE, api_orgs_patch },
	{ "GET", "/api/v1/users", PERM_USER_READ, api_users_list },
	{ "POST", "/api/v1/users", PERM_USER_WRITE, api_users_create },
	{ "GET", "/api/v1/users/{id}", PERM_USER_READ, api_users_get },
	{ "PATCH", "/api/v1/users/{id}", PERM_USER_WRITE, api_users_patch },
	{ "POST", "/api/v1/users/{id}/password", PERM_USER_WRITE, api_users_password },
	{ "DELETE", "/api/v1/users/{id}/sessions", PERM_USER_WRITE, api_users_sessions_delete },
	{ "DELETE", "/api/v1/users/{id}/totp", PERM_USER_WRITE, api_users_totp_delete },
	{ "GET", "/api/v1/audit", PERM_AUDIT_READ, api_audit_list },
};

static bool changes_state(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD");
}

/* Record a refused request: who tried which permission (no path, no body). */
static void audit_denial(struct api_call *call, enum perm p)
{
	if (ctx_audit_tx(&call->ctx, "access.denied", "permission", perm_name(p), "denied") < 0)
		log_error("audit append failed", "action=%s", "access.denied");
}

static void dispatch(struct api_call *call, const struct route *rt)
{
	struct http_request *req = call->req;
	enum perm p = (enum perm)rt->perm;
	if (p != PERM_PUBLIC) {
		call->token = http_cookie(req, api_cookie_name(req));
		if (!call->token) {
			api_error(req, "unauthenticated", NULL);
			return;
		}
		int rc = login_resume(&call->ctx, call->token, &call->session, &call->user, &call->next);
		if (rc == ERR_UNAUTH) {
			api_clear_session_cookie(req);
			api_error(req, "unauthenticated", NULL);
			return;
		}
		if (rc < 0) {
			api_error(req, "internal", NULL);
			return;
		}
		if (changes_state(req->method)) {
			const char *sent = http_header(req, "X-CSRF-Token");
			if (!sent || strlen(sent) != strlen(call->session.csrf) ||
			    secret_equal(sent, call->session.csrf) != 0) {
				api_error(req, "csrf", NULL);
				return;
			}
		}
		if (p != PERM_SESSION && call->next) {
			api_error(req, "setup_required", NULL);
			return;
		}
		if (p > PERM_SIGNED_IN && !perm_allowed(call->ctx.actor.roles, p)) {
			audit_denial(call, p);
			api_error(req, "forbidden", NULL);
			return;
		}
	}
	rt->handler(req, call);
}

void api_handle(struct http_request *req, void *app_ptr)
{
	const struct app *app = app_ptr;
	if (strncmp(req->path, "/api/", 5) != 0) {
		assets_serve(req);
		return;
	}
	char scratch[1024];
	const struct route *rt = NULL;
	struct api_call call;
	memset(&call, 0, sizeof(call));
	int rc = router_match(routes, sizeof(routes) / sizeof(routes[0]), req->method, req->path,
			      scratch, sizeof(scratch), &rt, req->params, &req->n_params);
	if (rc == ROUTER_METHOD) {
		api_error(req, "method_not_allowed", NULL);
		return;
	}
	if (rc != ROUTER_MATCH) {
		api_error(req, "not_found", NULL);
		return;
	}
	/*
	 * A body must be declared JSON. An HTML form on another site can post
	 * text/plain or form data without a CORS preflight, but not
	 * application/json: this closes login CSRF and any other cross-site post.
	 */
	if (req->body_len > 0) {
		const char *type = http_header(req, "Content-Type");
		if (!type || strncasecmp(type, "application/json", 16) != 0 ||
		    (type[16] != '\0' && type[16] != ';' && type[16] != ' ')) {
			api_error(req, "unsupported_media_type", NULL);
			return;
		}
	}
	call.req = req;
	call.ctx.app = app;
	call.ctx.remote_addr = req->remote_addr;
	call.ctx.db = store_pool_acquire(app->pool);
	if (!call.ctx.db) {
		api_error(req, "internal", NULL);
		return;
	}
	dispatch(&call, rt);
	store_pool_release(app->pool, call.ctx.db);
}
