/*
 * test_ident.c: the rules of identification decisions without a database
 * (domain/ident/rules.h): which status may follow which, what each sets on
 * the case, calendar days, and the deadline arithmetic over a history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/ident/rules.h"

#define N IDENT_NONE
#define PO IDENT_POSSIBLE
#define PR IDENT_PRESUMED
#define ID IDENT_IDENTIFIED
#define NV IDENT_NOT_A_VICTIM

static void test_transitions(void **state)
{
	(void)state;
	/* Every pair: exactly the transitions of docs/identification.md are allowed. */
	static const struct {
		enum ident_status from, to;
		bool ok;
	} rows[] = {
		{ N, PO, true },   { N, PR, true },   { N, ID, false },  { N, NV, true },   { N, N, false },
		{ PO, PO, false }, { PO, PR, true },  { PO, ID, false }, { PO, NV, true },  { PO, N, false },
		{ PR, PO, false }, { PR, PR, false }, { PR, ID, true },  { PR, NV, true },
		{ ID, PO, false }, { ID, PR, false }, { ID, ID, false }, { ID, NV, true },
		{ NV, PO, false }, { NV, PR, true },  { NV, ID, false }, { NV, NV, false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (ident_transition_allowed(rows[i].from, rows[i].to) != rows[i].ok)
			fail_msg("row %zu: %d -> %d should be %s", i, rows[i].from, rows[i].to,
				 rows[i].ok ? "allowed" : "refused");
	assert_false(ident_transition_allowed((enum ident_status)99, PO));
	assert_false(ident_transition_allowed(PO, (enum ident_status)-1));
}

static void test_status_names(void **state)
{
	(void)state;
	enum ident_status s;
	static const char *const keys[] = { "possible", "presumed", "identified", "not_a_victim" };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ident_status_parse(keys[i], &s), 0);
		assert_int_equal(s, IDENT_POSSIBLE + i);
		assert_string_equal(ident_status_key(s), keys[i]);
	}
	static const char *const bad[] = { "", "Possible", "none", "presumed ", "not-a-victim" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(ident_status_parse(bad[i], &s), 0);
	assert_int_not_equal(ident_status_parse(NULL, &s), 0);
	assert_null(ident_status_key(IDENT_NONE));

	assert_string_equal(ident_htcds_status(PO), "PossibleVictimOfTrafficking");
	assert_string_equal(ident_htcds_status(PR), "PossibleVictimOfTrafficking");
	assert_string_equal(ident_htcds_status(ID), "ActualVictimOfTrafficking");
	assert_string_equal(ident_htcds_status(NV), "NotAVictimOfTrafficking");
	assert_null(ident_htcds_status(N));

	assert_false(ident_needs_reasons(PO));
	assert_true(ident_needs_reasons(PR));
	assert_true(ident_needs_reasons(ID));
	assert_true(ident_needs_reasons(NV));
}

static void test_decider(void **state)
{
	(void)state;
	static const char *const rows[][2] = {
		{ "LawEnforcement", "Police" },
		{ "NGO", "NGO" },
		{ "CentralGovernmentOrganisation", "NonPoliceGovernmentalOrganization" },
		{ "LocalGovernmentOrganisation", "NonPoliceGovernmentalOrganization" },
		{ "ImmigrationService", "NonPoliceGovernmentalOrganization" },
		{ "InternationalOrganisation", "Other" },
		{ "LegalService", "Other" },
		{ "", "Other" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_string_equal(ident_decider_for_org_type(rows[i][0]), rows[i][1]);
	assert_string_equal(ident_decider_for_org_type(NULL), "Other");
}

static void test_days(void **state)
{
	(void)state;
	int64_t d;
	char out[11];
	assert_int_equal(ident_day_parse("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(ident_day_parse("2026-01-10", &d), 0);
	assert_int_equal(d, 20463);
	assert_int_equal(ident_day_format(d + 45, out), 0);
	assert_string_equal(out, "2026-02-24");
	/* Across a leap day. */
	assert_int_equal(ident_day_parse("2028-02-27", &d), 0);
	assert_int_equal(ident_day_format(d + 2, out), 0);
	assert_string_equal(out, "2028-02-29");
	assert_int_equal(ident_day_format(d + 3, out), 0);
	assert_string_equal(out, "2028-03-01");
	static const char *const bad[] = { "2026-02-30", "2026-13-01", "26-01-10", "2026/01/10", "2026-01-10T00:00:00Z",
					   "1969-12-31", "", "2026-1-10" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ident_day_parse(bad[i], &d) == 0)
			fail_msg("\"%s\" parsed", bad[i]);
	assert_int_not_equal(ident_day_parse(NULL, &d), 0);
	assert_int_not_equal(ident_day_format(-1, out), 0);
	/* Unix times to days: the whole UTC day, and before 1970 by floor. */
	assert_int_equal(ident_day_of(0), 0);
	assert_int_equal(ident_day_of(86399), 0);
	assert_int_equal(ident_day_of(86400), 1);
	assert_int_equal(ident_day_of(-1), -1);
	assert_int_equal(ident_day_of(-86400), -1);
	assert_int_equal(ident_day_of(-86401), -2);
}

#define X IDENT_NO_DAY
#define MAXEV 6

static void test_deadlines(void **state)
{
	(void)state;
	const struct ident_periods p = { 5, 45, 30 };
	const int64_t T = 1000;   /* today */
	static const struct {
		const char *what;
		struct ident_event ev[MAXEV];
		size_t n;
		int64_t screened;
		int64_t start, rg_due, conc_due, refl_ends;
		bool rg_overdue, conc_overdue, reflecting;
	} rows[] = {
		{ "nothing at all", { { 0 } }, 0, X, X, X, X, X, false, false, false },
		{ "a screening starts the clock", { { 0 } }, 0, T - 3, T - 3, T + 2, X, X, false, false, false },
		{ "due today is still in time", { { PO, T - 5 } }, 1, X, T - 5, T, X, X, false, false, false },
		{ "one day late", { { PO, T - 6 } }, 1, X, T - 6, T - 1, X, X, true, false, false },
		{ "the earlier of screening and possible", { { PO, T - 2 } }, 1, T - 9, T - 9, T - 4, X, X, true, false, false },
		{ "the earlier of possible and screening", { { PO, T - 9 } }, 1, T - 2, T - 9, T - 4, X, X, true, false, false },
		{ "not_a_victim meets reasonable grounds", { { PO, T - 60 }, { NV, T - 50 } }, 2, X, T - 60, T - 55, X, X,
		  false, false, false },
		{ "presumed starts conclusive and reflection", { { PO, T - 20 }, { PR, T - 10 } }, 2, X, T - 20, T - 15,
		  T + 35, T + 20, false, false, true },
		{ "conclusive late", { { PR, T - 46 } }, 1, X, X, X, T - 1, T - 16, false, true, true },
		{ "conclusive due today", { { PR, T - 45 } }, 1, X, X, X, T, T - 15, false, false, true },
		{ "identified ends the conclusive clock", { { PR, T - 100 }, { ID, T - 10 } }, 2, X, X, X, T - 55, T - 70,
		  false, false, true },
		{ "revoked: nothing runs", { { PR, T - 100 }, { ID, T - 90 }, { NV, T - 5 } }, 3, X, X, X, T - 55, T - 70,
		  false, false, false },
		{ "presumed again on review: the latest presumed counts",
		  { { PO, T - 200 }, { PR, T - 190 }, { NV, T - 100 }, { PR, T - 10 } }, 4, X, T - 200, T - 195, T + 35,
		  T + 20, false, false, true },
		{ "the first possible counts, whatever follows", { { PO, T - 8 } }, 1, T, T - 8, T - 3, X, X, true, false,
		  false },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ident_deadlines d;
		ident_deadlines_compute(&p, rows[i].ev, rows[i].n, rows[i].screened, T, &d);
		if (d.clock_start != rows[i].start || d.reasonable_grounds_due != rows[i].rg_due ||
		    d.conclusive_due != rows[i].conc_due || d.reflection_ends != rows[i].refl_ends ||
		    d.reasonable_grounds_overdue != rows[i].rg_overdue || d.conclusive_overdue != rows[i].conc_overdue ||
		    d.reflection_running != rows[i].reflecting)
			fail_msg("row %zu (%s): start %lld rg %lld conc %lld refl %lld overdue %d/%d reflecting %d", i,
				 rows[i].what, (long long)d.clock_start, (long long)d.reasonable_grounds_due,
				 (long long)d.conclusive_due, (long long)d.reflection_ends, d.reasonable_grounds_overdue,
				 d.conclusive_overdue, d.reflection_running);
	}
	/* Other periods: the configured numbers are used, nothing else. */
	const struct ident_periods q = { 2, 10, 90 };
	const struct ident_event ev[] = { { PO, T - 4 }, { PR, T - 3 } };
	struct ident_deadlines d;
	ident_deadlines_compute(&q, ev, 2, X, T, &d);
	assert_int_equal(d.reasonable_grounds_due, T - 2);
	assert_false(d.reasonable_grounds_overdue);
	assert_int_equal(d.conclusive_due, T + 7);
	assert_int_equal(d.reflection_ends, T + 87);
	ident_deadlines_compute(&q, ev, 1, X, T, &d);
	assert_true(d.reasonable_grounds_overdue);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_decider),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_deadlines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
