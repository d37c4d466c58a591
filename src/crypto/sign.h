/*
 * sign.h: Ed25519 signatures for audit checkpoints.
 */
#ifndef IHALA_SIGN_H
#define IHALA_SIGN_H

#include <stddef.h>
#include "../core/banned.h"

#define SIGN_PUBLIC_BYTES 32
#define SIGN_SECRET_BYTES 64
#define SIGN_BYTES 64

struct signer;   /* secret key in sodium_malloc memory */

/* Load DIR/keys/audit.key (0600 required). 0 or -1. */
int signer_load(struct signer **out, const char *dir) __attribute__((warn_unused_result));
void signer_free(struct signer *s);
int signer_sign(const struct signer *s, unsigned char sig[SIGN_BYTES], const void *msg, size_t len);
/* Load DIR/keys/audit.pub. 0 or -1. */
int sign_public_load(unsigned char pk[SIGN_PUBLIC_BYTES], const char *dir);
/* 0 when valid, ERR_CRYPTO otherwise. */
int sign_verify(const unsigned char pk[SIGN_PUBLIC_BYTES], const unsigned char sig[SIGN_BYTES],
		const void *msg, size_t len);

#endif
