/*
 * case_index.c: the blind search index of cases (case_blind): what each
 * entity item puts there (every distinct name token of the person, alone and
 * in pairs; document numbers; birth years), and the one-time rebuild when a
 * data folder's index is older than this binary's (search_index). Version 3
 * adds the cross-script keys of name tokens, in pairs ("xkey2"; alone,
 * "xkey", for a person with one name), and the person's
 * duplicate signature (link_cases, src/domain/link/dedup.h). Searching
 * it is in case_find.c; docs/design-cases.md explains the choices.
 */
#include "case.h"
#include "case_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/hash.h"
#include "../link/dedup.h"
#include "../names/names.h"
#include "../names/xscript.h"
#include "../registry/registry.h"

static int put_blind(struct ctx *c, const char *case_id, const char *kind, const char *normal)
{
	unsigned char bi[BLIND_BYTES];
	if (blind_index(bi, keyring_subkey(c->app->kr, KEY_BLIND), kind, normal) < 0)
		return ERR_FAIL;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "INSERT INTO case_blind (case_id, kind, value, created_at) "
				      "VALUES (?, ?, ?, (SELECT created_at FROM cases WHERE id = ?))") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	store_bind_text(st, 2, kind);
	store_bind_blob(st, 3, bi, sizeof(bi));
	store_bind_text(st, 4, case_id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/*
 * The distinct name tokens of one entity item, gathered from all its name
 * fields (in both scripts), indexed together once the item is complete:
 * each token alone ("name") and each pair of tokens ("name2", the two in
 * byte order joined by U+001F), so that a search for a full name finds the
 * few cases holding both tokens without reading the thousands holding a
 * common given name (docs/design-cases.md).
 */
#define NAME_SET_MAX 16
struct name_set {
	char buf[NAME_SET_MAX * 64];
	size_t used;
	const char *tok[NAME_SET_MAX];
	unsigned char role[NAME_SET_MAX];   /* NAME_ROLE_* bits: which fields the token came from */
	int n;
};
enum { NAME_ROLE_GIVEN = 1, NAME_ROLE_FAMILY = 2, NAME_ROLE_OTHER = 4 };

static void name_set_add(struct name_set *ns, const char *token, unsigned char role)
{
	size_t len = strlen(token);
	for (int i = 0; i < ns->n; i++) {
		if (!strcmp(ns->tok[i], token)) {
			ns->role[i] |= role;
			return;
		}
	}
	if (ns->n == NAME_SET_MAX || ns->used + len + 1 > sizeof(ns->buf))
		return;   /* a name this long is found by its first tokens */
	memcpy(ns->buf + ns->used, token, len + 1);
	ns->role[ns->n] = role;
	ns->tok[ns->n++] = ns->buf + ns->used;
	ns->used += len + 1;
}

void case_name_pair(const char *a, const char *b, char *out, size_t size)
{
	if (strcmp(a, b) > 0) {
		const char *t = a;
		a = b;
		b = t;
	}
	snprintf(out, size, "%s\x1f%s", a, b);
}

/*
 * The cross-script keys of the tokens (xscript.h), in pairs ("xkey2": two
 * distinct keys of two tokens that are not both from the same one field,
 * e.g. a given and a family name; in byte order joined by U+001F; at most
 * XKEY2_MAX): where محمد علي and Mohammed Ali meet. A person whose names
 * give no such pair (one name only) gets its single keys instead ("xkey").
 * A single key is shared by every Mohammed: too big a block to find
 * duplicates with, and a row per key would make creating a case slower
 * (docs/linkage.md); src/domain/link/dedup.c checks a new case through doc,
 * name2, xkey2 and xkey.
 */
#define XKEY2_MAX 32
static int name_set_put_xkeys(struct ctx *c, const char *case_id, const struct name_set *ns)
{
	char keys[NAME_SET_MAX][XKEY_COUNT][XKEY_MAX];
	int n_keys[NAME_SET_MAX];
	for (int i = 0; i < ns->n; i++) {
		n_keys[i] = names_xkeys(ns->tok[i], keys[i]);
		if (n_keys[i] < 0)
			n_keys[i] = 0;
	}
	char seen[XKEY2_MAX][2 * XKEY_MAX];
	int n_seen = 0;
	for (int a = 0; a < ns->n; a++)
		for (int b = a + 1; b < ns->n; b++) {
			unsigned char ra = ns->role[a], rb = ns->role[b];
			if (ra == rb && !(ra & (ra - 1)))
				continue;   /* two spellings of one field */
			for (int ka = 0; ka < n_keys[a]; ka++)
				for (int kb = 0; kb < n_keys[b] && n_seen < XKEY2_MAX; kb++) {
					if (!strcmp(keys[a][ka], keys[b][kb]))
						continue;
					char pair[2 * XKEY_MAX];
					case_name_pair(keys[a][ka], keys[b][kb], pair, sizeof(pair));
					bool dup = false;
					for (int j = 0; j < n_seen && !dup; j++)
						dup = !strcmp(seen[j], pair);
					if (dup)
						continue;
					memcpy(seen[n_seen++], pair, sizeof(pair));
					if (put_blind(c, case_id, "xkey2", pair) < 0)
						return ERR_FAIL;
				}
		}
	if (n_seen > 0)
		return 0;
	for (int i = 0; i < ns->n; i++)
		for (int k = 0; k < n_keys[i] && n_seen < XKEY2_MAX; k++) {
			bool dup = false;
			for (int j = 0; j < n_seen && !dup; j++)
				dup = !strcmp(seen[j], keys[i][k]);
			if (dup)
				continue;
			memcpy(seen[n_seen++], keys[i][k], XKEY_MAX);
			if (put_blind(c, case_id, "xkey", keys[i][k]) < 0)
				return ERR_FAIL;
		}
	return 0;
}

static int name_set_put(struct ctx *c, const char *case_id, const struct name_set *ns)
{
	if (name_set_put_xkeys(c, case_id, ns) < 0)
		return ERR_FAIL;
	for (int i = 0; i < ns->n; i++) {
		if (put_blind(c, case_id, "name", ns->tok[i]) < 0)
			return ERR_FAIL;
		for (int j = i + 1; j < ns->n; j++) {
			char pair[2 * NAME_MAX_BYTES + 2];
			case_name_pair(ns->tok[i], ns->tok[j], pair, sizeof(pair));
			if (put_blind(c, case_id, "name2", pair) < 0)
				return ERR_FAIL;
		}
	}
	return 0;
}

/* The blind index entries of one searchable value (names go to ns, indexed later). */
static int index_value(struct ctx *c, const char *case_id, const struct field *f, const char *value,
		       struct name_set *ns)
{
	if (!strcmp(f->search, "name")) {
		char buf[NAME_MAX_BYTES];
		const char *tokens[NAME_MAX_TOKENS];
		int n = name_tokens(value, buf, sizeof(buf), tokens);
		unsigned char role = !strncmp(f->key, "given_name", 10)	   ? NAME_ROLE_GIVEN
				     : !strncmp(f->key, "family_name", 11) ? NAME_ROLE_FAMILY
									   : NAME_ROLE_OTHER;
		for (int i = 0; i < n; i++)
			name_set_add(ns, tokens[i], role);
		return n < 0 ? n : 0;
	}
	if (!strcmp(f->search, "doc")) {
		char doc[NAME_MAX_BYTES];
		if (name_normalize_doc(value, doc, sizeof(doc)) < 0 || !doc[0])
			return 0;
		return put_blind(c, case_id, "doc", doc);
	}
	if (!strcmp(f->search, "birth_year") && strlen(value) >= 4) {
		char year[5];
		memcpy(year, value, 4);
		year[4] = '\0';
		return put_blind(c, case_id, "birth_year", year);
	}
	return 0;
}

int case_item_index(struct ctx *c, const struct registry *r, const char *case_id, const char *entity,
		    const json_t *values)
{
	struct name_set ns = { .used = 0, .n = 0 };
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)values, key, v) {
		const struct field *f = registry_field(r, entity, key);
		if (f && !f->derived && case_field_secret(f) && f->search && json_is_string(v) &&
		    index_value(c, case_id, f, json_string_value(v), &ns) < 0)
			return ERR_FAIL;
	}
	/* The person's comparison signature for duplicate detection (dedup.h). */
	if (!strcmp(entity, "person") && dedup_sig_put(c, case_id, values) < 0)
		return ERR_FAIL;
	return name_set_put(c, case_id, &ns);
}

/* ---- rebuilding the search index ---- */

static int64_t count_where(struct ctx *c, const char *sql)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	int rc = store_step(st);
	int64_t n = rc == STORE_ROW ? store_column_int64(st, 0) : rc < 0 ? rc : 0;
	store_finalize(st);
	return n;
}

/* Rebuild the blind index entries of one case from its values. */
static int reindex_case(struct ctx *c, const struct registry *r, const struct case_row *cr)
{
	json_t *doc = json_object();
	int rc = case_values_open(c, r, cr, doc);
	if (rc == 0)
		rc = case_delete_where(c, "DELETE FROM case_blind WHERE case_id = ?", cr->id);
	for (size_t i = 0; rc == 0 && i < case_n_parts; i++) {
		json_t *v = json_object_get(doc, case_parts[i].key);
		if (!case_parts[i].many) {
			if (json_is_object(v))
				rc = case_item_index(c, r, cr->id, case_parts[i].entity, v);
			continue;
		}
		size_t k;
		json_t *item;
		json_array_foreach(v, k, item) {
			if (rc == 0 && json_is_object(item))
				rc = case_item_index(c, r, cr->id, case_parts[i].entity, item);
		}
	}
	json_decref(doc);
	return rc;
}

int case_upgrade_each(struct ctx *c, const char *where, int page, int (*fn)(struct ctx *c, const struct case_row *cr),
		      int (*last)(struct ctx *c), void (*progress)(long done, long total))
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM cases WHERE %s", where);
	int64_t total = count_where(c, sql);
	if (total < 0)
		return ERR_FAIL;
	snprintf(sql, sizeof(sql), "SELECT " CASE_COLS " FROM cases WHERE %s AND id > ? ORDER BY id LIMIT ?", where);
	struct case_row *rows = calloc((size_t)page, sizeof(*rows));
	char after[ID_HEX_LEN + 1] = "";
	long done = 0;
	int rc = rows ? 0 : ERR_NOMEM;
	while (rc == 0) {
		struct store_stmt *st;
		if (store_begin(c->db) < 0 || store_prepare(c->db, &st, sql) < 0) {
			rc = ERR_FAIL;
			break;
		}
		store_bind_text(st, 1, after);
		store_bind_int64(st, 2, page);
		int got = 0, src;
		while ((src = store_step(st)) == STORE_ROW && got < page)
			case_row_read(st, &rows[got++]);
		store_finalize(st);
		rc = src < 0 ? src : 0;
		for (int i = 0; rc == 0 && i < got; i++)
			rc = fn(c, &rows[i]);
		if (rc == 0 && got < page && last)
			rc = last(c);
		if (rc == 0 && store_commit(c->db) < 0)
			rc = ERR_FAIL;
		if (rc < 0) {
			store_rollback(c->db);
			break;
		}
		long before = done;
		done += got;
		if (progress && done && (done / 10000 != before / 10000 || got < page))
			progress(done, (long)total);
		if (got < page)
			break;
		case_copy(after, sizeof(after), rows[got - 1].id);
	}
	free(rows);
	return rc;
}

static int reindex_one(struct ctx *c, const struct case_row *cr)
{
	return reindex_case(c, registry_get(), cr);
}

static int search_index_done(struct ctx *c)
{
	struct store_stmt *up;
	if (store_prepare(c->db, &up, "UPDATE search_index SET version = ?") < 0)
		return ERR_FAIL;
	store_bind_int64(up, 1, CASE_SEARCH_INDEX_VERSION);
	int rc = store_step(up) < 0 ? ERR_FAIL : 0;
	store_finalize(up);
	return rc;
}

int case_search_index_upgrade(struct ctx *c, void (*progress)(long done, long total))
{
	int64_t version = count_where(c, "SELECT version FROM search_index");
	if (version < 0 || !registry_get())
		return ERR_FAIL;
	if (version >= CASE_SEARCH_INDEX_VERSION)
		return 0;
	return case_upgrade_each(c, "dek IS NOT NULL", 200, reindex_one, search_index_done, progress);
}
