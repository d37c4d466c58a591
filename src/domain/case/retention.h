/*
 * retention.h: what the data-protection standards ask of a case once it is
 * kept (docs/design-cases.md, ../shared DOMAIN.md "Protecting the people in
 * the data"): retention periods, then erasure; and a copy of a person's own
 * data on request.
 *
 * Retention. A case is due for erasure when its status has a retention
 * period (ihala.conf: retention_closed_days, retention_closed_referred_days,
 * retention_active_days; 0 = kept until erased by hand) and that many days
 * have passed since its clock started:
 *	Closed, ClosedReferred   the case's closed_date (entity case, YYYY-MM-DD,
 *	                         midnight UTC) when it is recorded and valid,
 *	                         otherwise cases.updated_at. updated_at is an
 *	                         approximation of "the time it entered that
 *	                         status": any later change (a comment, an edit)
 *	                         restarts it, so it only ever errs on keeping a
 *	                         case longer, never on erasing it sooner.
 *	Active, FollowUp         cases.updated_at (the last activity).
 * A due case is erased by case_erase() itself, as the system actor, so that
 * erasure by schedule and erasure by hand are one code path with one audit
 * action (case.erase).
 */
#ifndef IHALA_RETENTION_H
#define IHALA_RETENTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/config.h"
#include "../../core/err.h"

#define RETENTION_MAX_DAYS 36500L   /* 100 years; the bound ihala.conf accepts */

/* Days after the clock starts, per status; 0: never erased automatically. */
struct retention_policy {
	long closed_days;
	long closed_referred_days;
	long active_days;   /* Active and FollowUp */
};

struct retention_result {
	long n_due;      /* cases found due */
	long n_erased;   /* erased (0 in a dry run) */
	long n_failed;   /* due but not erased: a database error (logged) */
	long n_skipped;  /* changed since they were found due; looked at again next run */
};

/* The policy in cfg (ihala.conf). */
void retention_policy_from_config(const struct config *cfg, struct retention_policy *pol);

/*
 * Is a case of `status`, last changed at updated_at (seconds), with the
 * closed_date fact closed_date (NULL when absent), due at `now` under pol?
 * A malformed closed_date is ignored (updated_at counts).
 */
bool retention_due(const struct retention_policy *pol, const char *status, int64_t updated_at,
		   const char *closed_date, int64_t now);

/* Called for each due case, in reference order; ref is borrowed for the call. */
typedef void (*retention_report_fn)(const char *ref, const char *status, bool erased, void *arg);

/*
 * Find the cases due at clock_now() and, unless dry_run, erase each through
 * case_erase() (audited as case.erase), then append one "retention.run"
 * audit row (object_id: the number erased; outcome "failed" when any
 * erasure failed). c must be the system actor (an empty actor): the
 * command line. report, when not NULL, hears of every due case. Reads the
 * candidates in pages, so memory stays flat however many cases there are.
 * 0, or ERR_FAIL on a database error while looking (logged); failures of
 * single erasures are counted in res->n_failed and do not stop the run.
 */
int retention_run(struct ctx *c, const struct retention_policy *pol, bool dry_run,
		  retention_report_fn report, void *arg, struct retention_result *res);

/*
 * A copy of the data a case holds about its person, for that person
 * (GET /api/v1/cases/{ref}/subject-export). PERM_CASE_READ with the usual
 * reach; ERR_NOT_FOUND when out of reach or erased. Audited as
 * case.subject_export. *out (caller json_decref):
 *	{ "generated_at": ISO 8601 UTC, "ref",
 *	  "labels": { entity: {"en","ar"} } for person, victim, case, event,
 *	            consent, comment,
 *	  "person": [F...], "victim": [F...], "case": [F...],
 *	  "events": [[F...], ...], "consents": [[F...], ...],
 *	  "comments": [ {"at": ISO 8601 UTC, "text"} ] }
 * where each F is {"key", "label": {"en","ar"}, "value"} in registry order,
 * plus "value_label": {"en","ar"} for a choice or a boolean, or a list of
 * them for a multiple choice. Staff are left out: no author of a comment,
 * no one who recorded a consent, no user ids; they are not the person's
 * data, and naming staff to the person could put them at risk.
 */
int case_subject_export(struct ctx *c, const char *ref, json_t **out);

#endif
