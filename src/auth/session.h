/*
 * session.h: server-side sessions. The client holds a 256-bit random token
 * (hex, in the session cookie); the database holds only its keyed hash
 * (KEY_SESSION), so a copy of the database does not give working sessions.
 * A session ends after cfg.session_idle seconds unused or cfg.session_absolute
 * seconds after login, on logout, and for all of a user's sessions on a
 * password change, a disable, or an administrator's "end sessions".
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
/* End one session (logout). */
int session_end(struct ctx *c, const char *token);
/* End every session of user_id, inside the caller's transaction. */
int session_end_all(struct ctx *c, const char *user_id) __attribute__((warn_unused_result));

#endif
