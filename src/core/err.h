/*
 * err.h: the error codes that cross layers. Domain and store functions return
 * 0 or a negative enum err; api/ maps each to an HTTP status and a stable
 * public code in one table (api/errors.c).
 */
#ifndef IHALA_ERR_H
#define IHALA_ERR_H

enum err {
	ERR_OK = 0,
	ERR_FAIL = -1,        /* runtime failure (I/O, database, library); logged where detected */
	ERR_NOMEM = -2,       /* allocation failed or a cap was reached */
	ERR_INVALID = -3,     /* bad input from a client or a command line */
	ERR_NOT_FOUND = -4,   /* no such object, or the caller may not see it */
	ERR_CONFLICT = -5,    /* unique constraint, stale version, illegal transition */
	ERR_DENIED = -6,      /* authenticated but not allowed */
	ERR_UNAUTH = -7,      /* not authenticated / bad credentials */
	ERR_TOO_LARGE = -8,   /* over a size cap */
	ERR_THROTTLED = -9,   /* too many attempts; retry later */
	ERR_CRYPTO = -10,     /* decryption/authentication failed */
};

#include <stdint.h>

/*
 * What went wrong with a request, for the client: a stable public code
 * ("invalid", "conflict", "weak_password", ...; static string), the field
 * at fault or "", and for stale_version the current version.
 */
struct problem {
	const char *code;
	char field[64];
	int64_t current_version;
};

/* Set p's code and field (field may be NULL); returns err for chaining. */
int problem_set(struct problem *p, int err, const char *code, const char *field);

/* Short constant name of an error ("invalid", "not_found", ...), never NULL. */
const char *err_name(int err);

#endif
