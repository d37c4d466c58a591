/*
 * password.c: Argon2id password hashes and the password policy.
 */
#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <utf8proc.h>

#include "core/err.h"
#include "core/log.h"
#include "password.h"

_Static_assert(PASSWORD_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");

/* Unambiguous when read aloud or copied from paper: no 0/O, 1/l/I. */
static const char password_alphabet[] =
	"23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

static unsigned long long pw_opslimit;
static size_t pw_memlimit;
static pthread_once_t limits_once = PTHREAD_ONCE_INIT;

static char dummy_hash[crypto_pwhash_STRBYTES];
static bool dummy_ready;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void limits_init(void)
{
	const char *mode = getenv("IHALA_PWHASH");

	if (mode && strcmp(mode, "fast") == 0) {
		pw_opslimit = crypto_pwhash_OPSLIMIT_MIN;
		pw_memlimit = crypto_pwhash_MEMLIMIT_MIN;
		log_warn("IHALA_PWHASH=fast: weak password hashing, for tests only", "%s", "");
	} else {
		pw_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		pw_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
}

int password_hash(char out[PASSWORD_HASH_MAX], const char *password)
{
	assert(out && password);
	pthread_once(&limits_once, limits_init);
	if (crypto_pwhash_str(out, password, strlen(password), pw_opslimit, pw_memlimit) != 0) {
		/* The only runtime failure is not getting the memory Argon2 needs. */
		log_error("password hashing failed (out of memory)", "%s", "");
		return -1;
	}
	return 0;
}

int password_verify(const char *hash, const char *password, bool *needs_rehash)
{
	if (needs_rehash)
		*needs_rehash = false;
	if (!hash || !password)
		return ERR_UNAUTH;
	/* crypto_pwhash_str_verify reads a NUL-terminated string of bounded length. */
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return ERR_UNAUTH;
	pthread_once(&limits_once, limits_init);
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
		return ERR_UNAUTH;
	if (needs_rehash)
		*needs_rehash = crypto_pwhash_str_needs_rehash(hash, pw_opslimit, pw_memlimit) != 0;
	return 0;
}

static void dummy_init(void)
{
	char pw[33];
	unsigned char raw[16];

	pthread_once(&limits_once, limits_init);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
	dummy_ready = crypto_pwhash_str(dummy_hash, pw, strlen(pw), pw_opslimit, pw_memlimit) == 0;
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(raw, sizeof raw);
}

void password_burn(const char *password)
{
	/*
	 * Verifying against a real hash of a random password costs what a real
	 * check costs, so a login for an unknown user takes as long as one for a
	 * known user with a wrong password.
	 */
	volatile int ignored;

	pthread_once(&dummy_once, dummy_init);
	if (!dummy_ready || !password)
		return;
	ignored = crypto_pwhash_str_verify(dummy_hash, password, strlen(password));
	(void)ignored;
}

int password_check_policy(const char *password)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)password;
	utf8proc_ssize_t left;
	size_t len, n_points = 0;

	if (!password)
		return ERR_INVALID;
	len = strlen(password);
	if (len < PASSWORD_MIN_LEN || len > PASSWORD_MAX_LEN)
		return ERR_INVALID;
	left = (utf8proc_ssize_t)len;
	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);

		if (n <= 0)
			return ERR_INVALID;   /* malformed, overlong or surrogate */
		p += n;
		left -= n;
		n_points++;
	}
	return n_points >= PASSWORD_MIN_LEN ? 0 : ERR_INVALID;
}

void password_generate(char out[21])
{
	const uint32_t n = (uint32_t)(sizeof password_alphabet - 1);

	assert(out);
	/* randombytes_uniform has no modulo bias. */
	for (int i = 0; i < 20; i++)
		out[i] = password_alphabet[randombytes_uniform(n)];
	out[20] = '\0';
}
