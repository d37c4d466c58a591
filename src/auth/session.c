/* session.c: see session.h. */
#include "session.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/clock.h"
#include "../core/err.h"
#include "../core/log.h"

/* ---- the cache of checked sessions (session.h) ---- */

#define CACHE_SLOTS 1024   /* direct-mapped by the token's keyed hash: an attacker cannot aim at a slot */

struct cache_entry {
	bool used;
	bool has_user;
	uint64_t gen;          /* the cache's generation when it was read */
	uint64_t until_ns;     /* clock_mono_ns() after which it is not used */
	unsigned char th[32];
	struct session_info si;
	struct user u;
};

struct session_cache {
	pthread_mutex_t mu;
	bool on;
	uint64_t gen;          /* bumped by every forget: older entries are dead */
	uint64_t ttl_ns;
	uint64_t hits, misses;
	struct cache_entry slot[CACHE_SLOTS];
};

struct session_cache *session_cache_new(long ttl_seconds)
{
	struct session_cache *sc = xcalloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	pthread_mutex_init(&sc->mu, NULL);
	sc->on = true;
	sc->gen = 1;
	sc->ttl_ns = (uint64_t)ttl_seconds * 1000000000u;
	return sc;
}

void session_cache_free(struct session_cache *sc)
{
	if (!sc)
		return;
	pthread_mutex_destroy(&sc->mu);
	sodium_memzero(sc, sizeof(*sc));
	free(sc);
}

void session_cache_reset(struct session_cache *sc, bool on)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->gen++;
	sc->on = on;
	pthread_mutex_unlock(&sc->mu);
}

void session_cache_on_notice(void *arg, bool on)
{
	session_cache_reset(arg, on);
}

void session_cache_forget(const struct ctx *c)
{
	struct session_cache *sc = c->app ? c->app->sessions : NULL;
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->gen++;
	pthread_mutex_unlock(&sc->mu);
}

void session_cache_counts(struct session_cache *sc, uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&sc->mu);
	*hits = sc->hits;
	*misses = sc->misses;
	pthread_mutex_unlock(&sc->mu);
}

static struct cache_entry *slot_of(struct session_cache *sc, const unsigned char th[32])
{
	return &sc->slot[((size_t)th[0] << 8 | th[1]) % CACHE_SLOTS];
}

/* A live entry for th copied out (true), else false; *gen: the generation before any database read. */
static bool cache_get(struct session_cache *sc, const unsigned char th[32], struct session_info *si,
		      struct user *u, bool *has_user, uint64_t *gen)
{
	pthread_mutex_lock(&sc->mu);
	*gen = sc->gen;
	struct cache_entry *e = slot_of(sc, th);
	bool hit = sc->on && e->used && e->gen == sc->gen && clock_mono_ns() < e->until_ns &&
		   sodium_memcmp(e->th, th, 32) == 0;
	if (hit) {
		*si = e->si;
		*u = e->u;
		*has_user = e->has_user;
		sc->hits++;
	} else {
		sc->misses++;
	}
	pthread_mutex_unlock(&sc->mu);
	return hit;
}

/* Store what was read, unless something was forgotten since gen was taken. */
static void cache_put(struct session_cache *sc, const unsigned char th[32], const struct session_info *si,
		      const struct user *u, bool has_user, uint64_t gen)
{
	pthread_mutex_lock(&sc->mu);
	if (sc->on && sc->gen == gen) {
		struct cache_entry *e = slot_of(sc, th);
		e->used = true;
		e->gen = gen;
		e->until_ns = clock_mono_ns() + sc->ttl_ns;
		memcpy(e->th, th, 32);
		e->si = *si;
		e->has_user = has_user;
		if (has_user)
			e->u = *u;
		else
			memset(&e->u, 0, sizeof(e->u));
	}
	pthread_mutex_unlock(&sc->mu);
}

/* ---- sessions in the database ---- */

static int token_hash(const struct ctx *c, const char *token, unsigned char out[32])
{
	unsigned char raw[TOKEN_BYTES];
	if (!token || strlen(token) != TOKEN_HEX_LEN || hex_decode(raw, TOKEN_BYTES, token) < 0)
		return ERR_UNAUTH;
	hash_keyed(out, keyring_subkey(c->app->kr, KEY_SESSION), raw, sizeof(raw));
	return 0;
}

int session_create(struct ctx *c, const char *user_id, char token[TOKEN_HEX_LEN + 1],
		   char csrf[TOKEN_HEX_LEN + 1])
{
	unsigned char th[32];
	random_hex(token, TOKEN_BYTES);
	random_hex(csrf, TOKEN_BYTES);
	if (token_hash(c, token, th) < 0)
		return ERR_FAIL;
	int64_t now = clock_now();
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at) "
			  "VALUES (?, ?, ?, ?, ?, ?)") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, th, sizeof(th));
	store_bind_text(st, 2, user_id);
	store_bind_text(st, 3, csrf);
	store_bind_int64(st, 4, now);
	store_bind_int64(st, 5, now);
	store_bind_int64(st, 6, now + c->app->cfg.session_absolute);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int delete_by_hash(struct ctx *c, const unsigned char th[32])
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "DELETE FROM sessions WHERE token_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, th, 32);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Set the flags that depend on the time. */
static void judge(const struct ctx *c, struct session_info *si)
{
	int64_t now = clock_now();
	si->expired = now >= si->expires_at || now - si->last_seen >= c->app->cfg.session_idle ||
		      now - si->created_at >= c->app->cfg.session_absolute;
	/* Refresh the idle timer at most once a minute (every request when the limit is tiny). */
	si->stale = now - si->last_seen >= 60 || c->app->cfg.session_idle < 120;
}

int session_lookup(struct ctx *c, const char *token, struct session_info *out, struct user *u, bool *has_user)
{
	unsigned char th[32];
	memset(out, 0, sizeof(*out));
	*has_user = false;
	if (token_hash(c, token, th) < 0)
		return ERR_UNAUTH;
	/* From memory only while nothing needs writing: otherwise the database decides. */
	struct session_cache *sc = c->app->sessions;
	uint64_t gen = 0;
	if (sc && cache_get(sc, th, out, u, has_user, &gen)) {
		judge(c, out);
		if (!out->expired && !out->stale)
			return 0;
		memset(out, 0, sizeof(*out));
		*has_user = false;
	}
	/* One statement, so no transaction is needed around it (one round trip on PostgreSQL). */
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen, s.expires_at, "
			  USER_COLUMNS("u.") " FROM sessions s LEFT JOIN users u ON u.id = s.user_id "
			  "WHERE s.token_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, th, sizeof(th));
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		const char *uid = store_column_text(st, 0), *csrf = store_column_text(st, 1);
		snprintf(out->user_id, sizeof(out->user_id), "%s", uid ? uid : "");
		snprintf(out->csrf, sizeof(out->csrf), "%s", csrf ? csrf : "");
		out->created_at = store_column_int64(st, 2);
		out->last_seen = store_column_int64(st, 3);
		out->expires_at = store_column_int64(st, 4);
		*has_user = !store_column_is_null(st, 5);
		if (*has_user)
			user_row_read(st, 5, u);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (rc != STORE_ROW)
		return ERR_UNAUTH;
	if (sc)
		cache_put(sc, th, out, u, *has_user, gen);
	judge(c, out);
	return 0;
}

int session_upkeep(struct ctx *c, const char *token, struct session_info *si)
{
	unsigned char th[32];
	if (token_hash(c, token, th) < 0)
		return ERR_UNAUTH;
	if (si->expired) {
		/* A failure here only delays the clean-up; the session is refused either way. */
		if (store_begin(c->db) == 0) {
			if (delete_by_hash(c, th) < 0 || store_commit(c->db) < 0)
				store_rollback(c->db);
			else
				session_cache_forget(c);   /* at once here; the other servers at the notice */
		}
		return ERR_UNAUTH;
	}
	if (!si->stale)
		return 0;
	int64_t now = clock_now();
	struct store_stmt *st;
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	if (store_prepare(c->db, &st, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?") < 0) {
		store_rollback(c->db);
		return ERR_FAIL;
	}
	store_bind_int64(st, 1, now);
	store_bind_blob(st, 2, th, sizeof(th));
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		return ERR_FAIL;
	}
	si->last_seen = now;
	si->stale = 0;
	return 0;
}

int session_end(struct ctx *c, const char *token)
{
	unsigned char th[32];
	if (token_hash(c, token, th) < 0)
		return ERR_UNAUTH;
	return delete_by_hash(c, th);
}

int session_end_all(struct ctx *c, const char *user_id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "DELETE FROM sessions WHERE user_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, user_id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}
