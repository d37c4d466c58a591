/*
 * session.h: server-side sessions. The client holds a 256-bit random token
 * (hex, in the session cookie); the database holds only its keyed hash
 * (KEY_SESSION), so a copy of the database does not give working sessions.
 * A session ends after cfg.session_idle seconds unused or cfg.session_absolute
 * seconds after login, on logout, and for all of a user's sessions on a
 * password change, a disable, or an administrator's "end sessions".
 *
 * The cache of checked sessions (a server on PostgreSQL; app->sessions): a
 * session found in the database, with its user, is kept in the server's
 * memory for up to cfg.session_cache seconds, so that its next requests do
 * not ask the database again (on PostgreSQL that question is a round trip,
 * a fifth of a work list's cost). An entry is used only while its idle timer
 * needs no refresh and its limits are not reached, both judged again at
 * each use. Every entry is forgotten at once:
 * - in this process, after the commit of any change here to a user's
 *   account or to sessions (session_cache_forget, called by the writers);
 * - in every server, when PostgreSQL tells of a change to the users or
 *   sessions tables (a trigger, migration 0019, and one listening connection
 *   per server: src/store/pg_listen.h), whoever made it: another server, a
 *   command, or an administrator in psql. While that connection is down the
 *   cache is not used.
 * An entry is stored only if nothing was forgotten while it was read, so a
 * read that raced a change never outlives it. The time limit bounds what
 * nothing above would catch.
 */
#ifndef IHALA_SESSION_H
#define IHALA_SESSION_H

#include <stdint.h>
#include "../core/banned.h"
#include "ctx.h"
#include "user.h"

struct session_info {
	char user_id[ID_HEX_LEN + 1];
	char csrf[TOKEN_HEX_LEN + 1];
	int64_t created_at;
	int64_t last_seen;
	int64_t expires_at;
	int expired;    /* past the idle or absolute limit */
	int stale;      /* last_seen should be refreshed */
};

/* New session for user_id inside the caller's transaction. */
int session_create(struct ctx *c, const char *user_id, char token[TOKEN_HEX_LEN + 1],
		   char csrf[TOKEN_HEX_LEN + 1]) __attribute__((warn_unused_result));
/*
 * Find the session of token (a 64-hex string) and its user, in one
 * statement, reading only: ERR_UNAUTH when unknown or malformed. *has_user
 * says whether the user row exists (then *u holds it). Sets out->expired when
 * it has passed a limit, and out->stale when its idle timer should be
 * refreshed; session_upkeep() acts on both. Split so a request can read
 * everything it needs without a write and write only when it must.
 */
int session_lookup(struct ctx *c, const char *token, struct session_info *out, struct user *u, bool *has_user);
/*
 * Delete an expired session (then ERR_UNAUTH) or refresh a stale idle timer
 * (at most once a minute per session), each in its own transaction; 0 otherwise.
 */
int session_upkeep(struct ctx *c, const char *token, struct session_info *si);
/* A cache holding entries for ttl_seconds (> 0), enabled; NULL when out of memory. */
struct session_cache *session_cache_new(long ttl_seconds);
void session_cache_free(struct session_cache *sc);
/* Forget every entry (NULL: nothing); on: whether entries may be used and stored from now. */
void session_cache_reset(struct session_cache *sc, bool on);
/* session_cache_reset for a pg_listen_fn (src/store/pg_listen.h): arg is the cache. */
void session_cache_on_notice(void *arg, bool on);
/* After the commit of a change to users or sessions: forget every entry of c's server. */
void session_cache_forget(const struct ctx *c);
/* Lookups answered from memory and from the database, for tests and benchmarks. */
void session_cache_counts(struct session_cache *sc, uint64_t *hits, uint64_t *misses);
/* End one session (logout), in the caller's transaction (who calls session_cache_forget after its commit). */
int session_end(struct ctx *c, const char *token);
/* End every session of user_id, inside the caller's transaction (who calls session_cache_forget after its commit). */
int session_end_all(struct ctx *c, const char *user_id) __attribute__((warn_unused_result));

#endif
