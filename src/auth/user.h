/*
 * user.h: staff accounts. A user belongs to one organisation and has one or
 * more roles (perm.h). Who may list, read or change users is decided by
 * perm_scope(PERM_USER_READ / PERM_USER_WRITE): all organisations, the
 * caller's own, or none; a user outside the caller's scope is ERR_NOT_FOUND.
 * Every change is audited in its own transaction.
 */
#ifndef IHALA_USER_H
#define IHALA_USER_H

#include <stdbool.h>
#include <stdint.h>
#include "../core/banned.h"
#include "../core/err.h"
#include "../crypto/password.h"
#include "ctx.h"

#define USERNAME_MAX 64
#define DISPLAY_NAME_MAX 800    /* bytes: 200 characters of any script */
#define ONE_TIME_PASSWORD_LEN 20

struct user {
	char id[ID_HEX_LEN + 1];
	char org_id[ID_HEX_LEN + 1];
	char username[USERNAME_MAX + 1];
	char display_name[DISPLAY_NAME_MAX + 1];
	role_set roles;
	bool must_change_password;
	bool totp_enabled;
	bool disabled;
	char locale[8];
	int64_t created_at;
	int64_t updated_at;
	int64_t version;
};

struct user_patch {
	const char *display_name;   /* NULL: unchanged */
	bool set_roles;
	role_set roles;
	bool set_disabled;
	bool disabled;
	int64_t version;            /* 0: no check */
};

/* 0 or ERR_INVALID: 3..64 of [a-z0-9._-], starting with a letter or digit. */
int user_check_username(const char *username);
/* 0 or ERR_INVALID: 1..200 characters, no control characters. */
int user_check_display_name(const char *name);

/*
 * Create a user with a one-time password (written to password_out) that must
 * be changed at first login, unless must_change is false (demo users).
 * Checks the caller's PERM_USER_WRITE scope unless c->actor.user_id is ""
 * (the command line, acting as the system).
 */
int user_create(struct ctx *c, const char *org_id, const char *username,
		const char *display_name, role_set roles, bool must_change,
		char password_out[ONE_TIME_PASSWORD_LEN + 1], struct user *out,
		struct problem *pb);
/* Same with a chosen password (command line, demo data). */
int user_create_with_password(struct ctx *c, const char *org_id, const char *username,
			      const char *display_name, role_set roles, bool must_change,
			      const char *password, struct user *out, struct problem *pb);
/* Load without any scope check (internal use: login, sessions). */
int user_load(struct store *db, const char *id, struct user *out);
/*
 * The columns of a user row, each name prefixed with p (a table alias and a
 * dot, or ""), for a statement that reads a user beside other things;
 * user_row_read() reads them from column k on.
 */
#define USER_COLUMNS(p) p "id, " p "org_id, " p "username, " p "display_name, " p "must_change_password, " \
			p "totp_enabled, " p "disabled, " p "locale, " p "created_at, " p "updated_at, " p "version, " \
			p "roles"
void user_row_read(struct store_stmt *st, int k, struct user *u);
int user_load_by_name(struct store *db, const char *username, struct user *out, char *pw_hash,
		      size_t pw_hash_size);
/* The enabled users of an organisation, without any scope check (internal use), ordered by name. */
int user_list_enabled_in_org(struct store *db, const char *org_id, struct user **items, int *n_items);
/* Read within the caller's PERM_USER_READ scope. */
int user_get(struct ctx *c, const char *id, struct user *out);
/*
 * List users ordered by id after cursor ("" for the start), at most limit,
 * optionally of one organisation. *items is allocated (free()); *next_cursor
 * is "" when there is no more.
 */
int user_list(struct ctx *c, const char *org_filter, const char *cursor, int limit,
	      struct user **items, int *n_items, char next_cursor[ID_HEX_LEN + 1]);
int user_update(struct ctx *c, const char *id, const struct user_patch *patch, struct user *out,
		struct problem *pb);
/* New one-time password; ends the user's sessions. */
int user_reset_password(struct ctx *c, const char *id, char password_out[ONE_TIME_PASSWORD_LEN + 1]);
/* Remove the user's TOTP enrolment (lost device); ends their sessions. */
int user_reset_totp(struct ctx *c, const char *id);
/* End all of the user's sessions. */
int user_end_sessions(struct ctx *c, const char *id);

#endif
