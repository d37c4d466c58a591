/*
 * stats_report_api.c: GET /api/v1/stats/report?year=YYYY&view=internal|publication:
 * the annual report's tables (src/domain/stats/report.h) for one calendar
 * year. The route needs PERM_STATS (analysts and coordinators); the internal
 * view (exact counts) needs stats.internal as well, else 403 (and an
 * access.denied row, as for a route's own permission). The publication view
 * (the default) applies the installation's suppression threshold to every
 * table. Audited as stats.report with "YEAR:VIEW" as the object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../domain/stats/report.h"
#include "api.h"

void api_stats_report(struct http_request *req, void *p)
{
	struct api_call *call = p;
	const char *y = http_query(req, "year");
	char *end = NULL;
	long year = y ? strtol(y, &end, 10) : -1;
	if (!y || end == y || *end || year < STATS_REPORT_MIN_YEAR || year > STATS_REPORT_MAX_YEAR) {
		api_error(req, "invalid", "year");
		return;
	}
	enum stats_view view = STATS_VIEW_PUBLICATION;
	const char *v = http_query(req, "view");
	if (v && stats_view_parse(v, &view) < 0) {
		api_error(req, "invalid", "view");
		return;
	}
	if (view == STATS_VIEW_INTERNAL && ctx_scope(&call->ctx, PERM_STATS_INTERNAL) == SCOPE_NONE) {
		if (ctx_audit_tx(&call->ctx, "access.denied", "permission", perm_name(PERM_STATS_INTERNAL),
				 "denied") < 0)
			log_error("audit append failed", "action=%s", "access.denied");
		api_error(req, "forbidden", "view");
		return;
	}
	json_t *out = NULL;
	int rc = stats_report_json(call->ctx.db, stats_report_tables, stats_report_ntables, (int)year, view,
				   call->ctx.app->cfg.stats_publication_threshold, &out);
	char object[32];
	snprintf(object, sizeof(object), "%ld:%s", year, stats_view_name(view));
	if (rc == 0 && ctx_audit_tx(&call->ctx, "stats.report", "stats", object, "ok") < 0)
		rc = ERR_FAIL;
	if (rc < 0) {
		json_decref(out);
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, out);
}
