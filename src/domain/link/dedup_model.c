/*
 * dedup_model.c: the Fellegi-Sunter model of duplicates (dedup.h, point 3):
 * the fields and their levels, match weights, the EM fit of m and u, and
 * the stored model.
 */
#include "dedup.h"

#include <math.h>   /* frexp only: it is in libc; the log is computed here */
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"

static const struct {
	const char *name;
	int levels;
	const char *level[DEDUP_LEVELS_MAX];
} fields[DF_COUNT] = {
	[DF_GIVEN] = { "given", 5, { "exact", "close", "sound", "other_field", "differ" } },
	[DF_FAMILY] = { "family", 5, { "exact", "close", "sound", "other_field", "differ" } },
	[DF_BIRTH] = { "birth", 4, { "exact", "close", "year", "differ" } },
	[DF_DOC] = { "doc", 3, { "exact", "close", "differ" } },
	[DF_SEX] = { "sex", 2, { "same", "differ" } },
	[DF_CITIZENSHIP] = { "citizenship", 2, { "shared", "differ" } },
};

int dedup_levels(enum dedup_field f)
{
	return f >= 0 && f < DF_COUNT ? fields[f].levels : 0;
}

const char *dedup_field_name(enum dedup_field f)
{
	return f >= 0 && f < DF_COUNT ? fields[f].name : "unknown";
}

const char *dedup_level_name(enum dedup_field f, int level)
{
	if (level == DEDUP_MISSING)
		return "missing";
	if (f < 0 || f >= DF_COUNT || level < 0 || level >= fields[f].levels)
		return "unknown";
	return fields[f].level[level];
}

unsigned dedup_pattern(const signed char v[DF_COUNT])
{
	unsigned code = 0;
	for (int f = DF_COUNT - 1; f >= 0; f--)
		code = code * (DEDUP_LEVELS_MAX + 1) + (unsigned)(v[f] + 1);
	return code;
}

void dedup_pattern_vector(unsigned pattern, signed char v[DF_COUNT])
{
	for (int f = 0; f < DF_COUNT; f++) {
		v[f] = (signed char)((int)(pattern % (DEDUP_LEVELS_MAX + 1)) - 1);
		pattern /= DEDUP_LEVELS_MAX + 1;
	}
}

void dedup_levels_text(const signed char v[DF_COUNT], char out[DF_COUNT + 1])
{
	for (int f = 0; f < DF_COUNT; f++)
		out[f] = v[f] == DEDUP_MISSING ? '-' : (char)('0' + v[f]);
	out[DF_COUNT] = '\0';
}

int dedup_levels_parse(const char *text, signed char v[DF_COUNT])
{
	if (!text || strlen(text) != DF_COUNT)
		return ERR_INVALID;
	for (int f = 0; f < DF_COUNT; f++) {
		if (text[f] == '-')
			v[f] = DEDUP_MISSING;
		else if (text[f] >= '0' && text[f] < '0' + fields[f].levels)
			v[f] = (signed char)(text[f] - '0');
		else
			return ERR_INVALID;
	}
	return 0;
}

/*
 * Starting values (docs/linkage.md): for names, what a true pair shows when
 * records are typed by different people (most agree exactly, one in seven
 * by one letter, a few only by sound or in swapped fields), and how often
 * two different persons among the candidates share a given name (common)
 * or a family name (less so); a birth date or a document number is shared
 * by different persons very rarely. Sex and citizenship agree for almost
 * every true pair and for half or a third of the others. EM moves them to
 * what the installation's data shows.
 */
void dedup_model_default(struct dedup_model *m)
{
	static const double m0[DF_COUNT][DEDUP_LEVELS_MAX] = {
		[DF_GIVEN] = { 0.70, 0.13, 0.03, 0.06, 0.08 },
		[DF_FAMILY] = { 0.70, 0.15, 0.03, 0.06, 0.06 },
		[DF_BIRTH] = { 0.90, 0.03, 0.03, 0.04 },
		[DF_DOC] = { 0.90, 0.05, 0.05 },
		[DF_SEX] = { 0.97, 0.03 },
		[DF_CITIZENSHIP] = { 0.92, 0.08 },
	};
	static const double u0[DF_COUNT][DEDUP_LEVELS_MAX] = {
		[DF_GIVEN] = { 0.40, 0.04, 0.07, 0.04, 0.45 },
		[DF_FAMILY] = { 0.20, 0.03, 0.07, 0.03, 0.67 },
		[DF_BIRTH] = { 0.001, 0.002, 0.01, 0.987 },
		[DF_DOC] = { 0.0001, 0.0005, 0.9994 },
		[DF_SEX] = { 0.5, 0.5 },
		[DF_CITIZENSHIP] = { 0.35, 0.65 },
	};
	memset(m, 0, sizeof(*m));
	memcpy(m->m, m0, sizeof(m0));
	memcpy(m->u, u0, sizeof(u0));
	m->lambda = 0.05;
}

/*
 * log2 without libm: x = f * 2^e with f in [0.5, 1) (frexp), f moved into
 * [sqrt(1/2), sqrt(2)), then ln f = 2 atanh(z), z = (f - 1) / (f + 1), by
 * its series (|z| < 0.18: 14 terms reach double precision).
 */
double dedup_log2(double x)
{
	if (!(x > 0))
		return -1e300;
	int e;
	double f = frexp(x, &e);
	if (f < 0.70710678118654752) {
		f *= 2;
		e--;
	}
	double z = (f - 1) / (f + 1), z2 = z * z, term = z, sum = 0;
	for (int k = 1; k < 30; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return e + 2 * sum / 0.69314718055994531;
}

double dedup_weight(const struct dedup_model *m, const signed char v[DF_COUNT])
{
	double w = 0;
	for (int f = 0; f < DF_COUNT; f++)
		if (v[f] != DEDUP_MISSING)
			w += dedup_log2(m->m[f][v[f]] / m->u[f][v[f]]);
	return w;
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

int dedup_em(struct dedup_model *m, const uint64_t *counts, int max_iter)
{
	/* The patterns that occur, with their vectors. */
	size_t n = 0;
	for (unsigned p = 0; p < DEDUP_PATTERNS; p++)
		n += counts[p] != 0;
	if (n == 0)
		return ERR_INVALID;
	unsigned *pat = malloc(n * sizeof(*pat));
	if (!pat)
		return ERR_NOMEM;
	n = 0;
	double total = 0;
	for (unsigned p = 0; p < DEDUP_PATTERNS; p++) {
		if (counts[p]) {
			pat[n++] = p;
			total += (double)counts[p];
		}
	}
	const struct dedup_model prior = *m;
	int it;
	for (it = 1; it <= max_iter; it++) {
		double sm[DF_COUNT][DEDUP_LEVELS_MAX] = { { 0 } }, su[DF_COUNT][DEDUP_LEVELS_MAX] = { { 0 } };
		double matches = 0;
		for (size_t i = 0; i < n; i++) {
			signed char v[DF_COUNT];
			dedup_pattern_vector(pat[i], v);
			double pm = m->lambda, pu = 1 - m->lambda;
			for (int f = 0; f < DF_COUNT; f++) {
				if (v[f] != DEDUP_MISSING) {
					pm *= m->m[f][v[f]];
					pu *= m->u[f][v[f]];
				}
			}
			double c = (double)counts[pat[i]], g = pm / (pm + pu);
			matches += g * c;
			for (int f = 0; f < DF_COUNT; f++) {
				if (v[f] != DEDUP_MISSING) {
					sm[f][v[f]] += g * c;
					su[f][v[f]] += (1 - g) * c;
				}
			}
		}
		double moved = 0, lambda = clamp(matches / total, 1e-6, 0.5);
		moved = lambda > m->lambda ? lambda - m->lambda : m->lambda - lambda;
		m->lambda = lambda;
		for (int f = 0; f < DF_COUNT; f++) {
			double tm = DEDUP_EM_PRIOR, tu = DEDUP_EM_PRIOR;
			int L = fields[f].levels;
			for (int l = 0; l < L; l++) {
				tm += sm[f][l];
				tu += su[f][l];
			}
			for (int l = 0; l < L; l++) {
				double nm = clamp((sm[f][l] + DEDUP_EM_PRIOR * prior.m[f][l]) / tm, DEDUP_EM_FLOOR,
						  1 - DEDUP_EM_FLOOR);
				double nu = clamp((su[f][l] + DEDUP_EM_PRIOR * prior.u[f][l]) / tu, DEDUP_EM_U_FLOOR,
						  1 - DEDUP_EM_U_FLOOR);
				double d1 = nm > m->m[f][l] ? nm - m->m[f][l] : m->m[f][l] - nm;
				double d2 = nu > m->u[f][l] ? nu - m->u[f][l] : m->u[f][l] - nu;
				if (d1 > moved)
					moved = d1;
				if (d2 > moved)
					moved = d2;
				m->m[f][l] = nm;
				m->u[f][l] = nu;
			}
		}
		if (moved < 1e-7)
			break;
	}
	m->iterations = it > max_iter ? max_iter : it;
	m->n_pairs = (int64_t)total;
	free(pat);
	return 0;
}

/* ---- the stored model ---- */

json_t *dedup_model_to_json(const struct dedup_model *m)
{
	json_t *jm = json_object(), *ju = json_object();
	for (int f = 0; f < DF_COUNT; f++) {
		json_t *am = json_array(), *au = json_array();
		for (int l = 0; l < fields[f].levels; l++) {
			json_array_append_new(am, json_real(m->m[f][l]));
			json_array_append_new(au, json_real(m->u[f][l]));
		}
		json_object_set_new(jm, fields[f].name, am);
		json_object_set_new(ju, fields[f].name, au);
	}
	return json_pack("{s:i, s:f, s:i, s:I, s:o, s:o}", "version", 1, "lambda", m->lambda, "iterations",
			 m->iterations, "pairs", (json_int_t)m->n_pairs, "m", jm, "u", ju);
}

int dedup_model_from_json(const json_t *j, struct dedup_model *m)
{
	dedup_model_default(m);
	json_t *jm = json_object_get(j, "m"), *ju = json_object_get(j, "u");
	if (!json_is_object(jm) || !json_is_object(ju) || !json_is_number(json_object_get(j, "lambda")))
		return ERR_INVALID;
	for (int f = 0; f < DF_COUNT; f++) {
		json_t *am = json_object_get(jm, fields[f].name), *au = json_object_get(ju, fields[f].name);
		if (json_array_size(am) != (size_t)fields[f].levels || json_array_size(au) != (size_t)fields[f].levels)
			return ERR_INVALID;
		for (int l = 0; l < fields[f].levels; l++) {
			double a = json_number_value(json_array_get(am, (size_t)l));
			double b = json_number_value(json_array_get(au, (size_t)l));
			if (!(a > 0 && a < 1) || !(b > 0 && b < 1))
				return ERR_INVALID;
			m->m[f][l] = a;
			m->u[f][l] = b;
		}
	}
	m->lambda = json_number_value(json_object_get(j, "lambda"));
	m->iterations = (int)json_integer_value(json_object_get(j, "iterations"));
	m->n_pairs = json_integer_value(json_object_get(j, "pairs"));
	return 0;
}

int dedup_model_load(struct ctx *c, struct dedup_model *m)
{
	dedup_model_default(m);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT model FROM link_model WHERE id = 1") < 0)
		return ERR_FAIL;
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		const char *text = store_column_text(st, 0);
		json_t *j = text ? json_loads(text, 0, NULL) : NULL;
		if (!j || dedup_model_from_json(j, m) < 0) {
			log_warn("stored duplicate model is unreadable: using the defaults", "table=%s", "link_model");
			dedup_model_default(m);
		}
		json_decref(j);
	}
	store_finalize(st);
	return rc < 0 ? ERR_FAIL : 0;
}
