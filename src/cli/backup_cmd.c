/*
 * backup_cmd.c: `ihala backup DIR DEST` and `ihala backup --verify DEST`.
 *
 * A backup is a new folder holding the database (SQLite: a consistent copy
 * made with SQLite's online backup API while the server keeps running;
 * PostgreSQL: a pg_dump custom-format archive), ihala.conf and keys/. The
 * keys are part of it on purpose: without the master key the encrypted
 * fields of a restored database cannot be read. So a backup is as secret as
 * the live folder.
 *
 * Verification never opens the backup in place (opening an SQLite file may
 * write to it); it copies the database into a scratch folder first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "../audit/audit.h"
#include "../core/config.h"
#include "../core/embedded.h"
#include "../core/err.h"
#include "../crypto/keys.h"
#include "../crypto/sign.h"
#include "../store/store.h"

extern char **environ;

#define PATH_SIZE 4096

static const char backup_usage[] =
	"usage: ihala backup DIR DEST\n"
	"       ihala backup --verify DEST\n"
	"\n"
	"  ihala backup DIR DEST\n"
	"      Make a consistent copy of the data folder DIR into the new folder\n"
	"      DEST (it must not exist; it is created with mode 0700), while the\n"
	"      server keeps running. DEST receives:\n"
	"        ihala.db      SQLite: an online copy made with SQLite's backup API\n"
	"        ihala.pgdump  PostgreSQL (db = postgres://... in ihala.conf): an\n"
	"                      archive written by `pg_dump --format=custom`, which\n"
	"                      must be on PATH (package postgresql-client)\n"
	"        ihala.conf    the configuration, as is\n"
	"        keys/         master.key, audit.key, audit.pub (modes kept: 0700\n"
	"                      for the folder, 0600 for the secret keys)\n"
	"\n"
	"      A BACKUP HOLDS THE MASTER KEY. Anyone who has it can read every\n"
	"      encrypted field. Store it as securely as the live folder: encrypted\n"
	"      media, restricted access, never beside an unencrypted copy.\n"
	"\n"
	"  ihala backup --verify DEST\n"
	"      Check a backup without touching it. SQLite: copy DEST/ihala.db into a\n"
	"      scratch folder, run SQLite's integrity check, check the schema\n"
	"      version, and verify the audit chain and its signed checkpoints with\n"
	"      DEST/keys/audit.pub. PostgreSQL: check that the archive is readable\n"
	"      with `pg_restore --list` (the audit chain of a PostgreSQL backup is\n"
	"      verified after restoring it, with `ihala audit verify`). Both: check\n"
	"      that ihala.conf and the keys are present.\n"
	"\n"
	"Restore (SQLite): stop the server, copy DEST to the data folder's place\n"
	"(keeping the modes), start the server. See docs/audit.md.\n"
	"\n"
	"Exit status: 0 ok, 1 the backup or the check failed, 2 usage error.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "ihala backup: %s\n\n%s", why, backup_usage);
	return 2;
}

/* snprintf into a path buffer; -1 (and a message) when it does not fit. */
static int path_join(char out[PATH_SIZE], const char *a, const char *b)
{
	int n = snprintf(out, PATH_SIZE, "%s/%s", a, b);

	if (n < 0 || n >= PATH_SIZE) {
		fprintf(stderr, "ihala backup: path too long: %s/%s\n", a, b);
		return -1;
	}
	return 0;
}

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Copy the regular file src to the new file dst with exactly the given mode
 * (not widened by the umask, not narrowed either), then fsync it.
 */
static int copy_file(const char *src, const char *dst, mode_t mode)
{
	char block[65536];
	int in = -1, out = -1, rc = -1;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0) {
		fprintf(stderr, "ihala backup: cannot read %s: %s\n", src, strerror(errno));
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0 || fchmod(out, mode) != 0) {
		fprintf(stderr, "ihala backup: cannot create %s: %s\n", dst, strerror(errno));
		goto out;
	}
	for (;;) {
		n = read(in, block, sizeof block);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "ihala backup: reading %s: %s\n", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, block + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				fprintf(stderr, "ihala backup: writing %s: %s\n", dst, strerror(errno));
				goto out;
			}
			done += w;
		}
	}
	if (fsync(out) != 0) {
		fprintf(stderr, "ihala backup: writing %s: %s\n", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0 && rc == 0) {
		fprintf(stderr, "ihala backup: writing %s: %s\n", dst, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Copy src to dst keeping its permission bits. */
static int copy_keep_mode(const char *src, const char *dst)
{
	struct stat sb;

	if (lstat(src, &sb) != 0) {
		fprintf(stderr, "ihala backup: cannot read %s: %s\n", src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "ihala backup: %s is not a regular file\n", src);
		return -1;
	}
	return copy_file(src, dst, sb.st_mode & 0777);
}

/* Copy DIR/keys/ (regular files only) into DEST/keys/, keeping the modes. */
static int copy_keys(const char *dir, const char *dest)
{
	char src_keys[PATH_SIZE], dst_keys[PATH_SIZE], src[PATH_SIZE], dst[PATH_SIZE];
	struct dirent *de;
	struct stat sb;
	DIR *d = NULL;
	int rc = -1, n_files = 0;

	if (path_join(src_keys, dir, "keys") < 0 || path_join(dst_keys, dest, "keys") < 0)
		return -1;
	if (lstat(src_keys, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "ihala backup: %s is missing or not a folder\n", src_keys);
		return -1;
	}
	if (mkdir(dst_keys, 0700) != 0 || chmod(dst_keys, sb.st_mode & 0777) != 0) {
		fprintf(stderr, "ihala backup: cannot create %s: %s\n", dst_keys, strerror(errno));
		return -1;
	}
	d = opendir(src_keys);
	if (d == NULL) {
		fprintf(stderr, "ihala backup: cannot read %s: %s\n", src_keys, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (path_join(src, src_keys, de->d_name) < 0 || path_join(dst, dst_keys, de->d_name) < 0)
			goto out;
		if (copy_keep_mode(src, dst) < 0)
			goto out;
		n_files++;
	}
	if (errno != 0) {
		fprintf(stderr, "ihala backup: cannot read %s: %s\n", src_keys, strerror(errno));
		goto out;
	}
	if (n_files == 0) {
		fprintf(stderr, "ihala backup: %s is empty\n", src_keys);
		goto out;
	}
	if (fsync_path(dst_keys, O_RDONLY | O_DIRECTORY) != 0)
		goto out;
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* 1 when an executable called name is on PATH (an empty PATH entry means "."). */
static int on_path(const char *name)
{
	const char *path = getenv("PATH");
	char candidate[PATH_SIZE];

	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (;;) {
		const char *end = strchr(path, ':');
		int len = end != NULL ? (int)(end - path) : (int)strlen(path);
		int n = len > 0 ? snprintf(candidate, sizeof candidate, "%.*s/%s", len, path, name)
				: snprintf(candidate, sizeof candidate, "./%s", name);

		if (n > 0 && (size_t)n < sizeof candidate && access(candidate, X_OK) == 0)
			return 1;
		if (end == NULL)
			return 0;
		path = end + 1;
	}
}

/*
 * Run argv[0] found on PATH, without a shell, and wait for it. With quiet,
 * its standard output goes to /dev/null. The exit status, or -1.
 */
static int run_program(char *const argv[], int quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (quiet && posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "ihala backup: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "ihala backup: %s was killed by signal %d\n", argv[0],
		WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

/* ---- ihala backup DIR DEST ---- */

static int backup_sqlite(const struct config *cfg, const char *dest)
{
	char path[PATH_SIZE];
	struct store *db = NULL;
	int rc;

	if (access(cfg->db, R_OK) != 0) {
		fprintf(stderr, "ihala backup: cannot read the database %s: %s\n", cfg->db, strerror(errno));
		return -1;
	}
	if (path_join(path, dest, "ihala.db") < 0)
		return -1;
	if (store_open(&db, cfg->db) != 0) {
		fprintf(stderr, "ihala backup: cannot open the database %s\n", cfg->db);
		return -1;
	}
	rc = store_backup_to(db, path);
	store_close(db);
	if (rc != 0) {
		fprintf(stderr, "ihala backup: the database copy failed (see the log line above)\n");
		return -1;
	}
	if (chmod(path, 0600) != 0 || fsync_path(path, O_RDONLY) != 0) {
		fprintf(stderr, "ihala backup: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int backup_postgres(const struct config *cfg, const char *dest)
{
	char path[PATH_SIZE], url[sizeof cfg->db];
	char *argv[] = { "pg_dump", "--format=custom", "--file", path, url, NULL };
	int status;

	if (path_join(path, dest, "ihala.pgdump") < 0)
		return -1;
	snprintf(url, sizeof url, "%s", cfg->db);
	status = run_program(argv, 0);
	if (status != 0) {
		if (status > 0)
			fprintf(stderr, "ihala backup: pg_dump failed (exit status %d; its message is above)\n", status);
		return -1;
	}
	if (chmod(path, 0600) != 0 || fsync_path(path, O_RDONLY) != 0) {
		fprintf(stderr, "ihala backup: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int backup_make(const char *dir, const char *dest)
{
	char default_db[PATH_SIZE], src[PATH_SIZE], dst[PATH_SIZE];
	struct config cfg;
	char err[256] = "";
	int postgres, rc;

	rc = config_load(&cfg, dir, err, sizeof err);
	if (rc == ERR_NOT_FOUND) {
		fprintf(stderr, "ihala backup: %s is not an ihala data folder (no ihala.conf)\n", dir);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "ihala backup: %s/ihala.conf: %s\n", dir, err[0] ? err : "cannot be read");
		return 1;
	}
	postgres = store_is_postgres_url(cfg.db);
	if (postgres && !on_path("pg_dump")) {
		fprintf(stderr, "ihala backup: this installation uses PostgreSQL; its database is backed up with\n"
				"pg_dump, which is not on PATH. Install the PostgreSQL client tools (Debian:\n"
				"apt install postgresql-client, matching the server's major version) and retry.\n");
		return 1;
	}
	if (mkdir(dest, 0700) != 0) {
		if (errno == EEXIST)
			fprintf(stderr, "ihala backup: %s already exists; a backup goes into a new folder\n", dest);
		else
			fprintf(stderr, "ihala backup: cannot create %s: %s\n", dest, strerror(errno));
		return 1;
	}
	if (chmod(dest, 0700) != 0) {
		fprintf(stderr, "ihala backup: %s: %s\n", dest, strerror(errno));
		goto fail;
	}
	if (postgres) {
		printf("backup: PostgreSQL database: running pg_dump --format=custom\n");
		if (backup_postgres(&cfg, dest) < 0)
			goto fail;
	} else if (backup_sqlite(&cfg, dest) < 0) {
		goto fail;
	}
	if (path_join(src, dir, "ihala.conf") < 0 || path_join(dst, dest, "ihala.conf") < 0 ||
	    copy_keep_mode(src, dst) < 0 || copy_keys(dir, dest) < 0)
		goto fail;
	if (fsync_path(dest, O_RDONLY | O_DIRECTORY) != 0) {
		fprintf(stderr, "ihala backup: %s: %s\n", dest, strerror(errno));
		goto fail;
	}
	printf("backup: %s -> %s: %s, ihala.conf, keys/\n", dir, dest, postgres ? "ihala.pgdump" : "ihala.db");
	snprintf(default_db, sizeof default_db, "%s/ihala.db", dir);
	if (!postgres && strcmp(cfg.db, default_db) != 0)
		printf("backup: note: ihala.conf names the database %s; in the backup it is %s/ihala.db, so\n"
		       "        edit `db =` when restoring\n", cfg.db, dest);
	printf("backup: this backup holds the master key: keep it as securely as %s\n", dir);
	return 0;
fail:
	fprintf(stderr, "ihala backup: FAILED; %s is incomplete: delete it before retrying\n", dest);
	return 1;
}

/* ---- ihala backup --verify DEST ---- */


/* Check that the backup carries its configuration and keys, secret keys private. */
static int verify_files(const char *dest)
{
	static const struct { const char *name; int secret; } files[] = {
		{ "ihala.conf", 0 }, { "keys/master.key", 1 }, { "keys/audit.key", 1 }, { "keys/audit.pub", 0 },
	};
	char path[PATH_SIZE];
	struct stat sb;
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (path_join(path, dest, files[i].name) < 0)
			return -1;
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			printf("backup: FAILED: %s is missing%s\n", path,
			       files[i].secret ? " (without it the backup cannot be restored)" : "");
			ok = 0;
		} else if (files[i].secret && (sb.st_mode & 077) != 0) {
			printf("backup: FAILED: %s is readable by others (mode %03o); it must be 0600\n", path,
			       (unsigned)(sb.st_mode & 0777));
			ok = 0;
		}
	}
	return ok ? 0 : -1;
}

static void scratch_remove(const char *scratch)
{
	static const char *const names[] = { "ihala.db", "ihala.db-wal", "ihala.db-shm", "ihala.db-journal" };
	char path[PATH_SIZE];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (path_join(path, scratch, names[i]) == 0)
			unlink(path);
	rmdir(scratch);
}

static int verify_sqlite(const char *dest, const char *db_path)
{
	unsigned char pk[SIGN_PUBLIC_BYTES];
	char scratch[PATH_SIZE], copy[PATH_SIZE];
	const char *tmp = getenv("TMPDIR");
	struct audit_report rep;
	struct store *db = NULL;
	int version, latest, rc = -1;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (path_join(scratch, tmp, "ihala-verify-XXXXXX") < 0)
		return -1;
	if (mkdtemp(scratch) == NULL) {
		fprintf(stderr, "ihala backup: cannot create a scratch folder in %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (path_join(copy, scratch, "ihala.db") < 0 || copy_file(db_path, copy, 0600) < 0)
		goto out;
	if (store_open(&db, copy) != 0) {
		printf("backup: FAILED: %s cannot be opened as a database\n", db_path);
		goto out;
	}
	if (store_integrity_check(db) != 0) {
		printf("backup: FAILED: the database is damaged (SQLite integrity check)\n");
		goto out;
	}
	printf("backup: database integrity: ok\n");
	version = store_schema_version(db);
	latest = cli_known_schema_version();
	if (version < 1) {
		printf("backup: FAILED: the database has no ihala schema\n");
		goto out;
	}
	if (version > latest) {
		printf("backup: FAILED: schema version %d is newer than this ihala knows (%d); use a newer ihala\n",
		       version, latest);
		goto out;
	}
	if (version < latest)
		printf("backup: schema version %d (it will be upgraded to %d when the server opens it)\n", version, latest);
	else
		printf("backup: schema version %d: ok\n", version);
	if (sign_public_load(pk, dest) != 0) {
		printf("backup: FAILED: cannot read %s/keys/audit.pub\n", dest);
		goto out;
	}
	if (audit_verify(db, pk, &rep) != 0) {
		printf("backup: FAILED: the audit check could not run (database error)\n");
		goto out;
	}
	if (!rep.ok) {
		printf("audit: FAILED: %s\n", rep.problem);
		goto out;
	}
	printf("audit: %" PRId64 " rows, %" PRId64 " checkpoints: ok\n", rep.rows, rep.checkpoints);
	rc = 0;
out:
	store_close(db);
	scratch_remove(scratch);
	return rc;
}

static int verify_postgres(const char *archive)
{
	char arch[PATH_SIZE];
	char *argv[] = { "pg_restore", "--list", arch, NULL };
	int status;

	snprintf(arch, sizeof arch, "%s", archive);
	printf("backup: PostgreSQL archive: checking it with `pg_restore --list`; the audit chain is\n"
	       "        verified after restoring it into a database (ihala audit verify DIR)\n");
	if (!on_path("pg_restore")) {
		printf("backup: FAILED: pg_restore is not on PATH; install the PostgreSQL client tools\n"
		       "        (Debian: apt install postgresql-client) to verify a PostgreSQL backup\n");
		return -1;
	}
	status = run_program(argv, 1);
	if (status != 0) {
		printf("backup: FAILED: %s is not a readable pg_dump archive\n", archive);
		return -1;
	}
	printf("backup: archive readable: ok\n");
	return 0;
}

static int backup_verify(const char *dest)
{
	char db_path[PATH_SIZE], dump_path[PATH_SIZE];
	struct stat sb;
	int files_ok, rc;

	if (stat(dest, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		printf("backup: FAILED: %s is not a folder\n", dest);
		return 1;
	}
	if (crypto_init_once() != 0) {
		fprintf(stderr, "ihala backup: libsodium failed to initialise\n");
		return 1;
	}
	if (path_join(db_path, dest, "ihala.db") < 0 || path_join(dump_path, dest, "ihala.pgdump") < 0)
		return 1;
	files_ok = verify_files(dest) == 0;
	if (files_ok)
		printf("backup: ihala.conf and keys: present\n");
	if (stat(db_path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		rc = verify_sqlite(dest, db_path);
	} else if (stat(dump_path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		rc = verify_postgres(dump_path);
	} else {
		printf("backup: FAILED: %s holds no database (neither ihala.db nor ihala.pgdump)\n", dest);
		rc = -1;
	}
	if (rc != 0 || !files_ok) {
		printf("backup: %s: FAILED\n", dest);
		return 1;
	}
	printf("backup: %s: ok\n", dest);
	return 0;
}

int cli_backup_main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(backup_usage, stdout);
			return 0;
		}
	}
	if (argc >= 2 && !strcmp(argv[1], "--verify")) {
		if (argc != 3)
			return usage_error(argc < 3 ? "missing DEST" : "too many arguments");
		return backup_verify(argv[2]);
	}
	if (argc != 3)
		return usage_error(argc < 3 ? "missing DIR or DEST" : "too many arguments");
	if (argv[1][0] == '-' || argv[2][0] == '-')
		return usage_error("unknown option");
	if (crypto_init_once() != 0) {
		fprintf(stderr, "ihala backup: libsodium failed to initialise\n");
		return 1;
	}
	return backup_make(argv[1], argv[2]);
}
