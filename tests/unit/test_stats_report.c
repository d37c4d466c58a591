/*
 * test_stats_report.c: the annual report's tables (report.h) against the
 * registry this build embeds: every table's dimensions exist and apply to
 * its unit, every filter value is one of the dimension's registry choices
 * (a renamed choice would otherwise empty a table silently), titles in both
 * languages, keys unique; the year's bounds and first and last days; views.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/stats/report.h"
#include "domain/stats/stats_int.h"

static void test_tables_match_the_registry(void **state)
{
	(void)state;
	assert_true(stats_report_ntables >= 5);
	for (size_t i = 0; i < stats_report_ntables; i++) {
		const struct stats_report_def *d = &stats_report_tables[i];
		assert_non_null(d->key);
		assert_true(d->title.en && d->title.en[0] && d->title.ar && d->title.ar[0]);
		assert_true((unsigned char)d->title.ar[0] >= 0xd8);   /* Arabic script, not a copy of the English */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(d->key, stats_report_tables[j].key);
		struct stats_query q;
		assert_int_equal(stats_report_query(d, 2025, &q), 0);
		assert_true(q.ndims >= 1);
		for (int k = 0; k < q.ndims; k++)
			assert_true(stats_dim_at((size_t)q.dim[k])->unit_mask & (1 << d->unit));
		if (!d->filter_dim)
			continue;
		assert_int_equal(q.nfilters, 1);
		size_t nfixed;
		const char *const *fixed = stats_dim_fixed((size_t)q.filter[0].dim, &nfixed);
		assert_true(q.filter[0].n >= 1);
		for (size_t v = 0; v < q.filter[0].n; v++) {
			bool found = false;
			for (size_t c = 0; c < nfixed && !found; c++)
				found = !strcmp(fixed[c], q.filter[0].values[v]);
			if (!found)
				fail_msg("table %s filters on %s, not a choice of %s", d->key, q.filter[0].values[v],
					 d->filter_dim);
		}
	}
}

static void test_identified_persons(void **state)
{
	(void)state;
	const struct stats_report_def *d = &stats_report_tables[0];
	assert_string_equal(d->key, "identified_persons");
	struct stats_query q;
	assert_int_equal(stats_report_query(d, 2025, &q), 0);
	assert_int_equal(q.unit, STATS_PERSONS);
	assert_int_equal(q.date, STATS_DATE_IDENTIFICATION);
	assert_int_equal(q.ndims, 3);
	assert_int_equal(q.dim[0], stats_dim_find("person.gender"));
	assert_int_equal(q.dim[1], stats_dim_find("person.age_band"));
	assert_int_equal(q.dim[2], stats_dim_find("victim.exploitation_types"));
	assert_int_equal(q.filter[0].dim, stats_dim_find("victim.trafficking_status"));
	/* identified and possible/presumed; never "not a victim" */
	for (size_t v = 0; v < q.filter[0].n; v++)
		assert_string_not_equal(q.filter[0].values[v], "NotAVictimOfTrafficking");
	assert_int_equal(q.filter[0].n, 2);
}

static void test_year_bounds(void **state)
{
	(void)state;
	const struct stats_report_def *d = &stats_report_tables[1];
	struct stats_query q;
	assert_int_equal(stats_report_query(d, 2025, &q), 0);
	assert_int_equal(q.from_day, stats_day("2025-01-01"));
	assert_int_equal(q.to_day, stats_day("2025-12-31"));
	assert_int_equal(q.to_day - q.from_day, 364);
	assert_int_equal(stats_report_query(d, 2024, &q), 0);
	assert_int_equal(q.to_day - q.from_day, 365);   /* a leap year */
	assert_int_equal(stats_report_query(d, STATS_REPORT_MIN_YEAR, &q), 0);
	assert_true(q.from_day > 0);   /* day 0 would mean "open" */
	assert_int_equal(stats_report_query(d, STATS_REPORT_MAX_YEAR, &q), 0);
	assert_int_equal(stats_report_query(d, STATS_REPORT_MIN_YEAR - 1, &q), ERR_INVALID);
	assert_int_equal(stats_report_query(d, STATS_REPORT_MAX_YEAR + 1, &q), ERR_INVALID);
	assert_int_equal(stats_report_query(d, -2025, &q), ERR_INVALID);
}

static void test_views(void **state)
{
	(void)state;
	enum stats_view v;
	assert_int_equal(stats_view_parse("internal", &v), 0);
	assert_int_equal(v, STATS_VIEW_INTERNAL);
	assert_int_equal(stats_view_parse("publication", &v), 0);
	assert_int_equal(v, STATS_VIEW_PUBLICATION);
	assert_int_equal(stats_view_parse("Internal", &v), ERR_INVALID);
	assert_int_equal(stats_view_parse("", &v), ERR_INVALID);
	assert_int_equal(stats_view_parse(NULL, &v), ERR_INVALID);
	assert_string_equal(stats_view_name(STATS_VIEW_INTERNAL), "internal");
	assert_string_equal(stats_view_name(STATS_VIEW_PUBLICATION), "publication");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_match_the_registry),
		cmocka_unit_test(test_identified_persons),
		cmocka_unit_test(test_year_bounds),
		cmocka_unit_test(test_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
