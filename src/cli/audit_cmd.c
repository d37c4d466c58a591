/*
 * audit_cmd.c: `ihala audit verify DIR` and `ihala audit checkpoint DIR`.
 *
 * Both run beside a live server: verify only reads (and checks up to the head
 * it saw first, see audit.c), checkpoint writes one row in a short
 * transaction that waits for the head lock like any appender.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../audit/audit.h"
#include "../core/config.h"
#include "../core/err.h"
#include "../crypto/keys.h"
#include "../crypto/sign.h"
#include "../store/store.h"

static const char audit_usage[] =
	"usage: ihala audit verify DIR\n"
	"       ihala audit checkpoint DIR\n"
	"\n"
	"The audit log is a hash chain: each row's hash covers the row and the hash\n"
	"of the row before it. Signed checkpoints (Ed25519, DIR/keys/audit.key) fix\n"
	"the chain's end at regular points, so rows removed from the end are caught.\n"
	"\n"
	"  verify DIR      Read DIR/ihala.conf, open its database and check the whole\n"
	"                  chain from row 1: no row altered, removed or reordered, the\n"
	"                  head matches the last row, every checkpoint is validly\n"
	"                  signed by DIR/keys/audit.pub and matches the chain.\n"
	"                  Prints \"audit: N rows, M checkpoints: ok\", or\n"
	"                  \"audit: FAILED: <the first problem>\". Safe while the\n"
	"                  server runs; it only reads.\n"
	"  checkpoint DIR  Sign the current end of the chain now with\n"
	"                  DIR/keys/audit.key (the server also signs one every\n"
	"                  checkpoint_every rows, 1000 by default). Useful before\n"
	"                  a backup or when handing a copy to an outside witness.\n"
	"\n"
	"Exit status: 0 ok, 1 the check failed (or the checkpoint could not be\n"
	"written), 2 usage error. See docs/audit.md.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "ihala audit: %s\n\n%s", why, audit_usage);
	return 2;
}

/* Load DIR's configuration and open its database. 0, or prints why and returns -1. */
static int open_dir(const char *dir, struct store **db)
{
	struct config cfg;
	char err[256] = "";
	int rc;

	rc = config_load(&cfg, dir, err, sizeof err);
	if (rc == ERR_NOT_FOUND) {
		fprintf(stderr, "ihala audit: %s is not an ihala data folder (no ihala.conf); run `ihala init %s` first\n",
			dir, dir);
		return -1;
	}
	if (rc != 0) {
		fprintf(stderr, "ihala audit: %s/ihala.conf: %s\n", dir, err[0] ? err : "cannot be read");
		return -1;
	}
	if (store_open(db, cfg.db) != 0) {
		fprintf(stderr, "ihala audit: cannot open the database of %s (see the log line above)\n", dir);
		return -1;
	}
	return 0;
}

static int audit_verify_cmd(const char *dir)
{
	unsigned char pk[SIGN_PUBLIC_BYTES];
	struct audit_report rep;
	struct store *db = NULL;
	int rc;

	if (crypto_init_once() != 0) {
		fprintf(stderr, "ihala audit: libsodium failed to initialise\n");
		return 1;
	}
	if (sign_public_load(pk, dir) != 0) {
		fprintf(stderr, "ihala audit: cannot read the public key %s/keys/audit.pub\n", dir);
		return 1;
	}
	if (open_dir(dir, &db) != 0)
		return 1;
	rc = audit_verify(db, pk, &rep);
	store_close(db);
	if (rc != 0) {
		fprintf(stderr, "ihala audit: the check could not run: database error (%s)\n", err_name(rc));
		return 1;
	}
	if (!rep.ok) {
		printf("audit: FAILED: %s\n", rep.problem);
		printf("audit: %" PRId64 " rows read, %" PRId64 " checkpoints matched; first row not to trust: %" PRId64 "\n",
		       rep.rows, rep.checkpoints, rep.first_bad_seq);
		return 1;
	}
	printf("audit: %" PRId64 " rows, %" PRId64 " checkpoints: ok\n", rep.rows, rep.checkpoints);
	return 0;
}

static int audit_checkpoint_cmd(const char *dir)
{
	struct signer *signer = NULL;
	struct store *db = NULL;
	struct store_stmt *st = NULL;
	int64_t seq = -1;
	int rc = 1;

	if (crypto_init_once() != 0) {
		fprintf(stderr, "ihala audit: libsodium failed to initialise\n");
		return 1;
	}
	if (signer_load(&signer, dir) != 0) {
		fprintf(stderr, "ihala audit: cannot load the signing key %s/keys/audit.key "
				"(it must exist and be readable by its owner only, mode 0600)\n", dir);
		return 1;
	}
	if (open_dir(dir, &db) != 0)
		goto out;
	if (store_begin(db) != 0)
		goto fail;
	if (audit_checkpoint(db, signer) != 0) {
		store_rollback(db);
		goto fail;
	}
	if (store_prepare(db, &st, "SELECT seq FROM audit_head WHERE id = 1") == 0 && store_step(st) == STORE_ROW)
		seq = store_column_int64(st, 0);
	store_finalize(st);
	if (store_commit(db) != 0)
		goto fail;
	if (seq <= 0)
		printf("audit: the log is empty; nothing to sign\n");
	else
		printf("audit: the head of the log (row %" PRId64 ") carries a signed checkpoint\n", seq);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "ihala audit: the checkpoint could not be written (see the log line above)\n");
out:
	store_close(db);
	signer_free(signer);
	return rc;
}

int cli_audit_main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(audit_usage, stdout);
			return 0;
		}
	}
	if (argc < 2)
		return usage_error("missing command (verify or checkpoint)");
	if (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "checkpoint") != 0)
		return usage_error("unknown command; expected verify or checkpoint");
	if (argc != 3)
		return usage_error(argc < 3 ? "missing DIR" : "too many arguments");
	if (argv[2][0] == '-')
		return usage_error("unknown option");
	if (!strcmp(argv[1], "verify"))
		return audit_verify_cmd(argv[2]);
	return audit_checkpoint_cmd(argv[2]);
}
