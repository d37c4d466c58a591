/*
 * keys.h: the master key file and the subkeys derived from it.
 *
 * DIR/keys/master.key holds 32 random bytes (mode 0600). Subkeys are derived
 * with crypto_kdf_derive_from_key (context "ihala-v1") and live in
 * sodium_malloc memory, read-only after load, wiped on free. Call
 * sodium_init() (crypto_init()) before anything here.
 *
 * DIR/keys/audit.key (Ed25519 secret key, 0600) and DIR/keys/audit.pub
 * (public key, 0644) sign the audit checkpoints; see sign.h.
 */
#ifndef IHALA_KEYS_H
#define IHALA_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include "../core/banned.h"

#define KEY_BYTES 32

enum key_purpose {
	KEY_KEK = 1,        /* wraps per-record data keys (cases) */
	KEY_BLIND = 2,      /* blind-index hashing */
	KEY_FIELD = 3,      /* fields of non-case records (e.g. users.totp_secret) */
	KEY_SESSION = 4,    /* keyed hash of session tokens */
	KEY_THROTTLE = 5,   /* keyed hash of throttle keys (usernames, addresses) */
	KEY_PURPOSE_MAX = 6
};

struct keyring;

/* sodium_init(); 0 or -1. Safe to call many times. */
int crypto_init_once(void);

/* Create DIR/keys/ (0700) with master.key and the audit signing pair; fails if present. */
int keyring_create(const char *dir) __attribute__((warn_unused_result));
/* Load DIR/keys/master.key; refuses a file readable by group/others. 0 or -1. */
int keyring_load(struct keyring **out, const char *dir) __attribute__((warn_unused_result));
/* For tests: a keyring from given 32 bytes. */
int keyring_from_bytes(struct keyring **out, const unsigned char master[KEY_BYTES]);
void keyring_free(struct keyring *kr);
/* The 32-byte subkey for purpose; borrowed, valid until keyring_free. */
const unsigned char *keyring_subkey(const struct keyring *kr, enum key_purpose purpose);
/* Current key version written into new ciphertexts (1 until key rotation exists). */
uint32_t keyring_version(const struct keyring *kr);

/*
 * Internal to crypto/ (keys.c, sign.c): read exactly len bytes of DIR/keys/NAME
 * into out. With require_private, refuses a file with any group/other
 * permission bit. Refuses symlinks and files of another size. 0 or -1 (logged).
 */
int keys_read_file(const char *dir, const char *name, unsigned char *out, size_t len,
		   int require_private) __attribute__((warn_unused_result));

#endif
