/*
 * login.h: signing in and the signed-in user's own account: password change,
 * TOTP enrolment, language. Every outcome is audited (login, failure,
 * throttled, password change, TOTP enrolment), without personal data.
 *
 * The same answer, and about the same time, for an unknown user, a disabled
 * user and a wrong password: all run one Argon2id verification.
 */
#ifndef IHALA_LOGIN_H
#define IHALA_LOGIN_H

#include <stdint.h>
#include "../core/banned.h"
#include "../core/err.h"
#include "ctx.h"
#include "session.h"
#include "totp.h"
#include "user.h"

struct login_result {
	char token[TOKEN_HEX_LEN + 1];   /* for the cookie */
	char csrf[TOKEN_HEX_LEN + 1];
	const char *next;                /* NULL, "change_password" or "enrol_totp" (static) */
	int64_t retry_after;             /* seconds, with ERR_THROTTLED */
};

/*
 * Check credentials and open a session. Errors (pb->code): ERR_UNAUTH
 * "invalid_credentials" / "totp_required" / "totp_invalid"; ERR_THROTTLED
 * "throttled" (out->retry_after).
 */
int login_password(struct ctx *c, const char *username, const char *password, const char *totp,
		   struct login_result *out, struct problem *pb);
/*
 * Reads only, in the caller's transaction: the session of token and its
 * user. ERR_UNAUTH when there is none or the user is disabled. When the
 * session is live (!si->expired) sets c->actor and *next. The caller then
 * runs session_upkeep() when si->expired or si->stale.
 */
int login_lookup(struct ctx *c, const char *token, struct session_info *si, struct user *u,
		 const char **next);
/*
 * Resolve a session token into c->actor, and the user's record into *u.
 * ERR_UNAUTH when there is no live session or the user is disabled. *next
 * tells whether set-up is pending.
 */
int login_resume(struct ctx *c, const char *token, struct session_info *si, struct user *u,
		 const char **next);
/* What the user must do before anything else: NULL or a static string. */
const char *login_next(const struct ctx *c, const struct user *u);
/*
 * Change the caller's password: every session of the user ends and a new
 * one is opened (out). pb->code "wrong_password" (field current) or
 * "weak_password" (field new).
 */
int login_change_password(struct ctx *c, const char *current, const char *new_password,
			  struct login_result *out, struct problem *pb);
/* Start TOTP enrolment: a new secret, stored sealed, not yet enabled. */
int login_totp_begin(struct ctx *c, char secret_b32[TOTP_BASE32_MAX], struct problem *pb);
/* Confirm with a code from the authenticator: enables TOTP. */
int login_totp_confirm(struct ctx *c, const char *code, struct problem *pb);
/* "ar" or "en". */
int login_set_locale(struct ctx *c, const char *locale, struct problem *pb);

#endif
