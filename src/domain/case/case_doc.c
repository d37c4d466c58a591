/*
 * case_doc.c: the read copy of a case (case_docs, migration 0024).
 *
 * A case is stored in parts: its plain facts (case_facts), the sealed records
 * of each entity item (case_records) and who recorded each consent
 * (case_item_meta). Reading it back from them took three statements over
 * three B-trees, about ten pages from the file at a million cases. The copy
 * is the values object exactly as the parts give it (case_values_read, then
 * case_item_meta_read), sealed with the case's data key and bound to the
 * case's id, in one row: a read opens the cases row and this one.
 *
 * The parts stay the truth: statistics, filters, search and edits use them.
 * Every write of a case's parts ends by remaking the copy from them in the
 * same transaction (case_doc_put: case_create_ext, the edits' save,
 * case_consent_add), so a read by either way answers the same bytes; erasure
 * deletes it. A copy made under another field registry (a field removed or
 * retyped since) is not used, and is remade when a server opens the folder.
 */
#include "case.h"
#include "case_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"
#include "../../crypto/seal.h"
#include "../registry/registry.h"

static struct seal_ad doc_ad(const char *case_id)
{
	struct seal_ad ad = { "case_docs", "doc", case_id };
	return ad;
}

int case_values_parts(struct ctx *c, const struct registry *r, const struct case_row *cr,
		      const unsigned char dek[DEK_BYTES], json_t *out)
{
	int rc = case_values_read(c, r, cr, dek, out);
	return rc < 0 ? rc : case_item_meta_read(c, cr->id, out);
}

int case_doc_put(struct ctx *c, const struct registry *r, const char *case_id, const unsigned char dek[DEK_BYTES])
{
	struct case_row cr;
	memset(&cr, 0, sizeof(cr));
	case_copy(cr.id, sizeof(cr.id), case_id);
	json_t *values = json_object();
	int rc = values ? case_values_parts(c, r, &cr, dek, values) : ERR_NOMEM;
	char *text = rc == 0 ? json_dumps(values, JSON_COMPACT) : NULL;
	json_decref(values);
	if (rc < 0 || !text) {
		free(text);
		return rc < 0 ? rc : ERR_NOMEM;
	}
	size_t n = strlen(text);
	unsigned char *sealed = malloc(seal_len(n));
	struct seal_ad ad = doc_ad(case_id);
	rc = sealed && seal_encrypt(sealed, (const unsigned char *)text, n, &ad, keyring_version(c->app->kr), dek) == 0
		     ? 0
		     : ERR_FAIL;
	sodium_memzero(text, n);
	free(text);
	struct store_stmt *st;
	if (rc == 0 && store_prepare(c->db, &st,
				     "INSERT INTO case_docs (case_id, registry, doc) VALUES (?, ?, ?) "
				     "ON CONFLICT (case_id) DO UPDATE SET registry = excluded.registry, doc = excluded.doc") == 0) {
		store_bind_text(st, 1, case_id);
		store_bind_text(st, 2, registry_fingerprint(r));
		store_bind_blob(st, 3, sealed, seal_len(n));
		rc = store_step(st) < 0 ? ERR_FAIL : 0;
		store_finalize(st);
	} else if (rc == 0) {
		rc = ERR_FAIL;
	}
	free(sealed);
	return rc;
}

int case_doc_open(const struct registry *r, const struct case_row *cr, const unsigned char dek[DEK_BYTES],
		  const char *registry, const unsigned char *sealed, size_t len, json_t **out)
{
	*out = NULL;
	if (!sealed || !registry || strcmp(registry, registry_fingerprint(r)) != 0)
		return 0;
	unsigned char *plain = len >= SEAL_OVERHEAD ? malloc(len - SEAL_OVERHEAD + 1) : NULL;
	size_t n = 0;
	struct seal_ad ad = doc_ad(cr->id);
	if (!plain || seal_decrypt(plain, &n, sealed, len, &ad, seal_key_version(sealed, len), dek) < 0) {
		free(plain);
		log_error("case read copy does not open", "case=%s", cr->id);
		return ERR_CRYPTO;
	}
	*out = json_loadb((const char *)plain, n, 0, NULL);
	sodium_memzero(plain, n);
	free(plain);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		log_error("case read copy is not an object", "case=%s", cr->id);
		return ERR_CRYPTO;
	}
	return 1;
}

/* ---- the one-time upgrade ---- */

static int doc_one(struct ctx *c, const struct case_row *cr)
{
	unsigned char dek[DEK_BYTES];
	int rc = case_dek_open(c, cr, dek);
	if (rc == 0)
		rc = case_doc_put(c, registry_get(), cr->id, dek);
	sodium_memzero(dek, sizeof(dek));
	return rc;
}

/* settings.case_docs: the registry every case's copy was made under, once all were. */
static int marker_read(struct ctx *c, char *out, size_t size)
{
	struct store_stmt *st;
	out[0] = '\0';
	if (store_prepare(c->db, &st, "SELECT value FROM settings WHERE key = 'case_docs'") < 0)
		return ERR_FAIL;
	int rc = store_step(st);
	if (rc == STORE_ROW)
		case_copy(out, size, store_column_text(st, 0));
	store_finalize(st);
	return rc < 0 ? ERR_FAIL : 0;
}

static int marker_write(struct ctx *c)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO settings (key, value) VALUES ('case_docs', ?) "
			  "ON CONFLICT (key) DO UPDATE SET value = excluded.value") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, registry_fingerprint(registry_get()));
	int rc = store_step(st) < 0 ? ERR_FAIL : 0;
	store_finalize(st);
	return rc;
}

int case_doc_upgrade(struct ctx *c, void (*progress)(long done, long total))
{
	const struct registry *r = registry_get();
	char made[REGISTRY_FINGERPRINT_LEN + 1];
	if (!r || marker_read(c, made, sizeof(made)) < 0)
		return ERR_FAIL;
	if (!strcmp(made, registry_fingerprint(r)))
		return 0;
	/* Copies made under another registry go; the loop below makes them again. */
	if (*made) {
		struct store_stmt *st;
		if (store_begin(c->db) < 0 || store_prepare(c->db, &st, "DELETE FROM case_docs WHERE registry <> ?") < 0) {
			store_rollback(c->db);
			return ERR_FAIL;
		}
		store_bind_text(st, 1, registry_fingerprint(r));
		int rc = store_step(st);
		store_finalize(st);
		if (rc < 0 || store_commit(c->db) < 0) {
			store_rollback(c->db);
			return ERR_FAIL;
		}
	}
	return case_upgrade_each(c,
				 "dek IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_docs d WHERE d.case_id = cases.id)",
				 500, doc_one, marker_write, progress);
}
