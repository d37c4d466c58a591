/*
 * screening.h: screenings, the record of one person screened against an
 * indicator set (set.h), and the step that turns a result into a case.
 *
 * A screening is anonymous (no case: hotline calls, outreach) or attached
 * to a case. What it found (the assessment, the six dimension results, the
 * child-protection flag, the set key and version) is workflow data kept in
 * clear; the answers and the interviewer's notes are sealed: with the case's
 * data key (case_seal) when attached, else with a data key of its own that
 * KEY_KEK wraps. Attaching re-seals with the case's key and drops the own key
 * in the same transaction; erasing the case deletes its screenings.
 *
 * The result, as the API serves it (never a bare score):
 *	{"id", "set", "set_version", "case": ref | null, "created_at",
 *	 "assessment": "likely_victim" | "not_established" | "insufficient_information",
 *	 "child_protection": bool,
 *	 "dimensions": [{"key", "result": "present" | "absent" | "unknown",
 *	                 "indicators": [ids answered yes], "unknown_indicators": [ids not known]}],
 *	 "next_steps": [...]}
 * with the six dimensions in the set's order. next_steps, in this order:
 * "create_case" (no case, and likely_victim or insufficient_information),
 * "record_urgent_needs" (no case yet, and the result could concern a victim
 * or a child: urgent needs are recorded on the case when it is created or
 * attached), "identification_decision" and "referral" (likely_victim),
 * "child_protection" (child set), "complete_screening"
 * (insufficient_information).
 *
 * Access (perm.h): PERM_SCREENING, scope OWN (the screenings the caller
 * made) or OWN_ORG (the caller's organisation's). A screening attached to a
 * case the caller may read (PERM_CASE_READ) is readable too. Out of reach is
 * ERR_NOT_FOUND. Audited: "screening.create", "screening.read",
 * "screening.list" (the screenings of a case), "screening.attach".
 */
#ifndef IHALA_SCREENING_H
#define IHALA_SCREENING_H

#include <jansson.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define SCREENING_NOTES_MAX 4000   /* characters */

struct screening_input {
	const char *set_key;       /* borrowed */
	const json_t *answers;     /* borrowed; object {indicator id: "yes"|"no"|"unknown"} or NULL */
	const char *case_ref;      /* borrowed; NULL: anonymous */
	const char *age;           /* "adult" (NULL), "child" or "unknown" */
	const char *context;       /* NULL or hotline | outreach | labour_inspection | police | shelter | border | other */
	const char *notes;         /* NULL or up to SCREENING_NOTES_MAX characters */
};

/*
 * Screen: evaluate the answers against the newest version of the set and
 * store the screening in one transaction with its audit row. *result is the
 * result above (caller json_decref). Refused, with pb:
 *	unknown_set (field "set"), set_not_allowed ("set": restricted to other
 *	countries), child_set_required ("set": age child or unknown on an adult
 *	set), unknown_indicator ("answers.<id>"), invalid ("answers.<id>" for a
 *	value other than yes/no/unknown; "age"; "context"), too_long ("notes"):
 *	ERR_INVALID; not_found (the case is out of PERM_CASE_WRITE reach): ERR_NOT_FOUND.
 */
int screening_create(struct ctx *c, const struct screening_input *in, json_t **result, struct problem *pb);

/*
 * One screening: the result plus "answers" (every indicator of the set:
 * yes/no/unknown), "notes" (or null), "context" (or null) and "created_by".
 * ERR_NOT_FOUND when out of reach. Audited "screening.read".
 */
int screening_get(struct ctx *c, const char *id, json_t **out);

/*
 * Results (without answers or notes), newest first, at most limit: with
 * case_ref, the screenings of that case (which must be readable by the
 * caller: else ERR_NOT_FOUND; audited "screening.list"); without, the
 * newest screenings in the caller's PERM_SCREENING scope. *items a JSON
 * array (caller json_decref; NULL on failure).
 */
int screening_list(struct ctx *c, const char *case_ref, int limit, json_t **items);

struct screening_attach {
	const json_t *case_body;       /* borrowed: a case body as case_create takes it, to create one */
	const char *ref;               /* borrowed: or an existing case's reference */
	const json_t *urgent_needs;    /* borrowed: array of victim.urgent_needs values, or NULL */
};
/*
 * Create a case from the screening (or take an existing one the caller may
 * write), record victim.urgent_needs on it (the given ones, plus
 * ChildProtection for a child screening, added to those already recorded)
 * and attach the screening to it, all in one transaction, audited
 * "screening.attach" (and case.create or case.update on the case). The
 * screening must be in the caller's PERM_SCREENING scope. *out is
 * {"ref", "screening": id, "next_steps": [...]}. Refused: not_found
 * (screening or case out of reach), already_attached (ERR_CONFLICT),
 * missing_field "case" (neither case nor ref), invalid "ref" (both),
 * invalid "urgent_needs", or the case body's own problem (field prefixed
 * "case.").
 */
int screening_attach(struct ctx *c, const char *id, const struct screening_attach *a, json_t **out,
		     struct problem *pb);

#endif
