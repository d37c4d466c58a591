/*
 * audit.h: the tamper-evident audit log.
 *
 * One row per read or write of protected data and per security event
 * (login, login failure, denial, logout, password change, ...), appended in
 * the same transaction as the change it records. Rows carry no personal
 * data: ids, action names, outcomes.
 *
 * Chain: row n stores hash_n = BLAKE2b-256(hash_{n-1} || canonical(row n)),
 * with hash_0 = 32 zero bytes, where canonical(row) is
 *	"v1\n" seq "\n" at "\n" actor "\n" org "\n" action "\n" object_type "\n"
 *	object_id "\n" outcome "\n"
 * (NULL fields as empty strings, integers in decimal). The single row of
 * audit_head (seq, hash) serialises appenders: an appender first runs
 * `UPDATE audit_head SET seq = seq + 1 ... RETURNING`, which takes the row lock
 * on PostgreSQL and is under BEGIN IMMEDIATE on SQLite.
 *
 * Checkpoints: every `checkpoint_every` rows (and on demand), the pair
 * (seq, hash) is signed with the installation's Ed25519 key (keys/audit.key)
 * and stored in audit_checkpoints; the message signed is
 *	"ihala-audit-checkpoint v1\n" seq "\n" hex(hash) "\n"
 * Outside witnesses may keep copies of checkpoints; a verifier with only the
 * public key (keys/audit.pub) can check them.
 */
#ifndef IHALA_AUDIT_H
#define IHALA_AUDIT_H

#include <stdint.h>
#include "../core/banned.h"
#include "../crypto/sign.h"
#include "../store/store.h"

struct audit_event {
	const char *actor_id;     /* user id, or NULL for the system / an unauthenticated caller */
	const char *org_id;       /* actor's organisation, or NULL */
	const char *action;       /* "session.login", "session.login_failed", "org.create", ... */
	const char *object_type;  /* "org", "user", "session", "audit", or NULL */
	const char *object_id;    /* id of the object, or NULL */
	const char *outcome;      /* "ok", "denied", "failed" */
	int64_t at;               /* when it happened (unix seconds); 0: now */
};

struct audit_group;

struct audit {
	const struct signer *signer;   /* borrowed; NULL: no automatic checkpoints */
	unsigned checkpoint_every;     /* rows between checkpoints; 0 means 1000 */
	struct audit_group *group;     /* borrowed; NULL: audit_append_tx commits each row alone */
};

/* Append one row inside the caller's open transaction. 0 or negative. */
int audit_append(struct store *db, const struct audit *au, const struct audit_event *ev)
	__attribute__((warn_unused_result));
/*
 * Append n rows in order inside the caller's open transaction, with one
 * update of the head (the read journal's batches). The same chain as n calls
 * of audit_append, checkpoints at the same rows. 0 or negative.
 */
int audit_append_many(struct store *db, const struct audit *au, const struct audit_event *evs, size_t n)
	__attribute__((warn_unused_result));
/*
 * Append in its own transaction (for reads and security events with no other
 * write), on db, which must have no transaction open. Returns once the row is
 * committed. With au->group, rows appended at the same moment by several
 * threads share one transaction (group commit): the first thread to arrive
 * writes and commits everything queued while it works, on its own
 * connection, and the others wait for that commit; every caller still gets
 * its answer only after its row is durable. One fsync then serves a batch,
 * which is what lets an audited read (GET /api/v1/cases/{ref}) scale past the
 * disk's commit rate (docs/benchmarks.md).
 */
int audit_append_tx(struct store *db, const struct audit *au, const struct audit_event *ev)
	__attribute__((warn_unused_result));
/*
 * Within a group a batch is a relaxed commit (store_begin_relaxed): the
 * rows survive a crash of ihala at once, and reach the disk with the next
 * ordinary commit or with audit_group_flush, which the server runs twice a
 * second from its own thread; so no reader waits for the disk, and a power
 * loss takes back at most about half a second of read audit rows.
 */
/* A group for audit_append_tx, shared by the threads of one process. NULL when out of memory. */
struct audit_group *audit_group_new(void);
/*
 * The read journal (journal.h), for a server on SQLite: from now on
 * audit_append_tx writes the group's rows to a file in DIR/audit-journal/
 * and returns without a commit, and audit_group_drain (or flush) moves them
 * into the chain. Rows an earlier process left in the journal are appended
 * first, on db. 0 when journaling; 1 when another process journals that
 * folder (rows are then committed by the group as without a journal);
 * negative on failure. au must outlive the group.
 */
int audit_group_journal(struct audit_group *g, const struct audit *au, const char *dir, struct store *db)
	__attribute__((warn_unused_result));
/*
 * Move the journal's rows into the chain now, in one durable transaction
 * on db (no transaction open): what reads the log (GET /api/v1/audit) calls
 * it first, so that it sees every row written before. 0 without a journal.
 */
int audit_group_drain(struct audit_group *g, struct store *db) __attribute__((warn_unused_result));
/*
 * audit_group_drain, then make the group's relaxed commits durable: store_sync
 * on db (which also checkpoints SQLite's log).
 */
int audit_group_flush(struct audit_group *g, struct store *db);
void audit_group_free(struct audit_group *g);
/* Sign the current head now, inside the caller's transaction (no-op if already signed). */
int audit_checkpoint(struct store *db, const struct signer *signer) __attribute__((warn_unused_result));

struct audit_report {
	int64_t rows;              /* rows checked */
	int64_t checkpoints;       /* checkpoints whose signature and hash matched */
	int ok;                    /* 1 when everything holds */
	int64_t first_bad_seq;     /* first row altered/removed/reordered; 0 if none */
	char problem[256];         /* one English sentence naming the first problem */
};

/*
 * Walk the whole chain from seq 1, recompute each hash, check that seqs are
 * contiguous, that the head matches the last row, and that every checkpoint is
 * validly signed by pk and matches the chain at its seq. Returns 0 when the
 * check ran (see rep->ok), negative when it could not run.
 */
int audit_verify(struct store *db, const unsigned char pk[SIGN_PUBLIC_BYTES], struct audit_report *rep);

#endif
