/*
 * throttle.h: login throttling per account and per address, without
 * lock-out. Failures are counted in a 15-minute window; from the limit on
 * (5 for an account, 20 for an address) the key is refused for a delay that
 * doubles from 30 s up to 15 minutes, after which attempts are allowed again.
 * Keys are stored only as keyed hashes (KEY_THROTTLE): the table holds no
 * usernames and no addresses.
 */
#ifndef IHALA_THROTTLE_H
#define IHALA_THROTTLE_H

#include <stdint.h>
#include "../core/banned.h"
#include "ctx.h"

/* 0 when an attempt for username from addr may proceed; ERR_THROTTLED with *retry_after seconds. */
int throttle_check(struct ctx *c, const char *username, const char *addr, int64_t *retry_after);
/* Record a failed attempt for both keys (own transaction). */
int throttle_fail(struct ctx *c, const char *username, const char *addr);
/* Forget the account's failures after a successful login (inside the caller's transaction). */
int throttle_clear(struct ctx *c, const char *username);

#endif
