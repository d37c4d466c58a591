/*
 * query.c: the dimensions (from the field registry, plus the derived ones),
 * the labels of their values, the parsing of a query's parameters and the
 * JSON form of a result. See stats.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/log.h"
#include "../directory/directory.h"
#include "../ref/ref.h"
#include "stats_int.h"

#define MAX_DIMS 64

static const char *const entities[] = { "case", "person", "victim", "event" };

static const char *const ref_states[] = {
	"sent", "acknowledged", "accepted", "declined", "in_service", "completed", "withdrawn",
};
static const struct label ref_state_labels[] = {
	{ "Sent", "مرسلة" }, { "Acknowledged", "مستلمة" }, { "Accepted", "مقبولة" }, { "Declined", "مرفوضة" },
	{ "In service", "قيد تقديم الخدمة" }, { "Completed", "مكتملة" }, { "Withdrawn", "مسحوبة" },
};

struct dim {
	struct stats_dim_info info;
	enum stats_derived derived;
	char name[80];
	const char **fixed;          /* fixed values in order, or NULL */
	size_t n_fixed;
};

static struct dim dims[MAX_DIMS];
static size_t n_dims;
static char fingerprint[4096];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *service_codes[DIRECTORY_SERVICES_MAX];

static void add_dim(const char *name, struct label label, bool multi, int unit_mask, const struct field *f,
		    enum stats_derived derived, const char **fixed, size_t n_fixed)
{
	if (n_dims == MAX_DIMS) {
		log_error("too many statistical dimensions", "name=%s", name);
		return;
	}
	struct dim *d = &dims[n_dims++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->info.name = d->name;
	d->info.label = label;
	d->info.multi = multi;
	d->info.unit_mask = unit_mask;
	d->info.field = f;
	d->derived = derived;
	d->fixed = fixed;
	d->n_fixed = n_fixed;
}

static bool many_entity(const char *entity)
{
	return !strcmp(entity, "event");
}

static void build(void)
{
	const struct registry *r = registry_get();
	const int all = (1 << STATS_UNIT_COUNT) - 1;
	size_t fp = 0;
	fingerprint[0] = '\0';
	for (size_t e = 0; r && e < sizeof(entities) / sizeof(entities[0]); e++) {
		const struct entity *en = registry_entity(r, entities[e]);
		for (size_t i = 0; en && i < en->n_fields; i++) {
			const struct field *f = &en->fields[i];
			if (!f->stat)
				continue;
			char name[80];
			snprintf(name, sizeof(name), "%s.%s", entities[e], f->key);
			bool multi = f->type == FT_MULTICHOICE || f->type == FT_COUNTRIES ||
				     f->type == FT_LANGUAGES || many_entity(entities[e]);
			const char **fixed = NULL;
			size_t nf = 0;
			if (f->type == FT_CHOICE || f->type == FT_MULTICHOICE) {
				fixed = xcalloc(f->n_choices ? f->n_choices : 1, sizeof(*fixed));
				for (size_t k = 0; fixed && k < f->n_choices; k++)
					fixed[k] = f->choices[k].value;
				nf = fixed ? f->n_choices : 0;
			} else if (f->type == FT_ISIC) {
				fixed = xcalloc(ref_isic_count, sizeof(*fixed));
				for (size_t k = 0; fixed && k < ref_isic_count; k++)
					fixed[k] = ref_isic_sections[k].code;
				nf = fixed ? ref_isic_count : 0;
			}
			add_dim(name, f->label, multi, all, f, SD_NONE, fixed, nf);
			int w = snprintf(fingerprint + fp, sizeof(fingerprint) - fp, "%s%s:%d", fp ? "," : "", name,
					 (int)f->type);
			if (w > 0 && (size_t)w < sizeof(fingerprint) - fp)
				fp += (size_t)w;
		}
	}
	/* version of the derivation itself (derive.c): bump when the row changes shape */
	if (fp < sizeof(fingerprint) - 8)
		snprintf(fingerprint + fp, sizeof(fingerprint) - fp, ";v1");
	add_dim("case.registration_month", (struct label){ "Month of registration", "شهر التسجيل" }, false, all,
		NULL, SD_REG_MONTH, NULL, 0);
	add_dim("case.identification_year", (struct label){ "Year of identification", "سنة تحديد الهوية" }, false, all,
		NULL, SD_IDN_YEAR, NULL, 0);
	add_dim("case.identification_month", (struct label){ "Month of identification", "شهر تحديد الهوية" }, false,
		all, NULL, SD_IDN_MONTH, NULL, 0);
	add_dim("referral.state", (struct label){ "Referral state", "حالة الإحالة" }, false, 1 << STATS_REFERRALS, NULL,
		SD_REF_STATE, (const char **)ref_states, sizeof(ref_states) / sizeof(ref_states[0]));
	for (size_t k = 0; k < directory_service_count && k < DIRECTORY_SERVICES_MAX; k++)
		service_codes[k] = directory_services[k].code;
	size_t ns = directory_service_count < DIRECTORY_SERVICES_MAX ? directory_service_count : DIRECTORY_SERVICES_MAX;
	add_dim("referral.service", (struct label){ "Service referred to", "الخدمة المحال إليها" }, true,
		1 << STATS_REFERRALS, NULL, SD_REF_SERVICE, service_codes, ns);
	add_dim("service.type", (struct label){ "Service delivered", "الخدمة المقدمة" }, false, 1 << STATS_SERVICES,
		NULL, SD_SVC_TYPE, service_codes, ns);
}

size_t stats_dim_count(void)
{
	pthread_once(&once, build);
	return n_dims;
}

const struct stats_dim_info *stats_dim_at(size_t i)
{
	pthread_once(&once, build);
	return i < n_dims ? &dims[i].info : NULL;
}

enum stats_derived stats_dim_derived(size_t i)
{
	pthread_once(&once, build);
	return i < n_dims ? dims[i].derived : SD_NONE;
}

const char *const *stats_dim_fixed(size_t i, size_t *n)
{
	pthread_once(&once, build);
	*n = i < n_dims ? dims[i].n_fixed : 0;
	return i < n_dims ? dims[i].fixed : NULL;
}

const char *stats_fields_fingerprint(void)
{
	pthread_once(&once, build);
	return fingerprint;
}

int stats_dim_find(const char *name)
{
	pthread_once(&once, build);
	if (!name)
		return -1;
	int found = -1;
	for (size_t i = 0; i < n_dims; i++) {
		if (!strcmp(dims[i].name, name))
			return (int)i;
		const char *dot = strchr(dims[i].name, '.');
		if (dot && !strcmp(dot + 1, name)) {
			if (found >= 0)
				return -1;   /* ambiguous bare key */
			found = (int)i;
		}
	}
	return found;
}

struct label stats_value_label(int dim, const char *value)
{
	static const struct label unknown = { "Unknown", "غير معروف" };
	if (!value)
		return unknown;
	const struct dim *d = dim >= 0 && (size_t)dim < stats_dim_count() ? &dims[dim] : NULL;
	if (!d)
		return (struct label){ value, value };
	const struct field *f = d->info.field;
	if (f) {
		const struct choice *ch = field_choice(f, value);
		if (ch)
			return ch->label;
		if (f->type == FT_ISIC)
			for (size_t k = 0; k < ref_isic_count; k++)
				if (!strcmp(ref_isic_sections[k].code, value))
					return (struct label){ ref_isic_sections[k].label.en, ref_isic_sections[k].label.ar };
	} else if (d->derived == SD_REF_STATE) {
		for (size_t k = 0; k < sizeof(ref_states) / sizeof(ref_states[0]); k++)
			if (!strcmp(ref_states[k], value))
				return ref_state_labels[k];
	} else if (d->derived == SD_REF_SERVICE || d->derived == SD_SVC_TYPE) {
		const struct directory_service *s = directory_service_find(value);
		if (s)
			return (struct label){ s->label.en, s->label.ar };
	}
	/* countries (the browser names them), years, months: the value itself */
	return (struct label){ value, value };
}

static const char *const unit_names[STATS_UNIT_COUNT] = { "persons", "cases", "referrals", "services" };

const char *stats_unit_name(enum stats_unit u)
{
	return u < STATS_UNIT_COUNT ? unit_names[u] : "unknown";
}

int stats_unit_parse(const char *name, enum stats_unit *out)
{
	for (int u = 0; u < STATS_UNIT_COUNT; u++)
		if (name && !strcmp(name, unit_names[u])) {
			*out = (enum stats_unit)u;
			return 0;
		}
	return ERR_INVALID;
}

/* ---- days ---- */

/* Days from the civil date (proleptic Gregorian), after H. Hinnant's public-domain algorithm. */
static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

int32_t stats_day(const char *s)
{
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	return days_from_civil(y, m, d);
}

void stats_day_text(int32_t z, char out[11])
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = yoe + era * 400;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int d = doy - (153 * mp + 2) / 5 + 1;
	int m = mp + (mp < 10 ? 3 : -9);
	char tmp[40];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y + (m <= 2), m, d);
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

/* ---- parsing a query ---- */

/* Copy s into the caller's store; NULL when full. */
static char *keep(char *store, size_t size, size_t *used, const char *s, size_t len)
{
	if (*used + len + 1 > size)
		return NULL;
	char *p = store + *used;
	memcpy(p, s, len);
	p[len] = '\0';
	*used += len + 1;
	return p;
}

static int parse_date(const char *s, int32_t *out)
{
	if (!s)
		return 0;
	if (strlen(s) != 10 || !(*out = stats_day(s)))
		return ERR_INVALID;
	char back[11];
	stats_day_text(*out, back);
	return strcmp(back, s) ? ERR_INVALID : 0;
}

int stats_query_parse(const char *(*get)(void *ud, const char *name), void *ud, struct stats_query *q,
		      char *store, size_t store_size, struct problem *pb)
{
	memset(q, 0, sizeof(*q));
	size_t used = 0;
	const char *unit = get(ud, "unit");
	if (unit && stats_unit_parse(unit, &q->unit) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "unit");
	const char *list = get(ud, "dims");
	if (list && *list) {
		const char *p = list;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if (q->ndims == STATS_MAX_DIMS)
				return problem_set(pb, ERR_INVALID, "too_many_dimensions", "dims");
			char name[80];
			if (len == 0 || len >= sizeof(name))
				return problem_set(pb, ERR_INVALID, "unknown_dimension", "dims");
			memcpy(name, p, len);
			name[len] = '\0';
			int d = stats_dim_find(name);
			if (d < 0)
				return problem_set(pb, ERR_INVALID, "unknown_dimension", "dims");
			if (!(stats_dim_at((size_t)d)->unit_mask & (1 << q->unit)))
				return problem_set(pb, ERR_INVALID, "dimension_not_for_unit", "dims");
			for (int k = 0; k < q->ndims; k++)
				if (q->dim[k] == d)
					return problem_set(pb, ERR_INVALID, "invalid", "dims");
			q->dim[q->ndims++] = d;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	/* filters: filter.<dimension> for every dimension that may be asked */
	for (size_t d = 0; d < stats_dim_count(); d++) {
		char key[96];
		snprintf(key, sizeof(key), "filter.%s", dims[d].name);
		const char *v = get(ud, key);
		if (!v)
			continue;
		if (!(dims[d].info.unit_mask & (1 << q->unit)))
			return problem_set(pb, ERR_INVALID, "dimension_not_for_unit", key);
		if (q->nfilters == STATS_MAX_FILTERS)
			return problem_set(pb, ERR_INVALID, "too_many_filters", key);
		q->filter[q->nfilters].dim = (int)d;
		size_t n = 0;
		const char *p = v;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if (n == STATS_MAX_FILTER_VALUES || len == 0 || len > 64)
				return problem_set(pb, ERR_INVALID, "invalid", key);
			const char *val = NULL;
			if (!(len == 7 && !memcmp(p, "unknown", 7))) {
				val = keep(store, store_size, &used, p, len);
				if (!val)
					return problem_set(pb, ERR_INVALID, "too_long", key);
			}
			q->filter[q->nfilters].values[n++] = val;
			if (!comma)
				break;
			p = comma + 1;
		}
		q->filter[q->nfilters].n = n;
		q->nfilters++;
	}
	const char *date = get(ud, "date");
	if (!date)
		q->date = (q->unit == STATS_REFERRALS || q->unit == STATS_SERVICES) ? STATS_DATE_OWN
										    : STATS_DATE_REGISTRATION;
	else if (!strcmp(date, "registration"))
		q->date = STATS_DATE_REGISTRATION;
	else if (!strcmp(date, "identification"))
		q->date = STATS_DATE_IDENTIFICATION;
	else if (!strcmp(date, "own") && (q->unit == STATS_REFERRALS || q->unit == STATS_SERVICES))
		q->date = STATS_DATE_OWN;
	else
		return problem_set(pb, ERR_INVALID, "invalid", "date");
	if (parse_date(get(ud, "from"), &q->from_day) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "from");
	if (parse_date(get(ud, "to"), &q->to_day) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "to");
	if (q->from_day && q->to_day && q->from_day > q->to_day)
		return problem_set(pb, ERR_INVALID, "invalid", "to");
	return 0;
}

/* ---- the JSON of a result ---- */

static json_t *label_json(struct label l)
{
	return json_pack("{s:s, s:s}", "en", l.en ? l.en : "", "ar", l.ar ? l.ar : (l.en ? l.en : ""));
}

json_t *stats_result_json(const struct stats_result *r)
{
	json_t *out = json_object();
	json_t *jd = json_array();
	json_t *cells = json_array();
	if (!out || !jd || !cells) {
		json_decref(out);
		json_decref(jd);
		json_decref(cells);
		return NULL;
	}
	json_object_set_new(out, "unit", json_string(stats_unit_name(r->unit)));
	for (int d = 0; d < r->ndims; d++) {
		const struct stats_dim_info *info = stats_dim_at((size_t)r->dim[d]);
		json_t *vals = json_array();
		for (size_t k = 0; k < r->t.n[d]; k++) {
			const char *v = r->values[d][k];
			json_array_append_new(vals, json_pack("{s:o, s:o}", "value", v ? json_string(v) : json_null(),
							      "label", label_json(stats_value_label(r->dim[d], v))));
		}
		json_array_append_new(jd, json_pack("{s:s, s:o, s:b, s:o}", "name", info->name, "label",
						    label_json(info->label), "multi", info->multi, "values", vals));
	}
	json_object_set_new(out, "dimensions", jd);
	size_t n = stats_table_cells(&r->t);
	size_t idx[STATS_MAX_DIMS];
	json_t *total = json_null();
	for (size_t i = 0; i < n; i++) {
		stats_table_coords(&r->t, i, idx);
		json_t *key = json_array();
		bool grand = true;
		for (int d = 0; d < r->ndims; d++) {
			if (idx[d] == r->t.n[d]) {
				json_array_append_new(key, json_string("*"));
			} else {
				const char *v = r->values[d][idx[d]];
				json_array_append_new(key, v ? json_string(v) : json_null());
				grand = false;
			}
		}
		json_t *cell;
		if (r->t.flag && r->t.flag[i] != STATS_SHOWN)
			cell = json_pack("{s:o, s:b}", "key", key, "suppressed", 1);
		else
			cell = json_pack("{s:o, s:I}", "key", key, "count", (json_int_t)r->t.count[i]);
		if (grand && !(r->t.flag && r->t.flag[i] != STATS_SHOWN)) {
			json_decref(total);
			total = json_integer((json_int_t)r->t.count[i]);
		}
		json_array_append_new(cells, cell);
	}
	json_object_set_new(out, "cells", cells);
	json_object_set_new(out, "total", total);
	return out;
}
