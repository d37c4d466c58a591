/*
 * sign.c: Ed25519 signatures for audit checkpoints.
 *
 * DIR/keys/audit.key holds the 64-byte libsodium secret key, DIR/keys/audit.pub
 * the 32-byte public key, both raw bytes (see keyring_create).
 */
#include <assert.h>

#include <sodium.h>

#include "core/err.h"
#include "core/log.h"
#include "keys.h"
#include "sign.h"

_Static_assert(SIGN_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
_Static_assert(SIGN_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "secret key size");
_Static_assert(SIGN_BYTES == crypto_sign_BYTES, "signature size");

/* Allocated whole with sodium_malloc; read-only once loaded. */
struct signer {
	unsigned char sk[SIGN_SECRET_BYTES];
};

int signer_load(struct signer **out, const char *dir)
{
	struct signer *s;

	assert(out && dir);
	*out = NULL;
	if (crypto_init_once() < 0)
		return -1;
	s = sodium_malloc(sizeof *s);
	if (!s) {
		log_error("out of memory for keys", "%s", "");
		return -1;
	}
	if (keys_read_file(dir, "audit.key", s->sk, sizeof s->sk, 1) < 0) {
		sodium_free(s);
		return -1;
	}
	sodium_mprotect_readonly(s);
	*out = s;
	return 0;
}

void signer_free(struct signer *s)
{
	if (s)
		sodium_free(s);   /* wipes */
}

int signer_sign(const struct signer *s, unsigned char sig[SIGN_BYTES], const void *msg, size_t len)
{
	assert(s && sig && (msg || len == 0));
	if (crypto_sign_detached(sig, NULL, msg, len, s->sk) != 0) {
		log_error("signing failed", "%s", "");
		return -1;
	}
	return 0;
}

int sign_public_load(unsigned char pk[SIGN_PUBLIC_BYTES], const char *dir)
{
	assert(pk && dir);
	return keys_read_file(dir, "audit.pub", pk, SIGN_PUBLIC_BYTES, 0);
}

int sign_verify(const unsigned char pk[SIGN_PUBLIC_BYTES], const unsigned char sig[SIGN_BYTES],
		const void *msg, size_t len)
{
	assert(pk && sig && (msg || len == 0));
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : ERR_CRYPTO;
}
