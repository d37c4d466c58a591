/*
 * case_attach.c: what other modules build on a case (case.h): the case
 * handle (case_lookup, case_seal and case_unseal with the case's data key),
 * the records they attach to it, and erasure, which removes them with the
 * case.
 */
#include "case.h"
#include "case_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/seal.h"
#include "../link/dedup.h"
#include "../org/org.h"
#include "../registry/registry.h"
#include "../stats/stats.h"

/* ---- records other modules attach to a case ---- */

/*
 * What other modules attach to a case, deleted with it on erasure (one
 * parameter: the case id), children before their parents. Their sealed
 * values could not be read anyway once the data key is gone.
 */
static const char *const case_attached_deletes[] = {
	"DELETE FROM screenings WHERE case_id = ?",
	"DELETE FROM ident_decisions WHERE case_id = ?",
	"DELETE FROM referral_services WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = ?)",
	"DELETE FROM referral_transitions WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = ?)",
	"DELETE FROM referrals WHERE case_id = ?",
	"DELETE FROM case_transfers WHERE case_id = ?",
	"DELETE FROM notification_reads WHERE notification_id IN (SELECT n.id FROM notifications n"
	" JOIN cases c ON c.ref = n.case_ref WHERE c.id = ?)",
	"DELETE FROM notifications WHERE case_ref IN (SELECT ref FROM cases WHERE id = ?)",
	"DELETE FROM plan_services WHERE case_id = ?",
	"DELETE FROM plan_items WHERE case_id = ?",
	"DELETE FROM plans WHERE case_id = ?",
	/* duplicates (src/domain/link/dedup.h; docs/linkage.md, "Erasure"): the case leaves its person */
	"DELETE FROM link_merge_cases WHERE merge_id IN (SELECT m.id FROM link_merges m JOIN link_pairs p"
	" ON p.id = m.pair_id WHERE ? IN (p.case_a, p.case_b))",
	"DELETE FROM link_merges WHERE pair_id IN (SELECT id FROM link_pairs WHERE ? IN (case_a, case_b))",
	"DELETE FROM link_merge_cases WHERE case_id = ?",
	"DELETE FROM link_pairs WHERE ? IN (case_a, case_b)",
	"DELETE FROM link_cases WHERE case_id = ?",
	NULL,
};

static int handle_from_row(struct ctx *c, const struct case_row *cr, enum perm p, struct case_handle *h)
{
	if (!cr->has_dek || !case_reaches(c, p, cr->org_id, cr->created_by))
		return ERR_NOT_FOUND;
	memset(h, 0, sizeof(*h));
	case_copy(h->id, sizeof(h->id), cr->id);
	case_copy(h->ref, sizeof(h->ref), cr->ref);
	case_copy(h->org_id, sizeof(h->org_id), cr->org_id);
	case_copy(h->created_by, sizeof(h->created_by), cr->created_by);
	case_copy(h->assigned_to, sizeof(h->assigned_to), cr->assigned_to);
	case_copy(h->status, sizeof(h->status), cr->status);
	h->created_at = cr->created_at;
	h->version = cr->version;
	return 0;
}

int case_create_tx(struct ctx *c, const json_t *body, char ref[CASE_REF_MAX], struct problem *pb)
{
	int rc = case_create_ext(c, body, NULL, false, ref, pb);
	struct case_row cr;
	/* One case inside the caller's transaction: its duplicates are looked for there too. */
	if (rc == 0 && (case_row_load(c->db, "ref", ref, &cr) < 0 || dedup_case_created(c, cr.id) < 0))
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	return rc;
}

int case_lookup(struct ctx *c, const char *ref, enum perm p, struct case_handle *h)
{
	struct case_row cr;
	int rc = case_row_load(c->db, "ref", ref, &cr);
	return rc < 0 ? rc : handle_from_row(c, &cr, p, h);
}

int case_lookup_id(struct ctx *c, const char *id, enum perm p, struct case_handle *h)
{
	struct case_row cr;
	int rc = case_row_load(c->db, "id", id, &cr);
	return rc < 0 ? rc : handle_from_row(c, &cr, p, h);
}

/* The data key of the case behind h (which case_lookup checked). */
static int handle_dek(struct ctx *c, const struct case_handle *h, unsigned char dek[DEK_BYTES])
{
	struct case_row cr;
	if (case_row_load(c->db, "id", h->id, &cr) < 0 || !cr.has_dek)
		return ERR_NOT_FOUND;
	return case_dek_open(c, &cr, dek);
}

int case_seal(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
	      const char *row_id, const void *plain, size_t len, unsigned char **out, size_t *out_len)
{
	unsigned char dek[DEK_BYTES];
	*out = NULL;
	int rc = handle_dek(c, h, dek);
	if (rc < 0)
		return rc;
	unsigned char *sealed = malloc(len + SEAL_OVERHEAD);
	struct seal_ad ad = { table, column, row_id };
	rc = sealed ? seal_encrypt(sealed, plain, len, &ad, keyring_version(c->app->kr), dek) : ERR_NOMEM;
	sodium_memzero(dek, sizeof(dek));
	if (rc < 0) {
		free(sealed);
		return rc;
	}
	*out = sealed;
	*out_len = len + SEAL_OVERHEAD;
	return 0;
}

int case_unseal(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
		const char *row_id, const unsigned char *sealed, size_t len, unsigned char **out, size_t *out_len)
{
	unsigned char dek[DEK_BYTES];
	*out = NULL;
	if (len < SEAL_OVERHEAD)
		return ERR_CRYPTO;
	int rc = handle_dek(c, h, dek);
	if (rc < 0)
		return rc;
	unsigned char *plain = malloc(len - SEAL_OVERHEAD + 1);
	struct seal_ad ad = { table, column, row_id };
	rc = plain ? seal_decrypt(plain, out_len, sealed, len, &ad, seal_key_version(sealed, len), dek) : ERR_NOMEM;
	sodium_memzero(dek, sizeof(dek));
	if (rc < 0) {
		free(plain);
		return rc;
	}
	plain[*out_len] = '\0';
	*out = plain;
	return 0;
}

/* ---- erase ---- */

int case_erase(struct ctx *c, const char *ref)
{
	struct case_row cr;
	int rc = case_row_load(c->db, "ref", ref, &cr);
	if (rc < 0)
		return rc;
	if (!cr.has_dek || !case_reaches(c, PERM_CASE_ERASE, cr.org_id, cr.created_by))
		return ERR_NOT_FOUND;
	static const char *const wipe[] = {
		"DELETE FROM case_blind WHERE case_id = ?",
		"DELETE FROM case_records WHERE case_id = ?",
		"DELETE FROM case_facts WHERE case_id = ?",
		"DELETE FROM case_comments WHERE case_id = ?",
		"DELETE FROM case_item_meta WHERE case_id = ?",
		"DELETE FROM case_docs WHERE case_id = ?",
		"UPDATE cases SET dek = NULL, display = NULL, status = 'Erased', updated_at = ?, version = version + 1 WHERE id = ?",
	};
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	for (size_t i = 0; i < sizeof(wipe) / sizeof(wipe[0]); i++) {
		struct store_stmt *st;
		if (store_prepare(c->db, &st, wipe[i]) < 0)
			goto fail;
		int k = 1;
		if (i == sizeof(wipe) / sizeof(wipe[0]) - 1)
			store_bind_int64(st, k++, clock_now());
		store_bind_text(st, k, cr.id);
		rc = store_step(st);
		store_finalize(st);
		if (rc < 0)
			goto fail;
	}
	for (size_t i = 0; case_attached_deletes[i]; i++) {
		if (case_delete_where(c, case_attached_deletes[i], cr.id) < 0)
			goto fail;
	}
	if (stats_touch(c->db, cr.id) < 0 || ctx_audit(c, "case.erase", "case", cr.id, "ok") < 0 ||
	    store_commit(c->db) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(c->db);
	return ERR_FAIL;
}
