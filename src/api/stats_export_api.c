/*
 * stats_export_api.c: POST /api/v1/export/ctdc, the k-anonymous CTDC
 * microdata file (src/domain/stats/ctdc.h; docs/statistics.md, "CTDC
 * export").
 *
 * Who: PERM_STATS_EXPORT (the coordinator), checked by the route table.
 * Body (all optional): {"k": 2..1000 (default: stats_ctdc_k of ihala.conf),
 * "format": "csv" (default) | "xlsx", "from", "to": "YYYY-MM-DD"
 * (registration dates, inclusive)}. Bad input: 400 with the field.
 * Answer: the file, with the counts in headers X-Ihala-K, X-Ihala-Persons,
 * X-Ihala-Records, X-Ihala-Suppressed-Records, X-Ihala-Suppressed-Values.
 * Audited by the domain (stats.export_ctdc with the counts, no personal
 * value).
 */
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/clock.h"
#include "../domain/stats/ctdc.h"
#include "api.h"

/* A registration date "YYYY-MM-DD" as a day number; 0 when absent; -1 when not a date. */
static int32_t day_of(const char *text)
{
	int64_t t;
	if (!text)
		return 0;
	if (strlen(text) != 10 || clock_parse_iso(text, &t) < 0 || t < 86400)
		return -1;
	return (int32_t)(t / 86400);
}

static void header_size(struct http_request *req, const char *name, size_t n)
{
	char text[32];
	snprintf(text, sizeof(text), "%zu", n);
	http_add_header(req, name, text);
}

void api_export_ctdc(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "k", JF_INT, 0, 0 },
		{ "format", JF_STRING, 0, 8 },
		{ "from", JF_STRING, 0, 10 },
		{ "to", JF_STRING, 0, 10 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	struct ctdc_request rq = { 0 };
	long long k = jsonin_int(body, "k", call->ctx.app->cfg.stats_ctdc_k);
	const char *format = jsonin_str(body, "format");
	const char *bad = NULL;
	rq.from_day = day_of(jsonin_str(body, "from"));
	rq.to_day = day_of(jsonin_str(body, "to"));
	if (k < CTDC_K_MIN || k > CTDC_K_MAX)
		bad = "k";
	else if (format && strcmp(format, "csv") && strcmp(format, "xlsx"))
		bad = "format";
	else if (rq.from_day < 0)
		bad = "from";
	else if (rq.to_day < 0 || (rq.from_day && rq.to_day && rq.to_day < rq.from_day))
		bad = "to";
	rq.k = (size_t)k;
	rq.fmt = format && !strcmp(format, "xlsx") ? EXPORT_XLSX : EXPORT_CSV;
	json_decref(body);
	if (bad) {
		api_error(req, "invalid", bad);
		return;
	}

	struct buf file;
	struct ctdc_result res;
	buf_init(&file, EXPORT_MAX_BYTES);
	int rc = stats_ctdc_export(&call->ctx, &rq, &file, &res);
	if (rc < 0) {
		if (rc == ERR_TOO_LARGE)
			api_error(req, "export_too_large", NULL);
		else
			api_error_rc(req, rc);
		buf_release(&file);
		return;
	}
	char today[32], disposition[96];
	if (clock_format_iso(clock_now(), today, sizeof(today)) < 0 || strlen(today) < 10)
		snprintf(today, sizeof(today), "0000-00-00");
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"ihala-ctdc-%.4s%.2s%.2s.%s\"", today,
		 today + 5, today + 8, rq.fmt == EXPORT_CSV ? "csv" : "xlsx");
	http_add_header(req, "Content-Disposition", disposition);
	header_size(req, "X-Ihala-K", rq.k);
	header_size(req, "X-Ihala-Persons", res.persons);
	header_size(req, "X-Ihala-Records", res.records);
	header_size(req, "X-Ihala-Suppressed-Records", res.suppressed_records);
	header_size(req, "X-Ihala-Suppressed-Values", res.suppressed_values);
	http_respond(req, 200,
		     rq.fmt == EXPORT_CSV ? "text/csv; charset=utf-8"
					  : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		     file.data ? file.data : "", file.len);
	buf_release(&file);
}
