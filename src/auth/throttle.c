/* throttle.c: see throttle.h. */
#include "throttle.h"

#include <stdio.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/err.h"
#include "../core/log.h"

#define WINDOW 900
#define USER_LIMIT 5
#define ADDR_LIMIT 20
#define BASE_DELAY 30
#define MAX_DELAY 900

static void key_hash(const struct ctx *c, unsigned char out[32], char kind, const char *value)
{
	char buf[320];
	int n = snprintf(buf, sizeof(buf), "%c:%s", kind, value ? value : "");
	if (n < 0 || n >= (int)sizeof(buf))
		n = (int)sizeof(buf) - 1;
	hash_keyed(out, keyring_subkey(c->app->kr, KEY_THROTTLE), buf, (size_t)n);
}

static int blocked_until(struct ctx *c, const unsigned char kh[32], int64_t *until)
{
	struct store_stmt *st;
	*until = 0;
	if (store_prepare(c->db, &st, "SELECT blocked_until FROM login_throttle WHERE key_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, kh, 32);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		*until = store_column_int64(st, 0);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int throttle_check(struct ctx *c, const char *username, const char *addr, int64_t *retry_after)
{
	unsigned char ku[32], ka[32];
	int64_t now = clock_now(), u1, u2;
	key_hash(c, ku, 'u', username);
	key_hash(c, ka, 'a', addr);
	if (blocked_until(c, ku, &u1) < 0 || blocked_until(c, ka, &u2) < 0)
		return ERR_FAIL;
	int64_t until = u1 > u2 ? u1 : u2;
	if (until > now) {
		*retry_after = until - now;
		return ERR_THROTTLED;
	}
	*retry_after = 0;
	return 0;
}

static int record(struct ctx *c, const unsigned char kh[32], int limit, int64_t now)
{
	struct store_stmt *st;
	int64_t failures = 0, start = now;
	if (store_prepare(c->db, &st, "SELECT failures, window_start FROM login_throttle WHERE key_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, kh, 32);
	int rc = store_step(st);
	if (rc == STORE_ROW && now - store_column_int64(st, 1) < WINDOW) {
		failures = store_column_int64(st, 0);
		start = store_column_int64(st, 1);
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	failures++;
	int64_t until = 0;
	if (failures >= limit) {
		int64_t delay = BASE_DELAY;
		for (int64_t i = limit; i < failures && delay < MAX_DELAY; i++)
			delay *= 2;
		until = now + (delay > MAX_DELAY ? MAX_DELAY : delay);
	}
	if (store_prepare(c->db, &st,
			  "INSERT INTO login_throttle (key_hash, failures, window_start, blocked_until) "
			  "VALUES (?, ?, ?, ?) ON CONFLICT (key_hash) DO UPDATE SET "
			  "failures = excluded.failures, window_start = excluded.window_start, "
			  "blocked_until = excluded.blocked_until") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, kh, 32);
	store_bind_int64(st, 2, failures);
	store_bind_int64(st, 3, start);
	store_bind_int64(st, 4, until);
	rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int throttle_fail(struct ctx *c, const char *username, const char *addr)
{
	unsigned char ku[32], ka[32];
	int64_t now = clock_now();
	key_hash(c, ku, 'u', username);
	key_hash(c, ka, 'a', addr);
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	if (record(c, ku, USER_LIMIT, now) < 0 || record(c, ka, ADDR_LIMIT, now) < 0 ||
	    store_commit(c->db) < 0) {
		store_rollback(c->db);
		return ERR_FAIL;
	}
	return 0;
}

int throttle_clear(struct ctx *c, const char *username)
{
	unsigned char ku[32];
	key_hash(c, ku, 'u', username);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "DELETE FROM login_throttle WHERE key_hash = ?") < 0)
		return ERR_FAIL;
	store_bind_blob(st, 1, ku, 32);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}
