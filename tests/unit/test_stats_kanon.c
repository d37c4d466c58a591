/*
 * test_stats_kanon.c: k-anonymity by local suppression (kanon.h).
 *
 * Properties over random record sets (uniform and skewed, with and without
 * missing values, 1 to 8 QIs, k from 2 to 25), checked by an independent
 * grouping (sort and count, not the module's hash table):
 *  - every group of the records kept has at least k records;
 *  - the counts reported equal the differences: values turned into
 *    KANON_MISSING, records dropped; no value is ever changed into another;
 *  - fewer than k records are ever dropped;
 *  - an input already k-anonymous comes back untouched;
 *  - a skewed input loses far fewer values than the cheapest set of whole
 *    columns whose removal would make it k-anonymous.
 * Then small tables whose right answer is known by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/stats/kanon.h"

#define M KANON_MISSING

/* ---- an independent checker ---- */

static size_t sort_qi;   /* qsort has no user data: the width of the rows being sorted */

static int cmp_tuple(const void *a, const void *b)
{
	const uint16_t *x = *(const uint16_t *const *)a, *y = *(const uint16_t *const *)b;
	for (size_t j = 0; j < sort_qi; j++)
		if (x[j] != y[j])
			return x[j] < y[j] ? -1 : 1;
	return 0;
}

/* The smallest group among the records kept (0 when none is kept), by sorting. */
static size_t smallest_group(const uint16_t *codes, size_t n, size_t n_qi, const unsigned char *dropped)
{
	const uint16_t **rows = malloc((n ? n : 1) * sizeof(*rows));
	assert_non_null(rows);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!dropped || !dropped[i])
			rows[m++] = codes + i * n_qi;
	sort_qi = n_qi;
	qsort(rows, m, sizeof(*rows), cmp_tuple);
	size_t smallest = 0, run = 0;
	for (size_t i = 0; i < m; i++) {
		run++;
		if (i + 1 == m || cmp_tuple(&rows[i], &rows[i + 1]) != 0) {
			if (smallest == 0 || run < smallest)
				smallest = run;
			run = 0;
		}
	}
	free(rows);
	return smallest;
}

/* ---- random data ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* A value 0..n-1, Zipf-like (value v about twice as likely as v+1) when skewed. */
static uint16_t draw(size_t n, bool skewed)
{
	if (!skewed)
		return (uint16_t)below(n);
	size_t v = 0;
	while (v + 1 < n && (rnd() & 1))
		v++;
	return (uint16_t)v;
}

struct dataset {
	uint16_t *codes, *orig;
	unsigned char *dropped;
	size_t n, n_qi;
};

static void dataset_make(struct dataset *d, size_t n, size_t n_qi, const size_t *domain, bool skewed,
			 unsigned missing_pct)
{
	d->n = n;
	d->n_qi = n_qi;
	d->codes = malloc((n ? n : 1) * n_qi * sizeof(uint16_t));
	d->orig = malloc((n ? n : 1) * n_qi * sizeof(uint16_t));
	d->dropped = malloc(n ? n : 1);
	assert_true(d->codes && d->orig && d->dropped);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_qi; j++)
			d->codes[i * n_qi + j] = below(100) < missing_pct ? M : draw(domain[j], skewed);
	memcpy(d->orig, d->codes, (n ? n : 1) * n_qi * sizeof(uint16_t));
}

static void dataset_free(struct dataset *d)
{
	free(d->codes);
	free(d->orig);
	free(d->dropped);
}

/* The properties every result must have; returns the values the test counted. */
static size_t check_result(const struct dataset *d, size_t k, const struct kanon_report *rep)
{
	size_t changed = 0, dropped = 0;
	for (size_t i = 0; i < d->n; i++) {
		assert_true(d->dropped[i] == 0 || d->dropped[i] == 1);
		dropped += d->dropped[i];
		for (size_t j = 0; j < d->n_qi; j++) {
			uint16_t before = d->orig[i * d->n_qi + j], after = d->codes[i * d->n_qi + j];
			if (before != after) {
				assert_int_equal(after, M);   /* only ever suppressed, never changed */
				changed++;
			}
		}
	}
	assert_int_equal(changed, rep->suppressed_values);
	assert_int_equal(dropped, rep->suppressed_records);
	assert_true(dropped < k || k == 1);
	size_t smallest = smallest_group(d->codes, d->n, d->n_qi, d->dropped);
	if (dropped < d->n)
		assert_true(smallest >= k);
	/* The module's own check agrees. */
	size_t own = 0;
	assert_int_equal(kanon_smallest_group(d->codes, d->n, d->n_qi, d->dropped, &own, NULL), 0);
	assert_int_equal(own, smallest);
	return changed;
}

/* ---- properties ---- */

static void test_random_sets(void **state)
{
	static const size_t ks[] = { 2, 3, 5, 11, 25 };
	static const size_t sizes[] = { 0, 1, 7, 60, 400, 2500 };
	rng_state = 20261123;
	for (int round = 0; round < 60; round++) {
		size_t n = sizes[below(sizeof(sizes) / sizeof(sizes[0]))];
		size_t n_qi = 1 + below(KANON_MAX_QI);
		size_t k = ks[below(sizeof(ks) / sizeof(ks[0]))];
		size_t domain[KANON_MAX_QI];
		for (size_t j = 0; j < n_qi; j++)
			domain[j] = 1 + below(j % 3 == 0 ? 60 : 8);
		struct dataset d;
		dataset_make(&d, n, n_qi, domain, round % 2, (unsigned)(round % 3) * 10);
		struct kanon_report rep;
		assert_int_equal(kanon_apply(d.codes, d.n, d.n_qi, k, d.dropped, &rep), 0);
		check_result(&d, k, &rep);
		/* Applying again changes nothing: the result is k-anonymous. */
		memcpy(d.orig, d.codes, (n ? n : 1) * n_qi * sizeof(uint16_t));
		unsigned char *kept_before = malloc(n ? n : 1);
		memcpy(kept_before, d.dropped, n ? n : 1);
		/* Drop the dropped ones for good: compact the kept records. */
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (!kept_before[i])
				memmove(d.codes + m++ * n_qi, d.orig + i * n_qi, n_qi * sizeof(uint16_t));
		memcpy(d.orig, d.codes, (m ? m : 1) * n_qi * sizeof(uint16_t));
		d.n = m;
		assert_int_equal(kanon_apply(d.codes, d.n, d.n_qi, k, d.dropped, &rep), 0);
		assert_int_equal(rep.suppressed_values, 0);
		assert_int_equal(rep.suppressed_records, 0);
		assert_int_equal(rep.steps, 0);
		assert_memory_equal(d.codes, d.orig, (m ? m : 1) * n_qi * sizeof(uint16_t));
		free(kept_before);
		dataset_free(&d);
	}
}

static void test_already_anonymous_untouched(void **state)
{
	/* Each tuple k times or more (missing values included), shuffled. */
	rng_state = 7;
	const size_t k = 11, n_qi = 6, n = 11 * 40 + 13;
	struct dataset d;
	size_t domain[6] = { 3, 9, 2, 40, 30, 12 };
	dataset_make(&d, n, n_qi, domain, false, 10);
	for (size_t i = 0; i < n; i++) {   /* each block of 11 takes its first record's tuple; the 13 left, record 0's */
		size_t from = i / 11 < 40 ? (i / 11) * 11 : 0;
		if (from != i)
			memcpy(d.codes + i * n_qi, d.codes + from * n_qi, n_qi * sizeof(uint16_t));
	}
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = below(i + 1);
		uint16_t t[6];
		memcpy(t, d.codes + i * n_qi, sizeof(t));
		memcpy(d.codes + i * n_qi, d.codes + j * n_qi, sizeof(t));
		memcpy(d.codes + j * n_qi, t, sizeof(t));
	}
	assert_true(smallest_group(d.codes, n, n_qi, NULL) >= k);
	memcpy(d.orig, d.codes, n * n_qi * sizeof(uint16_t));
	struct kanon_report rep;
	assert_int_equal(kanon_apply(d.codes, n, n_qi, k, d.dropped, &rep), 0);
	assert_memory_equal(d.codes, d.orig, n * n_qi * sizeof(uint16_t));
	assert_int_equal(rep.suppressed_values, 0);
	assert_int_equal(rep.suppressed_records, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(d.dropped[i], 0);
	dataset_free(&d);
}

/* The fewest values that whole-column suppression needs: the cheapest set of columns to blank entirely. */
static size_t whole_columns_cost(const struct dataset *d, size_t k)
{
	size_t best = SIZE_MAX;
	uint16_t *copy = malloc(d->n * d->n_qi * sizeof(uint16_t));
	assert_non_null(copy);
	for (unsigned mask = 0; mask < (1u << d->n_qi); mask++) {
		size_t cost = 0;
		memcpy(copy, d->orig, d->n * d->n_qi * sizeof(uint16_t));
		for (size_t i = 0; i < d->n; i++)
			for (size_t j = 0; j < d->n_qi; j++)
				if ((mask & (1u << j)) && copy[i * d->n_qi + j] != M) {
					copy[i * d->n_qi + j] = M;
					cost++;
				}
		if (cost < best && smallest_group(copy, d->n, d->n_qi, NULL) >= k)
			best = cost;
	}
	free(copy);
	return best;
}

/* Records in groups below k before anything is done: each needs a value blanked, or goes. */
static size_t count_at_risk(const uint16_t *codes, size_t n, size_t n_qi, size_t k)
{
	size_t at_risk = 0;
	for (size_t i = 0; i < n; i++) {
		size_t same = 0;
		for (size_t x = 0; x < n && same < k; x++)
			same += !memcmp(codes + i * n_qi, codes + x * n_qi, n_qi * sizeof(uint16_t));
		at_risk += same < k;
	}
	return at_risk;
}

static void run_against_columns(const char *name, struct dataset *d, size_t k, size_t factor)
{
	size_t at_risk = count_at_risk(d->codes, d->n, d->n_qi, k);
	struct kanon_report rep;
	assert_int_equal(kanon_apply(d->codes, d->n, d->n_qi, k, d->dropped, &rep), 0);
	check_result(d, k, &rep);
	size_t columns = whole_columns_cost(d, k);
	print_message("%s n=%zu k=%zu: %zu records at risk; local suppression %zu values (%zu given back), "
		      "%zu records dropped, %zu steps; whole columns %zu values\n", name, d->n, k, at_risk,
		      rep.suppressed_values, rep.restored_values, rep.suppressed_records, rep.steps, columns);
	assert_true(rep.suppressed_values + rep.suppressed_records >= at_risk);   /* the floor */
	assert_true(rep.suppressed_values * factor <= columns);
	assert_true(rep.suppressed_records < k);
}

/* Skewed: nine records in ten share one of 25 common profiles, the tenth is anything. */
static void test_skewed_beats_whole_columns(void **state)
{
	rng_state = 42;
	const size_t n = 5000;
	static const size_t domain[6] = { 3, 9, 2, 120, 60, 12 };
	struct dataset d;
	dataset_make(&d, n, 6, domain, false, 3);
	for (size_t i = 0; i < n; i++)
		if (below(10) != 0 && i >= 25)
			memcpy(d.codes + i * 6, d.codes + below(25) * 6, 6 * sizeof(uint16_t));
	memcpy(d.orig, d.codes, n * 6 * sizeof(uint16_t));
	run_against_columns("skewed", &d, 11, 10);
	dataset_free(&d);
}

/*
 * Like a national installation's records: most persons exploited in the
 * country itself, a few citizenships common and many rare, two genders
 * common, majorityStatus following the age band, a dozen years. Here most
 * records are at risk, and still the local suppression costs well under
 * half of what whole columns would.
 */
static void test_national_like(void **state)
{
	rng_state = 43;
	const size_t n = 5000;
	static const size_t domain[6] = { 3, 9, 2, 120, 60, 12 };
	struct dataset d;
	dataset_make(&d, n, 6, domain, false, 0);
	for (size_t i = 0; i < n; i++) {
		uint16_t *r = d.codes + i * 6;
		size_t g = below(100);
		r[0] = g < 3 ? M : g < 70 ? 0 : g < 98 ? 1 : 2;
		r[1] = below(100) < 4 ? M : draw(9, below(2));
		r[2] = r[1] == M ? M : r[1] < 2 ? 0 : 1;
		r[3] = below(100) < 5 ? M : below(100) < 60 ? draw(6, true) : (uint16_t)below(120);
		r[4] = below(100) < 10 ? M : below(100) < 85 ? 0 : (uint16_t)below(60);
		r[5] = (uint16_t)below(12);
	}
	memcpy(d.orig, d.codes, n * 6 * sizeof(uint16_t));
	run_against_columns("national-like", &d, 11, 2);
	dataset_free(&d);
}

/* ---- small tables, answers known by hand ---- */

static void run_table(const uint16_t *in, size_t n, size_t n_qi, size_t k, const uint16_t *want,
		      const unsigned char *want_dropped, size_t want_values, size_t want_records)
{
	uint16_t *codes = malloc(n * n_qi * sizeof(uint16_t));
	unsigned char *dropped = malloc(n);
	memcpy(codes, in, n * n_qi * sizeof(uint16_t));
	struct kanon_report rep;
	assert_int_equal(kanon_apply(codes, n, n_qi, k, dropped, &rep), 0);
	assert_int_equal(rep.suppressed_values, want_values);
	assert_int_equal(rep.suppressed_records, want_records);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(dropped[i], want_dropped ? want_dropped[i] : 0);
		if (!dropped[i])
			assert_memory_equal(codes + i * n_qi, want + i * n_qi, n_qi * sizeof(uint16_t));
	}
	free(codes);
	free(dropped);
}

static void test_one_qi_before_two(void **state)
{
	/* k = 3: three records alone in their third QI; blanking that QI alone groups them. */
	static const uint16_t in[] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 2, 1, 1, 2, 1, 1, 2,
		1, 1, 3, 1, 1, 4, 1, 1, 5,
	};
	static const uint16_t want[] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 2, 1, 1, 2, 1, 1, 2,
		1, 1, M, 1, 1, M, 1, 1, M,
	};
	run_table(in, 9, 3, 3, want, NULL, 3, 0);
}

static void test_missing_is_a_value(void **state)
{
	/* k = 4: two records already missing their second QI, two with rare values: two values suffice. */
	static const uint16_t in[] = {
		7, M, 7, M, 7, 1, 7, 2,
		8, 1, 8, 1, 8, 1, 8, 1,
	};
	static const uint16_t want[] = {
		7, M, 7, M, 7, M, 7, M,
		8, 1, 8, 1, 8, 1, 8, 1,
	};
	run_table(in, 8, 2, 4, want, NULL, 2, 0);
	/* A missing value is not a wildcard: (7, M) x 4 and (7, 1) x 4 are two groups, both fine. */
	static const uint16_t two_groups[] = { 7, M, 7, M, 7, M, 7, M, 7, 1, 7, 1, 7, 1, 7, 1 };
	run_table(two_groups, 8, 2, 4, two_groups, NULL, 0, 0);
}

static void test_last_resort_drops(void **state)
{
	/* Eleven identical records and one alone: no mask can group the lone one (blanking makes a new tuple). */
	uint16_t in[12 * 2], want[12 * 2];
	unsigned char want_dropped[12] = { 0 };
	for (int i = 0; i < 12; i++) {
		in[2 * i] = 3;
		in[2 * i + 1] = 4;
	}
	in[2 * 11 + 1] = 5;
	memcpy(want, in, sizeof(in));
	want_dropped[11] = 1;
	run_table(in, 12, 2, 11, want, want_dropped, 0, 1);

	/* Fewer records than k: all dropped. */
	static const uint16_t few[] = { 1, 2, 3, 1, 2, 3, 9, 9, 9 };
	static const unsigned char all[] = { 1, 1, 1 };
	run_table(few, 3, 3, 11, few, all, 0, 3);
}

static void test_bad_arguments(void **state)
{
	uint16_t codes[4] = { 1, 2, 3, 4 };
	unsigned char dropped[4];
	struct kanon_report rep;
	assert_int_equal(kanon_apply(codes, 4, 1, 0, dropped, &rep), ERR_INVALID);
	assert_int_equal(kanon_apply(codes, 1, 0, 2, dropped, &rep), ERR_INVALID);
	assert_int_equal(kanon_apply(codes, 1, KANON_MAX_QI + 1, 2, dropped, &rep), ERR_INVALID);
	/* k = 1: nothing to do. */
	assert_int_equal(kanon_apply(codes, 4, 1, 1, dropped, &rep), 0);
	assert_int_equal(rep.suppressed_values + rep.suppressed_records, 0);
	assert_int_equal(codes[3], 4);
	/* No records. */
	assert_int_equal(kanon_apply(NULL, 0, 3, 11, NULL, &rep), 0);
	size_t smallest = 99;
	assert_int_equal(kanon_smallest_group(codes, 0, 1, NULL, &smallest, NULL), 0);
	assert_int_equal(smallest, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_sets),
		cmocka_unit_test(test_already_anonymous_untouched),
		cmocka_unit_test(test_skewed_beats_whole_columns),
		cmocka_unit_test(test_national_like),
		cmocka_unit_test(test_one_qi_before_two),
		cmocka_unit_test(test_missing_is_a_value),
		cmocka_unit_test(test_last_resort_drops),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
