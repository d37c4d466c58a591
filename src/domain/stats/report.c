/* report.c: the annual report's tables (report.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "../../core/log.h"
#include "report.h"
#include "stats_int.h"

/*
 * The tables. Identification: HTCDS keeps one value, PossibleVictimOfTrafficking,
 * for both "possible" and "presumed" (reasonable grounds) decisions
 * (src/domain/ident/rules.c), so the first table counts the persons whose
 * current status is identified or possible/presumed, by the date of that
 * decision; "not a victim" and no decision at all are left out.
 */
const struct stats_report_def stats_report_tables[] = {
	{
		.key = "identified_persons",
		.title = { "Persons identified or presumed to be victims, by sex, age band and form of exploitation",
			   "الأشخاص المحددة هويتهم أو المفترض أنهم ضحايا، حسب الجنس والفئة العمرية وشكل الاستغلال" },
		.unit = STATS_PERSONS,
		.dims = { "person.gender", "person.age_band", "victim.exploitation_types" },
		.filter_dim = "victim.trafficking_status",
		.filter_values = { "ActualVictimOfTrafficking", "PossibleVictimOfTrafficking" },
		.date = STATS_DATE_IDENTIFICATION,
	},
	{
		.key = "citizenship",
		.title = { "Persons registered, by citizenship", "الأشخاص المسجلون حسب الجنسية" },
		.unit = STATS_PERSONS,
		.dims = { "person.citizenship" },
		.date = STATS_DATE_REGISTRATION,
	},
	{
		.key = "referrals",
		.title = { "Referrals sent, by state and service", "الإحالات المرسلة حسب حالتها والخدمة المطلوبة" },
		.unit = STATS_REFERRALS,
		.dims = { "referral.state", "referral.service" },
		.date = STATS_DATE_OWN,
	},
	{
		.key = "services",
		.title = { "Services delivered, by type", "الخدمات المقدمة حسب نوعها" },
		.unit = STATS_SERVICES,
		.dims = { "service.type" },
		.date = STATS_DATE_OWN,
	},
	{
		.key = "case_outcomes",
		.title = { "Cases registered, by status and closure reason", "الحالات المسجلة حسب وضعها وسبب إغلاقها" },
		.unit = STATS_CASES,
		.dims = { "case.status", "case.closure_reason" },
		.date = STATS_DATE_REGISTRATION,
	},
};
const size_t stats_report_ntables = sizeof(stats_report_tables) / sizeof(stats_report_tables[0]);

int stats_view_parse(const char *name, enum stats_view *out)
{
	if (name && !strcmp(name, "internal"))
		*out = STATS_VIEW_INTERNAL;
	else if (name && !strcmp(name, "publication"))
		*out = STATS_VIEW_PUBLICATION;
	else
		return ERR_INVALID;
	return 0;
}

const char *stats_view_name(enum stats_view v)
{
	return v == STATS_VIEW_INTERNAL ? "internal" : "publication";
}

static int find_dim(const struct stats_report_def *d, const char *name)
{
	int i = stats_dim_find(name);
	if (i < 0)
		log_error("report table names an unknown dimension", "table=%s dimension=%s", d->key, name);
	return i;
}

int stats_report_query(const struct stats_report_def *d, int year, struct stats_query *q)
{
	if (year < STATS_REPORT_MIN_YEAR || year > STATS_REPORT_MAX_YEAR)
		return ERR_INVALID;
	memset(q, 0, sizeof(*q));
	q->unit = d->unit;
	for (int k = 0; k < STATS_MAX_DIMS && d->dims[k]; k++) {
		int i = find_dim(d, d->dims[k]);
		if (i < 0)
			return ERR_INVALID;
		q->dim[q->ndims++] = i;
	}
	if (d->filter_dim) {
		int i = find_dim(d, d->filter_dim);
		if (i < 0)
			return ERR_INVALID;
		q->filter[0].dim = i;
		for (size_t k = 0; k < STATS_REPORT_MAX_FILTER_VALUES && d->filter_values[k]; k++)
			q->filter[0].values[q->filter[0].n++] = d->filter_values[k];
		q->nfilters = 1;
	}
	char first[16], last[16];
	snprintf(first, sizeof(first), "%04d-01-01", year);
	snprintf(last, sizeof(last), "%04d-12-31", year);
	q->date = d->date;
	q->from_day = stats_day(first);
	q->to_day = stats_day(last);
	assert(q->from_day > 0 && q->to_day >= q->from_day);
	return 0;
}

int stats_report_run(struct store *db, const struct stats_report_def *d, int year, enum stats_view view,
		     int64_t threshold, struct stats_result *out, struct stats_suppress_report *rep)
{
	struct stats_query q;
	struct stats_suppress_report none = { 0, 0 };
	memset(out, 0, sizeof(*out));
	if (rep)
		*rep = none;
	int rc = stats_report_query(d, year, &q);
	if (rc < 0)
		return rc;
	rc = stats_run(db, &q, out);
	if (rc < 0)
		return rc;
	if (view == STATS_VIEW_PUBLICATION) {
		rc = stats_suppress(&out->t, threshold, rep ? rep : &none);
		if (rc < 0) {
			stats_result_release(out);
			return rc;
		}
	}
	return 0;
}

int stats_report_json(struct store *db, const struct stats_report_def *defs, size_t ndefs, int year,
		      enum stats_view view, int64_t threshold, json_t **out)
{
	*out = NULL;
	json_t *tables = json_array();
	if (!tables)
		return ERR_NOMEM;
	for (size_t i = 0; i < ndefs; i++) {
		const struct stats_report_def *d = &defs[i];
		struct stats_result r;
		struct stats_suppress_report rep;
		int rc = stats_report_run(db, d, year, view, threshold, &r, &rep);
		if (rc < 0) {
			json_decref(tables);
			return rc;
		}
		json_t *result = stats_result_json(&r);
		stats_result_release(&r);
		json_t *t = result ? json_pack("{s:s, s:{s:s, s:s}, s:s, s:{s:I, s:I}, s:o}", "key", d->key, "title",
					       "en", d->title.en, "ar", d->title.ar, "unit",
					       stats_unit_name(d->unit), "suppression", "primary",
					       (json_int_t)rep.primary, "secondary", (json_int_t)rep.secondary,
					       "result", result)
				   : NULL;
		if (!t || json_array_append_new(tables, t) < 0) {
			json_decref(tables);
			return ERR_NOMEM;
		}
	}
	*out = json_pack("{s:i, s:s, s:o, s:o}", "year", year, "view", stats_view_name(view), "threshold",
			 view == STATS_VIEW_PUBLICATION ? json_integer(threshold) : json_null(), "tables", tables);
	return *out ? 0 : ERR_NOMEM;
}
