/*
 * test_crypto.c: hex, blind index, hashes, seal, passwords, signatures and
 * the key files. Known answers were computed independently with Python's
 * hashlib.blake2b (key/salt/person), not with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/err.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "crypto/seal.h"
#include "crypto/sign.h"

/* 0x00, 0x01, ..., 0x1f */
static unsigned char test_key[32];

static void hex_of(char *out, const unsigned char *in, size_t n)
{
	hex_encode(out, in, n);
}

/* ---- hex ---------------------------------------------------------------- */

static const struct {
	const char *bytes;
	size_t n;
	const char *hex;
} hex_cases[] = {
	{ "", 0, "" },
	{ "\x00", 1, "00" },
	{ "\xff", 1, "ff" },
	{ "\x01\x23\x45\x67\x89\xab\xcd\xef", 8, "0123456789abcdef" },
	{ "ihala", 5, "6968616c61" },
};

static void test_hex_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof hex_cases / sizeof hex_cases[0]; i++) {
		char hex[64];
		unsigned char bin[32];

		hex_encode(hex, (const unsigned char *)hex_cases[i].bytes, hex_cases[i].n);
		assert_string_equal(hex, hex_cases[i].hex);
		assert_int_equal(hex_decode(bin, hex_cases[i].n, hex_cases[i].hex), 0);
		assert_memory_equal(bin, hex_cases[i].bytes, hex_cases[i].n);
	}
	/* Upper case decodes too. */
	{
		unsigned char bin[2];

		assert_int_equal(hex_decode(bin, 2, "ABcd"), 0);
		assert_memory_equal(bin, "\xab\xcd", 2);
	}
}

static const struct {
	size_t n;
	const char *hex;
} hex_rejects[] = {
	{ 2, "abc" },        /* too short */
	{ 1, "abc" },        /* too long */
	{ 2, "abcdef" },
	{ 2, "zzzz" },
	{ 2, "ab d" },
	{ 2, "ab:d" },
	{ 1, "-1" },
	{ 1, "" },
};

static void test_hex_rejects(void **state)
{
	unsigned char bin[8];

	(void)state;
	for (size_t i = 0; i < sizeof hex_rejects / sizeof hex_rejects[0]; i++) {
		if (hex_decode(bin, hex_rejects[i].n, hex_rejects[i].hex) != ERR_INVALID)
			fail_msg("accepted \"%s\" for %zu bytes", hex_rejects[i].hex, hex_rejects[i].n);
	}
	assert_int_equal(hex_decode(bin, 1, NULL), ERR_INVALID);
}

/* ---- hashes ------------------------------------------------------------- */

static void test_blind_index(void **state)
{
	unsigned char a[BLIND_BYTES], b[BLIND_BYTES];
	unsigned char other_key[32];
	char hex[2 * BLIND_BYTES + 1];

	(void)state;
	assert_int_equal(blind_index(a, test_key, "name", "amina"), 0);
	hex_of(hex, a, sizeof a);
	assert_string_equal(hex, "701cb6d4f9d5688a99370e5b3cec5cf1");
	assert_int_equal(blind_index(a, test_key, "doc", ""), 0);
	hex_of(hex, a, sizeof a);
	assert_string_equal(hex, "d5f2303a50ea3a183cdbc6fc118c72dd");

	/* Deterministic under one key. */
	assert_int_equal(blind_index(a, test_key, "name", "amina"), 0);
	assert_int_equal(blind_index(b, test_key, "name", "amina"), 0);
	assert_memory_equal(a, b, sizeof a);
	/* Another domain, another key, or a shifted separator: different. */
	assert_int_equal(blind_index(b, test_key, "doc", "amina"), 0);
	assert_memory_not_equal(a, b, sizeof a);
	memcpy(other_key, test_key, sizeof other_key);
	other_key[0] ^= 1;
	assert_int_equal(blind_index(b, other_key, "name", "amina"), 0);
	assert_memory_not_equal(a, b, sizeof a);
	assert_int_equal(blind_index(a, test_key, "ab", "c"), 0);
	assert_int_equal(blind_index(b, test_key, "a", "bc"), 0);
	assert_memory_not_equal(a, b, sizeof a);
}

static void test_hash_known_answers(void **state)
{
	unsigned char out[32], prev[32] = { 0 };
	char hex[65];

	(void)state;
	assert_int_equal(hash_keyed(out, test_key, "token", 5), 0);
	hex_of(hex, out, 32);
	assert_string_equal(hex, "54692e79bd2672cbe87fed392465fd452368d27be0ab63f2898b57f67582c2a1");
	assert_int_equal(hash_chain(out, prev, "abc", 3), 0);
	hex_of(hex, out, 32);
	assert_string_equal(hex, "5db827e5e925e6b933a86596a0446c345c0d74d77f55a751ade5d7c7162eead8");
	assert_int_equal(hash_chain(out, prev, NULL, 0), 0);
	hex_of(hex, out, 32);
	assert_string_equal(hex, "89eb0d6a8a691dae2cd15ed0369931ce0a949ecafa5c3f93f8121833646e15c3");
	/* A changed link changes the next hash. */
	prev[31] = 1;
	assert_int_equal(hash_chain(out, prev, "abc", 3), 0);
	hex_of(hex, out, 32);
	assert_string_not_equal(hex, "5db827e5e925e6b933a86596a0446c345c0d74d77f55a751ade5d7c7162eead8");
}

static const struct {
	const char *a, *b;
	bool equal;
} secret_cases[] = {
	{ "", "", true },
	{ "abc", "abc", true },
	{ "abc", "abd", false },
	{ "abc", "ab", false },
	{ "ab", "abc", false },
	{ "", "a", false },
	{ "Abc", "abc", false },
};

static void test_secret_equal(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof secret_cases / sizeof secret_cases[0]; i++) {
		int rc = secret_equal(secret_cases[i].a, secret_cases[i].b);

		if (secret_cases[i].equal)
			assert_int_equal(rc, 0);
		else
			assert_int_not_equal(rc, 0);
	}
	assert_int_not_equal(secret_equal(NULL, "a"), 0);
}

static void test_random(void **state)
{
	char a[TOKEN_HEX_LEN + 1], b[TOKEN_HEX_LEN + 1], id[ID_HEX_LEN + 1];
	char big[2 * 100 + 1];

	(void)state;
	random_hex(a, TOKEN_BYTES);
	random_hex(b, TOKEN_BYTES);
	assert_int_equal(strlen(a), TOKEN_HEX_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), TOKEN_HEX_LEN);
	assert_string_not_equal(a, b);
	random_hex(big, 100);            /* more than one internal chunk */
	assert_int_equal(strlen(big), 200);
	assert_int_equal(strspn(big, "0123456789abcdef"), 200);
	random_id(id);
	assert_int_equal(strlen(id), ID_HEX_LEN);
	assert_int_equal(strspn(id, "0123456789abcdef"), ID_HEX_LEN);
}

/* ---- seal --------------------------------------------------------------- */

static const struct seal_ad here = { "cases", "given_name", "c0ffee" };

static void test_seal_round_trip(void **state)
{
	static const char *const msgs[] = { "", "A", "Amina Yusuf", "أمينة يوسف" };

	(void)state;
	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		size_t len = strlen(msgs[i]), out_len = 99;
		unsigned char sealed[128], again[128], plain[128];

		assert_int_equal(seal_len(len), len + SEAL_OVERHEAD);
		assert_int_equal(seal_encrypt(sealed, (const unsigned char *)msgs[i], len, &here, 1,
					      test_key), 0);
		assert_int_equal(seal_key_version(sealed, seal_len(len)), 1);
		assert_int_equal(seal_decrypt(plain, &out_len, sealed, seal_len(len), &here, 1,
					      test_key), 0);
		assert_int_equal(out_len, len);
		assert_memory_equal(plain, msgs[i], len);
		/* Random nonces: the same value never seals to the same bytes. */
		assert_int_equal(seal_encrypt(again, (const unsigned char *)msgs[i], len, &here, 1,
					      test_key), 0);
		assert_memory_not_equal(sealed, again, seal_len(len));
	}
}

static void test_seal_bit_flips(void **state)
{
	const char *msg = "passport X1234567";
	size_t len = strlen(msg), sealed_len = seal_len(strlen(msg));
	unsigned char sealed[64], plain[64];

	(void)state;
	assert_int_equal(seal_encrypt(sealed, (const unsigned char *)msg, len, &here, 1, test_key), 0);
	/* Every single bit, header, nonce, ciphertext and tag alike. */
	for (size_t bit = 0; bit < sealed_len * 8; bit++) {
		size_t out_len = 0;

		sealed[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (seal_decrypt(plain, &out_len, sealed, sealed_len, &here, 1, test_key) != ERR_CRYPTO)
			fail_msg("bit %zu flipped and still opened", bit);
		sealed[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	/* Truncated by one byte: fails; shorter than the overhead: invalid. */
	{
		size_t out_len;

		assert_int_equal(seal_decrypt(plain, &out_len, sealed, sealed_len - 1, &here, 1,
					      test_key), ERR_CRYPTO);
		assert_int_equal(seal_decrypt(plain, &out_len, sealed, SEAL_OVERHEAD - 1, &here, 1,
					      test_key), ERR_INVALID);
		assert_int_equal(seal_key_version(sealed, SEAL_OVERHEAD - 1), 0);
	}
	/* Untouched, it still opens. */
	{
		size_t out_len;

		assert_int_equal(seal_decrypt(plain, &out_len, sealed, sealed_len, &here, 1, test_key), 0);
	}
}

static const struct {
	const char *what;
	struct seal_ad ad;
} moved_cases[] = {
	{ "another table", { "referrals", "given_name", "c0ffee" } },
	{ "another column", { "cases", "family_name", "c0ffee" } },
	{ "another row", { "cases", "given_name", "c0ffef" } },
	/* The separators keep these from colliding with the original. */
	{ "shifted boundary", { "casesg", "iven_name", "c0ffee" } },
	{ "row moved into column", { "cases", "given_namec", "0ffee" } },
};

static void test_seal_moved(void **state)
{
	const char *msg = "1990-04-12";
	unsigned char sealed[64], plain[64];
	size_t out_len;

	(void)state;
	assert_int_equal(seal_encrypt(sealed, (const unsigned char *)msg, strlen(msg), &here, 1,
				      test_key), 0);
	for (size_t i = 0; i < sizeof moved_cases / sizeof moved_cases[0]; i++) {
		if (seal_decrypt(plain, &out_len, sealed, seal_len(strlen(msg)), &moved_cases[i].ad, 1,
				 test_key) != ERR_CRYPTO)
			fail_msg("opened in %s", moved_cases[i].what);
	}
}

static void test_seal_wrong_key_and_version(void **state)
{
	const char *msg = "secret";
	size_t len = strlen(msg), out_len;
	unsigned char sealed[64], plain[64], wrong_key[32];

	(void)state;
	assert_int_equal(seal_encrypt(sealed, (const unsigned char *)msg, len, &here, 7, test_key), 0);
	assert_int_equal(seal_key_version(sealed, seal_len(len)), 7);
	memcpy(wrong_key, test_key, sizeof wrong_key);
	wrong_key[31] ^= 0x80;
	assert_int_equal(seal_decrypt(plain, &out_len, sealed, seal_len(len), &here, 7, wrong_key),
			 ERR_CRYPTO);
	/* Asked for another version than the one recorded. */
	assert_int_equal(seal_decrypt(plain, &out_len, sealed, seal_len(len), &here, 8, test_key),
			 ERR_CRYPTO);
	/* Header rewritten to claim version 8: the version is in the AD, so still no. */
	sealed[4] = 8;
	assert_int_equal(seal_key_version(sealed, seal_len(len)), 8);
	assert_int_equal(seal_decrypt(plain, &out_len, sealed, seal_len(len), &here, 8, test_key),
			 ERR_CRYPTO);
	sealed[4] = 7;
	assert_int_equal(seal_decrypt(plain, &out_len, sealed, seal_len(len), &here, 7, test_key), 0);
	assert_memory_equal(plain, msg, len);
}

/* ---- passwords ---------------------------------------------------------- */

static void test_password_hash_verify(void **state)
{
	char hash[PASSWORD_HASH_MAX], old_hash[PASSWORD_HASH_MAX];
	const char *pw = "correct horse battery";
	bool rehash = true;

	(void)state;
	assert_int_equal(password_hash(hash, pw), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_int_equal(password_verify(hash, pw, &rehash), 0);
	assert_false(rehash);
	assert_int_equal(password_verify(hash, "correct horse battery ", &rehash), ERR_UNAUTH);
	assert_int_equal(password_verify(hash, "", NULL), ERR_UNAUTH);
	assert_int_equal(password_verify("not a hash", pw, NULL), ERR_UNAUTH);
	assert_int_equal(password_verify(NULL, pw, NULL), ERR_UNAUTH);

	/* Two hashes of one password differ (random salt), both verify. */
	assert_int_equal(password_hash(old_hash, pw), 0);
	assert_string_not_equal(hash, old_hash);

	/* A hash made with other parameters verifies and asks for a rehash. */
	assert_int_equal(crypto_pwhash_str(old_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_MIN + 1,
					   crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_int_equal(password_verify(old_hash, pw, &rehash), 0);
	assert_true(rehash);
	assert_int_equal(password_verify(old_hash, "wrong password!", &rehash), ERR_UNAUTH);
	assert_false(rehash);

	password_burn(pw);     /* no crash, no leak; its cost is not asserted */
	password_burn(NULL);
}

static const struct {
	const char *pw;
	int want;
} policy_cases[] = {
	{ "", ERR_INVALID },
	{ "short", ERR_INVALID },
	{ "elevenchars", ERR_INVALID },                      /* 11 */
	{ "twelve chars", 0 },                               /* 12 */
	{ "كلمة المرور الطويلة", 0 },                        /* Arabic, 19 code points */
	{ "كلمةالسرية", ERR_INVALID },                       /* 20 bytes but 10 code points */
	{ "\xff\xfe valid otherwise", ERR_INVALID },         /* not UTF-8 */
	{ "abc\xc0\xaf overlong slash", ERR_INVALID },       /* overlong encoding */
	{ "abc\xed\xa0\x80 surrogate!", ERR_INVALID },       /* UTF-16 surrogate */
	{ "truncated sequence \xe2\x82", ERR_INVALID },
};

static void test_password_policy(void **state)
{
	char longest[PASSWORD_MAX_LEN + 2];

	(void)state;
	for (size_t i = 0; i < sizeof policy_cases / sizeof policy_cases[0]; i++) {
		if (password_check_policy(policy_cases[i].pw) != policy_cases[i].want)
			fail_msg("policy case %zu", i);
	}
	memset(longest, 'x', PASSWORD_MAX_LEN);
	longest[PASSWORD_MAX_LEN] = '\0';
	assert_int_equal(password_check_policy(longest), 0);
	longest[PASSWORD_MAX_LEN] = 'x';
	longest[PASSWORD_MAX_LEN + 1] = '\0';
	assert_int_equal(password_check_policy(longest), ERR_INVALID);
	assert_int_equal(password_check_policy(NULL), ERR_INVALID);
}

static void test_password_generate(void **state)
{
	char a[21], b[21];

	(void)state;
	for (int i = 0; i < 200; i++) {
		password_generate(a);
		assert_int_equal(strlen(a), 20);
		assert_null(strpbrk(a, "0O1lI"));
		assert_int_equal(password_check_policy(a), 0);
	}
	password_generate(b);
	assert_string_not_equal(a, b);
}

/* ---- key files and signatures ------------------------------------------ */

struct tmpdir {
	char path[64];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof *t);

	if (!t)
		return -1;
	snprintf(t->path, sizeof t->path, "/tmp/ihala-test-XXXXXX");
	if (!mkdtemp(t->path))
		return -1;
	*state = t;
	return 0;
}

static void path_in(char *out, size_t size, const struct tmpdir *t, const char *name)
{
	snprintf(out, size, "%s/keys%s%s", t->path, name ? "/" : "", name ? name : "");
}

static int tmpdir_teardown(void **state)
{
	static const char *const files[] = { "master.key", "audit.key", "audit.pub" };
	struct tmpdir *t = *state;
	char p[128];

	for (size_t i = 0; i < 3; i++) {
		path_in(p, sizeof p, t, files[i]);
		unlink(p);
	}
	path_in(p, sizeof p, t, NULL);
	rmdir(p);
	rmdir(t->path);
	free(t);
	return 0;
}

static mode_t mode_of(const struct tmpdir *t, const char *name)
{
	char p[128];
	struct stat st;

	path_in(p, sizeof p, t, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static void read_bytes(const struct tmpdir *t, const char *name, unsigned char *out, size_t n)
{
	char p[128];
	FILE *f;

	path_in(p, sizeof p, t, name);
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fread(out, 1, n, f), n);
	fclose(f);
}

static void test_keyring_create_load(void **state)
{
	struct tmpdir *t = *state;
	struct keyring *kr = NULL, *kr2 = NULL;
	unsigned char master[KEY_BYTES], master_after[KEY_BYTES];
	char p[128];

	assert_int_equal(keyring_create(t->path), 0);
	assert_int_equal(mode_of(t, NULL), 0700);
	assert_int_equal(mode_of(t, "master.key"), 0600);
	assert_int_equal(mode_of(t, "audit.key"), 0600);
	assert_int_equal(mode_of(t, "audit.pub"), 0644);

	/* A second create refuses and leaves the key alone. */
	read_bytes(t, "master.key", master, sizeof master);
	assert_int_not_equal(keyring_create(t->path), 0);
	read_bytes(t, "master.key", master_after, sizeof master_after);
	assert_memory_equal(master, master_after, sizeof master);

	assert_int_equal(keyring_load(&kr, t->path), 0);
	assert_non_null(kr);
	assert_int_equal(keyring_version(kr), 1);
	/* Subkeys are those of the file's bytes, and differ by purpose. */
	assert_int_equal(keyring_from_bytes(&kr2, master), 0);
	for (int id = KEY_KEK; id < KEY_PURPOSE_MAX; id++) {
		assert_memory_equal(keyring_subkey(kr, id), keyring_subkey(kr2, id), KEY_BYTES);
		assert_memory_not_equal(keyring_subkey(kr, id), master, KEY_BYTES);
		for (int other = KEY_KEK; other < id; other++)
			assert_memory_not_equal(keyring_subkey(kr, id), keyring_subkey(kr, other),
						KEY_BYTES);
	}
	keyring_free(kr);
	keyring_free(kr2);

	/* A master key readable by others is refused. */
	path_in(p, sizeof p, t, "master.key");
	assert_int_equal(chmod(p, 0644), 0);
	kr = (struct keyring *)1;
	assert_int_not_equal(keyring_load(&kr, t->path), 0);
	assert_null(kr);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_not_equal(keyring_load(&kr, t->path), 0);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(keyring_load(&kr, t->path), 0);
	keyring_free(kr);
}

static void test_keyring_errors(void **state)
{
	struct tmpdir *t = *state;
	struct keyring *kr = NULL;
	char p[128];
	FILE *f;

	(void)state;
	/* Nothing there yet. */
	assert_int_not_equal(keyring_load(&kr, t->path), 0);
	assert_null(kr);
	/* A master key of the wrong size. */
	path_in(p, sizeof p, t, NULL);
	assert_int_equal(mkdir(p, 0700), 0);
	path_in(p, sizeof p, t, "master.key");
	f = fopen(p, "wb");
	assert_non_null(f);
	fputs("too short", f);
	fclose(f);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_not_equal(keyring_load(&kr, t->path), 0);
	/* An existing master.key makes create refuse. */
	assert_int_not_equal(keyring_create(t->path), 0);
	path_in(p, sizeof p, t, "audit.key");
	assert_int_not_equal(access(p, F_OK), 0);

	/* A failure on the last file removes the ones already written: no half set. */
	path_in(p, sizeof p, t, "master.key");
	assert_int_equal(unlink(p), 0);
	path_in(p, sizeof p, t, "audit.pub");
	f = fopen(p, "wb");
	assert_non_null(f);
	fclose(f);
	assert_int_not_equal(keyring_create(t->path), 0);
	path_in(p, sizeof p, t, "master.key");
	assert_int_not_equal(access(p, F_OK), 0);
	path_in(p, sizeof p, t, "audit.key");
	assert_int_not_equal(access(p, F_OK), 0);
}

static void test_keyring_derivation_known_answer(void **state)
{
	struct keyring *kr = NULL;
	char hex[65];

	(void)state;
	/* BLAKE2b(key=master, salt=LE64(id)||0^8, person="ihala-v1"||0^8), as libsodium's KDF. */
	assert_int_equal(keyring_from_bytes(&kr, test_key), 0);
	hex_of(hex, keyring_subkey(kr, KEY_KEK), KEY_BYTES);
	assert_string_equal(hex, "34b0ee07425063aa59b52a044f95c4e4d8d2509f4b141c1f9a1ff18fdb951580");
	hex_of(hex, keyring_subkey(kr, KEY_BLIND), KEY_BYTES);
	assert_string_equal(hex, "ede0504221ef82177374a7e90bb09f53e9959bb6dade5cb734cc4bf881d28c30");
	keyring_free(kr);
}

static void test_sign_verify(void **state)
{
	struct tmpdir *t = *state;
	struct signer *s = NULL;
	unsigned char pk[SIGN_PUBLIC_BYTES], sig[SIGN_BYTES];
	char msg[] = "checkpoint 42 5db827e5e925e6b9";
	char p[128];

	assert_int_equal(keyring_create(t->path), 0);
	assert_int_equal(signer_load(&s, t->path), 0);
	assert_int_equal(sign_public_load(pk, t->path), 0);
	assert_int_equal(signer_sign(s, sig, msg, strlen(msg)), 0);
	assert_int_equal(sign_verify(pk, sig, msg, strlen(msg)), 0);

	msg[11] ^= 1;                                    /* tampered message */
	assert_int_equal(sign_verify(pk, sig, msg, strlen(msg)), ERR_CRYPTO);
	msg[11] ^= 1;
	sig[10] ^= 1;                                    /* tampered signature */
	assert_int_equal(sign_verify(pk, sig, msg, strlen(msg)), ERR_CRYPTO);
	sig[10] ^= 1;
	pk[0] ^= 1;                                      /* another key */
	assert_int_equal(sign_verify(pk, sig, msg, strlen(msg)), ERR_CRYPTO);
	pk[0] ^= 1;
	assert_int_equal(sign_verify(pk, sig, msg, strlen(msg)), 0);
	signer_free(s);

	/* The signing key, like the master key, must be private. */
	path_in(p, sizeof p, t, "audit.key");
	assert_int_equal(chmod(p, 0640), 0);
	s = (struct signer *)1;
	assert_int_not_equal(signer_load(&s, t->path), 0);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_vectors),
		cmocka_unit_test(test_hex_rejects),
		cmocka_unit_test(test_blind_index),
		cmocka_unit_test(test_hash_known_answers),
		cmocka_unit_test(test_secret_equal),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_seal_bit_flips),
		cmocka_unit_test(test_seal_moved),
		cmocka_unit_test(test_seal_wrong_key_and_version),
		cmocka_unit_test(test_password_hash_verify),
		cmocka_unit_test(test_password_policy),
		cmocka_unit_test(test_password_generate),
		cmocka_unit_test(test_keyring_derivation_known_answer),
		cmocka_unit_test_setup_teardown(test_keyring_create_load, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_keyring_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_sign_verify, tmpdir_setup, tmpdir_teardown),
	};

	/* Unit tests never pay for production Argon2 parameters. */
	setenv("IHALA_PWHASH", "fast", 0);
	if (crypto_init_once() < 0)
		return 1;
	for (size_t i = 0; i < sizeof test_key; i++)
		test_key[i] = (unsigned char)i;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
