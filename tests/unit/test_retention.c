/*
 * test_retention.c: when a case is due for erasure (retention_due): per
 * status, from closed_date when recorded, from the last change otherwise,
 * never for a period of 0, and the configuration keys behind the policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "domain/case/retention.h"

#define DAY 86400
/* 2026-01-10T00:00:00Z */
#define T0 1768003200LL

static void test_due_table(void **state)
{
	(void)state;
	const struct retention_policy pol = { 30, 60, 0 };
	static const struct {
		const char *status;
		int64_t updated_at;
		const char *closed_date;
		int64_t now;
		bool due;
	} rows[] = {
		/* Closed: 30 days from the last change ... */
		{ "Closed", T0, NULL, T0 + 29 * DAY, false },
		{ "Closed", T0, NULL, T0 + 30 * DAY, true },
		/* ... or from closed_date when recorded, earlier or later than the change. */
		{ "Closed", T0 + 100 * DAY, "2026-01-10", T0 + 30 * DAY, true },
		{ "Closed", T0, "2026-02-09", T0 + 30 * DAY, false },
		{ "Closed", T0, "2026-02-09", T0 + 60 * DAY, true },
		/* A malformed date is ignored: the last change counts. */
		{ "Closed", T0, "2026-02-30", T0 + 30 * DAY, true },
		{ "Closed", T0 + DAY, "10/01/2026", T0 + 30 * DAY, false },
		/* ClosedReferred has its own period. */
		{ "ClosedReferred", T0, NULL, T0 + 30 * DAY, false },
		{ "ClosedReferred", T0, NULL, T0 + 60 * DAY, true },
		/* Active and FollowUp: 0 = never, even with an old closed_date. */
		{ "Active", T0, "2000-01-01", T0 + 36500LL * DAY, false },
		{ "FollowUp", T0, NULL, T0 + 36500LL * DAY, false },
		/* Erased and unknown statuses are never due. */
		{ "Erased", T0, NULL, T0 + 36500LL * DAY, false },
		{ "closed", T0, NULL, T0 + 36500LL * DAY, false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool due = retention_due(&pol, rows[i].status, rows[i].updated_at, rows[i].closed_date, rows[i].now);
		if (due != rows[i].due)
			fail_msg("row %zu (%s): due %d, expected %d", i, rows[i].status, due, rows[i].due);
	}
}

static void test_active_period(void **state)
{
	(void)state;
	const struct retention_policy pol = { 0, 0, 10 };
	assert_false(retention_due(&pol, "Closed", T0, "2000-01-01", T0 + 99999LL * DAY));
	assert_false(retention_due(&pol, "Active", T0, NULL, T0 + 9 * DAY));
	assert_true(retention_due(&pol, "Active", T0, NULL, T0 + 10 * DAY));
	assert_true(retention_due(&pol, "FollowUp", T0, "1990-01-01", T0 + 10 * DAY));
	/* For an open case closed_date does not count. */
	assert_false(retention_due(&pol, "FollowUp", T0, "1990-01-01", T0 + 9 * DAY));
}

static int write_conf(const char *dir, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_config_keys(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-retention-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct config cfg;
	char err[256];
	struct retention_policy pol;

	assert_int_equal(write_conf(dir, "db = x.db\n"), 0);
	assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), 0);
	retention_policy_from_config(&cfg, &pol);
	assert_int_equal(pol.closed_days, 1825);
	assert_int_equal(pol.closed_referred_days, 1825);
	assert_int_equal(pol.active_days, 0);

	assert_int_equal(write_conf(dir, "retention_closed_days = 0\nretention_closed_referred_days = 90\n"
					 "retention_active_days = 3650\n"), 0);
	assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), 0);
	retention_policy_from_config(&cfg, &pol);
	assert_int_equal(pol.closed_days, 0);
	assert_int_equal(pol.closed_referred_days, 90);
	assert_int_equal(pol.active_days, 3650);

	static const char *const bad[] = { "retention_closed_days = -1\n", "retention_closed_days = 36501\n",
					   "retention_active_days = 5y\n", "retention_closed_days =\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(write_conf(dir, bad[i]), 0);
		assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), ERR_INVALID);
		assert_non_null(strstr(err, "bad value"));
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_table),
		cmocka_unit_test(test_active_period),
		cmocka_unit_test(test_config_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
