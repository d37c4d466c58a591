/*
 * test_stats_dp.c: the two-sided geometric noise of differentially private
 * releases (domain/stats/dp.c).
 *
 * The draws come from libsodium's generator, so the tests are statistical:
 * a fixed large number of draws (200,000) and bounds of about eight
 * standard deviations of the estimate, wide enough never to fail by chance
 * (the odds are below 1e-14) and narrow enough to catch a wrong parameter
 * (epsilon not divided by the sensitivity), a one-sided or shifted sampler,
 * or a variance off by a factor (q / (1-q)^2 instead of 2q / (1-q)^2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "domain/stats/release.h"
#include "domain/stats/stats_table.h"

#define DRAWS 200000

/* exp(-x) for 0 <= x <= 1 by its series (the tests link without libm). */
static double exp_neg(double x)
{
	double term = 1, sum = 1;
	for (int k = 1; k < 40; k++) {
		term *= -x / k;
		sum += term;
	}
	return sum;
}

static double dabs(double x)
{
	return x < 0 ? -x : x;
}

/*
 * Sample mean and variance of DRAWS draws; counts of -3..3 into hist[0..6].
 * one_by_one: through stats_dp_draw; otherwise as the noise of a table of
 * DRAWS cells whose counts are far from zero (no clamping).
 */
static void sample(double epsilon, int64_t sensitivity, bool one_by_one, double *mean, double *var, long hist[7])
{
	const int64_t base = 1000000000;
	struct stats_table t;
	memset(&t, 0, sizeof(t));
	t.ndims = 1;
	t.n[0] = DRAWS - 1;
	t.additive[0] = true;
	assert_int_equal(stats_table_alloc(&t), 0);
	assert_int_equal(stats_table_cells(&t), DRAWS);
	if (one_by_one) {
		for (long k = 0; k < DRAWS; k++)
			t.count[k] = base + stats_dp_draw(epsilon, sensitivity);
	} else {
		for (long k = 0; k < DRAWS; k++)
			t.count[k] = base;
		assert_int_equal(stats_dp_noise(&t, epsilon, sensitivity), 0);
	}
	double sum = 0, sum2 = 0;
	memset(hist, 0, 7 * sizeof(long));
	for (long k = 0; k < DRAWS; k++) {
		int64_t x = t.count[k] - base;
		sum += (double)x;
		sum2 += (double)x * (double)x;
		if (x >= -3 && x <= 3)
			hist[x + 3]++;
	}
	stats_table_release(&t);
	*mean = sum / DRAWS;
	*var = sum2 / DRAWS - *mean * *mean;
}

/* Square root by Newton's method (no libm). */
static double root(double x)
{
	double r = x > 1 ? x : 1;
	for (int k = 0; k < 200; k++)
		r = 0.5 * (r + x / r);
	return r;
}

static void check_moments(double epsilon, int64_t sensitivity)
{
	double q = exp_neg(epsilon / (double)sensitivity);
	double want = 2 * q / ((1 - q) * (1 - q));
	double mean, var;
	long hist[7];
	sample(epsilon, sensitivity, false, &mean, &var, hist);
	double sd_mean = root(want / DRAWS);
	if (dabs(mean) > 8 * sd_mean)
		fail_msg("epsilon %g sensitivity %lld: mean %g, want 0 +- %g", epsilon, (long long)sensitivity, mean,
			 8 * sd_mean);
	/* the relative sd of the sample variance is about 0.5% at this n for these q: allow 4% */
	if (dabs(var - want) > 0.04 * want)
		fail_msg("epsilon %g sensitivity %lld: variance %g, want %g", epsilon, (long long)sensitivity, var, want);
}

static void test_moments(void **state)
{
	(void)state;
	check_moments(0.6931471805599453, 1);   /* q = 1/2: variance 4 */
	check_moments(1.0, 4);                  /* q = 0.7788: variance 31.8 */
	check_moments(0.1, 8);                  /* q = 0.9876: variance 12800 */
}

/* The probabilities themselves at q = 1/2: P(0) = 1/3, P(+-1) = 1/6, P(+-2) = 1/12, P(+-3) = 1/24. */
static void test_distribution(void **state)
{
	(void)state;
	double mean, var;
	long hist[7];
	sample(0.6931471805599453, 1, true, &mean, &var, hist);
	static const double p[7] = { 1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 1.0 / 6, 1.0 / 12, 1.0 / 24 };
	for (int k = 0; k < 7; k++) {
		double got = (double)hist[k] / DRAWS;
		/* sd of a frequency is at most 0.00106 here: 0.009 is over 8 of them */
		if (dabs(got - p[k]) > 0.009)
			fail_msg("P(%d) = %g, want %g", k - 3, got, p[k]);
	}
	/* The scale follows epsilon / sensitivity: the same ratio gives the same spread. */
	double var2;
	sample(2 * 0.6931471805599453, 2, false, &mean, &var2, hist);
	assert_true(dabs(var2 - 4) < 0.16);
}

static void test_table_noise(void **state)
{
	(void)state;
	struct stats_table t;
	memset(&t, 0, sizeof(t));
	t.ndims = 2;
	t.n[0] = 20;
	t.n[1] = 30;
	t.additive[0] = t.additive[1] = true;
	assert_int_equal(stats_table_alloc(&t), 0);
	size_t cells = stats_table_cells(&t);
	for (size_t i = 0; i < cells; i++)
		t.count[i] = (int64_t)(i % 3 == 0 ? 0 : 1000);
	assert_int_equal(stats_dp_noise(&t, 0.5, 4), 0);
	size_t changed = 0, zeros_kept = 0, zeros = 0;
	double sum_big = 0;
	for (size_t i = 0; i < cells; i++) {
		assert_true(t.count[i] >= 0);   /* clamped at zero */
		if (i % 3 == 0) {
			zeros++;
			zeros_kept += t.count[i] == 0;
		} else {
			changed += t.count[i] != 1000;
			sum_big += (double)(t.count[i] - 1000);
		}
	}
	size_t big = cells - zeros;
	/* q = exp(-1/8) = 0.8825: P(noise = 0) = 0.0624, so nearly every cell changes */
	assert_true(changed > big * 8 / 10);
	/* A zero stays zero when the noise is <= 0: probability 0.531; 217 zeros. */
	assert_true(zeros_kept > zeros / 4 && zeros_kept < zeros * 3 / 4);
	/* Unbiased away from zero: variance 127.6 per cell, 434 cells: sd of the mean 0.54. */
	assert_true(dabs(sum_big / (double)big) < 5);
	stats_table_release(&t);
}

static void test_invalid(void **state)
{
	(void)state;
	struct stats_table t;
	memset(&t, 0, sizeof(t));
	assert_int_equal(stats_table_alloc(&t), 0);
	t.count[0] = 42;
	double zero = 0;
	assert_int_equal(stats_dp_noise(&t, 0, 1), ERR_INVALID);
	assert_int_equal(stats_dp_noise(&t, -1, 1), ERR_INVALID);
	assert_int_equal(stats_dp_noise(&t, zero / zero, 1), ERR_INVALID);   /* NaN */
	assert_int_equal(stats_dp_noise(&t, 1.0 / zero, 1), ERR_INVALID);    /* infinity */
	assert_int_equal(stats_dp_noise(&t, 1, 0), ERR_INVALID);
	assert_int_equal(t.count[0], 42);   /* untouched */
	assert_int_equal(stats_dp_draw(0, 1), 0);
	/* Not a fixed sequence: 64 draws at q = 0.88 are not all equal. */
	int64_t first = stats_dp_draw(1, 8);
	bool differ = false;
	for (int k = 0; k < 64; k++)
		differ = differ || stats_dp_draw(1, 8) != first;
	assert_true(differ);
	stats_table_release(&t);
}

/* The budget keys of ihala.conf: decimals with at most three digits after the point, as thousandths. */
static void test_config_keys(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg, "/nonexistent");
	assert_int_equal(cfg.stats_dp_budget_milli, 4000);
	assert_int_equal(cfg.stats_dp_max_epsilon_milli, 1000);
	static const struct {
		const char *budget, *max;
		int ok;
		long budget_milli, max_milli;
	} cases[] = {
		{ "2.5", "0.25", 1, 2500, 250 },
		{ "0", "1", 1, 0, 1000 },
		{ "10", "0.001", 1, 10000, 1 },
		{ "1000", "1000.000", 1, 1000000, 1000000 },
		{ ".5", "1.", 1, 500, 1000 },
		{ "4.0001", "1", 0, 0, 0 },    /* four decimals */
		{ "-1", "1", 0, 0, 0 },
		{ "1e3", "1", 0, 0, 0 },
		{ "", "1", 0, 0, 0 },
		{ ".", "1", 0, 0, 0 },
		{ "1001", "1", 0, 0, 0 },      /* over the range */
		{ "4", "0", 0, 0, 0 },         /* a release of epsilon 0 is no release */
		{ "4", "0.0004", 0, 0, 0 },
		{ "99999999999999999999", "1", 0, 0, 0 },
	};
	char dir[] = "/tmp/ihala-test-dp-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "stats_dp_budget = %s\nstats_dp_max_epsilon_per_release = %s\n", cases[k].budget, cases[k].max);
		fclose(f);
		int rc = config_load(&cfg, dir, err, sizeof(err));
		if (cases[k].ok) {
			if (rc != 0)
				fail_msg("%s / %s: %s", cases[k].budget, cases[k].max, err);
			assert_int_equal(cfg.stats_dp_budget_milli, cases[k].budget_milli);
			assert_int_equal(cfg.stats_dp_max_epsilon_milli, cases[k].max_milli);
		} else if (rc != ERR_INVALID) {
			fail_msg("%s / %s accepted", cases[k].budget, cases[k].max);
		}
	}
	unlink(path);
	rmdir(dir);
}

/* A release's epsilon and sensitivity (release.h, pure parts). */
static void test_release_rules(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		int ok;
		int64_t milli;
	} eps[] = {
		{ "0.5", 1, 500 }, { "1", 1, 1000 }, { "0.001", 1, 1 }, { "0.1", 1, 100 }, { "2.125", 1, 2125 },
		{ "0", 0, 0 }, { "-0.5", 0, 0 }, { "0.0001", 0, 0 }, { "0.1234", 0, 0 }, { "\"0.5\"", 0, 0 },
		{ "null", 0, 0 }, { "true", 0, 0 }, { "1e7", 0, 0 },
	};
	for (size_t k = 0; k < sizeof(eps) / sizeof(eps[0]); k++) {
		json_t *v = json_loads(eps[k].json, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		int64_t m = -1;
		int rc = stats_release_epsilon(v, &m);
		json_decref(v);
		if (eps[k].ok != (rc == 0))
			fail_msg("epsilon %s: rc %d", eps[k].json, rc);
		if (eps[k].ok)
			assert_int_equal(m, eps[k].milli);
	}
	/* single-valued: 2 per dimension; multi-valued: its known values + the margin */
	size_t n[3] = { 7, 10, 12 };
	bool unknown[3] = { true, true, true }, multi[3] = { false, false, true };
	assert_int_equal(stats_release_sensitivity(0, n, unknown, multi), 1);
	assert_int_equal(stats_release_sensitivity(1, n, unknown, multi), 2);
	assert_int_equal(stats_release_sensitivity(2, n, unknown, multi), 4);
	assert_int_equal(stats_release_sensitivity(3, n, unknown, multi), 2 * 2 * 12);
	size_t two[1] = { 2 };
	bool no[1] = { false }, yes[1] = { true };
	assert_int_equal(stats_release_sensitivity(1, two, no, yes), 3);
	size_t one[1] = { 1 };
	assert_int_equal(stats_release_sensitivity(1, one, yes, yes), 2);   /* only the unknown */
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_table_noise),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_release_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
