/*
 * case.h: cases: a possible victim of trafficking recorded by an
 * organisation, with the values of the field registry. Identifying and
 * sensitive values are sealed with the case's own data key; statistical and
 * workflow values are plain facts; names, document numbers and birth years
 * are searchable through blind indexes only. See docs/design-cases.md.
 *
 * The JSON shape, in and out:
 *	{ "person": {...}, "victim": {...}, "case": {...},
 *	  "events": [ {...}, ... ], "consents": [ {...}, ... ] }
 * with each object's keys from the registry entity of the same name
 * ("events" -> "event", "consents" -> "consent"). Reading adds "ref",
 * "status", "org_id", "created_by", "assigned_to", "external_ref",
 * "created_at", "updated_at" and "version".
 *
 * Access (perm.h): PERM_CASE_READ / WRITE / ERASE with scope OWN (cases the
 * caller created), OWN_ORG (the caller's organisation's) or ALL. A case out
 * of reach is ERR_NOT_FOUND. Every read and write is audited.
 */
#ifndef IHALA_CASE_H
#define IHALA_CASE_H

#include <jansson.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"
#include <stdint.h>

#define CASE_REF_MAX 32

/* Create a case in the caller's organisation; writes its reference. */
int case_create(struct ctx *c, const json_t *body, char ref[CASE_REF_MAX], struct problem *pb);
/* The whole case as JSON (caller json_decref). ERR_NOT_FOUND when out of reach. */
int case_get(struct ctx *c, const char *ref, json_t **out);
/*
 * Cases matching q, visible to the caller, newest first, at most limit:
 * a reference ("BH-2026-00042"), a document number, or name tokens in either
 * script (every token must match). *items is a JSON array of summaries
 * {"ref","status","org_id","assigned_to","name","created_at","updated_at"}.
 */
int case_search(struct ctx *c, const char *q, int limit, json_t **items);
/* Erase: the data key, the blind indexes, the records and facts go; the row stays as a tombstone. */
int case_erase(struct ctx *c, const char *ref);

struct case_filter {
	const char *status;         /* NULL: any */
	bool assigned_to_me;
	const char *exploitation;   /* a victim.exploitation_types value, or NULL */
	const char *cursor;         /* from a previous page, or NULL */
};
/*
 * The cases visible to the caller, newest first, filtered; *items a JSON
 * array of summaries, *next_cursor (caller frees) NULL on the last page.
 * ERR_INVALID for a malformed cursor.
 */
int case_list(struct ctx *c, const struct case_filter *f, int limit, json_t **items, char **next_cursor);

/*
 * Change a case: body {"version":N, "person"?, "victim"?, "case"?, "events"?,
 * "assigned_to"?}; in an entity object a key replaces its value and null
 * clears it; "events" replaces the list. pb "stale_version" (with
 * current_version) when N is not the current version.
 */
int case_update(struct ctx *c, const char *ref, const json_t *body, struct problem *pb);
/* Add a consent (a registry consent object). */
int case_consent_add(struct ctx *c, const char *ref, const json_t *consent, struct problem *pb);
/* Withdraw consent n on date (YYYY-MM-DD). */
int case_consent_withdraw(struct ctx *c, const char *ref, int n, const char *date, struct problem *pb);
/*
 * Who the case may be assigned to: the enabled users of the case's
 * organisation who may write cases, [{"id","username","display_name"}].
 * Needs PERM_CASE_WRITE on the case.
 */
int case_assignees(struct ctx *c, const char *ref, json_t **items);
/* Comments, oldest first: [{"id","author_id","author_name","at","text"}]. */
int case_comments_list(struct ctx *c, const char *ref, json_t **items);
int case_comment_add(struct ctx *c, const char *ref, const char *text, json_t **comment, struct problem *pb);

/*
 * The blind search index is versioned (table search_index): when the stored
 * version is older than this binary's, every case's index entries are
 * rebuilt from its decrypted values, in transactions of 200 cases, and the
 * version is raised. Called when a data folder is opened; progress goes to
 * progress (may be NULL) every 10,000 cases. 0 or negative (nothing is lost
 * on failure: the next open starts again).
 */
#define CASE_SEARCH_INDEX_VERSION 3
int case_search_index_upgrade(struct ctx *c, void (*progress)(long done, long total));
/*
 * Seal the list name (cases.display, migration 0022) of every case that has
 * none yet, from its person record, in transactions of 500 cases; found
 * through a partial index, so a folder with nothing to do costs two look-ups
 * of an empty index (the count, and the first page).
 * Called when a data folder is opened; progress as above. 0 or negative
 * (nothing is lost on failure: the next open goes on).
 */
int case_display_upgrade(struct ctx *c, void (*progress)(long done, long total));
/*
 * Make the read copy (case_docs, migration 0024) of every case that has none,
 * in transactions of 500 cases, after deleting the copies made under another
 * field registry. settings.case_docs records the registry once all are made,
 * so a folder with nothing to do costs one look-up. Called when a data folder
 * is opened; progress as above. 0 or negative (the next open goes on).
 */
int case_doc_upgrade(struct ctx *c, void (*progress)(long done, long total));

/*
 * For modules that attach their own records to a case (screenings,
 * identification decisions, referrals): find a case the caller may use with
 * permission p, and seal or open values with the case's data key, bound to
 * the attaching table, column and row id. Erasing the case destroys the key,
 * so whatever was sealed this way can no longer be read; the attached rows
 * themselves are deleted with the case when their table is named in
 * case_attached_deletes (case_attach.c).
 */
struct case_handle {
	char id[ID_HEX_LEN + 1];   /* internal, never shown */
	int64_t version;
	char ref[CASE_REF_MAX];
	char org_id[ID_HEX_LEN + 1];
	char created_by[ID_HEX_LEN + 1];
	char assigned_to[ID_HEX_LEN + 1];   /* "" when none */
	char status[32];
	int64_t created_at;
};
/* ERR_NOT_FOUND when unknown, erased or out of the caller's reach for p. */
int case_lookup(struct ctx *c, const char *ref, enum perm p, struct case_handle *h);
/* The same by internal id (for records that keep the case id). */
int case_lookup_id(struct ctx *c, const char *id, enum perm p, struct case_handle *h);
/* Seal len bytes: *out (caller frees) of *out_len = len + SEAL_OVERHEAD bytes. */
int case_seal(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
	      const char *row_id, const void *plain, size_t len, unsigned char **out, size_t *out_len);
/* Open what case_seal sealed: *out (caller frees, NUL-terminated, wipe it) of *out_len bytes. */
int case_unseal(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
		const char *row_id, const unsigned char *sealed, size_t len, unsigned char **out, size_t *out_len);
/*
 * Set values of one entity of the case ("victim", "case"; not a list entity)
 * on behalf of another module (a decision sets victim.trafficking_status):
 * checked by the registry like an edit (a key replaces its value, null
 * clears it), the case's version bumped, audited as action. The caller's
 * reach is checked with p. On success the write transaction is left OPEN so
 * that the caller adds its own rows to it and then calls store_commit(); on
 * failure it has been rolled back and pb says why.
 */
/*
 * case_create inside the caller's open write transaction (store_begin): for
 * modules that create a case and attach their own rows atomically. Neither
 * commits nor rolls back.
 */
int case_create_tx(struct ctx *c, const json_t *body, char ref[CASE_REF_MAX], struct problem *pb);
int case_set_values_begin(struct ctx *c, const char *ref, enum perm p, const char *entity, const json_t *values,
			  const char *action, struct problem *pb);

/*
 * Sharing with other organisations (case_share.c), for the referral module,
 * which decides who may see what and audits it.
 *
 * The consent that stands for a purpose ("domestic_referral", ...): GIVEN
 * when a consent item of that purpose was given (or has a legal basis other
 * than consent) and is not withdrawn; WITHDRAWN when items of that purpose
 * exist and every one was withdrawn or refused; NONE when there is none.
 * Read from plain workflow facts: no key is opened.
 */
enum case_consent { CASE_CONSENT_NONE = 0, CASE_CONSENT_GIVEN, CASE_CONSENT_WITHDRAWN };
int case_consent_state(struct ctx *c, const char *case_id, const char *purpose, enum case_consent *out);
/*
 * A field path a referral profile may name: "person.given_name",
 * "victim.urgent_needs" (a registry field of a single entity other than
 * "case"), or "events" (the whole list). 0 or ERR_INVALID.
 */
int case_share_path_check(const char *path);
/*
 * The values of exactly the listed paths, decrypted: {"person": {...},
 * "victim": {...}, "events": [...]}, with entities and keys that hold no
 * value left out. NO reach check: the caller has established that the actor
 * may see these fields (a receiver of a referral). ERR_NOT_FOUND once erased.
 */
int case_view_fields(struct ctx *c, const char *case_id, const char *const *paths, int n, json_t **out);
/* case_lookup_id without a reach check (same caveat); ERR_NOT_FOUND once erased. */
int case_lookup_unchecked(struct ctx *c, const char *id, struct case_handle *h);
/*
 * Inside the caller's open write transaction: the case now belongs to
 * org_id, is assigned to nobody, and its version goes up. The caller checks
 * reach and consent and audits.
 */
int case_set_owner_tx(struct ctx *c, const char *case_id, const char *org_id);

#endif
