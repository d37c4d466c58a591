/*
 * test_referral_rules.c: the rules of referrals without a database
 * (domain/referral/rules.h): who makes which move from each state, the
 * deadlines of each urgency from the configuration and the one that runs
 * in each state, the refusal and outcome codes, and that every built-in
 * profile names only fields a profile may name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "domain/case/case.h"
#include "domain/referral/rules.h"

#define R SIDE_RECEIVER
#define S SIDE_SENDER
#define _ SIDE_NONE

static void test_moves(void **state)
{
	(void)state;
	/* Rows: from; columns: to, in enum order (sent ... withdrawn). */
	static const enum referral_side table[RS_COUNT][RS_COUNT] = {
		/*              sent ack acc dec ins cmp wdr */
		[RS_SENT] =         { _, R, _, _, _, _, S },
		[RS_ACKNOWLEDGED] = { _, _, R, R, _, _, S },
		[RS_ACCEPTED] =     { _, _, _, _, R, _, S },
		[RS_DECLINED] =     { _, _, _, _, _, _, _ },
		[RS_IN_SERVICE] =   { _, _, _, _, _, R, S },
		[RS_COMPLETED] =    { _, _, _, _, _, _, _ },
		[RS_WITHDRAWN] =    { _, _, _, _, _, _, _ },
	};
	for (int from = 0; from < RS_COUNT; from++)
		for (int to = 0; to < RS_COUNT; to++)
			if (referral_move((enum referral_state)from, (enum referral_state)to) != table[from][to])
				fail_msg("%s -> %s", referral_state_name((enum referral_state)from),
					 referral_state_name((enum referral_state)to));
	/* Open states are exactly those a move leaves. */
	for (int s = 0; s < RS_COUNT; s++) {
		bool leaves = false;
		for (int to = 0; to < RS_COUNT; to++)
			leaves = leaves || table[s][to] != SIDE_NONE;
		assert_int_equal(referral_state_open((enum referral_state)s), leaves);
	}
}

static void test_names(void **state)
{
	(void)state;
	for (int s = 0; s < RS_COUNT; s++) {
		enum referral_state back;
		assert_int_equal(referral_state_parse(referral_state_name((enum referral_state)s), &back), 0);
		assert_int_equal(back, s);
	}
	enum referral_state x;
	assert_true(referral_state_parse("Sent", &x) < 0);
	assert_true(referral_state_parse("", &x) < 0);
	assert_true(referral_state_parse(NULL, &x) < 0);
}

static void test_deadlines(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg, "/nowhere");
	const char *urg[] = { "immediate", "urgent", "routine" };
	const long ack[] = { 4, 24, 72 }, answer[] = { 24, 72, 240 };
	for (int i = 0; i < 3; i++) {
		int u = referral_urgency_index(urg[i]);
		assert_int_equal(u, i);
		int64_t a, b;
		referral_deadlines(&cfg, u, 1000, &a, &b);
		assert_int_equal(a, 1000 + ack[i] * 3600);
		assert_int_equal(b, 1000 + answer[i] * 3600);
	}
	assert_int_equal(referral_urgency_index("soon"), -1);
	assert_int_equal(referral_urgency_index(NULL), -1);
	/* An answer configured before the acknowledgement still falls after it. */
	cfg.referral_ack_hours[1] = 10;
	cfg.referral_answer_hours[1] = 5;
	int64_t a, b;
	referral_deadlines(&cfg, 1, 0, &a, &b);
	assert_int_equal(a, 36000);
	assert_int_equal(b, 36000);
	/* The deadline that runs: acknowledgement while sent, answer while acknowledged, none after. */
	bool runs;
	assert_int_equal(referral_next_due(RS_SENT, 10, 20, &runs), 10);
	assert_true(runs);
	assert_int_equal(referral_next_due(RS_ACKNOWLEDGED, 10, 20, &runs), 20);
	assert_true(runs);
	for (int s = RS_ACCEPTED; s < RS_COUNT; s++) {
		referral_next_due((enum referral_state)s, 10, 20, &runs);
		assert_false(runs);
	}
}

static void test_codes(void **state)
{
	(void)state;
	assert_true(referral_decline_code("no_capacity"));
	assert_true(referral_decline_code("other"));
	assert_false(referral_decline_code("goals_met"));
	assert_false(referral_decline_code(NULL));
	assert_true(referral_outcome_code("goals_met"));
	assert_false(referral_outcome_code("no_capacity"));
	assert_false(referral_outcome_code(""));
}

static void test_builtin_profiles(void **state)
{
	(void)state;
	assert_true(referral_builtin_count >= 3);
	for (int i = 0; i < referral_builtin_count; i++) {
		const struct referral_builtin *b = &referral_builtins[i];
		assert_ptr_equal(referral_builtin_find(b->key), b);
		assert_true(b->fields[0] != NULL);
		for (int k = 0; b->fields[k]; k++)
			if (case_share_path_check(b->fields[k]) != 0)
				fail_msg("profile %s: %s is not a field a profile may name", b->key, b->fields[k]);
	}
	/* The shelter profile shares neither the story nor identity documents. */
	const struct referral_builtin *s = referral_builtin_find("shelter");
	assert_non_null(s);
	for (int k = 0; s->fields[k]; k++) {
		assert_string_not_equal(s->fields[k], "victim.narrative");
		assert_string_not_equal(s->fields[k], "person.document_number");
		assert_string_not_equal(s->fields[k], "events");
	}
	assert_true(case_share_path_check("case.status") < 0);
	assert_true(case_share_path_check("consents") < 0);
	assert_true(case_share_path_check("person.nope") < 0);
	assert_true(case_share_path_check("person") < 0);
	assert_int_equal(case_share_path_check("events"), 0);
	assert_null(referral_builtin_find("everything"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_builtin_profiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
