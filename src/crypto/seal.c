/*
 * seal.c: XChaCha20-Poly1305 of one value, bound to its table, column, row and
 * key version through the additional data.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "seal.h"

#define SEAL_FORMAT 1
#define SEAL_HDR (1 + 4)
#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_AD_MAX 4096   /* table, column and row id are short identifiers */

_Static_assert(SEAL_OVERHEAD == SEAL_HDR + SEAL_NONCE + SEAL_TAG, "seal layout");

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * "table\0column\0row_id\0" + version (big-endian) into a new allocation.
 * The NUL separators make the encoding unambiguous: no C string holds a NUL.
 */
static unsigned char *seal_ad_build(const struct seal_ad *ad, uint32_t version, size_t *len_out)
{
	size_t lt, lc, lr, len;
	unsigned char *p;

	assert(ad && ad->table && ad->column && ad->row_id);
	lt = strlen(ad->table);
	lc = strlen(ad->column);
	lr = strlen(ad->row_id);
	if (lt > SEAL_AD_MAX || lc > SEAL_AD_MAX || lr > SEAL_AD_MAX)
		return NULL;
	len = lt + 1 + lc + 1 + lr + 1 + 4;
	p = xcalloc(len, 1);
	if (!p)
		return NULL;
	memcpy(p, ad->table, lt);
	memcpy(p + lt + 1, ad->column, lc);
	memcpy(p + lt + 1 + lc + 1, ad->row_id, lr);
	put_be32(p + len - 4, version);
	*len_out = len;
	return p;
}

size_t seal_len(size_t len)
{
	return len + SEAL_OVERHEAD;
}

int seal_encrypt(unsigned char *out, const unsigned char *msg, size_t len,
		 const struct seal_ad *ad, uint32_t key_version, const unsigned char key[32])
{
	unsigned char *adata;
	size_t ad_len;
	int rc;

	assert(out && key && (msg || len == 0));
	if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX - SEAL_OVERHEAD)
		return -1;
	adata = seal_ad_build(ad, key_version, &ad_len);
	if (!adata) {
		log_error("seal: cannot build additional data", "%s", "");
		return -1;
	}
	out[0] = SEAL_FORMAT;
	put_be32(out + 1, key_version);
	/* 192-bit random nonces: safe to draw at random for any number of values. */
	randombytes_buf(out + SEAL_HDR, SEAL_NONCE);
	rc = crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_HDR + SEAL_NONCE, NULL,
							msg, len, adata, ad_len, NULL,
							out + SEAL_HDR, key);
	free(adata);
	return rc == 0 ? 0 : -1;
}

int seal_decrypt(unsigned char *out, size_t *out_len, const unsigned char *sealed,
		 size_t sealed_len, const struct seal_ad *ad, uint32_t key_version,
		 const unsigned char key[32])
{
	unsigned long long plain_len = 0;
	unsigned char *adata;
	size_t ad_len;
	int rc;

	assert(out_len && key);
	*out_len = 0;
	if (!sealed || sealed_len < SEAL_OVERHEAD)
		return ERR_INVALID;
	assert(out || sealed_len == SEAL_OVERHEAD);
	/*
	 * A wrong format or version byte is treated like any other tampering.
	 * The version is also in the additional data, so even a consistent
	 * rewrite of the header cannot make the tag verify.
	 */
	if (sealed[0] != SEAL_FORMAT || get_be32(sealed + 1) != key_version)
		return ERR_CRYPTO;
	adata = seal_ad_build(ad, key_version, &ad_len);
	if (!adata)
		return ERR_NOMEM;
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plain_len, NULL,
							sealed + SEAL_HDR + SEAL_NONCE,
							sealed_len - SEAL_HDR - SEAL_NONCE,
							adata, ad_len, sealed + SEAL_HDR, key);
	free(adata);
	if (rc != 0)
		return ERR_CRYPTO;
	*out_len = (size_t)plain_len;
	return 0;
}

uint32_t seal_key_version(const unsigned char *sealed, size_t sealed_len)
{
	if (!sealed || sealed_len < SEAL_OVERHEAD || sealed[0] != SEAL_FORMAT)
		return 0;
	return get_be32(sealed + 1);
}
