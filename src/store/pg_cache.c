/*
 * pg_cache.c: the per-connection cache of prepared statements of the
 * PostgreSQL backend: what is cached, how entries are found, prepared,
 * aged out and forgotten. pg.c's header explains the rules; pg_int.h the
 * interface.
 */
#include "store/pg_int.h"

static void cached_free(struct pg_cached *c)
{
	free(c->sql);
	free(c->blobs);
	free(c);
}

/* Forget every entry, without telling the server (see cache_clear for that). */
void pg_cache_forget_all(struct pg_store *db)
{
	for (size_t b = 0; b < CACHE_BUCKETS; b++) {
		struct pg_cached *c = db->buckets[b];
		while (c) {
			struct pg_cached *next = c->next_in_bucket;
			cached_free(c);
			c = next;
		}
		db->buckets[b] = NULL;
	}
	db->newest = db->oldest = NULL;
	db->n_cached = 0;
}

/* ---------- the statement cache (see the top of the file) ---------- */

/* FNV-1a, 64 bits: enough to spread a few hundred SQL texts over the buckets. */
uint64_t pg_hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}


/* The key of statement s as sent now: its SQL and which parameters are bytea. */
static uint64_t key_hash(const struct pg_stmt *s)
{
	uint64_t h = s->sql_hash;
	for (int i = 0; i < s->n_params; i++) {
		if (s->params[i].is_blob)
			h = pg_hash_bytes(h, &i, sizeof(i));
	}
	return h;
}

static int key_matches(const struct pg_cached *c, const struct pg_stmt *s, uint64_t hash)
{
	if (c->hash != hash || c->sql_len != s->sql_len || c->n_params != s->n_params ||
	    memcmp(c->sql, s->sql, s->sql_len) != 0)
		return 0;
	for (int i = 0; i < s->n_params; i++) {
		if (c->blobs[i] != (s->params[i].is_blob != 0))
			return 0;
	}
	return 1;
}

void pg_cached_name(const struct pg_cached *c, char *out, size_t size)
{
	int n = snprintf(out, size, "ihala_%" PRIu64, c->id);
	assert(n > 0 && (size_t)n < size);
}

static void lru_unlink(struct pg_store *db, struct pg_cached *c)
{
	if (c->newer)
		c->newer->older = c->older;
	else
		db->newest = c->older;
	if (c->older)
		c->older->newer = c->newer;
	else
		db->oldest = c->newer;
	c->newer = c->older = NULL;
}

static void lru_push(struct pg_store *db, struct pg_cached *c)
{
	c->older = db->newest;
	c->newer = NULL;
	if (db->newest)
		db->newest->newer = c;
	db->newest = c;
	if (!db->oldest)
		db->oldest = c;
}

/* Take c out of the cache and free it; the server-side statement is the caller's business. */
static void cache_remove(struct pg_store *db, struct pg_cached *c)
{
	struct pg_cached **link = &db->buckets[c->hash & (CACHE_BUCKETS - 1)];
	while (*link != c)
		link = &(*link)->next_in_bucket;
	*link = c->next_in_bucket;
	lru_unlink(db, c);
	db->n_cached--;
	cached_free(c);
}

/* DEALLOCATE c's statement on the server. 0 or ERR_FAIL (logged). */
static int deallocate(struct pg_store *db, const struct pg_cached *c)
{
	char sql[48];
	int n = snprintf(sql, sizeof(sql), "DEALLOCATE ihala_%" PRIu64, c->id);
	assert(n > 0 && (size_t)n < sizeof(sql));
	PGresult *res = PQexec(db->conn, sql);
	int err = 0;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		err = pg_fail_result(db->conn, res, "deallocate");
	PQclear(res);
	return err;
}

/*
 * Drop every prepared statement of the session and empty the cache, before
 * a command that may change what they mean. Not in an aborted transaction,
 * where DEALLOCATE would fail as well (the command that follows will too).
 */
void pg_cache_clear(struct pg_store *db)
{
	if (db->n_cached == 0 || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return;
	PGresult *res = PQexec(db->conn, "DEALLOCATE ALL");
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		pg_fail_result(db->conn, res, "deallocate");
	PQclear(res);
	pg_cache_forget_all(db);
}

/*
 * PQprepare c under its name. 0, or the statement's error (logged) after
 * which the caller removes c.
 */
static int prepare_cached(struct pg_store *db, struct pg_cached *c, const Oid *types)
{
	char name[32];
	pg_cached_name(c, name, sizeof(name));
	PGresult *res = PQprepare(db->conn, name, c->sql, c->n_params, types);
	int err = 0;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		err = pg_fail_result(db->conn, res, "step");
	PQclear(res);
	if (err == 0)
		c->stale = CACHED_OK;
	return err;
}

/*
 * The prepared statement to run s with (types: the parameter types of this
 * execution), prepared now when missing or stale. *out is NULL when s is to
 * be sent unprepared. 0, or the error of the prepare (logged).
 */
int pg_cache_get(struct pg_store *db, struct pg_stmt *s, const Oid *types,
		     struct pg_cached **out)
{
	*out = NULL;
	if (!s->cacheable || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return 0;
	uint64_t hash = key_hash(s);
	struct pg_cached **bucket = &db->buckets[hash & (CACHE_BUCKETS - 1)];
	struct pg_cached *c = *bucket;
	while (c && !key_matches(c, s, hash))
		c = c->next_in_bucket;
	if (c) {
		lru_unlink(db, c);
		lru_push(db, c);
		if (c->stale == CACHED_OK) {
			*out = c;
			return 0;
		}
		if (c->stale == CACHED_REPLAN && deallocate(db, c) < 0) {
			cache_remove(db, c);
			return ERR_FAIL;
		}
		c->stale = CACHED_GONE;
		int err = prepare_cached(db, c, types);
		if (err < 0) {
			cache_remove(db, c);
			return err;
		}
		*out = c;
		return 0;
	}
	/* A new entry: make room first, so that a failed DEALLOCATE leaves nothing half-made. */
	if (db->n_cached >= CACHE_MAX) {
		struct pg_cached *victim = db->oldest;
		int err = victim->stale == CACHED_GONE ? 0 : deallocate(db, victim);
		cache_remove(db, victim);
		if (err < 0)
			return err;
	}
	c = xcalloc(1, sizeof(*c));
	if (c) {
		c->sql = xstrndup(s->sql, s->sql_len);
		c->blobs = xcalloc(s->n_params ? (size_t)s->n_params : 1, 1);
	}
	if (!c || !c->sql || !c->blobs) {
		/* Not cached, still correct: the statement goes unprepared. */
		if (c)
			cached_free(c);
		log_warn("store statement not cached", "backend=postgres err=\"out of memory\"");
		return 0;
	}
	c->sql_len = s->sql_len;
	c->n_params = s->n_params;
	for (int i = 0; i < s->n_params; i++)
		c->blobs[i] = s->params[i].is_blob != 0;
	c->hash = hash;
	c->id = db->next_id++;
	int err = prepare_cached(db, c, types);
	if (err < 0) {
		cached_free(c);
		return err;
	}
	c->next_in_bucket = *bucket;
	*bucket = c;
	lru_push(db, c);
	db->n_cached++;
	*out = c;
	return 0;
}

/* 1 if word (len bytes) equals the upper-case keyword kw, in any case. */
static int word_is(const char *word, size_t len, const char *kw)
{
	if (strlen(kw) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = word[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch != kw[i])
			return 0;
	}
	return 1;
}

/*
 * Call fn on the first word of each statement of sql (several may be
 * separated by `;`), skipping comments and literals; stop at the first
 * for which fn answers 1, and answer that.
 */
int pg_any_leading_word(const char *sql, int (*fn)(const char *word, size_t len))
{
	int at_start = 1;
	size_t i = 0;
	while (sql[i]) {
		size_t end = store_sql_skip(sql, i);
		if (end > i) {
			i = end;
			continue;
		}
		char ch = sql[i];
		if (ch == ';') {
			at_start = 1;
			i++;
		} else if (store_sql_is_word(ch)) {
			size_t start = i;
			while (sql[i] && store_sql_is_word(sql[i]))
				i++;
			if (at_start && fn(sql + start, i - start))
				return 1;
			at_start = 0;
		} else {
			if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' && ch != '(')
				at_start = 0;
			i++;
		}
	}
	return 0;
}

/* Commands after which a statement prepared before may mean something else, or be gone. */
int pg_is_schema_word(const char *word, size_t len)
{
	static const char *const words[] = { "CREATE", "ALTER", "DROP", "DO", "DISCARD", "DEALLOCATE" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (word_is(word, len, words[i]))
			return 1;
	}
	return 0;
}

/* Statements worth a plan kept for later (see the top of the file). */
int pg_is_plannable_word(const char *word, size_t len)
{
	static const char *const words[] = { "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (word_is(word, len, words[i]))
			return 1;
	}
	return 0;
}
