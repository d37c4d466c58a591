/*
 * test_dedup.c: duplicate detection inside one installation
 * (src/domain/link/dedup.h): the comparison signature and vector, the
 * Fellegi-Sunter weights, and the EM fit of m and u.
 *
 *  - log2 without libm, against exact values;
 *  - a comparison vector as a pattern number and as stored text, both ways;
 *  - the level of every field for pairs of persons made to show it (table);
 *  - malformed signatures are refused;
 *  - EM recovers m, u and the share of matches from counts drawn from a
 *    known model, and keeps every probability off 0 and 1;
 *  - the model survives its JSON form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/link/dedup.h"

static const unsigned char key[32] = "test key for duplicate signature";

static double absd(double x)
{
	return x < 0 ? -x : x;
}

static void test_log2(void **state)
{
	(void)state;
	static const struct {
		double x, want;
	} t[] = {
		{ 1, 0 }, { 2, 1 }, { 8, 3 }, { 0.5, -1 }, { 1024, 10 }, { 1.0 / 1024, -10 },
		{ 3, 1.5849625007211562 }, { 10, 3.3219280948873622 }, { 0.005, -7.6438561897747244 },
		{ 0.999, -0.0014434168696687 }, { 1e-6, -19.931568569324174 }, { 1.4142135623730951, 0.5 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_true(absd(dedup_log2(t[i].x) - t[i].want) < 1e-12);
}

static void test_patterns(void **state)
{
	(void)state;
	for (unsigned p = 0; p < DEDUP_PATTERNS; p++) {
		signed char v[DF_COUNT];
		dedup_pattern_vector(p, v);
		bool valid = true;
		for (int f = 0; f < DF_COUNT; f++) {
			assert_true(v[f] >= DEDUP_MISSING && v[f] < DEDUP_LEVELS_MAX);
			valid = valid && v[f] < dedup_levels((enum dedup_field)f);
		}
		assert_int_equal(dedup_pattern(v), p);
		if (!valid)
			continue;
		char text[DF_COUNT + 1];
		signed char back[DF_COUNT];
		dedup_levels_text(v, text);
		assert_int_equal(dedup_levels_parse(text, back), 0);
		assert_memory_equal(back, v, DF_COUNT);
	}
	signed char v[DF_COUNT];
	static const char *const bad[] = { "", "00000", "0000000", "00000x", "5-----", "--4---", "---3--", "----2-", NULL };
	for (int i = 0; bad[i]; i++)
		assert_int_equal(dedup_levels_parse(bad[i], v), ERR_INVALID);
	assert_string_equal(dedup_level_name(DF_GIVEN, 2), "sound");
	assert_string_equal(dedup_level_name(DF_BIRTH, 2), "year");
	assert_string_equal(dedup_level_name(DF_DOC, DEDUP_MISSING), "missing");
}

/* The comparison vector of two persons given as JSON. */
static void compare(const char *a_json, const char *b_json, signed char v[DF_COUNT])
{
	json_t *a = json_loads(a_json, 0, NULL), *b = json_loads(b_json, 0, NULL);
	assert_non_null(a);
	assert_non_null(b);
	unsigned char *sa, *sb;
	size_t la, lb;
	assert_int_equal(dedup_sig_build(key, a, &sa, &la), 0);
	assert_int_equal(dedup_sig_build(key, b, &sb, &lb), 0);
	int na = dedup_sig_count(sa, la), nb = dedup_sig_count(sb, lb);
	assert_true(na >= 0 && nb >= 0);
	uint64_t *pa = malloc(sizeof(uint64_t) * (size_t)(na + 1)), *pb = malloc(sizeof(uint64_t) * (size_t)(nb + 1));
	struct dedup_sig xa, xb;
	dedup_sig_decode(sa, pa, &xa);
	dedup_sig_decode(sb, pb, &xb);
	signed char w[DF_COUNT];
	dedup_compare(&xa, &xb, v);
	dedup_compare(&xb, &xa, w);
	assert_memory_equal(v, w, DF_COUNT);   /* symmetric */
	free(pa);
	free(pb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

#define M DEDUP_MISSING
static const struct {
	const char *a, *b;
	signed char want[DF_COUNT];   /* given, family, birth, doc, sex, citizenship */
} vectors[] = {
	{ "{\"given_name_latin\":\"Zubaida\",\"family_name_latin\":\"Qarawani\"}",
	  "{\"given_name_latin\":\"ZUBAIDA\",\"family_name_latin\":\"Qarawani\"}", { 0, 0, M, M, M, M } },
	/* one letter wrong, missing, added, two swapped */
	{ "{\"given_name_latin\":\"Zubaida\",\"family_name_latin\":\"Qarawani\"}",
	  "{\"given_name_latin\":\"Zubayda\",\"family_name_latin\":\"Qarawni\"}", { 1, 1, M, M, M, M } },
	{ "{\"given_name_latin\":\"Zubaida\",\"family_name_latin\":\"Qarawani\"}",
	  "{\"given_name_latin\":\"Zubaidda\",\"family_name_latin\":\"Qaraawni\"}", { 1, 1, M, M, M, M } },
	/* across scripts: the cross-script key */
	{ "{\"given_name_latin\":\"Mohammed\",\"family_name_latin\":\"Haddad\"}",
	  "{\"given_name\":\"محمد\",\"family_name\":\"حداد\"}", { 2, 2, M, M, M, M } },
	/* given and family names swapped */
	{ "{\"given_name_latin\":\"Tesfanesh\",\"family_name_latin\":\"Worku\"}",
	  "{\"given_name_latin\":\"Worku\",\"family_name_latin\":\"Tesfanesh\"}", { 3, 3, M, M, M, M } },
	/* different persons */
	{ "{\"given_name_latin\":\"Tesfanesh\",\"family_name_latin\":\"Worku\"}",
	  "{\"given_name_latin\":\"Lakshmi\",\"family_name_latin\":\"Perera\"}", { 4, 4, M, M, M, M } },
	/* birth date: equal, one digit, the year, another */
	{ "{\"birth_date\":\"1991-03-14\"}", "{\"birth_date\":\"1991-03-14\"}", { M, M, 0, M, M, M } },
	{ "{\"birth_date\":\"1991-03-14\"}", "{\"birth_date\":\"1991-03-17\"}", { M, M, 1, M, M, M } },
	{ "{\"birth_date\":\"1991-03-14\"}", "{\"birth_date\":\"1991-01-03\"}", { M, M, 2, M, M, M } },
	{ "{\"birth_date\":\"1991-03-14\"}", "{\"birth_date\":\"1975-11-30\"}", { M, M, 3, M, M, M } },
	/* documents: normalised equal, two characters swapped, different */
	{ "{\"document_number\":\"k-123 4567\"}", "{\"document_number\":\"K1234567\"}", { M, M, M, 0, M, M } },
	{ "{\"document_number\":\"K1234567\"}", "{\"document_number\":\"K1243567\"}", { M, M, M, 1, M, M } },
	{ "{\"document_number\":\"K1234567\"}", "{\"document_number\":\"P9876543\"}", { M, M, M, 2, M, M } },
	/* sex and citizenship (one in common is enough) */
	{ "{\"gender\":\"Feminine\",\"citizenship\":[\"ET\",\"ER\"]}", "{\"gender\":\"Feminine\",\"citizenship\":[\"ER\"]}",
	  { M, M, M, M, 0, 0 } },
	{ "{\"gender\":\"Feminine\",\"citizenship\":[\"ET\"]}", "{\"gender\":\"Masculine\",\"citizenship\":[\"NP\"]}",
	  { M, M, M, M, 1, 1 } },
	/* a side without the value: missing, whatever the other holds */
	{ "{\"given_name_latin\":\"Zubaida\"}", "{\"family_name_latin\":\"Zubaida\",\"gender\":\"Feminine\"}",
	  { M, M, M, M, M, M } },
};
#undef M

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		signed char v[DF_COUNT];
		compare(vectors[i].a, vectors[i].b, v);
		for (int f = 0; f < DF_COUNT; f++) {
			if (v[f] != vectors[i].want[f])
				fail_msg("pair %zu field %s: level %d, want %d", i, dedup_field_name((enum dedup_field)f),
					 v[f], vectors[i].want[f]);
		}
	}
}

static void test_signature_checks(void **state)
{
	(void)state;
	json_t *p = json_pack("{s:s, s:s, s:s}", "given_name_latin", "Zubaida", "birth_date", "1991-03-14",
			      "document_number", "K1234567");
	unsigned char *sig;
	size_t len;
	assert_int_equal(dedup_sig_build(key, p, &sig, &len), 0);
	assert_true(dedup_sig_count(sig, len) > 0);
	/* No name in clear in the signature. */
	assert_null(memmem(sig, len, "ubaida", 6));
	assert_null(memmem(sig, len, "1991", 4));
	assert_int_equal(dedup_sig_count(sig, len - 1), ERR_INVALID);
	assert_int_equal(dedup_sig_count(sig, 3), ERR_INVALID);
	assert_int_equal(dedup_sig_count(NULL, 0), ERR_INVALID);
	sig[0] ^= 0x80;
	assert_int_equal(dedup_sig_count(sig, len), ERR_INVALID);
	sig[0] ^= 0x80;
	sig[1] = DEDUP_PART_MAX + 1;
	assert_int_equal(dedup_sig_count(sig, len), ERR_INVALID);
	free(sig);
	/* Another key, another signature. */
	unsigned char other[32];
	memcpy(other, key, 32);
	other[0] ^= 1;
	unsigned char *s1, *s2;
	size_t l1, l2;
	assert_int_equal(dedup_sig_build(key, p, &s1, &l1), 0);
	assert_int_equal(dedup_sig_build(other, p, &s2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(s1 + 1 + DP_COUNT, s2 + 1 + DP_COUNT, l1 - 1 - DP_COUNT);
	free(s1);
	free(s2);
	json_decref(p);
}

/* A model to draw from: matches agree much more than non-matches. */
static void truth_model(struct dedup_model *t)
{
	dedup_model_default(t);
	static const double m[DF_COUNT][DEDUP_LEVELS_MAX] = {
		{ 0.75, 0.12, 0.04, 0.04, 0.05 }, { 0.8, 0.1, 0.03, 0.03, 0.04 }, { 0.9, 0.04, 0.03, 0.03 },
		{ 0.85, 0.1, 0.05 },              { 0.95, 0.05 },                 { 0.9, 0.1 },
	};
	static const double u[DF_COUNT][DEDUP_LEVELS_MAX] = {
		{ 0.3, 0.05, 0.1, 0.05, 0.5 }, { 0.1, 0.05, 0.1, 0.05, 0.7 }, { 0.002, 0.01, 0.05, 0.938 },
		{ 0.001, 0.004, 0.995 },       { 0.5, 0.5 },                  { 0.4, 0.6 },
	};
	memcpy(t->m, m, sizeof(m));
	memcpy(t->u, u, sizeof(u));
	t->lambda = 0.03;
}

/* Expected counts of n pairs under t, every field present. */
static void draw(const struct dedup_model *t, double n, uint64_t *counts)
{
	memset(counts, 0, DEDUP_PATTERNS * sizeof(*counts));
	for (unsigned p = 0; p < DEDUP_PATTERNS; p++) {
		signed char v[DF_COUNT];
		dedup_pattern_vector(p, v);
		double pm = t->lambda, pu = 1 - t->lambda;
		bool ok = true;
		for (int f = 0; f < DF_COUNT && ok; f++) {
			if (v[f] < 0 || v[f] >= dedup_levels((enum dedup_field)f)) {
				ok = false;
				break;
			}
			pm *= t->m[f][v[f]];
			pu *= t->u[f][v[f]];
		}
		if (ok)
			counts[p] = (uint64_t)(n * (pm + pu) + 0.5);
	}
}

static void test_em_recovers(void **state)
{
	(void)state;
	struct dedup_model truth, fit;
	uint64_t *counts = malloc(DEDUP_PATTERNS * sizeof(*counts));
	truth_model(&truth);
	draw(&truth, 2e7, counts);
	dedup_model_default(&fit);
	assert_int_equal(dedup_em(&fit, counts, 1000), 0);
	assert_true(fit.iterations > 1);
	assert_true(absd(fit.lambda - truth.lambda) < 0.002);
	for (int f = 0; f < DF_COUNT; f++)
		for (int l = 0; l < dedup_levels((enum dedup_field)f); l++) {
			if (absd(fit.m[f][l] - truth.m[f][l]) > 0.02 || absd(fit.u[f][l] - truth.u[f][l]) > 0.01)
				fail_msg("%s level %d: m %.4f (%.4f) u %.4f (%.4f)", dedup_field_name((enum dedup_field)f),
					 l, fit.m[f][l], truth.m[f][l], fit.u[f][l], truth.u[f][l]);
		}
	/* The weights order pairs as the true model does. */
	signed char strong[DF_COUNT] = { 0, 0, 0, 0, 0, 0 }, weak[DF_COUNT] = { 4, 4, 3, 2, 1, 1 };
	assert_true(dedup_weight(&fit, strong) > 20);
	assert_true(dedup_weight(&fit, weak) < -10);
	free(counts);
}

static void test_em_floor(void **state)
{
	(void)state;
	/* Every match agrees on the document: EM must still leave room for a typing error. */
	struct dedup_model truth, fit;
	uint64_t *counts = malloc(DEDUP_PATTERNS * sizeof(*counts));
	truth_model(&truth);
	truth.m[DF_DOC][0] = 1;
	truth.m[DF_DOC][1] = 0;
	truth.m[DF_DOC][2] = 0;
	draw(&truth, 1e6, counts);
	dedup_model_default(&fit);
	assert_int_equal(dedup_em(&fit, counts, 1000), 0);
	for (int f = 0; f < DF_COUNT; f++)
		for (int l = 0; l < dedup_levels((enum dedup_field)f); l++) {
			assert_true(fit.m[f][l] >= DEDUP_EM_FLOOR && fit.m[f][l] <= 1 - DEDUP_EM_FLOOR);
			assert_true(fit.u[f][l] >= DEDUP_EM_U_FLOOR && fit.u[f][l] <= 1 - DEDUP_EM_U_FLOOR);
		}
	/* A wrong document alone costs a bounded weight. */
	assert_true(dedup_log2(fit.m[DF_DOC][2] / fit.u[DF_DOC][2]) > -8.5);
	/* No pairs: nothing to fit. */
	memset(counts, 0, DEDUP_PATTERNS * sizeof(*counts));
	assert_int_equal(dedup_em(&fit, counts, 10), ERR_INVALID);
	free(counts);
}

static void test_model_json(void **state)
{
	(void)state;
	struct dedup_model a, b;
	truth_model(&a);
	a.iterations = 17;
	a.n_pairs = 123456;
	json_t *j = dedup_model_to_json(&a);
	assert_non_null(j);
	assert_int_equal(dedup_model_from_json(j, &b), 0);
	assert_true(absd(a.lambda - b.lambda) < 1e-12);
	assert_int_equal(b.iterations, 17);
	assert_int_equal(b.n_pairs, 123456);
	for (int f = 0; f < DF_COUNT; f++)
		for (int l = 0; l < dedup_levels((enum dedup_field)f); l++)
			assert_true(absd(a.m[f][l] - b.m[f][l]) < 1e-12 && absd(a.u[f][l] - b.u[f][l]) < 1e-12);
	/* A probability of 0 or a missing level is refused. */
	json_array_set_new(json_object_get(json_object_get(j, "m"), "doc"), 0, json_real(0));
	assert_int_equal(dedup_model_from_json(j, &b), ERR_INVALID);
	json_array_remove(json_object_get(json_object_get(j, "u"), "sex"), 0);
	assert_int_equal(dedup_model_from_json(j, &b), ERR_INVALID);
	json_decref(j);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_signature_checks),
		cmocka_unit_test(test_em_recovers),
		cmocka_unit_test(test_em_floor),
		cmocka_unit_test(test_model_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
