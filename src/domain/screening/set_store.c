/*
 * set_store.c: indicator sets in the database (table screening_sets,
 * migration 0004): seeding the embedded lists, importing a file, loading
 * the set a caller may use, listing. See set.h.
 *
 * A stored row is the file itself; it is parsed again when loaded (a set
 * of a hundred indicators parses in microseconds), so every server over one
 * database sees a new version as soon as its import commits, and nothing
 * is cached that could go stale.
 */
#include "set.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/embedded.h"
#include "../../core/log.h"
#include "../../crypto/hash.h"

#define HASH_BYTES 32

static void body_hash(const char *text, size_t len, char hex[2 * HASH_BYTES + 1])
{
	unsigned char h[HASH_BYTES];
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len, NULL, 0);
	hex_encode(hex, h, sizeof(h));
}

static int insert(struct store *db, const struct screen_set *s, const char *hash, const char *user_id,
		  const char *source, bool ignore_existing)
{
	struct store_stmt *st;
	int rc = store_prepare(db, &st,
			       ignore_existing
				       ? "INSERT INTO screening_sets (key, version, body, body_hash, imported_at, "
					 "imported_by, source) VALUES (?, ?, ?, ?, ?, ?, ?) "
					 "ON CONFLICT (key, version) DO NOTHING"
				       : "INSERT INTO screening_sets (key, version, body, body_hash, imported_at, "
					 "imported_by, source) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, s->key);
	store_bind_int64(st, 2, s->version);
	store_bind_text(st, 3, s->source_text);
	store_bind_text(st, 4, hash);
	store_bind_int64(st, 5, clock_now());
	store_bind_text(st, 6, user_id);
	store_bind_text(st, 7, source);
	rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* 1 when key has a stored version, 0 when not, negative on failure. */
static int key_known(struct store *db, const char *key)
{
	struct store_stmt *st;
	int rc = store_prepare(db, &st, "SELECT 1 FROM screening_sets WHERE key = ? LIMIT 1");
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, key);
	rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : rc == STORE_ROW;
}

int screen_sets_seed(struct store *db)
{
	size_t n = ihala_screening_sets_count;
	struct screen_set **sets = n ? calloc(n, sizeof(*sets)) : NULL;
	bool *absent = n ? calloc(n, sizeof(*absent)) : NULL;
	int rc = 0;
	if (n && (!sets || !absent)) {
		rc = ERR_NOMEM;
		goto out;
	}
	/* First which keys are new, then insert: two embedded versions of one new key both go in. */
	for (size_t i = 0; i < n; i++) {
		const struct embedded_file *f = &ihala_screening_sets[i];
		struct problem pb = { 0 };
		int line = 0;
		rc = screen_set_parse((const char *)f->data, f->len, &sets[i], &pb, &line);
		if (rc < 0) {
			/* A build that embeds a broken list is a release mistake (unit tests parse them). */
			log_error("screening set built-in invalid", "file=%s line=%d reason=\"%s\"", f->path, line,
				  pb.field);
			goto out;
		}
		rc = key_known(db, sets[i]->key);
		if (rc < 0)
			goto out;
		absent[i] = rc == 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!absent[i])
			continue;
		char hash[2 * HASH_BYTES + 1];
		body_hash(sets[i]->source_text, sets[i]->source_len, hash);
		/* Another process seeding at the same moment: ON CONFLICT keeps one row. */
		rc = insert(db, sets[i], hash, NULL, "builtin", true);
		if (rc < 0)
			goto out;
		log_info("screening set seeded", "key=%s version=%d", sets[i]->key, sets[i]->version);
	}
	rc = 0;
out:
	for (size_t i = 0; sets && i < n; i++)
		screen_set_free(sets[i]);
	free(sets);
	free(absent);
	return rc;
}

int screen_set_import(struct ctx *c, const char *text, size_t len, struct problem *pb, int *line,
		      int *version, bool *created)
{
	struct screen_set *s;
	*created = false;
	*version = 0;
	int rc = screen_set_parse(text, len, &s, pb, line);
	if (rc < 0)
		return rc;
	*version = s->version;
	char hash[2 * HASH_BYTES + 1], object_id[SCREEN_KEY_MAX + 16];
	body_hash(text, len, hash);
	snprintf(object_id, sizeof(object_id), "%s:%d", s->key, s->version);
	if (store_begin(c->db) < 0) {
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		goto out;
	}
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT body_hash FROM screening_sets WHERE key = ? AND version = ?") < 0)
		goto fail;
	store_bind_text(st, 1, s->key);
	store_bind_int64(st, 2, s->version);
	rc = store_step(st);
	bool same = rc == STORE_ROW && !strcmp(store_column_text(st, 0) ? store_column_text(st, 0) : "", hash);
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (rc == STORE_ROW) {
		store_rollback(c->db);   /* nothing written either way */
		rc = same ? 0 : problem_set(pb, ERR_CONFLICT, "version_exists", "version");
		goto out;
	}
	rc = insert(c->db, s, hash, c->actor.user_id[0] ? c->actor.user_id : NULL, "import", false);
	if (rc == ERR_CONFLICT) {
		/* Another import of this key and version committed in between. */
		store_rollback(c->db);
		rc = problem_set(pb, ERR_CONFLICT, "version_exists", "version");
		goto out;
	}
	if (rc < 0 || ctx_audit(c, "screening.set.import", "screening_set", object_id, "ok") < 0 ||
	    store_commit(c->db) < 0)
		goto fail;
	*created = true;
	rc = 0;
	goto out;
fail:
	store_rollback(c->db);
	rc = problem_set(pb, ERR_FAIL, "internal", NULL);
out:
	screen_set_free(s);
	return rc;
}

/* The caller's organisation's country into cc ("" for the system). 0 or negative. */
static int caller_country(struct ctx *c, char cc[3])
{
	cc[0] = '\0';
	if (!c->actor.user_id[0])
		return 0;
	struct store_stmt *st;
	int rc = store_prepare(c->db, &st, "SELECT country FROM orgs WHERE id = ?");
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, c->actor.org_id);
	rc = store_step(st);
	if (rc == STORE_ROW)
		snprintf(cc, 3, "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
	store_finalize(st);
	if (rc < 0)
		return rc;
	/* A user without an organisation row matches no restricted set. */
	if (!cc[0])
		snprintf(cc, 3, "%s", "--");
	return 0;
}

/* May an organisation of country cc ("" = the system) use s? */
static bool usable(const struct screen_set *s, const char *cc)
{
	if (!cc[0] || s->n_countries == 0)
		return true;
	for (int i = 0; i < s->n_countries; i++)
		if (!strcmp(s->countries[i], cc))
			return true;
	return false;
}

static bool key_valid(const char *key)
{
	size_t len = key ? strlen(key) : 0;
	if (len == 0 || len >= SCREEN_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= '0' && key[i] <= '9') || key[i] == '-'))
			return false;
	return true;
}

/* Parse a stored body; a stored set that no longer parses is logged (a newer binary's stricter check). */
static int parse_stored(const char *key, int64_t version, const char *body, struct screen_set **out)
{
	struct problem pb = { 0 };
	int line = 0;
	int rc = screen_set_parse(body ? body : "", body ? strlen(body) : 0, out, &pb, &line);
	if (rc == ERR_INVALID) {
		log_error("screening set stored invalid", "key=%s version=%lld line=%d reason=\"%s\"", key,
			  (long long)version, line, pb.field);
		return ERR_FAIL;
	}
	return rc;
}

int screen_set_load(struct ctx *c, const char *key, int version, struct screen_set **out)
{
	*out = NULL;
	if (!key_valid(key) || version < 0)
		return ERR_NOT_FOUND;
	struct store_stmt *st;
	int rc = store_prepare(c->db, &st,
			       version ? "SELECT version, body FROM screening_sets WHERE key = ? AND version = ?"
				       : "SELECT version, body FROM screening_sets WHERE key = ? "
					 "ORDER BY version DESC LIMIT 1");
	if (rc < 0)
		return rc;
	store_bind_text(st, 1, key);
	if (version)
		store_bind_int64(st, 2, version);
	struct screen_set *s = NULL;
	rc = store_step(st);
	if (rc == STORE_ROW)
		rc = parse_stored(key, store_column_int64(st, 0), store_column_text(st, 1), &s);
	else if (rc == STORE_DONE)
		rc = ERR_NOT_FOUND;
	store_finalize(st);
	if (rc < 0)
		return rc;
	char cc[3];
	rc = caller_country(c, cc);
	if (rc == 0 && !usable(s, cc))
		rc = ERR_DENIED;
	if (rc < 0) {
		screen_set_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Key (bytewise: SQL collations differ between backends), then version, newest first. */
static int item_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "key")), json_string_value(json_object_get(y, "key")));
	if (c)
		return c;
	json_int_t vx = json_integer_value(json_object_get(x, "version"));
	json_int_t vy = json_integer_value(json_object_get(y, "version"));
	return vx < vy ? 1 : vx > vy ? -1 : 0;
}

static void sort_items(json_t *arr)
{
	size_t n = json_array_size(arr);
	json_t **v = n ? calloc(n, sizeof(*v)) : NULL;
	if (!v)
		return;   /* unsorted beats nothing under memory pressure */
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), item_cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

/*
 * Every stored version (all_versions) or the newest of each key, sorted by
 * key then version (newest first), as summaries the caller may use; with
 * all_versions each item also has "source", "imported_at" and "in_use".
 */
static int collect(struct ctx *c, bool all_versions, json_t **items)
{
	*items = NULL;
	char cc[3];
	int rc = caller_country(c, cc);
	if (rc < 0)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(c->db, &st,
			   all_versions
				   ? "SELECT s.key, s.version, s.body, s.source, s.imported_at, "
				     "(SELECT MAX(t.version) FROM screening_sets t WHERE t.key = s.key) "
				     "FROM screening_sets s"
				   : "SELECT s.key, s.version, s.body, s.source, s.imported_at, s.version "
				     "FROM screening_sets s WHERE s.version = "
				     "(SELECT MAX(t.version) FROM screening_sets t WHERE t.key = s.key)");
	if (rc < 0)
		return rc;
	json_t *arr = json_array();
	if (!arr) {
		store_finalize(st);
		return ERR_NOMEM;
	}
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *key = store_column_text(st, 0);
		int64_t version = store_column_int64(st, 1);
		struct screen_set *s;
		rc = parse_stored(key ? key : "", version, store_column_text(st, 2), &s);
		if (rc < 0)
			break;
		if (!usable(s, cc)) {
			screen_set_free(s);
			continue;
		}
		json_t *item = screen_set_to_json(s, false);
		screen_set_free(s);
		if (item && all_versions) {
			const char *source = store_column_text(st, 3);
			json_object_set_new(item, "source", json_string(source ? source : ""));
			json_object_set_new(item, "imported_at", json_integer(store_column_int64(st, 4)));
			json_object_set_new(item, "in_use", json_boolean(store_column_int64(st, 5) == version));
		}
		if (!item || json_array_append_new(arr, item) < 0) {
			rc = ERR_NOMEM;
			break;
		}
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	sort_items(arr);
	*items = arr;
	return 0;
}

int screen_sets_list(struct ctx *c, json_t **items)
{
	return collect(c, false, items);
}

int screen_sets_history(struct ctx *c, json_t **items)
{
	return collect(c, true, items);
}
