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
	int rc = case_entity_read(c, r, cr, dek, "person", vals);
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

/*
 * Step st (selecting CASE_COLS, parameters bound, LIMIT limit + 1 when the
 * caller pages) and append the summaries of its first limit rows to items.
 * When there are more rows and cursor is not NULL, cursor gets the position
 * after the last one shown ("created_at:id"); else it is left "".
 */
static int summaries(struct ctx *c, struct store_stmt *st, int limit, json_t *items, char cursor[64])
{
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
		json_array_append_new(items, sum);
	}
	if (cursor) {
		cursor[0] = '\0';
		if (rc >= 0 && got > limit)
			snprintf(cursor, 64, "%lld:%s", (long long)rows[limit - 1].created_at, rows[limit - 1].id);
	}
	free(rows);
	return rc < 0 ? rc : 0;
}

/* "org_id = ?" or "created_by = ?" for the caller's reach (not SCOPE_NONE), and what to bind. */
static const char *reach_sql(const struct ctx *c, enum scope sc, const char **bind)
{
	*bind = sc == SCOPE_OWN_ORG ? c->actor.org_id : sc == SCOPE_OWN ? c->actor.user_id : NULL;
	return sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "org_id = ?" : "created_by = ?";
}

int case_search(struct ctx *c, const char *q, int limit, json_t **items)
{
	*items = json_array();
	enum scope sc = ctx_scope(c, PERM_CASE_READ);
	if (!q || !*q || sc == SCOPE_NONE)
		return 0;
	const char *reach_bind;
	const char *reach = reach_sql(c, sc, &reach_bind);
	/* Blind values, bound first: the name tokens, then the document number. */
	unsigned char bi[NAME_MAX_TOKENS + 1][BLIND_BYTES];
	int nb = 0;
	char sql[4096];
	size_t n;
	if (ref_like(q)) {
		n = (size_t)snprintf(sql, sizeof(sql), "SELECT " CASE_COLS " FROM cases WHERE dek IS NOT NULL AND %s "
					 "AND ref = ?", reach);
	} else {
		/*
		 * Every name token must match (INTERSECT); a document number
		 * matches on its own (UNION). The blind-index look-up covers
		 * case_id, and the CROSS JOIN makes SQLite start from the few
		 * matching ids rather than walk the organisation's cases in
		 * time order testing each (PostgreSQL plans it by cost anyway).
		 */
		char buf[NAME_MAX_BYTES], doc[NAME_MAX_BYTES];
		const char *tokens[NAME_MAX_TOKENS];
		int nt = name_tokens(q, buf, sizeof(buf), tokens);
		const struct keyring *kr = c->app->kr;
		for (int i = 0; i < nt; i++)
			if (blind_index(bi[nb++], keyring_subkey(kr, KEY_BLIND), "name", tokens[i]) < 0)
				return ERR_FAIL;
		bool has_doc = name_normalize_doc(q, doc, sizeof(doc)) == 0 && strlen(doc) >= 4;
		if (has_doc && blind_index(bi[nb++], keyring_subkey(kr, KEY_BLIND), "doc", doc) < 0)
			return ERR_FAIL;
		if (nb == 0)
			return ctx_audit_tx(c, "case.search", "case", NULL, "ok");
		n = (size_t)snprintf(sql, sizeof(sql), "SELECT " CASE_COLS " FROM (");
		for (int i = 0; i < nb; i++) {
			bool is_doc = has_doc && i == nb - 1;
			n += (size_t)snprintf(sql + n, sizeof(sql) - n,
					      "%sSELECT case_id FROM case_blind WHERE kind = '%s' AND value = ?",
					      i == 0 ? "" : is_doc ? " UNION " : " INTERSECT ", is_doc ? "doc" : "name");
		}
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
				      ") AS m CROSS JOIN cases WHERE cases.id = m.case_id AND dek IS NOT NULL AND %s", reach);
	}
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY created_at DESC, id DESC LIMIT ?");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	int k = 1;
	for (int i = 0; i < nb; i++)
		store_bind_blob(st, k++, bi[i], BLIND_BYTES);
	if (reach_bind)
		store_bind_text(st, k++, reach_bind);
	if (nb == 0)
		store_bind_text(st, k++, q);
	store_bind_int64(st, k, limit);
	int rc = summaries(c, st, limit, *items, NULL);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "case.search", "case", NULL, "ok");
	return rc < 0 ? rc : 0;
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
	const char *reach_bind;
	const char *reach = reach_sql(c, sc, &reach_bind);
	char sql[1024];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT " CASE_COLS " FROM cases WHERE dek IS NOT NULL AND %s",
				    reach);
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
	if (reach_bind)
		store_bind_text(st, k++, reach_bind);
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
	char cursor[64];
	int rc = summaries(c, st, limit, *items, cursor);
	if (rc >= 0 && cursor[0])
		*next_cursor = xstrdup(cursor);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "case.list", "case", NULL, "ok");
	return rc < 0 ? rc : 0;
}
