/*
 * api.c: the route table and the one path every API request takes:
 * route -> session -> CSRF -> set-up state -> permission -> handler.
 * Handlers never check roles or CSRF themselves.
 *
 * A route marked ROUTE_READ_ONLY (its handler never writes) runs with the
 * session look-up in one read transaction (store_begin_read): on SQLite one
 * snapshot and one transaction's locking cost instead of one per query, which
 * made GET /api/v1/me about a quarter cheaper (docs/benchmarks.md); on
 * PostgreSQL nothing is sent (store.h says why).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../auth/login.h"
#include "../core/log.h"
#include "../http/assets.h"
#include "../http/router.h"
#include "api.h"

#define ROUTE_READ_ONLY 1u

static const struct route routes[] = {
	{ "GET", "/api/v1/health", PERM_PUBLIC, api_health, 0 },
	{ "GET", "/api/v1/meta", PERM_PUBLIC, api_meta, 0 },
	{ "GET", "/api/v1/openapi.yaml", PERM_PUBLIC, api_openapi, 0 },
	{ "POST", "/api/v1/session", PERM_PUBLIC, api_session_create, 0 },
	{ "DELETE", "/api/v1/session", PERM_SESSION, api_session_delete, 0 },
	{ "GET", "/api/v1/me", PERM_SESSION, api_me_get, ROUTE_READ_ONLY },
	{ "PATCH", "/api/v1/me", PERM_SIGNED_IN, api_me_patch, 0 },
	{ "POST", "/api/v1/me/password", PERM_SESSION, api_me_password, 0 },
	{ "POST", "/api/v1/me/totp", PERM_SESSION, api_me_totp, 0 },
	{ "POST", "/api/v1/me/totp/confirm", PERM_SESSION, api_me_totp_confirm, 0 },
	{ "GET", "/api/v1/orgs", PERM_ORG_READ, api_orgs_list, ROUTE_READ_ONLY },
	{ "POST", "/api/v1/orgs", PERM_ORG_WRITE, api_orgs_create, 0 },
	{ "GET", "/api/v1/orgs/{id}", PERM_ORG_READ, api_orgs_get, 0 },
	{ "PATCH", "/api/v1/orgs/{id}", PERM_ORG_WRITE, api_orgs_patch, 0 },
	{ "GET", "/api/v1/users", PERM_USER_READ, api_users_list, ROUTE_READ_ONLY },
	{ "POST", "/api/v1/users", PERM_USER_WRITE, api_users_create, 0 },
	{ "GET", "/api/v1/users/{id}", PERM_USER_READ, api_users_get, 0 },
	{ "PATCH", "/api/v1/users/{id}", PERM_USER_WRITE, api_users_patch, 0 },
	{ "POST", "/api/v1/users/{id}/password", PERM_USER_WRITE, api_users_password, 0 },
	{ "DELETE", "/api/v1/users/{id}/sessions", PERM_USER_WRITE, api_users_sessions_delete, 0 },
	{ "DELETE", "/api/v1/users/{id}/totp", PERM_USER_WRITE, api_users_totp_delete, 0 },
	{ "GET", "/api/v1/audit", PERM_AUDIT_READ, api_audit_list, 0 },
	{ "GET", "/api/v1/schema", PERM_SIGNED_IN, api_schema, ROUTE_READ_ONLY },
	{ "POST", "/api/v1/cases", PERM_CASE_WRITE, api_cases_create, 0 },
	{ "GET", "/api/v1/cases", PERM_CASE_READ, api_cases_search, 0 },
	{ "GET", "/api/v1/cases/{ref}", PERM_CASE_READ, api_cases_get, 0 },
	{ "DELETE", "/api/v1/cases/{ref}", PERM_CASE_ERASE, api_cases_delete, 0 },
	{ "PATCH", "/api/v1/cases/{ref}", PERM_CASE_WRITE, api_cases_patch, 0 },
	{ "POST", "/api/v1/cases/{ref}/consents", PERM_CASE_WRITE, api_cases_consent_add, 0 },
	{ "POST", "/api/v1/cases/{ref}/consents/{n}/withdraw", PERM_CASE_WRITE, api_cases_consent_withdraw, 0 },
	{ "GET", "/api/v1/cases/{ref}/comments", PERM_CASE_READ, api_cases_comments_list, 0 },
	{ "POST", "/api/v1/cases/{ref}/comments", PERM_CASE_WRITE, api_cases_comment_add, 0 },
	{ "GET", "/api/v1/cases/{ref}/assignees", PERM_CASE_WRITE, api_cases_assignees, ROUTE_READ_ONLY },
	{ "GET", "/api/v1/cases/{ref}/subject-export", PERM_CASE_READ, api_cases_subject_export, 0 },
	{ "POST", "/api/v1/export", PERM_CASE_READ, api_export, 0 },
	{ "POST", "/api/v1/import", PERM_CASE_WRITE, api_import, 0 },
	{ "GET", "/api/v1/screening/sets", PERM_SCREENING, api_screening_sets_list, ROUTE_READ_ONLY },
	{ "GET", "/api/v1/screening/sets/{key}", PERM_SCREENING, api_screening_sets_get, ROUTE_READ_ONLY },
	{ "POST", "/api/v1/cases/{ref}/decisions", PERM_DECIDE, api_decisions_create, 0 },
	{ "GET", "/api/v1/cases/{ref}/decisions", PERM_CASE_READ, api_decisions_list, 0 },
	{ "GET", "/api/v1/worklist", PERM_WORKLIST, api_worklist, 0 },
	{ "POST", "/api/v1/screenings", PERM_SCREENING, api_screenings_create, 0 },
	{ "GET", "/api/v1/screenings", PERM_SCREENING, api_screenings_list, 0 },
	{ "GET", "/api/v1/screenings/{id}", PERM_SCREENING, api_screenings_get, 0 },
	{ "POST", "/api/v1/screenings/{id}/case", PERM_CASE_WRITE, api_screenings_attach, 0 },
	{ "GET", "/api/v1/services", PERM_ORG_READ, api_services_list, ROUTE_READ_ONLY },
	{ "GET", "/api/v1/services/{org_id}", PERM_ORG_READ, api_services_get, ROUTE_READ_ONLY },
	{ "PUT", "/api/v1/services/{org_id}", PERM_DIRECTORY_WRITE, api_services_put, 0 },
	{ "PATCH", "/api/v1/services/{org_id}/capacity", PERM_DIRECTORY_WRITE, api_services_capacity, 0 },
	{ "GET", "/api/v1/notifications", PERM_SIGNED_IN, api_notifications_list, ROUTE_READ_ONLY },
	{ "POST", "/api/v1/notifications/read", PERM_SIGNED_IN, api_notifications_read, 0 },
	{ "GET", "/api/v1/cases/{ref}/plan", PERM_PLAN, api_plan_get, 0 },
	{ "PUT", "/api/v1/cases/{ref}/plan", PERM_PLAN, api_plan_put, 0 },
	{ "POST", "/api/v1/cases/{ref}/plan/items", PERM_PLAN, api_plan_item_add, 0 },
	{ "PATCH", "/api/v1/cases/{ref}/plan/items/{id}", PERM_PLAN, api_plan_item_patch, 0 },
	{ "GET", "/api/v1/cases/{ref}/services", PERM_PLAN, api_plan_services_list, 0 },
	{ "POST", "/api/v1/cases/{ref}/services", PERM_PLAN, api_plan_service_log, 0 },
	{ "POST", "/api/v1/referrals", PERM_REFER, api_referrals_create, 0 },
	{ "GET", "/api/v1/referrals", PERM_REFERRAL_READ, api_referrals_list, 0 },
	{ "GET", "/api/v1/referrals/overview", PERM_REFERRAL_OVERVIEW, api_referrals_overview, ROUTE_READ_ONLY },
	{ "GET", "/api/v1/referrals/{id}", PERM_REFERRAL_READ, api_referrals_get, 0 },
	{ "GET", "/api/v1/referrals/{id}/form", PERM_REFERRAL_READ, api_referrals_form, 0 },
	{ "POST", "/api/v1/referrals/{id}/transitions", PERM_REFERRAL_READ, api_referrals_transition, 0 },
	{ "GET", "/api/v1/referral-profiles", PERM_REFERRAL_READ, api_referral_profiles_list, ROUTE_READ_ONLY },
	{ "POST", "/api/v1/referral-profiles", PERM_PROFILE_WRITE, api_referral_profiles_create, 0 },
	{ "PUT", "/api/v1/referral-profiles/{id}", PERM_PROFILE_WRITE, api_referral_profiles_put, 0 },
	{ "POST", "/api/v1/cases/{ref}/transfer", PERM_CASE_TRANSFER, api_cases_transfer, 0 },
	{ "GET", "/api/v1/cases/{ref}/transfers", PERM_CASE_READ, api_cases_transfers, 0 },
	{ "GET", "/api/v1/link/pairs", PERM_LINK_REVIEW, api_link_pairs_list, ROUTE_READ_ONLY },
	{ "GET", "/api/v1/link/pairs/{id}", PERM_LINK_REVIEW, api_link_pairs_get, 0 },
	{ "POST", "/api/v1/link/pairs/{id}/decision", PERM_LINK_REVIEW, api_link_pairs_decide, 0 },
	{ "POST", "/api/v1/link/merges/{id}/undo", PERM_LINK_REVIEW, api_link_merges_undo, 0 },
	{ "POST", "/api/v1/link/match", PERM_LINK_MATCH, api_link_match, 0 },
	{ "GET", "/api/v1/stats", PERM_STATS, api_stats, 0 },
	{ "GET", "/api/v1/stats/dimensions", PERM_STATS, api_stats_dimensions, ROUTE_READ_ONLY },
	{ "GET", "/api/v1/stats/report", PERM_STATS, api_stats_report, 0 },
	{ "POST", "/api/v1/stats/releases", PERM_STATS_RELEASE, api_stats_releases_create, 0 },
	{ "GET", "/api/v1/stats/releases", PERM_STATS, api_stats_releases_list, 0 },
	{ "GET", "/api/v1/stats/releases/{id}", PERM_STATS, api_stats_releases_get, 0 },
	{ "POST", "/api/v1/export/ctdc", PERM_STATS_EXPORT, api_export_ctdc, 0 },
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
		int rc;
		bool in_read = false;
		if (rt->flags & ROUTE_READ_ONLY) {
			if (store_begin_read(call->ctx.db) < 0) {
				api_error(req, "internal", NULL);
				return;
			}
			in_read = true;
			rc = login_lookup(&call->ctx, call->token, &call->session, &call->user, &call->next);
			if (rc < 0 || call->session.expired || call->session.stale) {
				/* Leave the read transaction for the session's own writes. */
				store_rollback(call->ctx.db);
				in_read = false;
				if (rc == 0)
					rc = session_upkeep(&call->ctx, call->token, &call->session);
			}
		} else {
			rc = login_resume(&call->ctx, call->token, &call->session, &call->user, &call->next);
		}
		if (rc < 0 && in_read)
			store_rollback(call->ctx.db);
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
			if (in_read) {
				store_rollback(call->ctx.db);   /* the denial is written below */
				in_read = false;
			}
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
