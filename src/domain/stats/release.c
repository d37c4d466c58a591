/*
 * release.c: differentially private releases and the yearly budget
 * (release.h). The request is read through stats_query_parse, so that a
 * release asks its question in exactly the words of GET /api/v1/stats;
 * counting is stats_run's; the noise is dp.c's; here: the fixed set of
 * cells, the sensitivity, the ledger and the stored release.
 */
#include "release.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/hash.h"
#include "stats_int.h"

#define JOINED_MAX 2304      /* one filter's values joined by commas: 32 values of 64 bytes, with room */
#define VALUE_MAX 64         /* bytes of one filter value, as stats_query_parse accepts */

/* ---- the request, seen through stats_query_parse's get() ---- */

struct request {
	const json_t *body;
	char dims[STATS_MAX_DIMS * 96];
	size_t nf;
	int filter_dim[STATS_MAX_FILTERS];
	char *filter_text[STATS_MAX_FILTERS];   /* owned */
};

static const char *request_get(void *ud, const char *name)
{
	struct request *r = ud;
	if (!strcmp(name, "dims"))
		return r->dims;
	if (!strncmp(name, "filter.", 7)) {
		int d = stats_dim_find(name + 7);
		for (size_t i = 0; i < r->nf; i++)
			if (r->filter_dim[i] == d)
				return r->filter_text[i];
		return NULL;
	}
	const json_t *v = json_object_get(r->body, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void request_release(struct request *r)
{
	for (size_t i = 0; i < r->nf; i++)
		free(r->filter_text[i]);
}

/* "filters.<name>" as a problem's field. */
static int filter_problem(struct problem *pb, int err, const char *code, const char *name)
{
	char field[64];
	snprintf(field, sizeof(field), "filters.%s", name);
	return problem_set(pb, err, code, field);
}

/* Join the body's dims and filters for stats_query_parse; 400 for what it cannot express. */
static int request_prepare(struct request *r, const json_t *body, struct problem *pb)
{
	memset(r, 0, sizeof(*r));
	r->body = body;
	const json_t *dims = json_object_get(body, "dims");
	if (dims && !json_is_null(dims)) {
		if (!json_is_array(dims))
			return problem_set(pb, ERR_INVALID, "wrong_type", "dims");
		if (json_array_size(dims) > STATS_MAX_DIMS)
			return problem_set(pb, ERR_INVALID, "too_many_dimensions", "dims");
		size_t used = 0, i;
		const json_t *v;
		json_array_foreach(dims, i, v) {
			const char *s = json_string_value(v);
			size_t len = s ? strlen(s) : 0;
			if (!len || len >= 80 || strchr(s, ','))
				return problem_set(pb, ERR_INVALID, "unknown_dimension", "dims");
			used += (size_t)snprintf(r->dims + used, sizeof(r->dims) - used, "%s%s", i ? "," : "", s);
		}
	}
	const json_t *filters = json_object_get(body, "filters");
	if (!filters || json_is_null(filters))
		return 0;
	if (!json_is_object(filters))
		return problem_set(pb, ERR_INVALID, "wrong_type", "filters");
	const char *name;
	const json_t *values;
	json_object_foreach((json_t *)filters, name, values) {
		int d = stats_dim_find(name);
		if (d < 0)
			return filter_problem(pb, ERR_INVALID, "unknown_dimension", name);
		for (size_t i = 0; i < r->nf; i++)
			if (r->filter_dim[i] == d)
				return filter_problem(pb, ERR_INVALID, "invalid", name);
		if (r->nf == STATS_MAX_FILTERS)
			return filter_problem(pb, ERR_INVALID, "too_many_filters", name);
		if (!json_is_array(values))
			return filter_problem(pb, ERR_INVALID, "wrong_type", name);
		size_t n = json_array_size(values);
		if (n == 0 || n > STATS_MAX_FILTER_VALUES)
			return filter_problem(pb, ERR_INVALID, "invalid", name);
		char *text = xcalloc(JOINED_MAX, 1);
		if (!text)
			return problem_set(pb, ERR_NOMEM, "internal", NULL);
		r->filter_dim[r->nf] = d;
		r->filter_text[r->nf++] = text;
		size_t used = 0, i;
		const json_t *v;
		json_array_foreach(values, i, v) {
			const char *s = json_string_value(v);
			size_t len = s ? strlen(s) : 0;
			if (!s)
				return filter_problem(pb, ERR_INVALID, "wrong_type", name);
			if (!len || len > VALUE_MAX || strchr(s, ','))
				return filter_problem(pb, ERR_INVALID, "invalid", name);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(json_string_value(json_array_get(values, j)), s))
					return filter_problem(pb, ERR_INVALID, "invalid", name);   /* a value twice */
			used += (size_t)snprintf(text + used, JOINED_MAX - used, "%s%s", i ? "," : "", s);
		}
	}
	return 0;
}

/* ---- epsilon and sensitivity ---- */

int stats_release_epsilon(const json_t *value, int64_t *milli)
{
	if (!json_is_number(value))
		return ERR_INVALID;
	double e = json_number_value(value);
	if (!(e > 0 && e <= 1000000))
		return ERR_INVALID;
	double scaled = e * 1000;
	int64_t m = (int64_t)(scaled + 0.5);
	double off = scaled - (double)m;
	if (m < 1 || off > 1e-6 || off < -1e-6)
		return ERR_INVALID;   /* more than three decimals */
	*milli = m;
	return 0;
}

int64_t stats_release_sensitivity(int ndims, const size_t *n_values, const bool *has_unknown, const bool *multi)
{
	int64_t s = 1;
	for (int d = 0; d < ndims; d++) {
		int64_t m = 1;
		if (multi[d]) {
			/* A unit has its known values, or else the unknown one alone. */
			m = (int64_t)(n_values[d] - (has_unknown[d] ? 1 : 0));
			if (m < 1)
				m = 1;
		}
		s *= m + 1;
	}
	return s;
}

/* ---- the cells of the release ---- */

/*
 * The values of each dimension of q (release.h, "The cells") into
 * rel->values and rel->t.n; the names of dimensions without fixed values
 * and without a filter are a 400.
 */
static int release_domain(const struct stats_query *q, struct stats_result *rel, bool *has_unknown,
			  struct problem *pb)
{
	for (int k = 0; k < q->ndims; k++) {
		int dim = q->dim[k];
		const struct stats_dim_info *info = stats_dim_at((size_t)dim);
		const char *const *vals = NULL;
		size_t n = 0;
		bool unknown = false;
		for (size_t j = 0; j < q->nfilters; j++)
			if (q->filter[j].dim == dim) {
				vals = q->filter[j].values;
				n = q->filter[j].n;
			}
		if (!vals) {
			vals = stats_dim_fixed((size_t)dim, &n);
			if (!vals || n == 0)
				return filter_problem(pb, ERR_INVALID, "release_values_required", info->name);
			unknown = true;   /* fixed values, then unknown */
		}
		rel->values[k] = xcalloc(n + 1, sizeof(char *));
		if (!rel->values[k])
			return problem_set(pb, ERR_NOMEM, "internal", NULL);
		rel->t.n[k] = n + (unknown ? 1 : 0);
		has_unknown[k] = unknown;
		for (size_t i = 0; i < n; i++) {
			if (!vals[i]) {
				has_unknown[k] = true;   /* a filter's "unknown" */
				continue;
			}
			if (!(rel->values[k][i] = xstrdup(vals[i])))
				return problem_set(pb, ERR_NOMEM, "internal", NULL);
		}
		rel->t.additive[k] = !info->multi;
	}
	return 0;
}

static bool same_value(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Copy the counts of res into rel's cells (values that match), margins to margins. */
static int release_fill(const struct stats_result *res, struct stats_result *rel)
{
	size_t *map[STATS_MAX_DIMS] = { 0 };
	int rc = ERR_NOMEM;
	for (int d = 0; d < res->ndims; d++) {
		map[d] = xcalloc(res->t.n[d] + 1, sizeof(size_t));
		if (!map[d])
			goto out;
		for (size_t k = 0; k < res->t.n[d]; k++) {
			map[d][k] = SIZE_MAX;
			for (size_t j = 0; j < rel->t.n[d]; j++)
				if (same_value(res->values[d][k], rel->values[d][j])) {
					map[d][k] = j;
					break;
				}
		}
		map[d][res->t.n[d]] = rel->t.n[d];
	}
	size_t cells = stats_table_cells(&res->t), idx[STATS_MAX_DIMS], to[STATS_MAX_DIMS];
	for (size_t i = 0; i < cells; i++) {
		stats_table_coords(&res->t, i, idx);
		bool in = true;
		for (int d = 0; d < res->ndims && in; d++)
			in = (to[d] = map[d][idx[d]]) != SIZE_MAX;
		if (in)
			rel->t.count[stats_table_index(&rel->t, to)] = res->t.count[i];
	}
	rc = 0;
out:
	for (int d = 0; d < STATS_MAX_DIMS; d++)
		free(map[d]);
	return rc;
}

/* ---- JSON of the question ---- */

static const char *date_name(enum stats_date d)
{
	switch (d) {
	case STATS_DATE_IDENTIFICATION:
		return "identification";
	case STATS_DATE_OWN:
		return "own";
	case STATS_DATE_REGISTRATION:
		break;
	}
	return "registration";
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* dims, filters and dates of q, canonical (full dimension names). */
static int query_texts(const struct stats_query *q, const json_t *body, char **dims, char **filters, char **dates)
{
	json_t *jd = json_array(), *jf = json_object();
	for (int k = 0; jd && k < q->ndims; k++)
		json_array_append_new(jd, json_string(stats_dim_at((size_t)q->dim[k])->name));
	for (size_t j = 0; jf && j < q->nfilters; j++) {
		json_t *vals = json_array();
		for (size_t i = 0; vals && i < q->filter[j].n; i++)
			json_array_append_new(vals, json_string(q->filter[j].values[i] ? q->filter[j].values[i]
											   : "unknown"));
		json_object_set_new(jf, stats_dim_at((size_t)q->filter[j].dim)->name, vals);
	}
	json_t *jt = json_pack("{s:s, s:o, s:o}", "date", date_name(q->date), "from",
			       str_or_null(json_string_value(json_object_get(body, "from"))), "to",
			       str_or_null(json_string_value(json_object_get(body, "to"))));
	*dims = jd ? json_dumps(jd, JSON_COMPACT) : NULL;
	*filters = jf ? json_dumps(jf, JSON_COMPACT) : NULL;
	*dates = jt ? json_dumps(jt, JSON_COMPACT) : NULL;
	json_decref(jd);
	json_decref(jf);
	json_decref(jt);
	if (!*dims || !*filters || !*dates) {
		free(*dims);
		free(*filters);
		free(*dates);
		*dims = *filters = *dates = NULL;
		return ERR_NOMEM;
	}
	return 0;
}

/* ---- the ledger ---- */

static int current_year(void)
{
	char iso[32];
	if (clock_format_iso(clock_now(), iso, sizeof(iso)) < 0)
		return 1970;
	return (int)strtol(iso, NULL, 10);
}

static void budget_fill(struct stats_budget *b, int year, int64_t budget, int64_t spent)
{
	b->year = year;
	b->budget_milli = budget;
	b->spent_milli = spent;
	b->left_milli = budget > spent ? budget - spent : 0;
}

/* The year's spent epsilon (0 without a row). */
static int budget_spent(struct store *db, int year, int64_t *spent)
{
	struct store_stmt *st;
	*spent = 0;
	if (store_prepare(db, &st, "SELECT spent FROM stats_dp_budget WHERE year = ?") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, year);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		*spent = store_column_int64(st, 0);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Spend eps from the year's budget: 1 done, 0 it does not fit, or negative. */
static int budget_spend(struct store *db, int year, int64_t eps, int64_t budget)
{
	struct store_stmt *st;
	if (store_prepare(db, &st, "INSERT INTO stats_dp_budget (year, spent) VALUES (?, 0) "
				   "ON CONFLICT (year) DO NOTHING") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, year);
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (store_prepare(db, &st, "UPDATE stats_dp_budget SET spent = spent + ? WHERE year = ? AND spent + ? <= ?") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, eps);
	store_bind_int64(st, 2, year);
	store_bind_int64(st, 3, eps);
	store_bind_int64(st, 4, budget);
	rc = store_step(st);
	int64_t changed = rc < 0 ? 0 : store_changes(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return changed == 1 ? 1 : 0;
}

static json_t *budget_json(const struct stats_budget *b)
{
	return json_pack("{s:i, s:f, s:f, s:f}", "year", b->year, "budget", (double)b->budget_milli / 1000,
			 "spent", (double)b->spent_milli / 1000, "left", (double)b->left_milli / 1000);
}

/* ---- a stored release as JSON ---- */

struct row {
	const char *id, *unit, *dims, *filters, *dates, *result, *created_by;
	int64_t year, epsilon, sensitivity, created_at;
};

static void row_read(struct store_stmt *st, struct row *r, bool with_result)
{
	r->id = store_column_text(st, 0);
	r->year = store_column_int64(st, 1);
	r->epsilon = store_column_int64(st, 2);
	r->sensitivity = store_column_int64(st, 3);
	r->unit = store_column_text(st, 4);
	r->dims = store_column_text(st, 5);
	r->filters = store_column_text(st, 6);
	r->dates = store_column_text(st, 7);
	r->created_by = store_column_text(st, 8);
	r->created_at = store_column_int64(st, 9);
	r->result = with_result ? store_column_text(st, 10) : NULL;
}

#define ROW_COLS "id, year, epsilon, sensitivity, unit, dims, filters, dates, created_by, created_at"

/* The release's JSON: its table (when with a result) and what it is. */
static json_t *row_json(const struct row *r)
{
	json_t *out = r->result ? json_loads(r->result, 0, NULL) : json_object();
	json_t *dims = json_loads(r->dims ? r->dims : "[]", 0, NULL);
	json_t *filters = json_loads(r->filters ? r->filters : "{}", 0, NULL);
	json_t *dates = json_loads(r->dates ? r->dates : "{}", 0, NULL);
	if (!out || !json_is_object(out) || !dims || !filters || !dates) {
		json_decref(out);
		json_decref(dims);
		json_decref(filters);
		json_decref(dates);
		return NULL;
	}
	json_t *query = json_pack("{s:s, s:o, s:o, s:O, s:O, s:O}", "unit", r->unit ? r->unit : "", "dims", dims,
				  "filters", filters, "date", json_object_get(dates, "date"), "from",
				  json_object_get(dates, "from"), "to", json_object_get(dates, "to"));
	json_decref(dates);
	if (!query) {
		json_decref(out);
		return NULL;
	}
	json_object_set_new(out, "id", json_string(r->id));
	json_object_set_new(out, "year", json_integer(r->year));
	json_object_set_new(out, "epsilon", json_real((double)r->epsilon / 1000));
	json_object_set_new(out, "sensitivity", json_integer(r->sensitivity));
	json_object_set_new(out, "created_at", json_integer(r->created_at));
	json_object_set_new(out, "created_by", json_string(r->created_by ? r->created_by : ""));
	json_object_set_new(out, "query", query);
	if (!r->result)
		json_object_set_new(out, "unit", json_string(r->unit ? r->unit : ""));
	return out;
}

/* ---- create ---- */

/* Count, fix the cells, add the noise: the release's table as JSON (the part stored as result). */
static int noisy_table(struct ctx *c, const struct stats_query *q, int64_t eps_milli, int64_t *sensitivity,
		       json_t **out, struct problem *pb)
{
	struct stats_result res, rel;
	bool has_unknown[STATS_MAX_DIMS] = { false }, multi[STATS_MAX_DIMS] = { false };
	memset(&rel, 0, sizeof(rel));
	rel.unit = q->unit;
	rel.ndims = q->ndims;
	rel.t.ndims = q->ndims;
	for (int d = 0; d < q->ndims; d++) {
		rel.dim[d] = q->dim[d];
		multi[d] = stats_dim_at((size_t)q->dim[d])->multi;
	}
	*out = NULL;
	int rc = release_domain(q, &rel, has_unknown, pb);
	if (rc < 0)
		goto out_rel;
	*sensitivity = stats_release_sensitivity(q->ndims, rel.t.n, has_unknown, multi);
	if ((rc = stats_table_alloc(&rel.t)) < 0) {
		rc = rc == ERR_TOO_LARGE ? problem_set(pb, ERR_INVALID, "table_too_large", "dims")
					 : problem_set(pb, rc, "internal", NULL);
		goto out_rel;
	}
	rc = stats_run(c->db, q, &res);
	if (rc < 0) {
		rc = rc == ERR_TOO_LARGE ? problem_set(pb, ERR_INVALID, "table_too_large", "dims")
					 : problem_set(pb, rc, "internal", NULL);
		goto out_rel;
	}
	rc = release_fill(&res, &rel);
	stats_result_release(&res);
	if (rc < 0 || (rc = stats_dp_noise(&rel.t, (double)eps_milli / 1000, *sensitivity)) < 0) {
		problem_set(pb, rc, "internal", NULL);
		goto out_rel;
	}
	*out = stats_result_json(&rel);
	if (!*out) {
		rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
		goto out_rel;
	}
	json_object_set_new(*out, "noise", json_pack("{s:s, s:f, s:I}", "mechanism", "geometric", "epsilon",
						     (double)eps_milli / 1000, "sensitivity",
						     (json_int_t)*sensitivity));
	rc = 0;
out_rel:
	/* the exact counts are gone with res; rel holds only noisy ones */
	stats_result_release(&rel);
	return rc;
}

int stats_release_create(struct ctx *c, const json_t *body, json_t **out, struct stats_budget *b,
			 struct problem *pb)
{
	*out = NULL;
	memset(b, 0, sizeof(*b));
	const struct config *cfg = &c->app->cfg;
	int64_t eps;
	if (stats_release_epsilon(json_object_get(body, "epsilon"), &eps) < 0 || eps > cfg->stats_dp_max_epsilon_milli)
		return problem_set(pb, ERR_INVALID, "invalid", "epsilon");

	struct request req;
	struct stats_query q;
	char *qstore = NULL, *dims = NULL, *filters = NULL, *dates = NULL, *result = NULL;
	json_t *table = NULL;
	int rc = request_prepare(&req, body, pb);
	if (rc < 0)
		goto out;
	size_t qstore_size = STATS_MAX_FILTERS * JOINED_MAX;
	if (!(qstore = xcalloc(qstore_size, 1))) {
		rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
		goto out;
	}
	if ((rc = stats_query_parse(request_get, &req, &q, qstore, qstore_size, pb)) < 0) {
		if (!strncmp(pb->field, "filter.", 7)) {
			char field[sizeof(pb->field)];
			snprintf(field, sizeof(field), "filters.%s", pb->field + 7);
			snprintf(pb->field, sizeof(pb->field), "%s", field);
		}
		goto out;
	}
	int64_t sensitivity = 1;
	if ((rc = noisy_table(c, &q, eps, &sensitivity, &table, pb)) < 0)
		goto out;
	if ((rc = query_texts(&q, body, &dims, &filters, &dates)) < 0 ||
	    !(result = json_dumps(table, JSON_COMPACT | JSON_REAL_PRECISION(12)))) {
		rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
		goto out;
	}

	int year = current_year();
	int64_t budget = cfg->stats_dp_budget_milli, spent = 0, now = clock_now();
	char id[ID_HEX_LEN + 1];
	random_id(id);
	if (store_begin(c->db) < 0) {
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		goto out;
	}
	rc = budget_spend(c->db, year, eps, budget);
	if (rc == 0) {
		/* Over the budget: nothing is kept; the refusal is audited. */
		if (budget_spent(c->db, year, &spent) < 0)
			spent = budget;
		store_rollback(c->db);
		budget_fill(b, year, budget, spent);
		if (ctx_audit_tx(c, "stats.release", "stats_release", NULL, "denied") < 0)
			log_error("audit append failed", "action=%s", "stats.release");
		rc = problem_set(pb, ERR_CONFLICT, "budget_exhausted", "epsilon");
		goto out;
	}
	struct store_stmt *st = NULL;
	if (rc > 0 && store_prepare(c->db, &st, "INSERT INTO stats_releases (id, year, epsilon, sensitivity, unit, "
						"dims, filters, dates, result, created_by, created_at) "
						"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") == 0) {
		store_bind_text(st, 1, id);
		store_bind_int64(st, 2, year);
		store_bind_int64(st, 3, eps);
		store_bind_int64(st, 4, sensitivity);
		store_bind_text(st, 5, stats_unit_name(q.unit));
		store_bind_text(st, 6, dims);
		store_bind_text(st, 7, filters);
		store_bind_text(st, 8, dates);
		store_bind_text(st, 9, result);
		store_bind_text(st, 10, c->actor.user_id);
		store_bind_int64(st, 11, now);
		rc = store_step(st);
		store_finalize(st);
	} else if (rc > 0) {
		rc = ERR_FAIL;
	}
	if (rc < 0 || budget_spent(c->db, year, &spent) < 0 ||
	    ctx_audit(c, "stats.release", "stats_release", id, "ok") < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		goto out;
	}
	budget_fill(b, year, budget, spent);
	struct row r = { .id = id, .unit = stats_unit_name(q.unit), .dims = dims, .filters = filters,
			 .dates = dates, .result = result, .created_by = c->actor.user_id, .year = year,
			 .epsilon = eps, .sensitivity = sensitivity, .created_at = now };
	*out = row_json(&r);
	if (!*out) {
		rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
		goto out;
	}
	json_object_set_new(*out, "budget", budget_json(b));
	rc = 0;
out:
	request_release(&req);
	free(qstore);
	free(dims);
	free(filters);
	free(dates);
	free(result);
	json_decref(table);
	return rc;
}

/* ---- read ---- */

int stats_release_get(struct ctx *c, const char *id, json_t **out)
{
	*out = NULL;
	if (!id || strlen(id) != ID_HEX_LEN || strspn(id, "0123456789abcdef") != ID_HEX_LEN)
		return ERR_NOT_FOUND;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT " ROW_COLS ", result FROM stats_releases WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		struct row r;
		row_read(st, &r, true);
		*out = row_json(&r);
		rc = *out ? 0 : ERR_NOMEM;
	} else if (rc == STORE_DONE) {
		rc = ERR_NOT_FOUND;
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	int64_t year = json_integer_value(json_object_get(*out, "year")), spent;
	if (budget_spent(c->db, (int)year, &spent) < 0) {
		json_decref(*out);
		*out = NULL;
		return ERR_FAIL;
	}
	struct stats_budget b;
	budget_fill(&b, (int)year, c->app->cfg.stats_dp_budget_milli, spent);
	json_object_set_new(*out, "budget", budget_json(&b));
	return 0;
}

/* The budgets of every year with releases, and of this year. */
static int budgets_json(struct ctx *c, json_t **out)
{
	int64_t budget = c->app->cfg.stats_dp_budget_milli;
	int year = current_year();
	json_t *list = json_array();
	struct store_stmt *st;
	if (!list)
		return ERR_NOMEM;
	if (store_prepare(c->db, &st, "SELECT year, spent FROM stats_dp_budget ORDER BY year DESC") < 0) {
		json_decref(list);
		return ERR_FAIL;
	}
	bool this_year = false;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		struct stats_budget b;
		int y = (int)store_column_int64(st, 0);
		if (y < year && !this_year) {
			struct stats_budget now = { 0 };
			budget_fill(&now, year, budget, 0);
			json_array_append_new(list, budget_json(&now));
			this_year = true;
		}
		this_year = this_year || y == year;
		budget_fill(&b, y, budget, store_column_int64(st, 1));
		json_array_append_new(list, budget_json(&b));
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	if (!this_year) {
		struct stats_budget now;
		budget_fill(&now, year, budget, 0);
		json_array_append_new(list, budget_json(&now));
	}
	*out = list;
	return 0;
}

int stats_release_list(struct ctx *c, const char *cursor, int limit, json_t **items, char **next,
		       json_t **budgets, struct problem *pb)
{
	*items = NULL;
	*next = NULL;
	*budgets = NULL;
	int64_t cur_at = 0;
	char cur_id[ID_HEX_LEN + 1] = "";
	if (cursor && *cursor) {
		char *end;
		cur_at = strtoll(cursor, &end, 10);
		if (end == cursor || *end != ':' || strlen(end + 1) != ID_HEX_LEN ||
		    strspn(end + 1, "0123456789abcdef") != ID_HEX_LEN)
			return problem_set(pb, ERR_INVALID, "invalid", "cursor");
		snprintf(cur_id, sizeof(cur_id), "%s", end + 1);
	}
	struct store_stmt *st;
	int rc = cur_id[0] ? store_prepare(c->db, &st, "SELECT " ROW_COLS " FROM stats_releases "
							"WHERE created_at < ? OR (created_at = ? AND id < ?) "
							"ORDER BY created_at DESC, id DESC LIMIT ?")
			   : store_prepare(c->db, &st, "SELECT " ROW_COLS " FROM stats_releases "
							"ORDER BY created_at DESC, id DESC LIMIT ?");
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int p = 1;
	if (cur_id[0]) {
		store_bind_int64(st, p++, cur_at);
		store_bind_int64(st, p++, cur_at);
		store_bind_text(st, p++, cur_id);
	}
	store_bind_int64(st, p, limit + 1);
	json_t *list = json_array();
	int n = 0;
	char last[48] = "";
	while (list && (rc = store_step(st)) == STORE_ROW) {
		if (n == limit) {
			*next = xstrdup(last);
			break;
		}
		struct row r;
		row_read(st, &r, false);
		json_t *j = row_json(&r);
		if (!j) {
			rc = ERR_NOMEM;
			break;
		}
		json_array_append_new(list, j);
		snprintf(last, sizeof(last), "%lld:%s", (long long)r.created_at, r.id);
		n++;
	}
	store_finalize(st);
	if (!list || rc < 0 || (rc = budgets_json(c, budgets)) < 0) {
		json_decref(list);
		free(*next);
		*next = NULL;
		return problem_set(pb, rc < 0 ? rc : ERR_NOMEM, "internal", NULL);
	}
	*items = list;
	return 0;
}
