/*
 * case_find.c: finding cases: search by reference, document number or name
 * tokens through the blind indexes, and filtered lists. Only cases the
 * caller may read are returned. The name a result shows is sealed on the
 * case's row (cases.display, written with the person record and sealed for
 * older cases once when a folder is opened: case_display_upgrade), so a page
 * of results reads one row per case; a row without it opens the person record.
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

/*
 * The sealed values of the person (names are never plain facts), opened:
 * one row read, one decryption. *person is NULL when none was recorded.
 */
static int person_sealed(struct ctx *c, const struct case_row *cr, const unsigned char dek[DEK_BYTES],
			 json_t **person)
{
	struct store_stmt *st;
	*person = NULL;
	if (store_prepare(c->db, &st, "SELECT sealed FROM case_records WHERE case_id = ? AND entity = 'person' "
				      "AND item = 0") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, cr->id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		size_t len = 0, plain_len = 0;
		const unsigned char *sealed = store_column_blob(st, 0, &len);
		unsigned char *plain = sealed && len >= SEAL_OVERHEAD ? malloc(len) : NULL;
		char row[96];
		struct seal_ad ad = case_record_ad("person", cr->id, 0, row, sizeof(row));
		rc = plain && seal_decrypt(plain, &plain_len, sealed, len, &ad, seal_key_version(sealed, len), dek) == 0
			     ? 0
			     : ERR_CRYPTO;
		if (rc == 0)
			*person = json_loadb((const char *)plain, plain_len, 0, NULL);
		if (plain) {
			sodium_memzero(plain, len);
			free(plain);
		}
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- the list name, sealed on the cases row ---- */

static struct seal_ad display_ad(const char *case_id)
{
	struct seal_ad ad = { "cases", "display", case_id };
	return ad;
}

int case_display_seal(const struct ctx *c, const char *case_id, const unsigned char dek[DEK_BYTES],
		      const json_t *person, unsigned char out[CASE_DISPLAY_SEALED], size_t *len)
{
	char name[CASE_DISPLAY_MAX] = "";
	if (json_is_object(person))
		person_name(person, name, sizeof(name));
	size_t n = strlen(name);
	struct seal_ad ad = display_ad(case_id);
	int rc = seal_encrypt(out, (const unsigned char *)name, n, &ad, keyring_version(c->app->kr), dek);
	sodium_memzero(name, sizeof(name));
	*len = seal_len(n);
	return rc < 0 ? ERR_FAIL : 0;
}

int case_display_put(struct ctx *c, const char *case_id, const unsigned char dek[DEK_BYTES], const json_t *person)
{
	unsigned char sealed[CASE_DISPLAY_SEALED];
	size_t len;
	struct store_stmt *st;
	if (case_display_seal(c, case_id, dek, person, sealed, &len) < 0 ||
	    store_prepare(c->db, &st, "UPDATE cases SET display = ? WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, sealed, len);
	store_bind_text(st, 2, case_id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? ERR_FAIL : 0;
}

/* Open a sealed list name into name (size >= CASE_DISPLAY_MAX). */
static int display_open(const struct case_row *cr, const unsigned char dek[DEK_BYTES], const unsigned char *sealed,
			size_t len, char *name, size_t size)
{
	size_t n = 0;
	struct seal_ad ad = display_ad(cr->id);
	if (len < SEAL_OVERHEAD || len - SEAL_OVERHEAD >= size ||
	    seal_decrypt((unsigned char *)name, &n, sealed, len, &ad, seal_key_version(sealed, len), dek) < 0) {
		log_error("case list name does not open", "case=%s", cr->id);
		return ERR_CRYPTO;
	}
	name[n] = '\0';
	return 0;
}

/* Seal the list name of one case from its person record. */
static int display_one(struct ctx *c, const struct case_row *cr)
{
	unsigned char dek[DEK_BYTES];
	json_t *person = NULL;
	int rc = case_dek_open(c, cr, dek);
	if (rc == 0)
		rc = person_sealed(c, cr, dek, &person);
	if (rc == 0)
		rc = case_display_put(c, cr->id, dek, person);
	json_decref(person);
	sodium_memzero(dek, sizeof(dek));
	return rc;
}

int case_display_upgrade(struct ctx *c, void (*progress)(long done, long total))
{
	return case_upgrade_each(c, "display IS NULL AND dek IS NOT NULL", 500, display_one, NULL, progress);
}

/* A list row: plain columns, and the name sealed beside them (or, without it, from the person record). */
static json_t *summary(struct ctx *c, const struct case_row *cr, const unsigned char *display, size_t display_len)
{
	unsigned char dek[DEK_BYTES];
	char name[CASE_DISPLAY_MAX] = "";
	if (case_dek_open(c, cr, dek) < 0)
		return NULL;
	json_t *person = NULL;
	int rc = display ? display_open(cr, dek, display, display_len, name, sizeof(name))
			 : person_sealed(c, cr, dek, &person);
	sodium_memzero(dek, sizeof(dek));
	if (rc == 0 && person)
		person_name(person, name, sizeof(name));
	json_decref(person);
	if (rc < 0)
		return NULL;
	json_t *sum = json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "ref", cr->ref, "status", cr->status,
			 "org_id", cr->org_id, "assigned_to", case_str_or_null(cr->assigned_to), "name", name,
			 "created_at", (json_int_t)cr->created_at, "updated_at", (json_int_t)cr->updated_at);
	sodium_memzero(name, sizeof(name));
	return sum;
}

/* ---- search ---- */

enum { DISPLAY_COL = 11 };   /* the column after CASE_COLS in the statements of summaries() */

static bool ref_like(const char *q)
{
	size_t n = strlen(q);
	return n >= 11 && n < CASE_REF_MAX && q[0] >= 'A' && q[0] <= 'Z' && q[1] >= 'A' && q[1] <= 'Z' &&
	       q[2] == '-' && strspn(q + 3, "0123456789") == 4 && q[7] == '-' &&
	       strspn(q + 8, "0123456789") == n - 8;
}

/*
 * Step st (selecting CASE_COLS and the sealed list name, DISPLAY_COL;
 * parameters bound, LIMIT limit + 1 when the caller pages) and append the
 * summaries of its first limit rows to items.
 * When there are more rows and cursor is not NULL, cursor gets the position
 * after the last one shown ("created_at:id"); else it is left "".
 */
static int summaries(struct ctx *c, struct store_stmt *st, int limit, json_t *items, char cursor[64])
{
	struct case_row *rows = xcalloc((size_t)limit + 1, sizeof(*rows));
	struct display { unsigned char sealed[CASE_DISPLAY_SEALED]; size_t len; } *names =
		xcalloc((size_t)limit + 1, sizeof(*names));
	int rc, got = 0;
	if (!rows || !names) {
		free(rows);
		free(names);
		store_finalize(st);
		return ERR_NOMEM;
	}
	while ((rc = store_step(st)) == STORE_ROW && got <= limit) {
		size_t len = 0;
		const void *sealed = store_column_blob(st, DISPLAY_COL, &len);
		if (sealed && len <= sizeof(names[got].sealed)) {
			memcpy(names[got].sealed, sealed, len);
			names[got].len = len;
		}
		case_row_read(st, &rows[got++]);
	}
	store_finalize(st);
	for (int i = 0; rc >= 0 && i < got && i < limit; i++) {
		json_t *sum = summary(c, &rows[i], names[i].len ? names[i].sealed : NULL, names[i].len);
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
	free(names);
	return rc < 0 ? rc : 0;
}

/* Prepare sql, whose first parameter is the reach's value when there is one; *k the next parameter. */
static int prepare_in_reach(struct ctx *c, const char *sql, const char *reach_bind, struct store_stmt **st, int *k)
{
	if (store_prepare(c->db, st, sql) < 0)
		return ERR_FAIL;
	*k = 1;
	if (reach_bind)
		store_bind_text(*st, (*k)++, reach_bind);
	return 0;
}

/* "org_id = ?" or "created_by = ?" for the caller's reach (not SCOPE_NONE), and what to bind. */
static const char *reach_sql(const struct ctx *c, enum scope sc, const char **bind)
{
	*bind = sc == SCOPE_OWN_ORG ? c->actor.org_id : sc == SCOPE_OWN ? c->actor.user_id : NULL;
	return sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "org_id = ?" : "created_by = ?";
}

/*
 * Run one search statement (CASE_COLS, parameters: the blind values, the
 * reach, the limit) and append its summaries to items, skipping cases
 * already there (seen: refs), up to limit items in all.
 */
static int search_run(struct ctx *c, const char *sql, unsigned char (*bi)[BLIND_BYTES], int nb,
		      const char *reach_bind, int limit, json_t *items, json_t *seen)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	int k = 1;
	for (int i = 0; i < nb; i++)
		store_bind_blob(st, k++, bi[i], BLIND_BYTES);
	if (reach_bind)
		store_bind_text(st, k++, reach_bind);
	store_bind_int64(st, k, limit);
	json_t *found = json_array();
	int rc = found ? summaries(c, st, limit, found, NULL) : ERR_NOMEM;
	if (!found)
		store_finalize(st);
	size_t i;
	json_t *v;
	json_array_foreach(rc == 0 ? found : NULL, i, v) {
		const char *ref = json_string_value(json_object_get(v, "ref"));
		if ((int)json_array_size(items) >= limit || json_object_get(seen, ref))
			continue;
		json_object_set_new(seen, ref, json_true());
		json_array_append(items, v);
	}
	json_decref(found);
	return rc;
}

int case_search(struct ctx *c, const char *q, int limit, json_t **items)
{
	*items = json_array();
	enum scope sc = ctx_scope(c, PERM_CASE_READ);
	if (!q || !*q || sc == SCOPE_NONE)
		return 0;
	const char *reach_bind;
	const char *reach = reach_sql(c, sc, &reach_bind);
	char sql[4096];
	int rc = 0;
	if (ref_like(q)) {
		snprintf(sql, sizeof(sql), "SELECT " CASE_COLS ", display FROM cases WHERE dek IS NOT NULL AND %s AND ref = ? "
			 "ORDER BY created_at DESC, id DESC LIMIT ?", reach);
		struct store_stmt *st;
		int k;
		if (prepare_in_reach(c, sql, reach_bind, &st, &k) < 0)
			return ERR_FAIL;
		store_bind_text(st, k++, q);
		store_bind_int64(st, k, limit);
		if (store_begin_read(c->db) < 0) {
			store_finalize(st);
			return ERR_FAIL;
		}
		rc = summaries(c, st, limit, *items, NULL);
		store_rollback(c->db);
		return rc < 0 ? rc : ctx_audit_tx(c, "case.search", "case", NULL, "ok");
	}

	/*
	 * A name of several tokens is looked up by its pairs of tokens ("name2":
	 * each pair is rare even when both tokens are common), among its first
	 * PAIR_TOKENS distinct tokens, and the tokens past those alone; every
	 * look-up must match. A document number matches on its own, and its
	 * matches come first.
	 */
	enum { PAIR_TOKENS = 5 };
	unsigned char bi[PAIR_TOKENS * (PAIR_TOKENS - 1) / 2 + NAME_MAX_TOKENS][BLIND_BYTES];
	unsigned char doc_bi[1][BLIND_BYTES];
	const char *bkind[sizeof(bi) / sizeof(bi[0])];
	int nb = 0;
	char buf[NAME_MAX_BYTES], doc[NAME_MAX_BYTES], pair[2 * NAME_MAX_BYTES + 2];
	const char *found[NAME_MAX_TOKENS], *tokens[NAME_MAX_TOKENS];
	int nf = name_tokens(q, buf, sizeof(buf), found), nt = 0;
	for (int i = 0; i < nf; i++) {   /* distinct tokens */
		int j = 0;
		while (j < nt && strcmp(tokens[j], found[i]))
			j++;
		if (j == nt)
			tokens[nt++] = found[i];
	}
	const unsigned char *key = keyring_subkey(c->app->kr, KEY_BLIND);
	int np = nt < PAIR_TOKENS ? nt : PAIR_TOKENS;
	for (int i = 0; nt >= 2 && i < np; i++)
		for (int j = i + 1; j < np; j++) {
			case_name_pair(tokens[i], tokens[j], pair, sizeof(pair));
			bkind[nb] = "name2";
			if (blind_index(bi[nb++], key, "name2", pair) < 0)
				return ERR_FAIL;
		}
	for (int i = nt >= 2 ? np : 0; i < nt; i++) {
		bkind[nb] = "name";
		if (blind_index(bi[nb++], key, "name", tokens[i]) < 0)
			return ERR_FAIL;
	}
	bool has_doc = name_normalize_doc(q, doc, sizeof(doc)) == 0 && strlen(doc) >= 4;
	if (has_doc && blind_index(doc_bi[0], key, "doc", doc) < 0)
		return ERR_FAIL;

	json_t *seen = json_object();
	if (!seen)
		return ERR_NOMEM;
	/* One read transaction for the look-ups and the summaries (see case_get); ended before the audit. */
	if (store_begin_read(c->db) < 0) {
		json_decref(seen);
		return ERR_FAIL;
	}
	/*
	 * One look-up: read the blind index newest first (kind, value,
	 * created_at, case_id) and stop at the page's end; the CROSS JOIN keeps
	 * SQLite on that order.
	 */
	static const char one[] = "SELECT " CASE_COLS_Q ", cases.display FROM case_blind b CROSS JOIN cases WHERE b.kind = '%s' "
				  "AND b.value = ? AND cases.id = b.case_id AND dek IS NOT NULL AND %s "
				  "ORDER BY b.created_at DESC, b.case_id DESC LIMIT ?";
	if (has_doc) {
		snprintf(sql, sizeof(sql), one, "doc", reach);
		rc = search_run(c, sql, doc_bi, 1, reach_bind, limit, *items, seen);
	}
	if (rc == 0 && nb == 1) {
		snprintf(sql, sizeof(sql), one, bkind[0], reach);
		rc = search_run(c, sql, bi, 1, reach_bind, limit, *items, seen);
	} else if (rc == 0 && nb > 1) {
		/* Several look-ups: intersect them (each is small), then order what is left. */
		size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT " CASE_COLS_Q ", cases.display FROM (");
		for (int i = 0; i < nb; i++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n,
					      "%sSELECT case_id FROM case_blind WHERE kind = '%s' AND value = ?",
					      i == 0 ? "" : " INTERSECT ", bkind[i]);
		snprintf(sql + n, sizeof(sql) - n,
			 ") AS m CROSS JOIN cases WHERE cases.id = m.case_id AND dek IS NOT NULL AND %s "
			 "ORDER BY cases.created_at DESC, cases.id DESC LIMIT ?", reach);
		rc = search_run(c, sql, bi, nb, reach_bind, limit, *items, seen);
	}
	store_rollback(c->db);
	json_decref(seen);
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
	size_t n = (size_t)snprintf(sql, sizeof(sql), "SELECT " CASE_COLS ", display FROM cases WHERE dek IS NOT NULL AND %s",
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
	int k;
	if (prepare_in_reach(c, sql, reach_bind, &st, &k) < 0)
		return ERR_FAIL;
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
	if (store_begin_read(c->db) < 0) {
		store_finalize(st);
		return ERR_FAIL;
	}
	int rc = summaries(c, st, limit, *items, cursor);   /* in one read transaction, as case_get */
	store_rollback(c->db);
	if (rc >= 0 && cursor[0])
		*next_cursor = xstrdup(cursor);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "case.list", "case", NULL, "ok");
	return rc < 0 ? rc : 0;
}
