/*
 * keys.c: the master key file, the audit signing pair, and derived subkeys.
 *
 * The master key is read into guarded memory only long enough to derive the
 * subkeys, then wiped; the keyring keeps the subkeys alone, read-only.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "core/err.h"
#include "core/log.h"
#include "keys.h"
#include "sign.h"

#define KDF_CONTEXT "ihala-v1"   /* exactly crypto_kdf_CONTEXTBYTES (8) */
#define KEYRING_VERSION 1

/* Allocated whole with sodium_malloc; read-only once filled. */
struct keyring {
	unsigned char subkeys[KEY_PURPOSE_MAX][KEY_BYTES];   /* [0] unused */
	uint32_t version;
};

int crypto_init_once(void)
{
	/* sodium_init is itself thread-safe and returns 1 when already done. */
	if (sodium_init() < 0) {
		log_error("libsodium initialisation failed", "%s", "");
		return -1;
	}
	return 0;
}

/* DIR/keys or DIR/keys/NAME into out; -1 when the path does not fit. */
static int key_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = name ? snprintf(out, size, "%s/keys/%s", dir, name)
		     : snprintf(out, size, "%s/keys", dir);

	if (n < 0 || (size_t)n >= size) {
		log_error("key path too long", "%s", "");
		return -1;
	}
	return 0;
}

int keys_read_file(const char *dir, const char *name, unsigned char *out, size_t len,
		   int require_private)
{
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	int fd, rc = -1;

	assert(dir && name && out);
	if (key_path(path, sizeof path, dir, name) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_error("cannot open key file", "file=%s errno=%d", name, errno);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("key file is not a regular file", "file=%s", name);
		goto out;
	}
	if (require_private && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		log_error("key file readable by group or others; chmod 600 it", "file=%s mode=%03o",
			  name, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_size != (off_t)len) {
		log_error("key file has the wrong size", "file=%s", name);
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, out + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("cannot read key file", "file=%s errno=%d", name, errno);
			goto out;
		}
		got += (size_t)n;
	}
	rc = 0;
out:
	if (rc < 0)
		sodium_memzero(out, len);
	close(fd);
	return rc;
}

/*
 * Write data to DIR/keys/NAME, which must not exist, with exactly mode, and
 * fsync it. O_EXCL is what refuses to overwrite an existing key.
 */
static int write_new_file(const char *dir, const char *name, const void *data, size_t len,
			  mode_t mode)
{
	char path[PATH_MAX];
	const unsigned char *p = data;
	size_t done = 0;
	int fd, rc = -1;

	if (key_path(path, sizeof path, dir, name) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_error(errno == EEXIST ? "key file already exists; refusing to overwrite"
					  : "cannot create key file",
			  "file=%s errno=%d", name, errno);
		return -1;
	}
	/* The umask may have narrowed the mode; set it exactly (0644 for the public key). */
	if (fchmod(fd, mode) < 0)
		goto out;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		log_error("cannot write key file", "file=%s errno=%d", name, errno);
	close(fd);
	if (rc < 0)
		unlink(path);
	return rc;
}

static void remove_key_file(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (key_path(path, sizeof path, dir, name) == 0)
		unlink(path);
}

/* fsync a directory so that the new entries in it survive a crash. */
static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int keyring_create(const char *dir)
{
	char keys_dir[PATH_MAX];
	unsigned char *master = NULL, *sign_sk = NULL;
	unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES];
	int made_master = 0, made_sk = 0, rc = -1;

	assert(dir);
	if (crypto_init_once() < 0)
		return -1;
	if (key_path(keys_dir, sizeof keys_dir, dir, NULL) < 0)
		return -1;
	if (mkdir(keys_dir, 0700) < 0) {
		struct stat st;

		/* An existing, private, empty-of-keys folder is fine: O_EXCL guards the files. */
		if (errno != EEXIST || lstat(keys_dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    (st.st_mode & (S_IRWXG | S_IRWXO))) {
			log_error("cannot create a private keys folder", "errno=%d", errno);
			return -1;
		}
	} else if (chmod(keys_dir, 0700) < 0) {
		log_error("cannot set keys folder mode", "errno=%d", errno);
		return -1;
	}

	master = sodium_malloc(KEY_BYTES);
	sign_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!master || !sign_sk) {
		log_error("out of memory for keys", "%s", "");
		goto out;
	}
	crypto_kdf_keygen(master);
	if (crypto_sign_keypair(sign_pk, sign_sk) != 0) {
		log_error("cannot generate the audit signing key", "%s", "");
		goto out;
	}
	if (write_new_file(dir, "master.key", master, KEY_BYTES, 0600) < 0)
		goto out;
	made_master = 1;
	if (write_new_file(dir, "audit.key", sign_sk, crypto_sign_SECRETKEYBYTES, 0600) < 0)
		goto out;
	made_sk = 1;
	if (write_new_file(dir, "audit.pub", sign_pk, sizeof sign_pk, 0644) < 0)
		goto out;
	if (sync_dir(keys_dir) < 0) {
		log_error("cannot sync the keys folder", "errno=%d", errno);
		remove_key_file(dir, "audit.pub");
		goto out;
	}
	rc = 0;
out:
	/* Half a key set is worse than none: a retry must start clean. */
	if (rc < 0 && made_sk)
		remove_key_file(dir, "audit.key");
	if (rc < 0 && made_master)
		remove_key_file(dir, "master.key");
	sodium_free(master);
	sodium_free(sign_sk);
	return rc;
}

/* Build a read-only keyring from master; master is not kept. */
static int keyring_derive(struct keyring **out, const unsigned char master[KEY_BYTES])
{
	struct keyring *kr;

	kr = sodium_malloc(sizeof *kr);
	if (!kr) {
		log_error("out of memory for keys", "%s", "");
		return -1;
	}
	sodium_memzero(kr, sizeof *kr);
	for (int id = KEY_KEK; id < KEY_PURPOSE_MAX; id++) {
		if (crypto_kdf_derive_from_key(kr->subkeys[id], KEY_BYTES, (uint64_t)id,
					       KDF_CONTEXT, master) != 0) {
			log_error("key derivation failed", "purpose=%d", id);
			sodium_free(kr);
			return -1;
		}
	}
	kr->version = KEYRING_VERSION;
	sodium_mprotect_readonly(kr);
	*out = kr;
	return 0;
}

int keyring_load(struct keyring **out, const char *dir)
{
	unsigned char *master;
	int rc;

	assert(out && dir);
	*out = NULL;
	if (crypto_init_once() < 0)
		return -1;
	master = sodium_malloc(KEY_BYTES);
	if (!master) {
		log_error("out of memory for keys", "%s", "");
		return -1;
	}
	rc = keys_read_file(dir, "master.key", master, KEY_BYTES, 1);
	if (rc == 0)
		rc = keyring_derive(out, master);
	sodium_free(master);   /* wipes */
	return rc;
}

int keyring_from_bytes(struct keyring **out, const unsigned char master[KEY_BYTES])
{
	assert(out && master);
	*out = NULL;
	if (crypto_init_once() < 0)
		return -1;
	return keyring_derive(out, master);
}

void keyring_free(struct keyring *kr)
{
	/* sodium_free makes the region writable again and zeroes it. */
	if (kr)
		sodium_free(kr);
}

const unsigned char *keyring_subkey(const struct keyring *kr, enum key_purpose purpose)
{
	assert(kr);
	assert(purpose >= KEY_KEK && purpose < KEY_PURPOSE_MAX);
	return kr->subkeys[purpose];
}

uint32_t keyring_version(const struct keyring *kr)
{
	assert(kr);
	return kr->version;
}
