/* case.c: cases on the field registry; see case.h and docs/design-cases.md. */
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

const struct case_part case_parts[] = {
	{ "person", "person", false }, { "victim", "victim", false }, { "case", "case", false },
	{ "events", "event", true },   { "consents", "consent", true },
};
const size_t case_n_parts = sizeof(case_parts) / sizeof(case_parts[0]);

bool case_field_secret(const struct field *f)
{
	return f->protection == PROT_IDENTIFYING || f->protection == PROT_SENSITIVE;
}

bool case_reaches(const struct ctx *c, enum perm p, const char *org_id, const char *created_by)
{
	switch (ctx_scope(c, p)) {
	case SCOPE_ALL:
		return true;
	case SCOPE_OWN_ORG:
		return !strcmp(org_id, c->actor.org_id);
	case SCOPE_OWN:
		return !strcmp(created_by, c->actor.user_id);
	default:
		return false;
	}
}

/* ---- validation ---- */

int case_validate(const struct registry *r, const json_t *body, struct problem *pb)
{
	if (!json_is_object(body))
		return problem_set(pb, ERR_INVALID, "not_object", NULL);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v) {
		const struct case_part *p = NULL;
		for (size_t i = 0; i < case_n_parts; i++)
			if (!strcmp(key, case_parts[i].key))
				p = &case_parts[i];
		if (!p)
			return problem_set(pb, ERR_INVALID, "unknown_field", key);
		if (p->many) {
			if (!json_is_array(v))
				return problem_set(pb, ERR_INVALID, "wrong_type", key);
			if (json_array_size(v) > MAX_ITEMS)
				return problem_set(pb, ERR_INVALID, "too_long", key);
			size_t i;
			json_t *item;
			json_array_foreach(v, i, item) {
				if (!json_is_object(item))
					return problem_set(pb, ERR_INVALID, "wrong_type", key);
				if (registry_validate(r, p->entity, item, true, pb) < 0)
					return ERR_INVALID;
			}
		} else {
			if (!json_is_object(v))
				return problem_set(pb, ERR_INVALID, "wrong_type", key);
			if (registry_validate(r, p->entity, v, true, pb) < 0)
				return ERR_INVALID;
		}
	}
	if (!json_object_get(body, "person"))
		return problem_set(pb, ERR_INVALID, "missing_field", "person");
	return 0;
}

/* ---- writing one entity item ---- */

/* A fact's text form: strings as they are, numbers in decimal, booleans true/false. */
static int fact_text(const json_t *v, char *out, size_t size)
{
	if (json_is_string(v))
		return snprintf(out, size, "%s", json_string_value(v)) < (int)size ? 0 : ERR_INVALID;
	if (json_is_integer(v))
		return snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v)), 0;
	if (json_is_real(v))
		return snprintf(out, size, "%.17g", json_real_value(v)), 0;
	if (json_is_boolean(v))
		return snprintf(out, size, "%s", json_is_true(v) ? "true" : "false"), 0;
	return ERR_INVALID;
}

/* One fact; n is the value's position in a list field (0 for a single value). */
static int put_fact(struct ctx *c, const char *case_id, const char *entity, int item, const char *key,
		    int n, const json_t *v)
{
	char text[4096];
	if (fact_text(v, text, sizeof(text)) < 0)
		return ERR_INVALID;
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO case_facts (case_id, entity, item, key, n, value) VALUES (?, ?, ?, ?, ?, ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	store_bind_text(st, 2, entity);
	store_bind_int64(st, 3, item);
	store_bind_text(st, 4, key);
	store_bind_int64(st, 5, n);
	store_bind_text(st, 6, text);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

struct seal_ad case_record_ad(const char *entity, const char *case_id, int item, char *row, size_t size)
{
	snprintf(row, size, "%s:%d", case_id, item);
	struct seal_ad ad = { "case_records", entity, row };
	return ad;
}

/*
 * The CTDC age band of the person at the case's registration: from the birth
 * date when known, else from the estimated age (taken as the age at
 * registration). A statistical fact, so counting needs no key.
 */
static int put_age_band(struct ctx *c, const struct registry *r, const char *case_id, const json_t *person)
{
	const struct field *f = registry_field(r, "person", "age_band");
	if (!f)
		return 0;
	const char *birth = json_string_value(json_object_get(person, "birth_date"));
	const json_t *est = json_object_get(person, "estimated_age");
	int age = -1;
	if (birth) {
		struct store_stmt *st;
		int64_t created = clock_now();
		if (store_prepare(c->db, &st, "SELECT created_at FROM cases WHERE id = ?") < 0)
			return ERR_FAIL;
		store_bind_text(st, 1, case_id);
		if (store_step(st) == STORE_ROW)
			created = store_column_int64(st, 0);
		store_finalize(st);
		char on[24];
		if (clock_format_iso(created, on, sizeof(on)) < 0)
			return ERR_FAIL;
		on[10] = '\0';
		age = registry_age_on(birth, on);
	} else if (json_is_integer(est)) {
		age = (int)json_integer_value(est);
	}
	const char *band = registry_age_band(age);
	if (!band)
		return 0;
	json_t *v = json_string(band);
	int rc = put_fact(c, case_id, "person", 0, "age_band", 0, v);
	json_decref(v);
	return rc;
}

int case_item_put(struct ctx *c, const struct registry *r, const char *case_id,
		    const unsigned char dek[DEK_BYTES], const char *entity, int item, const json_t *values)
{
	json_t *secret = json_object();
	const char *key;
	json_t *v;
	int rc = case_item_index(c, r, case_id, entity, values);
	json_object_foreach((json_t *)values, key, v) {
		const struct field *f = registry_field(r, entity, key);
		if (!f || f->derived || json_is_null(v))
			continue;
		if (rc < 0)
			break;
		if (case_field_secret(f)) {
			json_object_set(secret, key, v);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e) {
				if ((rc = put_fact(c, case_id, entity, item, key, (int)i, e)) < 0)
					break;
			}
		} else {
			rc = put_fact(c, case_id, entity, item, key, 0, v);
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && !strcmp(entity, "person"))
		rc = put_age_band(c, r, case_id, values);
	if (rc == 0 && json_object_size(secret) > 0) {
		char *text = json_dumps(secret, JSON_COMPACT);
		size_t len = text ? strlen(text) : 0;
		unsigned char *sealed = text ? malloc(seal_len(len)) : NULL;
		char row[96];
		struct seal_ad ad = case_record_ad(entity, case_id, item, row, sizeof(row));
		rc = ERR_FAIL;
		if (sealed && seal_encrypt(sealed, (const unsigned char *)text, len, &ad,
					   keyring_version(c->app->kr), dek) == 0) {
			struct store_stmt *st;
			if (store_prepare(c->db, &st, "INSERT INTO case_records (case_id, entity, item, sealed) "
						      "VALUES (?, ?, ?, ?)") == 0) {
				store_bind_text(st, 1, case_id);
				store_bind_text(st, 2, entity);
				store_bind_int64(st, 3, item);
				store_bind_blob(st, 4, sealed, seal_len(len));
				rc = store_step(st) < 0 ? ERR_FAIL : 0;
				store_finalize(st);
			}
		}
		if (text) {
			sodium_memzero(text, len);
			free(text);
		}
		free(sealed);
	}
	json_decref(secret);
	return rc;
}

/* ---- create ---- */

static int next_ref(struct ctx *c, const char *country, char ref[CASE_REF_MAX])
{
	char year[8];
	char iso[24];
	if (clock_format_iso(clock_now(), iso, sizeof(iso)) < 0)
		return ERR_FAIL;
	memcpy(year, iso, 4);
	year[4] = '\0';
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO case_seq (country, year, next) VALUES (?, ?, 1) "
			  "ON CONFLICT (country, year) DO UPDATE SET next = case_seq.next + 1 RETURNING next") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, country);
	store_bind_int64(st, 2, strtol(year, NULL, 10));
	int rc = store_step(st);
	int64_t n = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
	store_finalize(st);
	if (rc != STORE_ROW)
		return ERR_FAIL;
	snprintf(ref, CASE_REF_MAX, "%s-%s-%05lld", country, year, (long long)n);
	return 0;
}

int case_create(struct ctx *c, const json_t *body, char ref[CASE_REF_MAX], struct problem *pb)
{
	return case_create_ext(c, body, NULL, true, ref, pb);
}

int case_create_ext(struct ctx *c, const json_t *body, const char *external_ref, bool own_tx,
		    char ref[CASE_REF_MAX], struct problem *pb)
{
	const struct registry *r = registry_get();
	if (!r)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (ctx_scope(c, PERM_CASE_WRITE) == SCOPE_NONE || !c->actor.user_id[0])
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	int rc = case_validate(r, body, pb);
	if (rc < 0)
		return rc;
	struct org o;
	struct ctx sys = *c;
	memset(&sys.actor, 0, sizeof(sys.actor));
	if (org_get(&sys, c->actor.org_id, &o) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);

	const json_t *case_part = json_object_get(body, "case");
	const char *status = case_part ? json_string_value(json_object_get(case_part, "status")) : NULL;
	char id[ID_HEX_LEN + 1];
	random_id(id);
	unsigned char dek[DEK_BYTES], dek_sealed[SEAL_OVERHEAD + DEK_BYTES];
	random_bytes(dek, sizeof(dek));
	struct seal_ad dad = { "cases", "dek", id };
	if (seal_encrypt(dek_sealed, dek, sizeof(dek), &dad, keyring_version(c->app->kr),
			 keyring_subkey(c->app->kr, KEY_KEK)) < 0) {
		sodium_memzero(dek, sizeof(dek));
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	unsigned char display[CASE_DISPLAY_SEALED];
	size_t display_len = 0;
	if (case_display_seal(c, id, dek, json_object_get(body, "person"), display, &display_len) < 0) {
		sodium_memzero(dek, sizeof(dek));
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	int64_t now = clock_now();
	if (own_tx && store_begin(c->db) < 0)
		goto fail;
	if (next_ref(c, o.country, ref) < 0)
		goto fail;
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO cases (id, ref, org_id, created_by, assigned_to, status, dek, created_at, "
			  "updated_at, version, external_ref, display) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)") < 0)
		goto fail;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, ref);
	store_bind_text(st, 3, c->actor.org_id);
	store_bind_text(st, 4, c->actor.user_id);
	store_bind_text(st, 5, c->actor.user_id);
	store_bind_text(st, 6, status ? status : "Active");
	store_bind_blob(st, 7, dek_sealed, sizeof(dek_sealed));
	store_bind_int64(st, 8, now);
	store_bind_int64(st, 9, now);
	store_bind_text(st, 10, external_ref && *external_ref ? external_ref : NULL);
	store_bind_blob(st, 11, display, display_len);
	rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < case_n_parts; i++) {
		const json_t *v = json_object_get(body, case_parts[i].key);
		if (!v)
			continue;
		if (case_parts[i].many) {
			size_t k;
			json_t *item;
			json_array_foreach(v, k, item) {
				if (case_item_put(c, r, id, dek, case_parts[i].entity, (int)k, item) < 0 ||
				    case_item_meta_put(c, id, case_parts[i].entity, (int)k) < 0)
					goto fail;
			}
		} else if (case_item_put(c, r, id, dek, case_parts[i].entity, 0, v) < 0) {
			goto fail;
		}
	}
	if (case_doc_put(c, r, id, dek) < 0 || stats_touch(c->db, id) < 0 ||
	    ctx_audit(c, "case.create", "case", id, "ok") < 0 ||
	    (own_tx && store_commit(c->db) < 0))
		goto fail;
	sodium_memzero(dek, sizeof(dek));
	/*
	 * Likely duplicates of the new case go to the review queue, right after
	 * the commit so that creating a case stays as fast as it was
	 * (src/domain/link/dedup.h). A caller with its own transaction checks
	 * after its commit (import.c), or inside it (case_create_tx).
	 */
	if (own_tx)
		dedup_case_saved(c, id);
	return 0;
fail:
	if (own_tx)
		store_rollback(c->db);
	sodium_memzero(dek, sizeof(dek));
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int case_dek_open(const struct ctx *c, const struct case_row *cr, unsigned char dek[DEK_BYTES])
{
	size_t dek_len = 0;
	struct seal_ad dad = { "cases", "dek", cr->id };
	if (!cr->has_dek ||
	    seal_decrypt(dek, &dek_len, cr->dek_sealed, sizeof(cr->dek_sealed), &dad,
			 seal_key_version(cr->dek_sealed, sizeof(cr->dek_sealed)),
			 keyring_subkey(c->app->kr, KEY_KEK)) < 0 || dek_len != DEK_BYTES) {
		log_error("case data key does not open", "case=%s", cr->id);
		return ERR_CRYPTO;
	}
	return 0;
}

int case_delete_where(struct ctx *c, const char *sql, const char *case_id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int case_items_rewrite(struct ctx *c, const struct registry *r, const char *case_id,
		       const unsigned char dek[DEK_BYTES], const json_t *doc)
{
	if (case_delete_where(c, "DELETE FROM case_records WHERE case_id = ?", case_id) < 0 ||
	    case_delete_where(c, "DELETE FROM case_facts WHERE case_id = ?", case_id) < 0 ||
	    case_delete_where(c, "DELETE FROM case_blind WHERE case_id = ?", case_id) < 0)
		return ERR_FAIL;
	for (size_t i = 0; i < case_n_parts; i++) {
		const json_t *v = json_object_get(doc, case_parts[i].key);
		if (!v)
			continue;
		if (case_parts[i].many) {
			size_t k;
			json_t *item;
			json_array_foreach(v, k, item)
				if (case_item_put(c, r, case_id, dek, case_parts[i].entity, (int)k, item) < 0)
					return ERR_FAIL;
		} else if (case_item_put(c, r, case_id, dek, case_parts[i].entity, 0, v) < 0) {
			return ERR_FAIL;
		}
	}
	return case_display_put(c, case_id, dek, json_object_get(doc, "person"));
}

int case_item_meta_put(struct ctx *c, const char *case_id, const char *entity, int item)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO case_item_meta (case_id, entity, item, recorded_by, recorded_at) "
			  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, entity, item) DO UPDATE SET "
			  "recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	store_bind_text(st, 2, entity);
	store_bind_int64(st, 3, item);
	store_bind_text(st, 4, c->actor.user_id);
	store_bind_int64(st, 5, clock_now());
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int case_item_meta_read(struct ctx *c, const char *case_id, json_t *out)
{
	json_t *consents = json_object_get(out, "consents");
	if (!consents)
		return 0;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT item, recorded_by, recorded_at FROM case_item_meta "
				      "WHERE case_id = ? AND entity = 'consent'") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		json_t *item = json_array_get(consents, (size_t)store_column_int64(st, 0));
		if (!item)
			continue;
		json_object_set_new(item, "recorded_by", json_string(store_column_text(st, 1)));
		json_object_set_new(item, "recorded_at", json_integer(store_column_int64(st, 2)));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- read ---- */

void case_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

void case_row_read(struct store_stmt *st, struct case_row *cr)
{
	memset(cr, 0, sizeof(*cr));
	case_copy(cr->id, sizeof(cr->id), store_column_text(st, 0));
	case_copy(cr->ref, sizeof(cr->ref), store_column_text(st, 1));
	case_copy(cr->org_id, sizeof(cr->org_id), store_column_text(st, 2));
	case_copy(cr->created_by, sizeof(cr->created_by), store_column_text(st, 3));
	case_copy(cr->assigned_to, sizeof(cr->assigned_to), store_column_text(st, 4));
	case_copy(cr->status, sizeof(cr->status), store_column_text(st, 5));
	case_copy(cr->external_ref, sizeof(cr->external_ref), store_column_text(st, 6));
	cr->created_at = store_column_int64(st, 7);
	cr->updated_at = store_column_int64(st, 8);
	cr->version = store_column_int64(st, 9);
	size_t len = 0;
	const void *dek = store_column_blob(st, 10, &len);
	if (dek && len == sizeof(cr->dek_sealed)) {
		memcpy(cr->dek_sealed, dek, len);
		cr->has_dek = true;
	}
}

int case_row_load(struct store *db, const char *where, const char *value, struct case_row *cr)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT " CASE_COLS " FROM cases WHERE %s = ?", where);
	struct store_stmt *st;
	if (store_prepare(db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, value);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		case_row_read(st, cr);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : ERR_NOT_FOUND;
}

/* A fact back into its JSON type, as the registry says. */
static json_t *fact_json(const struct field *f, const char *text)
{
	switch (f->type) {
	case FT_NUMBER: {
		char *end;
		long long n = strtoll(text, &end, 10);
		return *end ? json_real(strtod(text, NULL)) : json_integer(n);
	}
	case FT_BOOLEAN:
		return json_boolean(!strcmp(text, "true"));
	default:
		return json_string(text);
	}
}

static bool is_list(enum field_type t)
{
	return t == FT_MULTICHOICE || t == FT_COUNTRIES || t == FT_LANGUAGES;
}

/* Object for (entity, item), created in parts' container on first use. */
static json_t *item_obj(json_t *out, const char *entity, int item)
{
	for (size_t i = 0; i < case_n_parts; i++) {
		if (strcmp(case_parts[i].entity, entity))
			continue;
		if (!case_parts[i].many) {
			json_t *o = json_object_get(out, case_parts[i].key);
			if (!o) {
				o = json_object();
				json_object_set_new(out, case_parts[i].key, o);
			}
			return o;
		}
		json_t *arr = json_object_get(out, case_parts[i].key);
		if (!arr) {
			arr = json_array();
			json_object_set_new(out, case_parts[i].key, arr);
		}
		if (item < 0 || item >= MAX_ITEMS)
			return NULL;
		while ((int)json_array_size(arr) <= item)
			json_array_append_new(arr, json_object());
		return json_array_get(arr, (size_t)item);
	}
	return NULL;
}

int case_values_read(struct ctx *c, const struct registry *r, const struct case_row *cr,
		       const unsigned char dek[DEK_BYTES], json_t *out)
{
	struct store_stmt *st;
	int rc;
	if (store_prepare(c->db, &st, "SELECT entity, item, key, value FROM case_facts WHERE case_id = ? "
				      "ORDER BY entity, item, key, n") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, cr->id);
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *entity = store_column_text(st, 0), *key = store_column_text(st, 2);
		const struct field *f = registry_field(r, entity, key);
		json_t *obj = f ? item_obj(out, entity, (int)store_column_int64(st, 1)) : NULL;
		if (!obj)
			continue;   /* a field removed from the registry: kept, not shown */
		json_t *v = fact_json(f, store_column_text(st, 3));
		if (is_list(f->type)) {
			json_t *arr = json_object_get(obj, key);
			if (!arr) {
				arr = json_array();
				json_object_set_new(obj, key, arr);
			}
			json_array_append_new(arr, v);
		} else {
			json_object_set_new(obj, key, v);
		}
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (store_prepare(c->db, &st, "SELECT entity, item, sealed FROM case_records WHERE case_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, cr->id);
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *entity = store_column_text(st, 0);
		int item = (int)store_column_int64(st, 1);
		size_t len = 0;
		const unsigned char *sealed = store_column_blob(st, 2, &len);
		if (!sealed || len < SEAL_OVERHEAD) {
			rc = ERR_CRYPTO;
			break;
		}
		unsigned char *plain = malloc(len);
		size_t plain_len = 0;
		char row[96];
		struct seal_ad ad = case_record_ad(entity, cr->id, item, row, sizeof(row));
		if (!plain || seal_decrypt(plain, &plain_len, sealed, len, &ad, seal_key_version(sealed, len), dek) < 0) {
			free(plain);
			rc = ERR_CRYPTO;
			break;
		}
		json_t *values = json_loadb((const char *)plain, plain_len, 0, NULL);
		sodium_memzero(plain, plain_len);
		free(plain);
		json_t *obj = item_obj(out, entity, item);
		if (values && obj)
			json_object_update(obj, values);
		json_decref(values);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int case_values_open(struct ctx *c, const struct registry *r, const struct case_row *cr, json_t *out)
{
	unsigned char dek[DEK_BYTES];
	if (case_dek_open(c, cr, dek) < 0)
		return ERR_CRYPTO;
	int rc = case_values_read(c, r, cr, dek, out);
	sodium_memzero(dek, sizeof(dek));
	return rc;
}

json_t *case_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

int case_read_row_doc(struct ctx *c, const struct case_row *cr, const char *registry, const unsigned char *sealed,
		      size_t len, json_t **out)
{
	const struct registry *r = registry_get();
	*out = NULL;
	if (!r)
		return ERR_FAIL;
	if (!cr->has_dek || !case_reaches(c, PERM_CASE_READ, cr->org_id, cr->created_by))
		return ERR_NOT_FOUND;
	unsigned char dek[DEK_BYTES];
	if (case_dek_open(c, cr, dek) < 0)
		return ERR_CRYPTO;
	json_t *obj = NULL;
	int rc = case_doc_open(r, cr, dek, registry, sealed, len, &obj);
	if (rc == 0) {
		obj = json_object();
		rc = obj ? case_values_parts(c, r, cr, dek, obj) : ERR_NOMEM;
	}
	sodium_memzero(dek, sizeof(dek));
	if (rc < 0) {
		json_decref(obj);
		return rc;
	}
	json_object_set_new(obj, "ref", json_string(cr->ref));
	json_object_set_new(obj, "status", json_string(cr->status));
	json_object_set_new(obj, "org_id", json_string(cr->org_id));
	json_object_set_new(obj, "created_by", json_string(cr->created_by));
	json_object_set_new(obj, "assigned_to", case_str_or_null(cr->assigned_to));
	json_object_set_new(obj, "external_ref", case_str_or_null(cr->external_ref));
	json_object_set_new(obj, "created_at", json_integer(cr->created_at));
	json_object_set_new(obj, "updated_at", json_integer(cr->updated_at));
	json_object_set_new(obj, "version", json_integer(cr->version));
	*out = obj;
	return 0;
}

int case_read_row(struct ctx *c, const struct case_row *cr, json_t **out)
{
	return case_read_row_doc(c, cr, NULL, NULL, 0, out);
}

int case_get(struct ctx *c, const char *ref, json_t **out)
{
	struct case_row cr;
	*out = NULL;
	/*
	 * The reads in one read transaction: one snapshot, and SQLite's page
	 * cache stays valid from one statement to the next (another
	 * connection's commit would empty it between two). Ended before the
	 * audit row is written.
	 */
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	/* The row and its read copy (case_doc.c) in one look-up. */
	struct store_stmt *st;
	int rc = store_prepare(c->db, &st,
			       "SELECT " CASE_COLS_Q ", case_docs.registry, case_docs.doc FROM cases "
			       "LEFT JOIN case_docs ON case_docs.case_id = cases.id WHERE cases.ref = ?");
	if (rc == 0) {
		store_bind_text(st, 1, ref);
		rc = store_step(st);
		if (rc == STORE_ROW) {
			case_row_read(st, &cr);
			size_t len = 0;
			const unsigned char *sealed = store_column_blob(st, 12, &len);
			rc = case_read_row_doc(c, &cr, store_column_text(st, 11), sealed, len, out);
		} else if (rc >= 0) {
			rc = ERR_NOT_FOUND;
		}
		store_finalize(st);
	}
	store_rollback(c->db);
	if (rc < 0)
		return rc;
	if ((rc = ctx_audit_tx(c, "case.read", "case", cr.id, "ok")) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
