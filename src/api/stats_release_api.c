/*
 * stats_release_api.c: differentially private releases of statistics
 * (src/domain/stats/release.h; docs/statistics.md).
 *
 *	POST /api/v1/stats/releases        PERM_STATS_RELEASE (the coordinator): make one,
 *	                                   spending epsilon from the year's budget; 201
 *	GET  /api/v1/stats/releases        PERM_STATS (analyst, coordinator): the ledger,
 *	                                   newest first, with every year's budget
 *	GET  /api/v1/stats/releases/{id}   PERM_STATS: one release with its noisy table
 *
 * A release holds noisy counts only: whoever may read statistics may read
 * it. Every call is audited: creation (or refusal) in the domain, reads
 * here ("stats.release.read").
 *
 * Epsilons are decimals of at most three digits; the answers write them
 * with 12 significant digits (0.1, not 0.10000000000000001).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/stats/release.h"
#include "api.h"

static void reply(struct http_request *req, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(body);
	if (!text) {
		api_error(req, "internal", NULL);
		return;
	}
	http_respond(req, status, "application/json", text, strlen(text));
	free(text);
}

/* 409 budget_exhausted, saying how much of the year's budget is left. */
static void reply_exhausted(struct http_request *req, const struct stats_budget *b)
{
	char message[512];
	snprintf(message, sizeof(message),
		 "The privacy budget of %d does not allow this release: %.3f of %.3f is left. / "
		 "ميزانية الخصوصية لعام %d لا تسمح بهذا الإصدار: المتبقي %.3f من %.3f.",
		 b->year, (double)b->left_milli / 1000, (double)b->budget_milli / 1000, b->year,
		 (double)b->left_milli / 1000, (double)b->budget_milli / 1000);
	json_t *body = json_pack("{s:{s:s, s:s, s:{s:s}, s:{s:i, s:f, s:f, s:f}}}", "error", "code", "budget_exhausted",
				 "message", message, "fields", "epsilon", "budget_exhausted", "budget", "year",
				 b->year, "budget", (double)b->budget_milli / 1000, "spent",
				 (double)b->spent_milli / 1000, "left", (double)b->left_milli / 1000);
	reply(req, 409, body);
}

void api_stats_releases_create(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "unit", JF_STRING, 0, 16 },
		{ "dims", JF_ARRAY_OF_STRINGS, 0, 80 },
		{ "filters", JF_OBJECT, 0, 0 },   /* name -> array of values: checked in the domain */
		{ "date", JF_STRING, 0, 16 },
		{ "from", JF_STRING, 0, 16 },
		{ "to", JF_STRING, 0, 16 },
		{ "epsilon", JF_ANY, 1, 0 },      /* a number: checked in the domain */
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	json_t *out = NULL;
	struct stats_budget b;
	struct problem pb = { 0 };
	int rc = stats_release_create(&call->ctx, body, &out, &b, &pb);
	json_decref(body);
	if (rc < 0 && pb.code && !strcmp(pb.code, "budget_exhausted")) {
		reply_exhausted(req, &b);
		return;
	}
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	reply(req, 201, out);
}

void api_stats_releases_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int limit = api_limit(call);
	if (limit < 0)
		return;
	json_t *items = NULL, *budgets = NULL;
	char *next = NULL;
	struct problem pb = { 0 };
	int rc = stats_release_list(&call->ctx, http_query(req, "cursor"), limit, &items, &next, &budgets, &pb);
	if (rc < 0) {
		api_problem(req, &pb);
		return;
	}
	if (ctx_audit_tx(&call->ctx, "stats.release.read", "stats_release", NULL, "ok") < 0) {
		json_decref(items);
		json_decref(budgets);
		free(next);
		api_error(req, "internal", NULL);
		return;
	}
	json_t *out = json_pack("{s:o, s:o, s:o}", "items", items, "next_cursor", next ? json_string(next) : json_null(),
				"budgets", budgets);
	free(next);
	reply(req, 200, out);
}

void api_stats_releases_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *out = NULL;
	int rc = stats_release_get(&call->ctx, req->params[0], &out);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	if (ctx_audit_tx(&call->ctx, "stats.release.read", "stats_release", req->params[0], "ok") < 0) {
		json_decref(out);
		api_error(req, "internal", NULL);
		return;
	}
	reply(req, 200, out);
}
