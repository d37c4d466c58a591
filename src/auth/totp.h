/*
 * totp.h: time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits,
 * 30 s steps, ±1 step of drift), through liboath. Each accepted time step is
 * remembered by the caller (users.totp_last_step) so a code works once.
 */
#ifndef IHALA_TOTP_H
#define IHALA_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include "../core/banned.h"

#define TOTP_SECRET_BYTES 20
#define TOTP_BASE32_MAX 64

/* New random secret. */
void totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES]);
/* Base32 (RFC 4648, no padding) of the secret into out. 0 or -1. */
int totp_secret_base32(const unsigned char secret[TOTP_SECRET_BYTES], char out[TOTP_BASE32_MAX]);
/*
 * Check code at time now. On a match with a step greater than last_step, sets
 * *step and returns 0; otherwise ERR_UNAUTH (wrong, expired or replayed).
 */
int totp_check(const unsigned char secret[TOTP_SECRET_BYTES], const char *code, int64_t now,
	       int64_t last_step, int64_t *step);

#endif
