/*
 * audit.c: the tamper-evident audit log (see audit.h for the chain, the
 * canonical row form and the checkpoint message).
 *
 * Appending runs inside the caller's transaction: the head row is bumped
 * first, which serialises appenders (row lock on PostgreSQL, BEGIN IMMEDIATE
 * on SQLite), so seqs are dense and each row's hash follows its
 * predecessor's.
 *
 * Verifying reads the head first and then checks only rows and checkpoints up
 * to the head's seq, so that a server appending while `ihala audit verify`
 * runs cannot cause a false alarm: a row at or below a committed head is
 * committed too, since both are written in one transaction.
 */
#include "audit.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/clock.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../crypto/hash.h"
#include "journal.h"

#define AUDIT_HASH_BYTES 32
#define AUDIT_TOKEN_MAX 64          /* action, outcome, object_type */
#define AUDIT_ID_MAX 64             /* actor_id, org_id, object_id */
#define AUDIT_ROW_MAX 1024          /* canonical form of one row: 9 short fields */
#define AUDIT_VERIFY_BATCH 10000    /* rows per query while verifying */
#define AUDIT_DEFAULT_EVERY 1000

static const unsigned char zero_hash[AUDIT_HASH_BYTES];

/*
 * 0 when s is 1..max characters of [a-z0-9._-]. Action names, outcomes and
 * object types are vocabulary chosen by the code, never free text: this keeps
 * personal data out of the log even if a caller passes the wrong string.
 */
static int check_token(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return ERR_INVALID;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= max)
			return ERR_INVALID;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return ERR_INVALID;
	}
	return 0;
}

/*
 * 0 when s is NULL or 1..max characters of [A-Za-z0-9._:-]. Ids are random
 * hex; the wider set leaves room for composite ids, never for names, spaces
 * or newlines (a newline would make the canonical form ambiguous).
 */
static int check_id(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return 0;
	if (s[0] == '\0')
		return ERR_INVALID;
	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];
		if (n >= max)
			return ERR_INVALID;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return ERR_INVALID;
	}
	return 0;
}

int audit_event_valid(const struct audit_event *ev)
{
	if (check_token(ev->action, AUDIT_TOKEN_MAX) < 0 || check_token(ev->outcome, AUDIT_TOKEN_MAX) < 0)
		return ERR_INVALID;
	if (ev->object_type != NULL && check_token(ev->object_type, AUDIT_TOKEN_MAX) < 0)
		return ERR_INVALID;
	if (check_id(ev->actor_id, AUDIT_ID_MAX) < 0 || check_id(ev->org_id, AUDIT_ID_MAX) < 0 ||
	    check_id(ev->object_id, AUDIT_ID_MAX) < 0)
		return ERR_INVALID;
	return 0;
}

static const char *or_empty(const char *s)
{
	return s != NULL ? s : "";
}

/* canonical(row) of audit.h into b (reset first). 0 or the buffer's error. */
static int canonical_row(struct buf *b, int64_t seq, int64_t at, const char *actor_id, const char *org_id,
			 const char *action, const char *object_type, const char *object_id, const char *outcome)
{
	buf_reset(b);
	buf_printf(b, "v1\n%" PRId64 "\n%" PRId64 "\n%s\n%s\n%s\n%s\n%s\n%s\n", seq, at, or_empty(actor_id),
		   or_empty(org_id), or_empty(action), or_empty(object_type), or_empty(object_id),
		   or_empty(outcome));
	return buf_error(b);
}

/* hash_n = BLAKE2b-256(hash_{n-1} || canonical(row n)). */
static int row_hash(unsigned char out[AUDIT_HASH_BYTES], const unsigned char prev[AUDIT_HASH_BYTES],
		    struct buf *b, int64_t seq, int64_t at, const char *actor_id, const char *org_id,
		    const char *action, const char *object_type, const char *object_id, const char *outcome)
{
	if (canonical_row(b, seq, at, actor_id, org_id, action, object_type, object_id, outcome) < 0)
		return ERR_NOMEM;
	if (hash_chain(out, prev, b->data, b->len) != 0) {
		log_error("audit hash failed", "seq=%" PRId64, seq);
		return ERR_FAIL;
	}
	return 0;
}

/* The message a checkpoint signs, into msg; its length, or 0 if it did not fit. */
static size_t checkpoint_message(char *msg, size_t size, int64_t seq, const unsigned char hash[AUDIT_HASH_BYTES])
{
	char hex[AUDIT_HASH_BYTES * 2 + 1];
	int n;

	hex_encode(hex, hash, AUDIT_HASH_BYTES);
	n = snprintf(msg, size, "ihala-audit-checkpoint v1\n%" PRId64 "\n%s\n", seq, hex);
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}

/*
 * Bump or touch the head: `UPDATE audit_head SET seq = seq + delta ...
 * RETURNING seq, hash` (the new seq, the hash before this append). *found is 0 when there is no head row. The update
 * takes the row lock on PostgreSQL even when delta is 0.
 */
static int head_update(struct store *db, int64_t delta, int *found, int64_t *seq, unsigned char hash[AUDIT_HASH_BYTES])
{
	struct store_stmt *st = NULL;
	const void *blob;
	size_t len = 0;
	int rc;

	*found = 0;
	rc = store_prepare(db, &st, "UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash");
	if (rc < 0)
		return rc;
	rc = store_bind_int64(st, 1, delta);
	if (rc >= 0)
		rc = store_step(st);
	if (rc == STORE_ROW) {
		*seq = store_column_int64(st, 0);
		blob = store_column_blob(st, 1, &len);
		if (blob == NULL || len != AUDIT_HASH_BYTES) {
			log_error("audit head hash has the wrong size", "len=%zu", len);
			rc = ERR_FAIL;
			goto out;
		}
		memcpy(hash, blob, AUDIT_HASH_BYTES);
		*found = 1;
		rc = store_step(st);   /* run the statement to completion */
	}
	if (rc == STORE_DONE)
		rc = 0;
	else if (rc >= 0)
		rc = ERR_FAIL;
out:
	store_finalize(st);
	return rc;
}

static int head_create(struct store *db)
{
	struct store_stmt *st = NULL;
	int rc;

	rc = store_prepare(db, &st, "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING");
	if (rc < 0)
		return rc;
	rc = store_bind_blob(st, 1, zero_hash, sizeof zero_hash);
	if (rc >= 0)
		rc = store_step(st);
	store_finalize(st);
	return rc == STORE_DONE ? 0 : (rc < 0 ? rc : ERR_FAIL);
}

/* Run a bound statement that returns no rows. */
static int step_done(struct store_stmt *st)
{
	int rc = store_step(st);

	if (rc == STORE_DONE)
		return 0;
	return rc < 0 ? rc : ERR_FAIL;
}

static int checkpoint_insert(struct store *db, const struct signer *signer, int64_t seq,
			     const unsigned char hash[AUDIT_HASH_BYTES]);

/*
 * Rows go in with multi-row INSERTs of these sizes (largest first), so that a
 * batch costs few statements (round trips on PostgreSQL) and only four SQL
 * texts exist for the statement caches.
 */
static const size_t chunk_sizes[] = { 64, 16, 4, 1 };
#define CHUNK_MAX 64

static size_t chunk_size(size_t left)
{
	for (size_t i = 0; i < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); i++)
		if (chunk_sizes[i] <= left)
			return chunk_sizes[i];
	return 1;
}

/*
 * Append evs[0..k) as seqs first.. with one INSERT, their hashes following
 * *hash (updated to the last row's), then the checkpoints that fall on them.
 */
static int insert_chunk(struct store *db, const struct audit *au, unsigned every, const struct audit_event *evs,
			size_t k, int64_t first, unsigned char hash[AUDIT_HASH_BYTES], struct buf *b)
{
	unsigned char hashes[CHUNK_MAX][AUDIT_HASH_BYTES];
	int64_t ats[CHUNK_MAX];
	struct buf sql;
	struct store_stmt *st = NULL;
	int rc = 0;

	assert(k >= 1 && k <= CHUNK_MAX);
	for (size_t i = 0; i < k && rc == 0; i++) {
		const struct audit_event *ev = &evs[i];
		ats[i] = ev->at ? ev->at : clock_now();
		rc = row_hash(hashes[i], i ? hashes[i - 1] : hash, b, first + (int64_t)i, ats[i], ev->actor_id,
			      ev->org_id, ev->action, ev->object_type, ev->object_id, ev->outcome);
	}
	if (rc < 0)
		return rc;
	buf_init(&sql, 128 + k * 32);
	buf_puts(&sql, "INSERT INTO audit_log (seq, at, actor_id, org_id, action, object_type, object_id, outcome, hash) "
		       "VALUES ");
	for (size_t i = 0; i < k; i++)
		buf_puts(&sql, i ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?, ?)");
	rc = buf_error(&sql) ? ERR_NOMEM : store_prepare(db, &st, sql.data);
	buf_release(&sql);
	for (size_t i = 0; i < k && rc == 0; i++) {
		const struct audit_event *ev = &evs[i];
		int c = (int)(i * 9);
		if ((rc = store_bind_int64(st, c + 1, first + (int64_t)i)) < 0 ||
		    (rc = store_bind_int64(st, c + 2, ats[i])) < 0 || (rc = store_bind_text(st, c + 3, ev->actor_id)) < 0 ||
		    (rc = store_bind_text(st, c + 4, ev->org_id)) < 0 || (rc = store_bind_text(st, c + 5, ev->action)) < 0 ||
		    (rc = store_bind_text(st, c + 6, ev->object_type)) < 0 ||
		    (rc = store_bind_text(st, c + 7, ev->object_id)) < 0 || (rc = store_bind_text(st, c + 8, ev->outcome)) < 0 ||
		    (rc = store_bind_blob(st, c + 9, hashes[i], AUDIT_HASH_BYTES)) < 0)
			break;
	}
	if (rc == 0)
		rc = step_done(st);
	store_finalize(st);
	for (size_t i = 0; i < k && rc == 0; i++)
		if (au && au->signer && (first + (int64_t)i) % (int64_t)every == 0)
			rc = checkpoint_insert(db, au->signer, first + (int64_t)i, hashes[i]);
	if (rc == 0)
		memcpy(hash, hashes[k - 1], AUDIT_HASH_BYTES);
	return rc;
}

int audit_append_many(struct store *db, const struct audit *au, const struct audit_event *evs, size_t n)
{
	unsigned char hash[AUDIT_HASH_BYTES];
	struct store_stmt *st = NULL;
	struct buf b;
	int64_t last = 0;
	int found = 0, rc;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (audit_event_valid(&evs[i]) < 0) {
			log_warn("audit event rejected", "reason=%s", "action, outcome or id is not a short ASCII token");
			return ERR_INVALID;
		}
	buf_init(&b, AUDIT_ROW_MAX);
	/* One bump of the head for all n rows: seqs last-n+1 .. last follow the hash it held. */
	rc = head_update(db, (int64_t)n, &found, &last, hash);
	if (rc == 0 && !found) {
		rc = head_create(db);
		if (rc == 0)
			rc = head_update(db, (int64_t)n, &found, &last, hash);
		if (rc == 0 && !found) {
			log_error("audit head missing after insert", "table=%s", "audit_head");
			rc = ERR_FAIL;
		}
	}
	if (rc < 0)
		goto out;
	unsigned every = au && au->checkpoint_every != 0 ? au->checkpoint_every : AUDIT_DEFAULT_EVERY;
	for (size_t i = 0; i < n && rc == 0;) {
		size_t k = chunk_size(n - i);
		rc = insert_chunk(db, au, every, evs + i, k, last - (int64_t)n + 1 + (int64_t)i, hash, &b);
		i += k;
	}
	if (rc < 0)
		goto out;
	rc = store_prepare(db, &st, "UPDATE audit_head SET hash = ? WHERE id = 1");
	if (rc == 0 && (rc = store_bind_blob(st, 1, hash, sizeof hash)) >= 0)
		rc = step_done(st);
out:
	store_finalize(st);
	buf_release(&b);
	return rc < 0 ? rc : 0;
}

int audit_append(struct store *db, const struct audit *au, const struct audit_event *ev)
{
	return audit_append_many(db, au, ev, 1);
}

static int append_alone(struct store *db, const struct audit *au, const struct audit_event *ev)
{
	int rc;

	rc = store_begin(db);
	if (rc < 0)
		return rc;
	rc = audit_append(db, au, ev);
	if (rc == 0)
		rc = store_commit(db);
	if (rc < 0)
		store_rollback(db);
	return rc;
}

/* ---- group commit ---- */

struct audit_waiter {
	const struct audit_event *ev;   /* borrowed from the waiting caller */
	int rc;
	bool done;
	struct audit_waiter *next;
};

struct audit_group {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct audit_waiter *head, **tail;   /* queued, not yet taken by a leader */
	bool leading;                        /* a thread is writing a batch */
	bool relaxed_pending;                /* relaxed commits not yet made durable */
	struct audit_journal *journal;       /* owned; NULL: rows are committed by the group */
};

#define GROUP_ROUNDS 4   /* batches one leader writes before it hands over */

struct audit_group *audit_group_new(void)
{
	struct audit_group *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->tail = &g->head;
	return g;
}

void audit_group_free(struct audit_group *g)
{
	if (!g)
		return;
	journal_close(g->journal);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/*
 * Write one batch in one relaxed transaction (store_begin_relaxed); every
 * waiter of it gets the same outcome. The rows survive a crash of ihala at
 * once and reach the disk with the next durable commit or audit_group_flush,
 * so that no reader waits for the disk.
 */
static int write_batch(struct store *db, const struct audit *au, struct audit_waiter *batch)
{
	int rc = store_begin_relaxed(db);
	for (struct audit_waiter *w = batch; rc == 0 && w; w = w->next)
		rc = audit_append(db, au, w->ev);
	if (rc == 0)
		rc = store_commit(db);
	if (rc < 0)
		store_rollback(db);
	return rc;
}

int audit_group_journal(struct audit_group *g, const struct audit *au, const char *dir, struct store *db)
{
	assert(g->journal == NULL);
	return journal_open(&g->journal, au, dir, db);
}

int audit_group_drain(struct audit_group *g, struct store *db)
{
	return g && g->journal ? journal_drain(g->journal, db) : 0;
}

int audit_group_flush(struct audit_group *g, struct store *db)
{
	int moved = audit_group_drain(g, db);
	pthread_mutex_lock(&g->mu);
	g->relaxed_pending = false;
	pthread_mutex_unlock(&g->mu);
	/* Batches committed meanwhile set the flag again; the sync covers all before it. */
	int rc = store_sync(db);
	if (rc < 0) {
		pthread_mutex_lock(&g->mu);
		g->relaxed_pending = true;
		pthread_mutex_unlock(&g->mu);
	}
	return moved < 0 ? moved : rc;
}

int audit_append_tx(struct store *db, const struct audit *au, const struct audit_event *ev)
{
	struct audit_group *g = au->group;
	if (!g)
		return append_alone(db, au, ev);
	if (g->journal) {
		if (audit_event_valid(ev) < 0) {
			log_warn("audit event rejected", "reason=%s", "action, outcome or id is not a short ASCII token");
			return ERR_INVALID;
		}
		return journal_append(g->journal, ev);
	}
	struct audit_waiter me = { ev, 0, false, NULL };
	pthread_mutex_lock(&g->mu);
	*g->tail = &me;
	g->tail = &me.next;
	/* Wait while another thread leads; lead when nobody does and my row is not written. */
	while (!me.done && g->leading)
		pthread_cond_wait(&g->cv, &g->mu);
	if (me.done) {
		pthread_mutex_unlock(&g->mu);
		return me.rc;
	}
	g->leading = true;
	for (int round = 0; round < GROUP_ROUNDS && g->head; round++) {
		struct audit_waiter *batch = g->head;
		g->head = NULL;
		g->tail = &g->head;
		pthread_mutex_unlock(&g->mu);
		int rc = write_batch(db, au, batch);
		pthread_mutex_lock(&g->mu);
		if (rc == 0)
			g->relaxed_pending = true;
		for (struct audit_waiter *w = batch, *next; w; w = next) {
			next = w->next;   /* read before done: a woken waiter's node leaves with its stack */
			w->rc = rc;
			w->done = true;
		}
		pthread_cond_broadcast(&g->cv);
	}
	g->leading = false;
	pthread_cond_broadcast(&g->cv);   /* a waiter still queued takes the lead */
	pthread_mutex_unlock(&g->mu);
	return me.rc;
}

/* Sign (seq, hash) into audit_checkpoints, inside the caller's transaction. */
static int checkpoint_insert(struct store *db, const struct signer *signer, int64_t seq,
			     const unsigned char hash[AUDIT_HASH_BYTES])
{
	unsigned char sig[SIGN_BYTES];
	char msg[160];
	struct store_stmt *st = NULL;
	size_t msg_len = checkpoint_message(msg, sizeof msg, seq, hash);
	int rc;

	if (msg_len == 0 || signer_sign(signer, sig, msg, msg_len) != 0) {
		log_error("audit checkpoint signing failed", "seq=%" PRId64, seq);
		return ERR_FAIL;
	}
	rc = store_prepare(db, &st, "INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (?, ?, ?, ?) "
				    "ON CONFLICT (seq) DO NOTHING");
	if (rc < 0)
		return rc;
	if ((rc = store_bind_int64(st, 1, seq)) >= 0 && (rc = store_bind_blob(st, 2, hash, AUDIT_HASH_BYTES)) >= 0 &&
	    (rc = store_bind_int64(st, 3, clock_now())) >= 0 && (rc = store_bind_blob(st, 4, sig, sizeof sig)) >= 0)
		rc = step_done(st);
	store_finalize(st);
	return rc;
}

int audit_checkpoint(struct store *db, const struct signer *signer)
{
	unsigned char hash[AUDIT_HASH_BYTES];
	int64_t seq = 0;
	int found = 0, rc;

	assert(signer != NULL);
	/* Touch the head: it locks it against appenders, so (seq, hash) is the chain's current end. */
	rc = head_update(db, 0, &found, &seq, hash);
	if (rc < 0)
		return rc;
	if (!found || seq == 0)
		return 0;   /* nothing to sign yet */
	return checkpoint_insert(db, signer, seq, hash);
}

/* ---- verification ---- */

/*
 * Keep the problem with the lowest seq: the report names the first place where
 * the log stops being trustworthy, whichever pass found it.
 */
static void report_problem(struct audit_report *rep, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report_problem(struct audit_report *rep, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (!rep->ok && rep->first_bad_seq <= seq)
		return;
	rep->ok = 0;
	rep->first_bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(rep->problem, sizeof rep->problem, fmt, ap);
	va_end(ap);
}

/* Read the head. *found is 0 when there is none. */
static int head_read(struct store *db, int *found, int64_t *seq, unsigned char hash[AUDIT_HASH_BYTES], size_t *hash_len)
{
	struct store_stmt *st = NULL;
	const void *blob;
	size_t len = 0;
	int rc;

	*found = 0;
	*hash_len = 0;
	rc = store_prepare(db, &st, "SELECT seq, hash FROM audit_head WHERE id = 1");
	if (rc < 0)
		return rc;
	rc = store_step(st);
	if (rc == STORE_ROW) {
		*found = 1;
		*seq = store_column_int64(st, 0);
		blob = store_column_blob(st, 1, &len);
		if (blob != NULL && len == AUDIT_HASH_BYTES)
			memcpy(hash, blob, AUDIT_HASH_BYTES);
		*hash_len = blob != NULL ? len : 0;
		rc = STORE_DONE;
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : (rc < 0 ? rc : ERR_FAIL);
}

struct chain_walk {
	int64_t limit;                           /* check rows with seq <= limit */
	int64_t last_seq;                        /* seq of the last row seen, 0 if none */
	unsigned char prev[AUDIT_HASH_BYTES];    /* hash of the last row seen, as stored */
	int last_hash_ok;                        /* the last row's stored hash is well-formed */
};

/*
 * Pass 1: walk audit_log in seq order, in batches, recomputing the chain.
 * After a problem the walk resynchronises on the stored hash, so the count of
 * rows stays right and a later, separate problem is still seen.
 */
static int verify_rows(struct store *db, struct chain_walk *w, struct audit_report *rep)
{
	unsigned char computed[AUDIT_HASH_BYTES];
	struct store_stmt *st = NULL;
	struct buf b;
	int64_t n_batch;
	int rc;

	buf_init(&b, AUDIT_ROW_MAX * 4);
	rc = store_prepare(db, &st, "SELECT seq, at, actor_id, org_id, action, object_type, object_id, outcome, hash "
				    "FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?");
	if (rc < 0)
		goto out;
	do {
		if ((rc = store_reset(st)) < 0 || (rc = store_bind_int64(st, 1, w->last_seq)) < 0 ||
		    (rc = store_bind_int64(st, 2, w->limit)) < 0 ||
		    (rc = store_bind_int64(st, 3, AUDIT_VERIFY_BATCH)) < 0)
			goto out;
		n_batch = 0;
		while ((rc = store_step(st)) == STORE_ROW) {
			int64_t seq = store_column_int64(st, 0);
			const void *stored;
			size_t len = 0;

			n_batch++;
			rep->rows++;
			if (seq != w->last_seq + 1) {
				if (seq == w->last_seq + 2)
					report_problem(rep, w->last_seq + 1, "row %" PRId64 " is missing (removed from the log)",
						       w->last_seq + 1);
				else
					report_problem(rep, w->last_seq + 1,
						       "rows %" PRId64 " to %" PRId64 " are missing (removed from the log)",
						       w->last_seq + 1, seq - 1);
			}
			rc = row_hash(computed, w->prev, &b, seq, store_column_int64(st, 1), store_column_text(st, 2),
				      store_column_text(st, 3), store_column_text(st, 4), store_column_text(st, 5),
				      store_column_text(st, 6), store_column_text(st, 7));
			if (rc < 0)
				goto out;
			stored = store_column_blob(st, 8, &len);
			if (stored == NULL || len != AUDIT_HASH_BYTES) {
				report_problem(rep, seq, "row %" PRId64 " has a damaged hash", seq);
				memset(w->prev, 0, sizeof w->prev);
				w->last_hash_ok = 0;
			} else {
				if (memcmp(computed, stored, AUDIT_HASH_BYTES) != 0)
					report_problem(rep, seq,
						       "row %" PRId64 " was altered, removed or reordered (hash mismatch)", seq);
				memcpy(w->prev, stored, AUDIT_HASH_BYTES);
				w->last_hash_ok = 1;
			}
			w->last_seq = seq;
		}
		if (rc != STORE_DONE) {
			rc = rc < 0 ? rc : ERR_FAIL;
			goto out;
		}
		rc = 0;
	} while (n_batch == AUDIT_VERIFY_BATCH);
out:
	store_finalize(st);
	buf_release(&b);
	return rc;
}

/*
 * Pass 2: each checkpoint up to the limit must carry a valid signature and
 * match the (already verified) stored hash of its row. A checkpoint whose row
 * is absent proves rows were removed, even when the head was rewritten to
 * hide it. Checkpoints beyond the limit whose row exists were written after
 * the head was read and are left for the next run.
 */
static int verify_checkpoints(struct store *db, const unsigned char pk[SIGN_PUBLIC_BYTES], const struct chain_walk *w,
			      struct audit_report *rep)
{
	struct store_stmt *st = NULL;
	char msg[160];
	int64_t prev_good = 0;
	int rc;

	rc = store_prepare(db, &st, "SELECT c.seq, c.hash, c.signature, l.hash FROM audit_checkpoints c "
				    "LEFT JOIN audit_log l ON l.seq = c.seq ORDER BY c.seq");
	if (rc < 0)
		return rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t seq = store_column_int64(st, 0);
		size_t hash_len = 0, sig_len = 0, row_len = 0;
		const unsigned char *hash = store_column_blob(st, 1, &hash_len);
		const unsigned char *sig = store_column_blob(st, 2, &sig_len);
		const unsigned char *row = store_column_blob(st, 3, &row_len);
		int has_row = !store_column_is_null(st, 3);
		size_t msg_len;

		if (seq > w->limit && has_row)
			continue;   /* appended after the head was read */
		if (hash == NULL || hash_len != AUDIT_HASH_BYTES || sig == NULL || sig_len != SIGN_BYTES) {
			report_problem(rep, seq, "the checkpoint at row %" PRId64 " is damaged", seq);
			continue;
		}
		msg_len = checkpoint_message(msg, sizeof msg, seq, hash);
		if (msg_len == 0 || sign_verify(pk, sig, msg, msg_len) != 0) {
			report_problem(rep, seq, "the checkpoint at row %" PRId64
				       " has an invalid signature (forged, or signed with another key)", seq);
			continue;
		}
		if (seq == 0) {
			if (memcmp(hash, zero_hash, AUDIT_HASH_BYTES) != 0)
				report_problem(rep, 1, "the checkpoint at row 0 does not match the empty chain");
			else
				rep->checkpoints++;
			continue;
		}
		if (!has_row) {
			if (seq > w->last_seq)
				report_problem(rep, w->last_seq + 1,
					       "rows %" PRId64 " to %" PRId64 " were removed from the end of the log "
					       "(a signed checkpoint exists at row %" PRId64 ")",
					       w->last_seq + 1, seq, seq);
			else
				report_problem(rep, seq, "row %" PRId64 " is missing (a signed checkpoint exists for it)", seq);
			continue;
		}
		if (row == NULL || row_len != AUDIT_HASH_BYTES || memcmp(row, hash, AUDIT_HASH_BYTES) != 0) {
			/* A row found bad in pass 1 already explains the mismatch and names the row. */
			if (!rep->ok && rep->first_bad_seq <= seq)
				continue;
			report_problem(rep, prev_good + 1,
				       "rows %" PRId64 " to %" PRId64 " were rewritten: the chain does not match "
				       "the signed checkpoint at row %" PRId64, prev_good + 1, seq, seq);
			continue;
		}
		rep->checkpoints++;
		prev_good = seq;
	}
	store_finalize(st);
	return rc == STORE_DONE ? 0 : (rc < 0 ? rc : ERR_FAIL);
}

int audit_verify(struct store *db, const unsigned char pk[SIGN_PUBLIC_BYTES], struct audit_report *rep)
{
	unsigned char head_hash[AUDIT_HASH_BYTES];
	struct chain_walk w;
	int64_t head_seq = 0;
	size_t head_len = 0;
	int head_found = 0, rc;

	memset(rep, 0, sizeof *rep);
	rep->ok = 1;
	memset(&w, 0, sizeof w);

	rc = head_read(db, &head_found, &head_seq, head_hash, &head_len);
	if (rc < 0)
		return rc;
	w.limit = head_found ? head_seq : INT64_MAX;

	rc = verify_rows(db, &w, rep);
	if (rc < 0)
		return rc;

	if (!head_found) {
		if (w.last_seq > 0)
			report_problem(rep, w.last_seq + 1, "the audit head row is missing");
	} else if (head_len != AUDIT_HASH_BYTES) {
		report_problem(rep, head_seq, "the audit head is damaged");
	} else if (w.last_seq < head_seq) {
		if (w.last_seq + 1 == head_seq)
			report_problem(rep, head_seq, "row %" PRId64 " was removed from the end of the log (the head is at row %"
				       PRId64 ")", head_seq, head_seq);
		else
			report_problem(rep, w.last_seq + 1, "rows %" PRId64 " to %" PRId64
				       " were removed from the end of the log (the head is at row %" PRId64 ")",
				       w.last_seq + 1, head_seq, head_seq);
	} else if (head_seq == 0) {
		if (memcmp(head_hash, zero_hash, AUDIT_HASH_BYTES) != 0)
			report_problem(rep, 1, "the audit head is damaged (empty log with a non-zero hash)");
	} else if (!w.last_hash_ok || memcmp(head_hash, w.prev, AUDIT_HASH_BYTES) != 0) {
		report_problem(rep, head_seq, "the audit head does not match row %" PRId64
			       " (the end of the log was altered)", head_seq);
	}

	rc = verify_checkpoints(db, pk, &w, rep);
	if (rc < 0)
		return rc;
	if (rep->ok)
		rep->first_bad_seq = 0;
	return 0;
}
