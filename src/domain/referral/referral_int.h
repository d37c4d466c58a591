/*
 * referral_int.h: private to src/domain/referral/: the stored row of a
 * referral, who the caller is to it, and the pieces referral.c (send,
 * read, list), transition.c, transfer.c, form.c and profile.c share.
 */
#ifndef IHALA_REFERRAL_INT_H
#define IHALA_REFERRAL_INT_H

#include <stdint.h>
#include "../case/case.h"
#include "../org/org.h"
#include "referral.h"
#include "rules.h"

struct referral_row {
	char id[ID_HEX_LEN + 1];
	char case_id[ID_HEX_LEN + 1];
	char case_ref[CASE_REF_MAX];
	char from_org[ID_HEX_LEN + 1], to_org[ID_HEX_LEN + 1];
	char from_name_en[ORG_NAME_MAX + 1], from_name_ar[ORG_NAME_MAX + 1];
	char to_name_en[ORG_NAME_MAX + 1], to_name_ar[ORG_NAME_MAX + 1];
	char created_by[ID_HEX_LEN + 1];
	char urgency[16];
	char services[256];
	char profile[ID_HEX_LEN + 1];
	char fields[2048];
	char consent[16];
	char override_by[ID_HEX_LEN + 1];
	enum referral_state state;
	char planned_start[11], decline_reason[32], outcome[32];
	int64_t created_at, ack_due, answer_due, next_due, updated_at, version;
	bool has_next_due;
};

/* Load referral id (with its case reference and both organisations' names). ERR_NOT_FOUND when unknown. */
int referral_row_load(struct ctx *c, const char *id, struct referral_row *r);
/*
 * The caller's side of r: SIDE_SENDER or SIDE_RECEIVER by organisation (the
 * creator counts as the sender), SIDE_NONE for a coordinator who is
 * neither; *visible false when PERM_REFERRAL_READ does not reach r.
 */
enum referral_side referral_side_of(const struct ctx *c, const struct referral_row *r, bool *visible);
/* May the receiver see the profile's fields now (open state, consent or an override not undone)? */
int referral_sharing(struct ctx *c, const struct referral_row *r, bool *shared);
/*
 * The JSON of r for the caller's side; full adds the reason, the
 * transitions and (receiver, shared) the person's fields. Runs inside the
 * caller's (read) transaction; *viewed true when personal fields were given.
 */
int referral_json(struct ctx *c, const struct referral_row *r, bool full, json_t **out, bool *viewed);
/* snprintf of src ("" for NULL) into dst. */
void referral_copy(char *dst, size_t size, const char *src);
/* Check a free text (reason, note): lines allowed, no other control character; too_long beyond max chars. */
int referral_check_text(const char *text, size_t max_chars, const char *field, struct problem *pb);
/* Does organisation id exist? 1, 0, or negative. */
int referral_org_exists(struct ctx *c, const char *id);
/*
 * The consent rule for sharing a case with another organisation (referral
 * or transfer): sets *consent "given" or "override" or fills pb (409
 * consent_required / consent_withdrawn, 403 forbidden on
 * "consent_override", 400 on "consent_override.reason").
 */
int referral_consent_check(struct ctx *c, const struct case_handle *h, const json_t *override, const char **consent,
			   struct problem *pb);
/* Add transition seq (from NULL for the sending) with an optional note (sealed), by the caller, now. */
int referral_transition_insert(struct ctx *c, const struct referral_row *r, int64_t seq, const char *from,
			       const char *to, const char *note);
/* Seal text with the case's key (AD table/column/row); *out caller frees. */
int referral_seal(struct ctx *c, const char *case_id, const char *table, const char *column, const char *row,
		  const char *text, unsigned char **out, size_t *len);
/* Open it again: *text caller frees (NULL when sealed is NULL). */
int referral_unseal(struct ctx *c, const char *case_id, const char *table, const char *column, const char *row,
		    const unsigned char *sealed, size_t len, char **text);

#endif
