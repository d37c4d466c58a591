/*
 * plan.h: the individual support plan of a case and the services delivered
 * to the person. docs/support-plans.md tells the same in words.
 *
 * A plan is a list of items, one per goal: an HTCDS support type (a service
 * code of the directory, directory.h), the goal (spl_Objectives) and the
 * actions to reach it (spl_ActionPlan), the organisation responsible, a due
 * date (spl_PlannedEndDate), a status (planned, in_progress, done,
 * cancelled) and the day it was done (spl_ActualEndDate), who created and
 * who last changed it and when, and a version. The goal and action texts
 * are sealed with the case's data key. The plan has a version too, raised
 * by every change of any item: a whole-plan write names the version it was
 * based on, an item write the item's version; an old one is 409
 * stale_version with the current version. Nothing is overwritten unseen.
 *
 * A service delivered is logged by the organisation that delivers it (the
 * caller's, always): a support type, the day (not in the future), the plan
 * item it serves (optional), the referral it was delivered through
 * (optional: one of the case's referrals to the caller's organisation,
 * accepted, in service or completed), a note (optional, sealed), who logged
 * it and when. Services are never changed.
 *
 * Who (beside PERM_PLAN, which the route checks):
 *   the owner side: whoever reaches the case with PERM_CASE_READ reads the
 *   whole plan and every service; PERM_CASE_WRITE reach changes the plan and
 *   logs services.
 *   the receiver side: an organisation serving the case through a referral
 *   now (referral_serving: accepted or in_service) sees only the items it is
 *   responsible for and the services it delivered itself, may set the
 *   status of those items, and logs the services it delivers. It sees
 *   nothing else of the plan or the case (no plan version, no other item).
 *   anyone else: ERR_NOT_FOUND, the same answer as for an unknown reference.
 *
 * Every read and write is audited (object "case", the case's id):
 * "plan.read", "plan.update", "plan.item.add", "plan.item.update",
 * "service.read", "service.log"; writes in one transaction with their row.
 *
 * JSON of the plan (plan_get and the answer of every plan write):
 *	{"case_ref", "view": "owner"|"receiver",
 *	 "version" (0: no plan yet; null for a receiver),
 *	 "updated_at", "updated_by", "updated_by_name" (null: no plan yet, or a receiver),
 *	 "items": [item, in plan order]}
 * item:
 *	{"id", "support_type", "goal", "action" (null when none),
 *	 "responsible_org": {"id", "name_en", "name_ar"},
 *	 "due_date" (YYYY-MM-DD|null), "overdue" (due before today and still
 *	 planned or in progress), "status", "completed_on" (YYYY-MM-DD|null),
 *	 "created_by", "created_at", "updated_by", "updated_by_name",
 *	 "updated_at", "version"}
 * service:
 *	{"id", "item" (id|null), "support_type", "date",
 *	 "org": {"id", "name_en", "name_ar"}, "referral" (id|null),
 *	 "note" (null when none), "logged_by", "logged_by_name", "logged_at"}
 *
 * Errors for the client are in struct problem: 400 missing_field, invalid,
 * wrong_type, unknown_field, too_long, future_date with the field
 * ("items[2].goal", "due_date", "date"); 403 forbidden (a receiver's write
 * it may not make, field the key); 404 not_found; 409 stale_version (with
 * current_version), plan_item_in_use (a PUT leaves out an item that
 * services were logged against: cancel it instead).
 */
#ifndef IHALA_PLAN_H
#define IHALA_PLAN_H

#include <jansson.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define PLAN_ITEMS_MAX 64            /* items in one plan */
#define PLAN_TEXT_MAX_CHARS 2000     /* goal, action, note */

/* The plan of case ref as the caller's side sees it; ERR_NOT_FOUND out of reach. */
int plan_get(struct ctx *c, const char *ref, json_t **out);

/*
 * Replace the whole plan (owner side only): body {"version": the plan's
 * version the client saw (0 when there was none), "items": [{"id"? (an
 * item of this plan to keep: omitted for a new one), "support_type",
 * "goal", "action"?, "responsible_org": org id, "due_date"?, "status"?
 * (default planned)}]}. Items follow the list's order; an existing item
 * left out is removed (409 plan_item_in_use when services point at it); an
 * item whose values did not change keeps its version and who changed it.
 * *out: the plan.
 */
int plan_put(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb);

/* Add one item at the end (owner side only): body as one item of plan_put without "id". *out: the plan. */
int plan_item_add(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb);

/*
 * Change one item: body {"version": the item's, and any of "support_type",
 * "goal", "action" (null clears), "responsible_org", "due_date" (null
 * clears), "status"}. The receiver side may send only "status", and only
 * for its own items (another item: ERR_NOT_FOUND). *out: the plan as the
 * caller sees it.
 */
int plan_item_patch(struct ctx *c, const char *ref, const char *item_id, const json_t *body, json_t **out,
		    struct problem *pb);

/*
 * Services delivered, the latest first (by the day delivered, then the
 * time logged), at most limit: all of the
 * case's (owner side) or the caller's organisation's (receiver side).
 * *next_cursor (caller frees) NULL on the last page; a malformed cursor is
 * ERR_INVALID with pb's field "cursor".
 */
int plan_services_list(struct ctx *c, const char *ref, const char *cursor, int limit, json_t **items,
		       char **next_cursor, struct problem *pb);

/*
 * Log a service delivered by the caller's organisation: body {"date",
 * "support_type"? (default: the item's), "item"?, "referral"?, "note"?}.
 * A receiver may name only its own items. *out: the service.
 */
int plan_service_log(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb);

#endif
