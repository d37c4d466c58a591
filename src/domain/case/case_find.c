/*
 * case_find.c: finding cases: search by reference, document number or name
 * tokens through the blind indexes, and filtered lists. Only cases the
 * caller may read are returned; each result opens the person record once, to
 * show the name on the list.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/log.h"
#include "../names/names.h"
#include "case.h"
#include "case_int.h"

/* "Given Middle Family (Latin twins)" as recorded, or "". */
static void person_name(const json_t *person, char *out, size_t size)
{
	static const char *const keys[2][3] = {
		{ "given_name", "middle_name", "family_name" },
		{ "given_name_latin", "middle_name_latin", "family_name_latin" },
	};
	size_t n = 0;
	out[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		size_t start = n;
		for (int i = 0; i < 3; i++) {
			const char *v = json_string_value(json_object_get(person, keys[pass][i]));
			if (!v || !*v)
				continue;
			const char *sep = n > start ? " " : (pass && start ? " (" : "");
			int w = snprintf(out + n, size - n, "%s%s", sep, v);
			if (w < 0 || (size_t)w >= size - n)
				return;
			n += (size_t)w;
		}
		if (pass && start && n > start && n + 1 < size) {
			out[n++] = ')';
			out[n] = '\0';
		}
	}
}

/* A list row: plain columns, and the name from the person record. */
static json_t *summary(struct ctx *c, const struct case_row *cr)
{
	const struct registry *r = registry_get();
	unsigned char dek[DEK_BYTES];
	char name[512] = "";
	if (!r || case_dek_open(c, cr, dek) < 0)
		return NULL;
	json_t *vals = json_object();
	int rc = case_values_read(c, r, cr, dek, vals);
	sodium_memzero(dek, sizeof(dek));
	if (rc == 0)
		person_name(json_object_get(vals, "person"), name, sizeof(name));
	json_decref(vals);
	if (rc < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "ref", cr->ref, "status", cr->status,
			 "org_id", cr->org_id, "assigned_to", case_str_or_null(cr->assigned_to), "name", name,
			 "created_at", (json_int_t)cr->created_at, "updated_at", (json_int_t)cr->updated_at);
}

/* ---- search ---- */

static bool ref_like(const char *q)
{
	size_t n = strlen(q);
	return n >= 11 && n < CASE_REF_MAX && q[0] >= 'A' && q[0] <= 'Z' && q[1] >= 'A' && q[1] <= 'Z' &&
	       q[2] == '-' && strspn(q + 3, "0123456789") == 4 && q[7] == '-' &&
	       strspn(q + 8, "0123456789") == n - 8;
}

/* Case ids having a blind index (kind, normal), into ids (a JSON array of strings). */
static int ids_for(struct ctx *c, const char *kind, const char *normal, json_t *ids)
{
	unsigned char bi[BLIND_BYTES];
	if (blind_index(bi, keyring_subkey(c->app->kr, KEY_BLIND), kind, normal) < 0)
		return ERR_FAIL;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT DISTINCT case_id FROM case_blind WHERE kind = ? AND value = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, kind);
	store_bind_blob(st, 2, bi, sizeof(bi));
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		json_array_append_new(ids, json_string(store_column_text(st, 0)));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static bool contains(const json_t *ids, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
		if (!strcmp(json_string_value(v), id))
			return true;
	return false;
}

int case_search(struct ctx *c, const char *q, int limit, json_t **items)
{
	*items = json_array();
	if (!q || !*q || ctx_scope(c, PERM_CASE_READ) == SCOPE_NONE)
		return 0;
	json_t *ids = json_array();
	int rc = 0;
	struct case_row cr;
	if (ref_like(q)) {
		if (case_row_load(c->db, "ref", q, &cr) == 0)
			json_array_append_new(ids, json_string(cr.id));
	} else {
		/* Every name token must match; a document number matches on its own. */
		char buf[NAME_MAX_BYTES];
		const char *tokens[NAME_MAX_TOKENS];
		int n = name_tokens(q, buf, sizeof(buf), tokens);
		for (int i = 0; i < n && rc == 0; i++) {
			json_t *these = json_array();
			rc = ids_for(c, "name", tokens[i], these);
			if (i == 0) {
				json_array_extend(ids, these);
			} else {
				json_t *kept = json_array();
				size_t k;
				json_t *v;
				json_array_foreach(ids, k, v)
					if (contains(these, json_string_value(v)))
						json_array_append(kept, v);
				json_decref(ids);
				ids = kept;
			}
			json_decref(these);
		}
		char doc[NAME_MAX_BYTES];
		if (rc == 0 && name_normalize_doc(q, doc, sizeof(doc)) == 0 && strlen(doc) >= 4) {
			json_t *these = json_array();
			rc = ids_for(c, "doc", doc, these);
			size_t k;
			json_t *v;
			json_array_foreach(these, k, v)
				if (!contains(ids, json_string_value(v)))
					json_array_append(ids, v);
			json_decref(these);
		}
	}
	size_t k;
	json_t *v;
	json_array_foreach(ids, k, v) {
		if (rc < 0 || (int)json_array_size(*items) >= limit)
			break;
		if (case_row_load(c->db, "id", json_string_value(v), &cr) < 0 || !cr.has_dek ||
		    !case_reaches(c, PERM_CASE_READ, cr.org_id, cr.created_by))
			continue;
		json_t *sum = summary(c, &cr);
		if (!sum) {
			rc = ERR_FAIL;
			break;
		}
		json_array_append_new(*items, sum);
	}
	json_decref(ids);
	if (rc == 0)
		rc = ctx_audit_tx(c, "case.search", "case", NULL, "ok");
	return rc;
}

/* ---- lists ---- */

int case_list(struct ctx *c, const struct case_filter *f, int limit, json_t **items, char **next_cursor)
{
	*items = json_array();
	*next_cursor = NULL;
	enum scope sc = ctx_scope(c, PERM_CASE_READ);
	if (sc == SCOPE_NONE)
		return 0;
	long long cur_at = 0;
	char cur_id[ID_HEX_LEN + 1] = "";
	if (f->cursor && *f->cursor) {
		char *colon;
		cur_at = strtoll(f->cursor, &colon, 10);
		if (*colon != ':' || strlen(colon + 1) != ID_HEX_LEN ||
		    strspn(colon + 1, "0123456789abcdef") != ID_HEX_LEN)
			return ERR_INVALID;
		case_copy(cur_id, sizeof(cur_id), colon + 1);
	}
	char sql[1024];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT " CASE_COLS " FROM cases WHERE dek IS NOT NULL AND %s",
				    sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "org_id = ?" : "created_by = ?");
	if (f->status)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND status = ?");
	if (f->assigned_to_me)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND assigned_to = ?");
	if (f->exploitation)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      " AND id IN (SELECT case_id FROM case_facts WHERE entity = 'victim' "
				      "AND key = 'exploitation_types' AND value = ?)");
	if (cur_id[0])
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      " AND (created_at < ? OR (created_at = ? AND id < ?))");
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY created_at DESC, id DESC LIMIT ?");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	int k = 1;
	if (sc == SCOPE_OWN_ORG)
		store_bind_text(st, k++, c->actor.org_id);
	else if (sc == SCOPE_OWN)
		store_bind_text(st, k++, c->actor.user_id);
	if (f->status)
		store_bind_text(st, k++, f->status);
	if (f->assigned_to_me)
		store_bind_text(st, k++, c->actor.user_id);
	if (f->exploitation)
		store_bind_text(st, k++, f->exploitation);
	if (cur_id[0]) {
		store_bind_int64(st, k++, cur_at);
		store_bind_int64(st, k++, cur_at);
		store_bind_text(st, k++, cur_id);
	}
	store_bind_int64(st, k, limit + 1);
	struct case_row *rows = xcalloc((size_t)limit + 1, sizeof(*rows));
	int rc, got = 0;
	if (!rows) {
		store_finalize(st);
		return ERR_NOMEM;
	}
	while ((rc = store_step(st)) == STORE_ROW && got <= limit)
		case_row_read(st, &rows[got++]);
	store_finalize(st);
	for (int i = 0; rc >= 0 && i < got && i < limit; i++) {
		json_t *sum = summary(c, &rows[i]);
		if (!sum) {
			rc = ERR_FAIL;
			break;
		}
		json_array_append_new(*items, sum);
	}
	if (rc >= 0 && got > limit) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%lld:%s", (long long)rows[limit - 1].created_at, rows[limit - 1].id);
		*next_cursor = xstrdup(buf);
	}
	free(rows);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "case.list", "case", NULL, "ok");
	return rc < 0 ? rc : 0;
}
