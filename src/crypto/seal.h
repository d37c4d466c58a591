/*
 * seal.h: authenticated encryption of one value, bound to where it is stored.
 *
 * XChaCha20-Poly1305 (IETF). The sealed form is
 *	[1 byte format=1][4 bytes key version, big-endian][24 bytes nonce][ciphertext+16 tag]
 * and the additional data is "table\0column\0row_id\0" followed by the key
 * version, so a ciphertext copied to another table, column or row, or opened
 * with another key version, fails to open.
 */
#ifndef IHALA_SEAL_H
#define IHALA_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include "../core/banned.h"

#define SEAL_OVERHEAD (1 + 4 + 24 + 16)

struct seal_ad {
	const char *table;   /* borrowed */
	const char *column;  /* borrowed */
	const char *row_id;  /* borrowed */
};

/* Sealed length of a message of len bytes. */
size_t seal_len(size_t len);
/* out must hold seal_len(len) bytes. 0 or -1. */
int seal_encrypt(unsigned char *out, const unsigned char *msg, size_t len,
		 const struct seal_ad *ad, uint32_t key_version,
		 const unsigned char key[32]) __attribute__((warn_unused_result));
/*
 * Opens sealed (sealed_len bytes) into out (at least sealed_len - SEAL_OVERHEAD
 * bytes), sets *out_len. ERR_CRYPTO on any tampering, wrong place, wrong key or
 * key version different from key_version; ERR_INVALID when too short.
 */
int seal_decrypt(unsigned char *out, size_t *out_len, const unsigned char *sealed,
		 size_t sealed_len, const struct seal_ad *ad, uint32_t key_version,
		 const unsigned char key[32]) __attribute__((warn_unused_result));
/* Key version recorded in a sealed value, or 0 if malformed. */
uint32_t seal_key_version(const unsigned char *sealed, size_t sealed_len);

#endif
