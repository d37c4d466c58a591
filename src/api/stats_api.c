/*
 * stats_api.c: GET /api/v1/stats (counts over 0-3 dimensions, in the
 * internal or the publication view, as JSON, CSV or XLSX) and
 * GET /api/v1/stats/dimensions (what may be counted). The counting is in
 * src/domain/stats/; no case is read, no personal value can come out.
 *
 * Who: PERM_STATS (the analyst, the coordinator). view=internal (exact
 * counts) needs PERM_STATS_INTERNAL (the coordinator): others get 403 with
 * field "view". The publication view (the default) suppresses cells below
 * cfg.stats_publication_threshold, with secondary suppression.
 * Each count is audited (stats.query, the unit as object): who asked what.
 */
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/clock.h"
#include "../domain/stats/stats.h"
#include "api.h"

#define STATS_FILE_MAX (16u << 20)

static const char *param(void *ud, const char *name)
{
	return http_query(ud, name);
}

/* The view asked for: 1 internal, 0 publication, -1 after replying. */
static int view_of(struct api_call *call)
{
	const char *view = http_query(call->req, "view");
	if (!view || !strcmp(view, "publication"))
		return 0;
	if (strcmp(view, "internal")) {
		api_error(call->req, "invalid", "view");
		return -1;
	}
	if (ctx_scope(&call->ctx, PERM_STATS_INTERNAL) == SCOPE_NONE) {
		api_error(call->req, "forbidden", "view");
		return -1;
	}
	return 1;
}

static int64_t api_stats_threshold(const struct api_call *call)
{
	return call->ctx.app->cfg.stats_publication_threshold;
}

void api_stats(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int internal = view_of(call);
	if (internal < 0)
		return;
	const char *format = http_query(req, "format");
	if (format && strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "xlsx")) {
		api_error(req, "invalid", "format");
		return;
	}
	const char *lang = http_query(req, "lang");
	if (lang && strcmp(lang, "en") && strcmp(lang, "ar")) {
		api_error(req, "invalid", "lang");
		return;
	}
	struct stats_query q;
	struct problem pb = { 0 };
	char store[2048];
	if (stats_query_parse(param, req, &q, store, sizeof(store), &pb) < 0) {
		api_problem(req, &pb);
		return;
	}
	struct stats_result res;
	int rc = stats_run(call->ctx.db, &q, &res);
	if (rc < 0) {
		api_error(req, rc == ERR_TOO_LARGE ? "table_too_large" : "internal", rc == ERR_TOO_LARGE ? "dims" : NULL);
		return;
	}
	struct stats_suppress_report rep = { 0 };
	int64_t threshold = api_stats_threshold(call);
	if (!internal && stats_suppress(&res.t, threshold, &rep) < 0) {
		stats_result_release(&res);
		api_error(req, "internal", NULL);
		return;
	}
	if (ctx_audit_tx(&call->ctx, "stats.query", "stats", stats_unit_name(q.unit), "ok") < 0) {
		stats_result_release(&res);
		api_error(req, "internal", NULL);
		return;
	}
	if (format && strcmp(format, "json")) {
		bool xlsx = !strcmp(format, "xlsx");
		struct buf file;
		buf_init(&file, STATS_FILE_MAX);
		rc = stats_result_file(&res, xlsx ? EXPORT_XLSX : EXPORT_CSV, lang && !strcmp(lang, "ar"), &file);
		stats_result_release(&res);
		if (rc < 0) {
			buf_release(&file);
			api_error(req, rc == ERR_TOO_LARGE ? "table_too_large" : "internal", rc == ERR_TOO_LARGE ? "dims" : NULL);
			return;
		}
		char disposition[96];
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"ihala-stats-%s.%s\"",
			 stats_unit_name(q.unit), xlsx ? "xlsx" : "csv");
		http_add_header(req, "Content-Disposition", disposition);
		http_respond(req, 200,
			     xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
				  : "text/csv; charset=utf-8",
			     file.data ? file.data : "", file.len);
		buf_release(&file);
		return;
	}
	json_t *out = stats_result_json(&res);
	stats_result_release(&res);
	if (!out) {
		api_error(req, "internal", NULL);
		return;
	}
	json_object_set_new(out, "view", json_string(internal ? "internal" : "publication"));
	if (!internal) {
		json_object_set_new(out, "threshold", json_integer(threshold));
		json_object_set_new(out, "suppression", json_pack("{s:I, s:I}", "primary", (json_int_t)rep.primary,
								   "secondary", (json_int_t)rep.secondary));
	}
	api_json(req, 200, out);
}

void api_stats_dimensions(struct http_request *req, void *p)
{
	(void)p;
	json_t *list = json_array();
	for (size_t i = 0; list && i < stats_dim_count(); i++) {
		const struct stats_dim_info *d = stats_dim_at(i);
		json_t *units = json_array();
		for (int u = 0; u < STATS_UNIT_COUNT; u++)
			if (d->unit_mask & (1 << u))
				json_array_append_new(units, json_string(stats_unit_name((enum stats_unit)u)));
		json_array_append_new(list, json_pack("{s:s, s:{s:s, s:s}, s:b, s:o}", "name", d->name, "label", "en",
						      d->label.en, "ar", d->label.ar, "multi", d->multi, "units",
						      units));
	}
	if (!list) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "dimensions", list));
}
