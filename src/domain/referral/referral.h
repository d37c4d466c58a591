/*
 * referral.h: referrals of a case from one organisation to another for
 * services, with the person's consent, sharing only a profile's fields;
 * transfers of a whole case; referral profiles; the coordinator's overview.
 * docs/referrals.md tells the same in words; rules.h holds the rules that
 * need no database (states, transitions, deadlines, built-in profiles).
 *
 * Sides. A referral's sender is the case's organisation when it was sent
 * (from_org; the coordinator may send on its behalf); its receiver is
 * to_org. Who sees a referral is PERM_REFERRAL_READ's scope: ALL (the
 * coordinator) every one, OWN_ORG those sent or received by the caller's
 * organisation, OWN those the caller sent. Anything else is ERR_NOT_FOUND.
 *
 * What the receiver sees. The referral (services, urgency, reason, state,
 * deadlines, transitions) and exactly the fields its profile named when it
 * was sent ("person" in the JSON), decrypted for it, and nothing else of
 * the case; only while the referral is open (sent, acknowledged, accepted,
 * in_service) and sharing is allowed: the consent for domestic referral
 * stands, or the referral was sent with a supervisor's override and no
 * consent for that purpose has been withdrawn or refused since ("a
 * withdrawal stops all further sharing"). Each such view is audited
 * ("referral.view"). The sender and the coordinator never get "person".
 *
 * JSON of a referral (referral_get; lists give the same without
 * "reason", "person", "transitions", "override.reason"):
 *	{"id", "case_ref", "side": "sender"|"receiver"|"overview",
 *	 "from_org": {"id","name_en","name_ar"}, "to_org": {...},
 *	 "services": [codes], "urgency", "profile", "fields": [paths],
 *	 "reason", "consent": "given"|"override",
 *	 "override": null | {"by","by_name","reason" (sender side only)},
 *	 "state", "created_by", "created_by_name", "created_at",
 *	 "ack_due", "answer_due", "next_due" (Unix seconds or null), "overdue",
 *	 "planned_start", "decline_reason", "outcome", "updated_at", "version",
 *	 "shared": bool (the receiver may see the fields now),
 *	 "person": {...} (receiver, while shared), "transitions": [{"seq",
 *	 "from","to","by","by_name","by_org","at","note"}]}
 *
 * Errors for the client are in struct problem (code, field, status from
 * the table in src/api/reply.c).
 */
#ifndef IHALA_REFERRAL_H
#define IHALA_REFERRAL_H

#include <jansson.h>
#include <stdbool.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define REFERRAL_REASON_MAX_CHARS 2000
#define REFERRAL_NOTE_MAX_CHARS 2000
#define REFERRAL_SERVICES_MAX 11
#define REFERRAL_FIELDS_MAX 64

/*
 * Send a referral. body: {"case": ref, "to_org": id, "services": [codes],
 * "urgency", "reason", "profile": built-in key or custom id,
 * "consent_override"?: {"reason"}}. *out: the sender's JSON.
 * Problems: 400 missing_field / invalid / too_long (field), 400
 * service_not_offered (services[i]: the receiver's directory entry does not
 * list it), 404 not_found (case out of PERM_REFER's reach), 409
 * consent_required (no consent for domestic referral and no override),
 * consent_withdrawn (withdrawn or refused: no override either), case_closed,
 * not_accepting (the receiver's directory says it takes no referrals now),
 * 403 forbidden (field consent_override: an override without
 * PERM_CONSENT_OVERRIDE over the case's organisation).
 * Notifies the receiver ("referral.sent"); audited "referral.send" (and
 * "referral.consent_override").
 */
int referral_create(struct ctx *c, const json_t *body, json_t **out, struct problem *pb);

/* One referral as the caller's side sees it. ERR_NOT_FOUND when out of reach. */
int referral_get(struct ctx *c, const char *id, json_t **out);

struct referral_filter {
	const char *role;      /* "sent", "received" or NULL (both) */
	const char *state;     /* one state, or NULL */
	bool overdue;          /* only those past their current deadline */
	const char *case_ref;  /* one case's referrals (the caller must reach the case), or NULL */
	const char *org;       /* from or to this organisation (the coordinator's view), or NULL */
	const char *service;   /* those asking for this service, or NULL */
	const char *cursor;
};
/*
 * Referrals in reach, newest first; *items summaries, *next_cursor (caller
 * frees) NULL on the last page. ERR_INVALID with pb's field the parameter
 * for a bad filter value or cursor.
 */
int referral_list(struct ctx *c, const struct referral_filter *f, int limit, json_t **items, char **next_cursor,
		  struct problem *pb);

/*
 * Move a referral: body {"to", "version", "planned_start"? (accepted),
 * "reason"? (declined: a decline code), "outcome"? (completed: an outcome
 * code), "note"?}. The receiver acknowledges, accepts, declines, starts and
 * completes (PERM_REFERRAL_RECEIVE in its organisation); the sender
 * withdraws (PERM_REFER over from_org). Problems: 400 as above, 403
 * forbidden (field "to": the other side's move), 409 illegal_transition
 * (field "to"), stale_version (with current_version). Notifies the other
 * side; audited "referral.<to>".
 */
int referral_transition(struct ctx *c, const char *id, const json_t *body, json_t **out, struct problem *pb);

/*
 * The printable referral form (HTML, lang "ar" or "en"): the referral and,
 * for the receiver while shared and for the sender, the profile's fields.
 * *html caller frees. ERR_NOT_FOUND when out of reach.
 */
int referral_form(struct ctx *c, const char *id, const char *lang, char **html);

/*
 * Is org_id serving the case through a referral now (accepted or
 * in_service)? 1 yes, 0 no, negative on error. For support plans: such an
 * organisation logs the services it delivers.
 */
int referral_serving(struct ctx *c, const char *case_id, const char *org_id);

/*
 * The coordinator's overview (PERM_REFERRAL_OVERVIEW's scope): counts of
 * every referral by state; open ones by age ("under_1d", "1_7d", "7_30d",
 * "over_30d") and overdue; per organisation (sent, received, open,
 * overdue) and per service (all, open, overdue). No case reference, no
 * personal data.
 */
int referral_overview(struct ctx *c, json_t **out);

/*
 * Referral profiles the caller may use: the built-in ones and its
 * organisation's own (the coordinator: every organisation's).
 * [{"id","builtin","org_id","name_en","name_ar","fields":[paths]}].
 */
int referral_profiles_list(struct ctx *c, json_t **items);
/*
 * Create (id NULL) or replace a custom profile of the caller's organisation
 * (PERM_PROFILE_WRITE). body {"name_en","name_ar","fields":[paths],
 * "version"? (replace)}. Problems: 400 invalid (fields[i]: not a path
 * case_share_path_check accepts), missing_field, too_long; 404; 409
 * stale_version.
 */
int referral_profile_put(struct ctx *c, const char *id, const json_t *body, json_t **out, struct problem *pb);

/*
 * Transfer a whole case to another organisation (PERM_CASE_TRANSFER on the
 * case): body {"to_org", "reason", "consent_override"?: {"reason"}}. The
 * same consent rule as a referral. The case's owner becomes to_org, nobody
 * is assigned, the version goes up; the old organisation loses its reach.
 * Notifies the new owner ("case.transferred"); audited "case.transfer".
 */
int case_transfer(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb);
/* The transfers of a case the caller reaches with PERM_CASE_READ, oldest first. */
int case_transfers_list(struct ctx *c, const char *ref, json_t **items);

#endif
