/*
 * rules.h: the rules of referrals that need no database: states and who
 * moves a referral from one to the next, urgencies and their deadlines,
 * the codes of a refusal and of an outcome, and the built-in referral
 * profiles. tests/unit/test_referral_rules.c holds the tables.
 *
 *	sent         -> acknowledged (receiver) | withdrawn (sender)
 *	acknowledged -> accepted (receiver, with a planned start)
 *	              | declined (receiver, with a reason) | withdrawn (sender)
 *	accepted     -> in_service (receiver) | withdrawn (sender)
 *	in_service   -> completed (receiver, with an outcome) | withdrawn (sender)
 *	declined, completed, withdrawn: final.
 *
 * Deadlines: acknowledge within ack_hours of sending, accept or decline
 * within answer_hours of sending (ihala.conf, per urgency). The deadline
 * that runs is the acknowledgement's while sent and the answer's while
 * acknowledged; none afterwards. A referral is overdue once the running
 * deadline has passed.
 */
#ifndef IHALA_REFERRAL_RULES_H
#define IHALA_REFERRAL_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include "../../core/banned.h"
#include "../../core/config.h"

enum referral_state {
	RS_SENT = 0,
	RS_ACKNOWLEDGED,
	RS_ACCEPTED,
	RS_DECLINED,
	RS_IN_SERVICE,
	RS_COMPLETED,
	RS_WITHDRAWN,
	RS_COUNT
};

enum referral_side { SIDE_NONE = 0, SIDE_SENDER, SIDE_RECEIVER };

const char *referral_state_name(enum referral_state s);
int referral_state_parse(const char *name, enum referral_state *out);   /* 0 or ERR_INVALID */
/* Who may move a referral from -> to; SIDE_NONE when the move is illegal. */
enum referral_side referral_move(enum referral_state from, enum referral_state to);
/* Not final (sent, acknowledged, accepted, in_service). */
bool referral_state_open(enum referral_state s);

/* Urgencies: "immediate", "urgent", "routine"; index into the config arrays, or -1. */
int referral_urgency_index(const char *urgency);
/* The two deadlines of a referral sent at sent_at with urgency u (index). */
void referral_deadlines(const struct config *cfg, int u, int64_t sent_at, int64_t *ack_due, int64_t *answer_due);
/* The deadline that runs in state s (0 with *runs false when none). */
int64_t referral_next_due(enum referral_state s, int64_t ack_due, int64_t answer_due, bool *runs);

/* Codes: a refusal's reason and a completion's outcome. */
bool referral_decline_code(const char *code);
bool referral_outcome_code(const char *code);
extern const char *const referral_decline_codes[];   /* NULL-terminated */
extern const char *const referral_outcome_codes[];   /* NULL-terminated */

/* A built-in referral profile: the fields a receiver of this kind needs. */
struct referral_builtin {
	const char *key;
	const char *name_en, *name_ar;
	const char *const *fields;   /* NULL-terminated registry paths (case.h case_share_path_check) */
};
extern const struct referral_builtin referral_builtins[];
extern const int referral_builtin_count;
const struct referral_builtin *referral_builtin_find(const char *key);

#endif
