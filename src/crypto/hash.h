/*
 * hash.h: keyed hashes and random tokens.
 */
#ifndef IHALA_HASH_H
#define IHALA_HASH_H

#include <stddef.h>
#include "../core/banned.h"

#define BLIND_BYTES 16
#define TOKEN_BYTES 32          /* session tokens: 256 bits */
#define TOKEN_HEX_LEN (TOKEN_BYTES * 2)
#define ID_HEX_LEN 32           /* random internal ids: 128 bits as hex */

/*
 * Blind index: keyed BLAKE2b-128 of domain ("name", "doc", ...), a NUL, then
 * value (already normalised by the caller). Equal inputs give equal outputs
 * under one key; nothing about value can be read back.
 */
int blind_index(unsigned char out[BLIND_BYTES], const unsigned char key[32],
		const char *domain, const char *value);
/* Keyed BLAKE2b-256 of data, e.g. a session token before storage. */
int hash_keyed(unsigned char out[32], const unsigned char key[32], const void *data, size_t len);
/* Unkeyed BLAKE2b-256 over the concatenation of two buffers (audit chain). */
int hash_chain(unsigned char out[32], const unsigned char prev[32], const void *data, size_t len);
/* Fill out with n random bytes. */
void random_bytes(void *out, size_t n);
/* Random token of nbytes as lowercase hex into out (2*nbytes+1 bytes). */
void random_hex(char *out, size_t nbytes);
/* Random internal id: 16 bytes as 32 hex chars + NUL into out[ID_HEX_LEN + 1]. */
void random_id(char out[ID_HEX_LEN + 1]);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_encode(char *out, const unsigned char *in, size_t n);
/* Decode exactly 2n hex chars into n bytes; 0 or ERR_INVALID. */
int hex_decode(unsigned char *out, size_t n, const char *hex);
/* Constant-time comparison of two NUL-terminated strings of equal length; 0 if equal. */
int secret_equal(const char *a, const char *b);

#endif
