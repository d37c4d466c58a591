/*
 * rules.h: the rules of identification decisions that need no database:
 * the statuses and which may follow which, what each means for the case's
 * HTCDS trafficking status, who decided in HTCDS terms, calendar days, and
 * the deadlines. decision.c applies them to stored decisions; the work list
 * (worklist.c) states the same deadline rule in SQL. docs/identification.md
 * explains both in words; tests/unit/test_ident.c holds the tables.
 *
 * Statuses ("possible", "presumed" = reasonable grounds, "identified" =
 * conclusive grounds, "not_a_victim") and the legal transitions, from the
 * case's current decision (none before the first):
 *	none         -> possible | presumed | not_a_victim
 *	possible     -> presumed | not_a_victim
 *	presumed     -> identified | not_a_victim
 *	identified   -> not_a_victim     (revoked on review)
 *	not_a_victim -> presumed         (on review)
 *
 * Deadlines, in calendar days (day numbers count from 1970-01-01 UTC):
 *	clock start         the earliest of the first "possible" decision's date
 *	                    and the day the first attached screening assessed
 *	                    likely_victim was recorded; none without either
 *	reasonable grounds  due clock start + reasonable_grounds_days; pending
 *	                    until any decision other than "possible" exists
 *	conclusive          due the latest "presumed" decision's date +
 *	                    conclusive_days; pending while that decision is the
 *	                    current one
 *	reflection period   ends the latest "presumed" decision's date +
 *	                    reflection_days; running while the current decision
 *	                    is "presumed" or "identified"
 * A pending deadline is overdue once today is after its due day (the due day
 * itself is still in time).
 */
#ifndef IHALA_IDENT_RULES_H
#define IHALA_IDENT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../core/banned.h"

enum ident_status {
	IDENT_NONE = 0,          /* no decision yet (a "from" only) */
	IDENT_POSSIBLE,          /* "possible" */
	IDENT_PRESUMED,          /* "presumed": reasonable grounds */
	IDENT_IDENTIFIED,        /* "identified": conclusive grounds */
	IDENT_NOT_A_VICTIM,      /* "not_a_victim" */
	IDENT_STATUS_COUNT
};

/* "possible", ...; NULL for IDENT_NONE or out of range. */
const char *ident_status_key(enum ident_status s);
/* 0, or ERR_INVALID for anything but the four keys. */
int ident_status_parse(const char *key, enum ident_status *out);
/* May a decision of status to follow the current status from? */
bool ident_transition_allowed(enum ident_status from, enum ident_status to);
/* Every status but "possible" must give its reasons. */
bool ident_needs_reasons(enum ident_status s);
/* The victim.trafficking_status (HTCDS vic_TraffickingStatus) a status sets. */
const char *ident_htcds_status(enum ident_status s);
/*
 * The HTCDS vic_TraffickingStatusDecisionMakingOrg value for an organisation
 * of HTCDS org_Type org_type: LawEnforcement -> Police, NGO -> NGO,
 * government bodies -> NonPoliceGovernmentalOrganization, others -> Other.
 */
const char *ident_decider_for_org_type(const char *org_type);

#define IDENT_NO_DAY INT64_MIN
#define IDENT_DUE_SOON_DAYS 7   /* the work list shows what falls due within this many days */

/* "YYYY-MM-DD" (a real date, not before 1970-01-01) -> day number; 0 or ERR_INVALID. */
int ident_day_parse(const char *date, int64_t *day);
/* Day number -> "YYYY-MM-DD" into out[11]; 0 or ERR_INVALID. */
int ident_day_format(int64_t day, char out[11]);
/* The day number of a Unix time (UTC). */
int64_t ident_day_of(int64_t unix_seconds);

struct ident_periods {
	long reasonable_grounds_days;
	long conclusive_days;
	long reflection_days;
};

/* One decision of a case, in the order they were recorded. */
struct ident_event {
	enum ident_status status;
	int64_t day;
};

/* Day numbers, IDENT_NO_DAY where there is none. */
struct ident_deadlines {
	int64_t clock_start;
	int64_t reasonable_grounds_due;
	int64_t conclusive_due;
	int64_t reflection_ends;
	bool reasonable_grounds_pending;
	bool conclusive_pending;
	bool reflection_running;
	bool reasonable_grounds_overdue;
	bool conclusive_overdue;
};

/*
 * The deadlines of a case from its decisions (ev[0..n), oldest first), the
 * day of its first attached likely_victim screening (IDENT_NO_DAY: none) and
 * today, by the rule above.
 */
void ident_deadlines_compute(const struct ident_periods *p, const struct ident_event *ev, size_t n,
			     int64_t first_screening_day, int64_t today, struct ident_deadlines *out);

#endif
