/*
 * api.h: the JSON API under /api/v1/ and the web interface's assets.
 *
 * api_handle is the one HTTP handler of the server. For an /api/ path it
 * matches the route table (api.c), resolves the session, checks the route's
 * permission, the CSRF header on state changes and pending set-up, borrows
 * a database connection, and calls the route's handler with a struct
 * api_call. Other paths go to the embedded web interface.
 */
#ifndef IHALA_API_H
#define IHALA_API_H

#include <jansson.h>
#include <stdbool.h>
#include "../auth/ctx.h"
#include "../auth/session.h"
#include "../auth/user.h"
#include "../core/banned.h"
#include "../core/err.h"
#include "../http/http.h"
#include "../http/jsonin.h"

struct api_call {
	struct ctx ctx;
	struct http_request *req;      /* borrowed */
	const char *token;             /* session token from the cookie, or NULL */
	struct session_info session;   /* valid when ctx.actor.user_id[0] */
	struct user user;              /* the signed-in user, as loaded for this request */
	const char *next;              /* pending set-up, or NULL */
};

/* The http_handler_fn of the server; app is a struct app *. */
void api_handle(struct http_request *req, void *app);

/* Replies (reply.c). */
void api_json(struct http_request *req, int status, json_t *body);   /* steals body */
void api_no_content(struct http_request *req);
/* An error by public code: the status and both-language message come from one table. */
void api_error(struct http_request *req, const char *code, const char *field);
/* The error for a failed read or action without a problem: 404 not_found for ERR_NOT_FOUND, else 500 internal. */
void api_error_rc(struct http_request *req, int rc);
/* A read's reply: 200 with out (stolen), or api_error_rc(rc). */
void api_read_reply(struct http_request *req, int rc, json_t *out);
/* An action's reply: status with out (stolen), or the problem pb. */
void api_result(struct http_request *req, int rc, int status, json_t *out, const struct problem *pb);
/* A page of a list: 200 {"items", "next_cursor"}; steals items, frees next. */
void api_page(struct http_request *req, json_t *items, char *next);
/* An error from a domain struct problem (adds current_version for stale_version). */
void api_problem(struct http_request *req, const struct problem *pb);
/* A request body rejected by jsonin_parse. */
void api_body_error(struct http_request *req, const struct jsonin_error *je);
/* Parse the body against fields; on failure replies and returns NULL. */
json_t *api_body(struct api_call *call, const struct jfield *fields, size_t n_fields);
/* Cookie helpers: the name depends on TLS. */
const char *api_cookie_name(const struct http_request *req);
void api_set_session_cookie(struct http_request *req, const char *token);
void api_clear_session_cookie(struct http_request *req);
/* ?limit= (1..200, default 50); -1 after replying 400 on a bad value. */
int api_limit(struct api_call *call);

/* Handlers, one file per resource. */
void api_health(struct http_request *req, void *call);
void api_meta(struct http_request *req, void *call);
void api_openapi(struct http_request *req, void *call);
void api_session_create(struct http_request *req, void *call);
void api_session_delete(struct http_request *req, void *call);
void api_me_get(struct http_request *req, void *call);
void api_me_patch(struct http_request *req, void *call);
void api_me_password(struct http_request *req, void *call);
void api_me_totp(struct http_request *req, void *call);
void api_me_totp_confirm(struct http_request *req, void *call);
void api_orgs_list(struct http_request *req, void *call);
void api_orgs_create(struct http_request *req, void *call);
void api_orgs_get(struct http_request *req, void *call);
void api_orgs_patch(struct http_request *req, void *call);
void api_users_list(struct http_request *req, void *call);
void api_users_create(struct http_request *req, void *call);
void api_users_get(struct http_request *req, void *call);
void api_users_patch(struct http_request *req, void *call);
void api_users_password(struct http_request *req, void *call);
void api_users_sessions_delete(struct http_request *req, void *call);
void api_users_totp_delete(struct http_request *req, void *call);
void api_audit_list(struct http_request *req, void *call);
void api_schema(struct http_request *req, void *call);
void api_cases_create(struct http_request *req, void *call);
void api_cases_search(struct http_request *req, void *call);
void api_cases_get(struct http_request *req, void *call);
void api_cases_delete(struct http_request *req, void *call);
void api_cases_patch(struct http_request *req, void *call);
void api_cases_consent_add(struct http_request *req, void *call);
void api_cases_consent_withdraw(struct http_request *req, void *call);
void api_cases_comments_list(struct http_request *req, void *call);
void api_cases_comment_add(struct http_request *req, void *call);
void api_cases_assignees(struct http_request *req, void *call);
void api_cases_subject_export(struct http_request *req, void *call);
void api_export(struct http_request *req, void *call);
void api_import(struct http_request *req, void *call);
void api_screening_sets_list(struct http_request *req, void *call);
void api_screening_sets_get(struct http_request *req, void *call);
void api_decisions_create(struct http_request *req, void *call);
void api_decisions_list(struct http_request *req, void *call);
void api_worklist(struct http_request *req, void *call);
void api_screenings_create(struct http_request *req, void *call);
void api_screenings_list(struct http_request *req, void *call);
void api_screenings_get(struct http_request *req, void *call);
void api_screenings_attach(struct http_request *req, void *call);
void api_services_list(struct http_request *req, void *call);
void api_services_get(struct http_request *req, void *call);
void api_services_put(struct http_request *req, void *call);
void api_services_capacity(struct http_request *req, void *call);
void api_notifications_list(struct http_request *req, void *call);
void api_notifications_read(struct http_request *req, void *call);
void api_plan_get(struct http_request *req, void *call);
void api_plan_put(struct http_request *req, void *call);
void api_plan_item_add(struct http_request *req, void *call);
void api_plan_item_patch(struct http_request *req, void *call);
void api_plan_services_list(struct http_request *req, void *call);
void api_plan_service_log(struct http_request *req, void *call);
void api_referrals_create(struct http_request *req, void *call);
void api_referrals_list(struct http_request *req, void *call);
void api_referrals_overview(struct http_request *req, void *call);
void api_referrals_get(struct http_request *req, void *call);
void api_referrals_form(struct http_request *req, void *call);
void api_referrals_transition(struct http_request *req, void *call);
void api_referral_profiles_list(struct http_request *req, void *call);
void api_referral_profiles_create(struct http_request *req, void *call);
void api_referral_profiles_put(struct http_request *req, void *call);
void api_cases_transfer(struct http_request *req, void *call);
void api_cases_transfers(struct http_request *req, void *call);
void api_link_pairs_list(struct http_request *req, void *call);
void api_link_pairs_get(struct http_request *req, void *call);
void api_link_pairs_decide(struct http_request *req, void *call);
void api_link_merges_undo(struct http_request *req, void *call);
void api_link_match(struct http_request *req, void *call);   /* link_clk_api.c */
void api_stats(struct http_request *req, void *call);   /* stats_api.c */
void api_stats_dimensions(struct http_request *req, void *call);
void api_stats_report(struct http_request *req, void *call);   /* stats_report_api.c */
void api_stats_releases_create(struct http_request *req, void *call);   /* stats_release_api.c */
void api_stats_releases_list(struct http_request *req, void *call);
void api_stats_releases_get(struct http_request *req, void *call);
void api_export_ctdc(struct http_request *req, void *call);    /* stats_export_api.c */

#endif
