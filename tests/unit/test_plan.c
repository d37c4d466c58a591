/*
 * test_plan.c: the checks of support plan values that need no database
 * (domain/plan/plan_int.h): free texts, calendar days, statuses, and today.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clock.h"
#include "domain/plan/plan_int.h"

static void test_text(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t max;
		const char *want;   /* NULL: accepted */
	} rows[] = {
		{ "Safe housing", 20, NULL },
		{ "Two lines\nand a\ttab\r\n", 40, NULL },
		{ "", 20, "invalid" },
		{ "   \n\t ", 20, "invalid" },
		{ "bell\a", 20, "invalid" },
		{ "del\x7f", 20, "invalid" },
		{ "escape\x1b[0m", 20, "invalid" },
		{ "abcde", 5, NULL },
		{ "abcdef", 5, "too_long" },
		/* Five Arabic letters are five characters, ten bytes. */
		{ "\xd8\xae\xd8\xb7\xd8\xa9\xd8\xaf\xd8\xb9", 5, NULL },
		{ "\xd8\xae\xd8\xb7\xd8\xa9\xd8\xaf\xd8\xb9\xd9\x85", 5, "too_long" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = plan_text_problem(rows[i].text, rows[i].max);
		if ((got == NULL) != (rows[i].want == NULL) || (got && strcmp(got, rows[i].want)))
			fail_msg("row %zu: got %s, want %s", i, got ? got : "ok", rows[i].want ? rows[i].want : "ok");
	}
}

static void test_dates(void **state)
{
	(void)state;
	static const struct {
		const char *date;
		bool ok;
	} rows[] = {
		{ "2026-01-31", true }, { "2028-02-29", true },  { "2026-02-29", false }, { "2026-04-31", false },
		{ "2026-13-01", false }, { "2026-00-10", false }, { "2026-1-01", false },  { "26-01-01", false },
		{ "2026-01-01T00:00:00Z", false }, { "", false }, { "2026/01/01", false }, { "abcd-ef-gh", false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (plan_date_ok(rows[i].date) != rows[i].ok)
			fail_msg("row %zu: %s should be %s", i, rows[i].date, rows[i].ok ? "accepted" : "refused");
	assert_false(plan_date_ok(NULL));
}

static void test_status(void **state)
{
	(void)state;
	for (const char *const *s = (const char *const[]){ "planned", "in_progress", "done", "cancelled", NULL }; *s; s++)
		assert_true(plan_status_ok(*s));
	for (const char *const *s = (const char *const[]){ "", "Planned", "open", "done ", "closed", NULL }; *s; s++)
		assert_false(plan_status_ok(*s));
	assert_false(plan_status_ok(NULL));
}

static void test_today(void **state)
{
	(void)state;
	char today[PLAN_DATE_LEN + 1];
	clock_set_offset(0);
	plan_today(today);
	assert_true(plan_date_ok(today));
	int64_t t;
	assert_int_equal(clock_parse_iso(today, &t), 0);
	assert_true(clock_now() - t >= 0 && clock_now() - t < 86400);
	/* The test clock moves today with it. */
	clock_set_offset(86400);
	char tomorrow[PLAN_DATE_LEN + 1];
	plan_today(tomorrow);
	assert_true(strcmp(tomorrow, today) > 0);
	clock_set_offset(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_today),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
