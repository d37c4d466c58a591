/*
 * store.h: the one database interface, with two backends behind a vtable:
 * SQLite (embedded; WAL, synchronous=FULL, busy_timeout, foreign keys on) and
 * PostgreSQL (libpq). Domain code writes SQL once, in the common subset, with
 * `?` placeholders (rewritten to $1..$n for PostgreSQL).
 *
 * Types in SQL and in migrations: TEXT, INTEGER (64-bit; BIGINT on
 * PostgreSQL), BLOB (BYTEA on PostgreSQL). Times are INTEGER Unix seconds.
 * Booleans are INTEGER 0/1. Ids are TEXT (32 hex chars, random).
 *
 * A connection is used by one thread at a time (see struct store_pool).
 * Writes: store_begin() (BEGIN IMMEDIATE on SQLite), statements, then
 * store_commit(); a write is acknowledged to a client only after commit
 * returned 0.
 *
 *	struct store_stmt *st;
 *	if (store_prepare(db, &st, "SELECT id, name_en FROM orgs WHERE country = ?") < 0) ...
 *	store_bind_text(st, 1, "BH");
 *	while ((rc = store_step(st)) == STORE_ROW)
 *		use(store_column_text(st, 0), store_column_text(st, 1));
 *	store_finalize(st);
 *	if (rc < 0) ...
 */
#ifndef IHALA_STORE_H
#define IHALA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/banned.h"

enum store_backend { STORE_SQLITE = 1, STORE_POSTGRES = 2 };

/* store_step() results; errors are negative enum err. */
enum { STORE_ROW = 100, STORE_DONE = 101 };

struct store;
struct store_stmt;

/* Is url one for PostgreSQL (libpq takes these as URLs, or a keyword string), not a SQLite file? */
bool store_is_postgres_url(const char *url);
/*
 * Open a connection. url: "postgres://..." or "postgresql://..." or a libpq
 * keyword string starting with "host=" selects PostgreSQL; anything else is a
 * SQLite file path (created if missing). 0 or ERR_FAIL (logged, without the
 * password).
 */
int store_open(struct store **out, const char *url) __attribute__((warn_unused_result));
void store_close(struct store *db);
enum store_backend store_backend(const struct store *db);

int store_begin(struct store *db) __attribute__((warn_unused_result));
/*
 * A transaction for reads only. SQLite: a deferred BEGIN (no write lock), so
 * several SELECTs see one snapshot, pay for one transaction instead of one
 * each, and keep the page cache between them. PostgreSQL: nothing is sent.
 * Its transactions are READ COMMITTED, where every statement takes its own
 * snapshot inside a transaction as outside one, so a BEGIN and its ROLLBACK
 * were two round trips that changed nothing (store_rollback() sends nothing
 * when no transaction is open). End it with store_commit() or
 * store_rollback(); do not write in it.
 */
int store_begin_read(struct store *db) __attribute__((warn_unused_result));
/*
 * A write transaction whose commit does not wait for the disk: it survives a
 * crash of this process (SQLite writes its log to the operating system
 * before the commit returns) but a power loss or an operating-system crash
 * may take back the last moments of such commits (SQLite synchronous=NORMAL
 * in WAL mode; PostgreSQL synchronous_commit off, which a crash of the
 * database server may also take back). Everything committed before the next
 * ordinary commit reaches the disk with it. Only for the audit rows of reads
 * (audit.c): never for a change a client is told is saved.
 */
int store_begin_relaxed(struct store *db) __attribute__((warn_unused_result));
/*
 * Put what relaxed commits wrote on the disk now, outside any transaction:
 * SQLite runs a passive checkpoint, which syncs the log first; PostgreSQL
 * flushes asynchronous commits itself within a fraction of a second
 * (wal_writer_delay) and this does nothing.
 */
int store_sync(struct store *db) __attribute__((warn_unused_result));
/*
 * For a long-running server that calls store_sync() itself at least once a
 * second: SQLite connections opened after this call never checkpoint their
 * log on commit (wal_autocheckpoint=0), so that no request pays for copying
 * the log into the database file while holding the write lock. Processes
 * that do not call it (the command line) keep SQLite's automatic checkpoints.
 */
void store_checkpoint_in_background(void);
int store_commit(struct store *db) __attribute__((warn_unused_result));
int store_rollback(struct store *db);   /* safe to call when no transaction is open */

/* Run SQL without parameters or results (may hold several statements). */
int store_exec(struct store *db, const char *sql) __attribute__((warn_unused_result));

int store_prepare(struct store *db, struct store_stmt **out, const char *sql) __attribute__((warn_unused_result));
/* Parameters are 1-based. Values are copied. 0 or negative. */
int store_bind_text(struct store_stmt *st, int idx, const char *text);   /* NULL binds NULL */
int store_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len);
int store_bind_int64(struct store_stmt *st, int idx, int64_t value);
int store_bind_null(struct store_stmt *st, int idx);
/*
 * STORE_ROW, STORE_DONE, or negative: ERR_CONFLICT for a unique/foreign-key
 * violation, ERR_FAIL otherwise (logged with the SQL state, never the values).
 */
int store_step(struct store_stmt *st);
/* Columns are 0-based; valid until the next step or finalize. */
int store_column_count(struct store_stmt *st);
int store_column_is_null(struct store_stmt *st, int col);
const char *store_column_text(struct store_stmt *st, int col);   /* NULL if NULL */
const void *store_column_blob(struct store_stmt *st, int col, size_t *len);
int64_t store_column_int64(struct store_stmt *st, int col);
/* Rows changed by the last completed INSERT/UPDATE/DELETE of st. */
int64_t store_changes(struct store_stmt *st);
/* Reset to run again with new bindings. */
int store_reset(struct store_stmt *st);
void store_finalize(struct store_stmt *st);   /* NULL is fine */

/* Apply the embedded numbered migrations not yet recorded; in one transaction each. */
int store_migrate(struct store *db) __attribute__((warn_unused_result));
/* The same, only those numbered up to upto (tests of a migration's data). */
int store_migrate_to(struct store *db, int upto) __attribute__((warn_unused_result));
/* Highest applied migration number, or negative. */
int store_schema_version(struct store *db);
/* SQLite: PRAGMA integrity_check == ok; PostgreSQL: a trivial query. 0 or ERR_FAIL. */
int store_integrity_check(struct store *db);
/* SQLite only: consistent online copy to dest_path via the backup API. */
int store_backup_to(struct store *db, const char *dest_path) __attribute__((warn_unused_result));

/*
 * A fixed set of connections shared by the HTTP worker threads.
 * store_pool_acquire blocks until one is free.
 */
struct store_pool;
int store_pool_open(struct store_pool **out, const char *url, unsigned size) __attribute__((warn_unused_result));
struct store *store_pool_acquire(struct store_pool *pool);
/* Rolls back any open transaction, then returns the connection. */
void store_pool_release(struct store_pool *pool, struct store *db);
void store_pool_close(struct store_pool *pool);

#endif
