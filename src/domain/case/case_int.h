/*
 * case_int.h: private to src/domain/case/: the pieces case.c (create, read,
 * erase), case_find.c (search and lists) and case_edit.c (changes, consents,
 * comments) share. Nothing outside this folder includes it.
 */
#ifndef IHALA_CASE_INT_H
#define IHALA_CASE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include "../../crypto/seal.h"
#include "../registry/registry.h"
#include "case.h"

#define DEK_BYTES 32
#define MAX_ITEMS 64   /* events or consents in one case */

/* A top-level key of the case JSON and the registry entity it holds. */
struct case_part {
	const char *key;
	const char *entity;
	bool many;
};
extern const struct case_part case_parts[];
extern const size_t case_n_parts;

struct case_row {
	char id[ID_HEX_LEN + 1];
	char ref[CASE_REF_MAX];
	char org_id[ID_HEX_LEN + 1];
	char created_by[ID_HEX_LEN + 1];
	char assigned_to[ID_HEX_LEN + 1];
	char status[32];
	char external_ref[128];
	int64_t created_at, updated_at, version;
	unsigned char dek_sealed[SEAL_OVERHEAD + DEK_BYTES];
	bool has_dek;   /* false once erased */
};

#define CASE_COLS "id, ref, org_id, created_by, assigned_to, status, external_ref, created_at, " \
		  "updated_at, version, dek"
/* The same, qualified, for joins with tables that share column names (case_blind.created_at). */
#define CASE_COLS_Q "cases.id, cases.ref, cases.org_id, cases.created_by, cases.assigned_to, cases.status, " \
		    "cases.external_ref, cases.created_at, cases.updated_at, cases.version, cases.dek"

/* Is the field's value sealed (identifying or sensitive), rather than a plain fact? */
bool case_field_secret(const struct field *f);
/* Run sql (one parameter: the case id) for a case: the deletions of erasure and rewriting. */
int case_delete_where(struct ctx *c, const char *sql, const char *case_id);
/* May the actor use p on a case of org_id created by created_by? */
bool case_reaches(const struct ctx *c, enum perm p, const char *org_id, const char *created_by);
/*
 * case_create with the source record id of an import (NULL: none) as
 * external_ref. own_tx false: runs inside the caller's open transaction
 * (import writes a whole file in one) and neither commits nor rolls back.
 */
int case_create_ext(struct ctx *c, const json_t *body, const char *external_ref, bool own_tx,
		    char ref[CASE_REF_MAX], struct problem *pb);
/* Check a whole case body (creation). */
int case_validate(const struct registry *r, const json_t *body, struct problem *pb);
int case_row_load(struct store *db, const char *where, const char *value, struct case_row *cr);
void case_row_read(struct store_stmt *st, struct case_row *cr);   /* columns CASE_COLS */
/*
 * The whole case of a loaded row as JSON (case_get's shape), without the
 * audit row: for callers that audit a batch themselves (export). ERR_NOT_FOUND
 * when erased or out of the caller's reach.
 */
int case_read_row(struct ctx *c, const struct case_row *cr, json_t **out);
/* The same with the case's read copy (case_doc_open's registry, sealed, len: NULL, NULL, 0 for none). */
int case_read_row_doc(struct ctx *c, const struct case_row *cr, const char *registry, const unsigned char *sealed,
		      size_t len, json_t **out);
/* Open the case's data key into dek; ERR_CRYPTO (logged) when it does not open. */
int case_dek_open(const struct ctx *c, const struct case_row *cr, unsigned char dek[DEK_BYTES]);
/* The blind index entries of one entity item (names alone and in pairs, documents, birth years). */
int case_item_index(struct ctx *c, const struct registry *r, const char *case_id, const char *entity,
		    const json_t *values);
/* The text of the "name2" blind index of two name tokens, in either order. */
void case_name_pair(const char *a, const char *b, char *out, size_t size);
/* Write one entity item: sealed record, facts, blind indexes. */
int case_item_put(struct ctx *c, const struct registry *r, const char *case_id,
		  const unsigned char dek[DEK_BYTES], const char *entity, int item, const json_t *values);
/* Read all values of the case into out (the JSON shape of case.h, without the row fields). */
int case_values_read(struct ctx *c, const struct registry *r, const struct case_row *cr,
		     const unsigned char dek[DEK_BYTES], json_t *out);
/* case_values_read with the case's data key opened and wiped here. */
int case_values_open(struct ctx *c, const struct registry *r, const struct case_row *cr, json_t *out);
/* Delete the records, facts and blind indexes, then write every item of doc again. */
int case_items_rewrite(struct ctx *c, const struct registry *r, const char *case_id,
		       const unsigned char dek[DEK_BYTES], const json_t *doc);
/* Record who added an item (event, consent) and when. */
int case_item_meta_put(struct ctx *c, const char *case_id, const char *entity, int item);
/* Add recorded_by / recorded_at to the consents of out. */
int case_item_meta_read(struct ctx *c, const char *case_id, json_t *out);
/*
 * The list name of a case ("Given Middle Family (Latin twins)" of the person
 * record, "" without one), sealed with the case's data key for cases.display
 * (migration 0022). case_display_seal writes it into out; case_display_put
 * stores it on the row (inside the caller's transaction).
 */
#define CASE_DISPLAY_MAX 512
#define CASE_DISPLAY_SEALED (SEAL_OVERHEAD + CASE_DISPLAY_MAX)
int case_display_seal(const struct ctx *c, const char *case_id, const unsigned char dek[DEK_BYTES],
		      const json_t *person, unsigned char out[CASE_DISPLAY_SEALED], size_t *len);
int case_display_put(struct ctx *c, const char *case_id, const unsigned char dek[DEK_BYTES], const json_t *person);
/*
 * The one-time upgrades of every case (case.h: the search index, the list
 * names): run fn on each case whose row matches where (SQL over cases,
 * without parameters), in id order, in transactions of page cases; last (may
 * be NULL) runs in the final one. progress is called with (done, total) every 10,000
 * cases and at the end, never when there was nothing to do. 0 or the first
 * failure, whose transaction is rolled back (the next open goes on).
 */
int case_upgrade_each(struct ctx *c, const char *where, int page, int (*fn)(struct ctx *c, const struct case_row *cr),
		      int (*last)(struct ctx *c), void (*progress)(long done, long total));
/*
 * The read copy of a case (case_doc.c, migration 0024). case_values_parts
 * reads the values from the parts (case_values_read, then who recorded each
 * consent): the copy's content, and a read's when there is none.
 * case_doc_put remakes the copy of case_id from its parts; every write of the
 * parts calls it last, in its transaction. case_doc_open opens a copy
 * (registry: its fingerprint, sealed: its bytes, both NULL when there is
 * none) into *out: 1 when opened, 0 when there is none or it was made under
 * another registry (read the parts), ERR_CRYPTO when it does not open.
 */
int case_values_parts(struct ctx *c, const struct registry *r, const struct case_row *cr,
		      const unsigned char dek[DEK_BYTES], json_t *out);
int case_doc_put(struct ctx *c, const struct registry *r, const char *case_id, const unsigned char dek[DEK_BYTES]);
int case_doc_open(const struct registry *r, const struct case_row *cr, const unsigned char dek[DEK_BYTES],
		  const char *registry, const unsigned char *sealed, size_t len, json_t **out);
struct seal_ad case_record_ad(const char *entity, const char *case_id, int item, char *row, size_t size);
void case_copy(char *dst, size_t size, const char *src);
json_t *case_str_or_null(const char *s);

#endif
