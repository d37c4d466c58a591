/*
 * hash.c: keyed BLAKE2b (blind indexes, token hashes), the audit hash chain,
 * random tokens and hex.
 */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "core/err.h"
#include "hash.h"

int blind_index(unsigned char out[BLIND_BYTES], const unsigned char key[32],
		const char *domain, const char *value)
{
	crypto_generichash_state st;
	static const unsigned char sep = 0;

	assert(out && key && domain && value);
	/* The NUL separator keeps ("ab","c") and ("a","bc") apart. */
	if (crypto_generichash_init(&st, key, 32, BLIND_BYTES) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain)) != 0 ||
	    crypto_generichash_update(&st, &sep, 1) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value)) != 0 ||
	    crypto_generichash_final(&st, out, BLIND_BYTES) != 0) {
		sodium_memzero(&st, sizeof st);
		return -1;
	}
	sodium_memzero(&st, sizeof st);
	return 0;
}

int hash_keyed(unsigned char out[32], const unsigned char key[32], const void *data, size_t len)
{
	assert(out && key && (data || len == 0));
	return crypto_generichash(out, 32, data, len, key, 32) == 0 ? 0 : -1;
}

int hash_chain(unsigned char out[32], const unsigned char prev[32], const void *data, size_t len)
{
	crypto_generichash_state st;

	assert(out && prev && (data || len == 0));
	if (crypto_generichash_init(&st, NULL, 0, 32) != 0 ||
	    crypto_generichash_update(&st, prev, 32) != 0 ||
	    crypto_generichash_update(&st, data, len) != 0 ||
	    crypto_generichash_final(&st, out, 32) != 0)
		return -1;
	return 0;
}

void random_bytes(void *out, size_t n)
{
	assert(out || n == 0);
	randombytes_buf(out, n);
}

void random_hex(char *out, size_t nbytes)
{
	unsigned char chunk[32];

	assert(out);
	/* In chunks so that no allocation is needed for any size. */
	while (nbytes > 0) {
		size_t n = nbytes < sizeof chunk ? nbytes : sizeof chunk;

		randombytes_buf(chunk, n);
		sodium_bin2hex(out, 2 * n + 1, chunk, n);
		out += 2 * n;
		nbytes -= n;
	}
	*out = '\0';
	sodium_memzero(chunk, sizeof chunk);
}

void random_id(char out[ID_HEX_LEN + 1])
{
	random_hex(out, ID_HEX_LEN / 2);
}

void hex_encode(char *out, const unsigned char *in, size_t n)
{
	assert(out && (in || n == 0));
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

int hex_decode(unsigned char *out, size_t n, const char *hex)
{
	size_t bin_len = 0;
	const char *end = NULL;

	assert(out || n == 0);
	if (!hex || strlen(hex) != 2 * n)
		return ERR_INVALID;
	if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &bin_len, &end) != 0 || bin_len != n ||
	    end != hex + 2 * n)
		return ERR_INVALID;
	return 0;
}

int secret_equal(const char *a, const char *b)
{
	size_t len;

	if (!a || !b)
		return -1;
	/* Lengths are not secret (tokens have a fixed length); the content is. */
	len = strlen(a);
	if (len != strlen(b))
		return -1;
	return sodium_memcmp(a, b, len) == 0 ? 0 : -1;
}
