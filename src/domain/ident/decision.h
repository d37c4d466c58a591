/*
 * decision.h: identification decisions on a case, and the work list of
 * their deadlines. See docs/identification.md; the rules without the
 * database (statuses, transitions, deadlines) are in rules.h.
 *
 * A decision is a record that is never changed: a new decision supersedes
 * the case's current one, and the whole history stays visible. It holds the
 * status, the deciding organisation (the caller's) and its HTCDS
 * vic_TraffickingStatusDecisionMakingOrg type, the date, the reasons (sealed
 * with the case's data key: they are about a person), the screenings of the
 * same case it relied on, who recorded it and when, and the decision it
 * superseded. Recording one also sets the case's victim.trafficking_status,
 * status_decided_by and status_decision_date, in the same transaction,
 * audited as "identification.decide".
 *
 * The JSON of a decision:
 *	{"id","status","org_id","org_name","org_name_ar","decided_by_type","date",
 *	 "reasons" (null when none),"screenings":[ids],"recorded_by",
 *	 "recorded_by_name","recorded_at","supersedes" (id|null),"superseded"}
 *
 * Access: deciding needs PERM_DECIDE on the case, reading PERM_CASE_READ
 * (ERR_NOT_FOUND when out of reach); the work list is PERM_WORKLIST's scope.
 */
#ifndef IHALA_IDENT_DECISION_H
#define IHALA_IDENT_DECISION_H

#include <jansson.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define IDENT_REASONS_MAX_CHARS 10000
#define IDENT_MAX_SCREENINGS 32

/*
 * Record a decision on case ref. body (already shaped by the API):
 * {"status", "date", "reasons"?, "decided_by_type"?, "screenings"?: [ids],
 * "supersedes"?}. On success *out is the new decision (caller json_decref).
 * Problems (pb): 400 invalid/missing_field/too_long/future_date/
 * date_before_previous with the field; not_found (404); 409
 * illegal_transition, stale_decision (supersedes is not the current
 * decision), stale_version (the case changed at the same moment: retry).
 */
int ident_decide(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb);

/*
 * The decisions of case ref: *out = {"items": [newest first], "current":
 * decision|null, "deadlines": {"clock_start", "reasonable_grounds_due",
 * "conclusive_due", "reflection_ends" (dates or null), "overdue": [...]}}.
 * Audited as a case read. ERR_NOT_FOUND when out of reach.
 */
int ident_list(struct ctx *c, const char *ref, json_t **out);

/*
 * The work list: items {"kind", "ref", "org_id", "due", "days"} of the open
 * cases in the caller's PERM_WORKLIST scope, overdue first (most overdue
 * first), then what falls due within IDENT_DUE_SOON_DAYS (soonest first);
 * kinds reasonable_grounds_overdue, conclusive_overdue,
 * reasonable_grounds_due, conclusive_due, reflection_ending. Computed in SQL
 * over plain columns; no personal data. *next_cursor (caller frees) is NULL
 * on the last page; ERR_INVALID for a malformed cursor.
 */
int ident_worklist(struct ctx *c, const char *cursor, int limit, json_t **items, char **next_cursor);

#endif
