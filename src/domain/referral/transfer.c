/*
 * transfer.c: handing a whole case to another organisation (referral.h).
 * Unlike a referral, which asks another organisation for a service and
 * shares a profile's fields, a transfer moves ownership: the new
 * organisation reads and writes the whole case, the old one loses its
 * reach. It needs the same consent as a referral (or an override).
 */
#include "referral_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../notify/notify.h"

int case_transfer(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	const char *to_org = json_string_value(json_object_get(body, "to_org"));
	const char *reason = json_string_value(json_object_get(body, "reason"));
	const json_t *override = json_object_get(body, "consent_override");
	if (!to_org)
		return problem_set(pb, ERR_INVALID, "missing_field", "to_org");
	if (!reason)
		return problem_set(pb, ERR_INVALID, "missing_field", "reason");
	if (referral_check_text(reason, REFERRAL_REASON_MAX_CHARS, "reason", pb) < 0)
		return ERR_INVALID;
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct case_handle h;
	const char *consent = NULL;
	char id[ID_HEX_LEN + 1];
	unsigned char *sealed = NULL;
	size_t len = 0;
	int rc = case_lookup(c, ref, PERM_CASE_TRANSFER, &h);
	if (rc < 0) {
		problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
		goto fail;
	}
	rc = referral_org_exists(c, to_org);
	if (rc <= 0 || !strcmp(to_org, h.org_id)) {
		rc = rc < 0 ? problem_set(pb, rc, "internal", NULL) : problem_set(pb, ERR_INVALID, "invalid", "to_org");
		goto fail;
	}
	if ((rc = referral_consent_check(c, &h, override, &consent, pb)) < 0) {
		if (!pb->code)
			problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	random_id(id);
	if ((rc = case_seal(c, &h, "case_transfers", "reason", id, reason, strlen(reason), &sealed, &len)) < 0) {
		problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	struct store_stmt *st;
	bool overridden = !strcmp(consent, "override");
	if ((rc = store_prepare(c->db, &st, "INSERT INTO case_transfers (id, case_id, from_org, to_org, by_user, at,"
					    " consent, reason, override_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) == 0) {
		store_bind_text(st, 1, id);
		store_bind_text(st, 2, h.id);
		store_bind_text(st, 3, h.org_id);
		store_bind_text(st, 4, to_org);
		store_bind_text(st, 5, c->actor.user_id);
		store_bind_int64(st, 6, clock_now());
		store_bind_text(st, 7, consent);
		store_bind_blob(st, 8, sealed, len);
		if (overridden)
			store_bind_text(st, 9, c->actor.user_id);
		else
			store_bind_null(st, 9);
		rc = store_step(st);
		store_finalize(st);
	}
	free(sealed);
	if (rc < 0 || (rc = case_set_owner_tx(c, h.id, to_org)) < 0 ||
	    (rc = notify_org(c, to_org, "case.transferred", "case", h.ref, h.ref)) < 0 ||
	    (rc = ctx_audit(c, "case.transfer", "case", h.id, "ok")) < 0 ||
	    (overridden && (rc = ctx_audit(c, "case.transfer.consent_override", "case", h.id, "ok")) < 0) ||
	    (rc = store_commit(c->db)) < 0) {
		problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "case_ref", h.ref, "from_org", h.org_id, "to_org",
			 to_org, "consent", consent);
	return 0;
fail:
	store_rollback(c->db);
	return rc < 0 ? rc : ERR_FAIL;
}

int case_transfers_list(struct ctx *c, const char *ref, json_t **items)
{
	*items = NULL;
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	struct case_handle h;
	int rc = case_lookup(c, ref, PERM_CASE_READ, &h);
	struct store_stmt *st;
	json_t *arr = json_array();
	if (rc == 0 && (rc = store_prepare(c->db, &st, "SELECT t.id, t.from_org, t.to_org, t.by_user, t.at, t.consent,"
						       " t.reason, t.override_by, u.display_name, fo.name_en, fo.name_ar,"
						       " o.name_en, o.name_ar FROM case_transfers t"
						       " LEFT JOIN users u ON u.id = t.by_user"
						       " JOIN orgs fo ON fo.id = t.from_org JOIN orgs o ON o.id = t.to_org"
						       " WHERE t.case_id = ? ORDER BY t.at, t.id")) == 0) {
		store_bind_text(st, 1, h.id);
		while ((rc = store_step(st)) == STORE_ROW) {
			size_t len = 0;
			const unsigned char *sealed = store_column_blob(st, 6, &len);
			unsigned char *plain = NULL;
			size_t plain_len = 0;
			const char *tid = store_column_text(st, 0);
			if ((rc = case_unseal(c, &h, "case_transfers", "reason", tid, sealed, len, &plain, &plain_len)) < 0)
				break;
			const char *name = store_column_text(st, 8);
			json_array_append_new(arr, json_pack("{s:s, s:{s:s,s:s,s:s}, s:{s:s,s:s,s:s}, s:s, s:s, s:I, s:s, s:s, s:o}",
				"id", tid,
				"from_org", "id", store_column_text(st, 1), "name_en", store_column_text(st, 9), "name_ar", store_column_text(st, 10),
				"to_org", "id", store_column_text(st, 2), "name_en", store_column_text(st, 11), "name_ar", store_column_text(st, 12),
				"by", store_column_text(st, 3), "by_name", name ? name : "",
				"at", (json_int_t)store_column_int64(st, 4), "consent", store_column_text(st, 5),
				"reason", (const char *)plain,
				"override_by", store_column_is_null(st, 7) ? json_null() : json_string(store_column_text(st, 7))));
			sodium_memzero(plain, plain_len);
			free(plain);
		}
		store_finalize(st);
	}
	store_rollback(c->db);
	if (rc < 0 || (rc = ctx_audit_tx(c, "case.transfers.read", "case", h.id, "ok")) < 0) {
		json_decref(arr);
		return rc;
	}
	*items = arr;
	return 0;
}
