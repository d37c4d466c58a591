/*
 * ctx.h: what a request's work runs with, below HTTP: the process-wide
 * application state (read-only after start) and, per request, a database
 * connection and the acting user. Domain and auth functions take a
 * struct ctx *; they know nothing of HTTP.
 */
#ifndef IHALA_CTX_H
#define IHALA_CTX_H

#include <stdbool.h>
#include "../audit/audit.h"
#include "../core/banned.h"
#include "../core/config.h"
#include "../crypto/hash.h"
#include "../crypto/keys.h"
#include "../crypto/sign.h"
#include "../store/store.h"
#include "perm.h"

struct app {
	struct config cfg;
	struct keyring *kr;          /* owned */
	struct signer *signer;       /* owned; signs audit checkpoints */
	struct audit audit;          /* borrows signer */
	struct store_pool *pool;     /* owned */
	bool totp_enforced;          /* false in demo installations */
	struct session_cache *sessions;   /* owned; NULL: none (session.h) */
};

struct actor {
	char user_id[ID_HEX_LEN + 1];   /* "" when nobody is signed in */
	char org_id[ID_HEX_LEN + 1];
	char username[65];
	role_set roles;
};

struct ctx {
	const struct app *app;       /* borrowed */
	struct store *db;            /* borrowed from the pool for this request */
	struct actor actor;
	const char *remote_addr;     /* borrowed; for throttling only, never stored */
};

/*
 * How far permission p reaches for the actor; the system (command line, no
 * user signed in) reaches everything.
 */
enum scope ctx_scope(const struct ctx *c, enum perm p);
/* May the actor use p on an object of organisation org_id? */
bool ctx_in_scope(const struct ctx *c, enum perm p, const char *org_id);

/* Audit helpers with the actor filled in. */
int ctx_audit(struct ctx *c, const char *action, const char *object_type,
	      const char *object_id, const char *outcome) __attribute__((warn_unused_result));
/* In its own transaction (security events that change nothing else). */
int ctx_audit_tx(struct ctx *c, const char *action, const char *object_type,
		 const char *object_id, const char *outcome);

#endif
