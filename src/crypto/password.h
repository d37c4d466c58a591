/*
 * password.h: Argon2id password hashes (crypto_pwhash_str) and the policy.
 * Parameters: OPSLIMIT/MEMLIMIT_INTERACTIVE by default; tests may lower them
 * with IHALA_PWHASH=fast (never in production; logged at start).
 */
#ifndef IHALA_PASSWORD_H
#define IHALA_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include "../core/banned.h"

#define PASSWORD_HASH_MAX 128   /* >= crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_LEN 12     /* characters (code points) */
#define PASSWORD_MAX_LEN 256    /* bytes */

/* 0 or -1. */
int password_hash(char out[PASSWORD_HASH_MAX], const char *password) __attribute__((warn_unused_result));
/*
 * 0 when password matches hash, ERR_UNAUTH when not. *needs_rehash is set when
 * the stored hash uses weaker parameters than the current ones.
 */
int password_verify(const char *hash, const char *password, bool *needs_rehash);
/* Run a verification against a fixed dummy hash: same cost as a real check (unknown users). */
void password_burn(const char *password);
/* Policy: ERR_INVALID if too short/long or not UTF-8; 0 otherwise. */
int password_check_policy(const char *password);
/* A random one-time password of 20 characters from an unambiguous alphabet into out[21]. */
void password_generate(char out[21]);

#endif
