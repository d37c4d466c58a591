/*
 * sqlite.c: the SQLite backend of store.h. One sqlite3 handle per struct
 * store, opened NOMUTEX (a connection is used by one thread at a time: the
 * pool hands it out), WAL journal, synchronous=FULL so a committed write
 * survives power loss, foreign keys on, 10 s busy timeout.
 *
 * Prepared statements are cached per connection (STMT_CACHE of them, by SQL
 * text): store_finalize() of a cached statement resets it for the next
 * store_prepare() of the same SQL instead of throwing the parse away. Parsing
 * was a third of the time of a simple authenticated GET (bench/).
 *
 * Writers of one database file inside this process queue on a mutex of
 * that file before BEGIN IMMEDIATE, instead of meeting SQLITE_BUSY and
 * sleeping in SQLite's busy handler (which backs off by up to 100 ms at a
 * time: the cause of 1 s tails under load, docs/benchmarks.md). The busy
 * timeout still covers other processes (the CLI beside a running server).
 *
 * Errors are logged once here, with SQLite's code and message (which name
 * constraints and tables, never bound values), and returned as enum err.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store_int.h"

#define BUSY_TIMEOUT_MS 10000

#define STMT_CACHE 64

struct sqlite_stmt {
	struct store_stmt base;
	sqlite3_stmt *handle;   /* owned */
	int64_t changes;        /* of the last completed run */
	char *sql;              /* owned; set when the statement lives in the cache */
	int in_use;             /* cached statements: handed out and not yet finalized */
};

/* One per database file opened by this process; never freed (a handful at most). */
struct writer_lock {
	char *path;
	pthread_mutex_t mu;
	struct writer_lock *next;
};
static pthread_mutex_t writer_locks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct writer_lock *writer_locks;

static struct writer_lock *writer_lock_for(const char *path)
{
	char real[PATH_MAX];
	const char *key = realpath(path, real) ? real : path;
	pthread_mutex_lock(&writer_locks_mu);
	struct writer_lock *w = writer_locks;
	while (w && strcmp(w->path, key))
		w = w->next;
	if (!w && (w = xcalloc(1, sizeof(*w))) != NULL) {
		w->path = xstrdup(key);
		if (!w->path) {
			free(w);
			w = NULL;
		} else {
			pthread_mutex_init(&w->mu, NULL);
			w->next = writer_locks;
			writer_locks = w;
		}
	}
	pthread_mutex_unlock(&writer_locks_mu);
	return w;
}

struct sqlite_store {
	struct store base;
	sqlite3 *handle;                        /* owned */
	struct writer_lock *wlock;              /* shared by the connections to the same file */
	bool writing;                           /* holds wlock */
	bool relaxed;                           /* synchronous=NORMAL until the transaction ends */
	struct sqlite_stmt *cache[STMT_CACHE];  /* owned */
	int n_cache;
};

static const struct store_ops sqlite_ops;

static sqlite3 *handle_of(struct store *db)
{
	return ((struct sqlite_store *)db)->handle;
}

static struct sqlite_stmt *stmt_of(struct store_stmt *st)
{
	return (struct sqlite_stmt *)st;
}

/*
 * Map a SQLite result code to enum err and log it once. Constraint
 * violations are an expected outcome that callers turn into a 409, so they
 * log at warn; everything else is a failure and logs at error.
 */
static int fail(sqlite3 *h, int rc, const char *what)
{
	int primary = rc & 0xff;
	const char *msg = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	if (primary == SQLITE_CONSTRAINT) {
		log_warn("store constraint violation", "backend=sqlite op=%s code=%d err=\"%s\"",
			 what, rc, msg);
		return ERR_CONFLICT;
	}
	log_error("store failure", "backend=sqlite op=%s code=%d err=\"%s\"", what, rc, msg);
	return ERR_FAIL;
}

static bool background_checkpoints;   /* set once, before any connection opens */

void store_checkpoint_in_background(void)
{
	background_checkpoints = true;
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static void config_sqlite(void)
{
	/* Before SQLite initialises: no global lock around every allocation for statistics. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_sqlite_open(struct store **out, const char *path)
{
	pthread_once(&config_once, config_sqlite);
	struct sqlite_store *db = xcalloc(1, sizeof(*db));
	if (!db) {
		log_error("store open failed", "backend=sqlite err=\"out of memory\"");
		return ERR_FAIL;
	}
	db->base.ops = &sqlite_ops;
	db->base.backend = STORE_SQLITE;
	int rc = sqlite3_open_v2(path, &db->handle,
				 SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE,
				 NULL);
	if (rc != SQLITE_OK) {
		fail(db->handle, rc, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(db->handle, 1);
	db->wlock = writer_lock_for(path);
	rc = sqlite3_busy_timeout(db->handle, BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK) {
		fail(db->handle, rc, "busy_timeout");
		goto fail;
	}
	/*
	 * journal_mode answers with the mode it got; WAL is refused on some file
	 * systems. Switching a new database to WAL needs an exclusive lock, and
	 * SQLite may answer BUSY at once (without the busy handler) while another
	 * process opens the same new file: retry for a while (servers and
	 * commands starting together).
	 */
	sqlite3_stmt *q = NULL;
	rc = sqlite3_prepare_v2(db->handle, "PRAGMA journal_mode=WAL", -1, &q, NULL);
	int step = rc == SQLITE_OK ? sqlite3_step(q) : rc;
	for (int tries = 0; (step & 0xff) == SQLITE_BUSY && tries < 200; tries++) {
		sqlite3_reset(q);
		sqlite3_sleep(25);
		step = sqlite3_step(q);
	}
	if (rc == SQLITE_OK && step == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(q, 0);
		if (!mode || strcmp(mode, "wal") != 0) {
			log_error("store open failed", "backend=sqlite err=\"WAL journal refused\"");
			sqlite3_finalize(q);
			goto fail;
		}
	} else {
		fail(db->handle, sqlite3_errcode(db->handle), "journal_mode");
		sqlite3_finalize(q);
		goto fail;
	}
	sqlite3_finalize(q);
	rc = sqlite3_exec(db->handle,
			  background_checkpoints
				  ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; "
				    "PRAGMA wal_autocheckpoint=0;"
				  : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail(db->handle, rc, "pragma");
		goto fail;
	}
	*out = &db->base;
	return 0;
fail:
	sqlite3_close_v2(db->handle);
	free(db);
	return ERR_FAIL;
}

static void sqlite_close(struct store *db)
{
	struct sqlite_store *s = (struct sqlite_store *)db;
	for (int i = 0; i < s->n_cache; i++) {
		sqlite3_finalize(s->cache[i]->handle);
		free(s->cache[i]->sql);
		free(s->cache[i]);
	}
	s->n_cache = 0;
	if (s->writing) {   /* closing rolls the open transaction back */
		s->writing = false;
		pthread_mutex_unlock(&s->wlock->mu);
	}
	if (sqlite3_close(s->handle) != SQLITE_OK) {
		/* A statement was not finalized: a bug, but do not leak the file. */
		log_error("store close with open statements", "backend=sqlite code=%d",
			  sqlite3_errcode(s->handle));
		sqlite3_close_v2(s->handle);
	}
	free(s);
}

static int sqlite_run(struct store *db, const char *sql, const char *what)
{
	int rc = sqlite3_exec(handle_of(db), sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail(handle_of(db), rc, what);
}

/*
 * Once no transaction is open any more: back to synchronous=FULL after a
 * relaxed one, and give the file's writer lock back.
 */
static void writer_release(struct sqlite_store *s)
{
	if (!sqlite3_get_autocommit(s->handle))
		return;
	if (s->relaxed) {
		s->relaxed = false;
		int rc = sqlite3_exec(s->handle, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			fail(s->handle, rc, "synchronous");
	}
	if (s->writing) {
		s->writing = false;
		pthread_mutex_unlock(&s->wlock->mu);
	}
}

static int sqlite_begin(struct store *db)
{
	struct sqlite_store *s = (struct sqlite_store *)db;
	if (s->wlock && !s->writing) {
		pthread_mutex_lock(&s->wlock->mu);
		s->writing = true;
	}
	int rc = sqlite_run(db, "BEGIN IMMEDIATE", "begin");
	writer_release(s);   /* when BEGIN failed */
	return rc;
}

static int sqlite_begin_relaxed(struct store *db)
{
	struct sqlite_store *s = (struct sqlite_store *)db;
	int rc = sqlite3_exec(s->handle, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(s->handle, rc, "synchronous");
	s->relaxed = true;
	return sqlite_begin(db);
}

static int sqlite_commit(struct store *db)
{
	int rc = sqlite_run(db, "COMMIT", "commit");
	writer_release((struct sqlite_store *)db);
	return rc;
}

static int sqlite_rollback(struct store *db)
{
	struct sqlite_store *s = (struct sqlite_store *)db;
	int rc = 0;
	if (!sqlite3_get_autocommit(s->handle))
		rc = sqlite_run(db, "ROLLBACK", "rollback");
	writer_release(s);
	return rc;
}

static int sqlite_exec(struct store *db, const char *sql)
{
	return sqlite_run(db, sql, "exec");
}

static int sqlite_prepare(struct store *db, struct store_stmt **out, const char *sql)
{
	struct sqlite_store *sdb = (struct sqlite_store *)db;
	for (int i = 0; i < sdb->n_cache; i++) {
		struct sqlite_stmt *c = sdb->cache[i];
		if (!c->in_use && strcmp(c->sql, sql) == 0) {
			c->in_use = 1;
			c->changes = 0;
			*out = &c->base;
			return 0;
		}
	}
	struct sqlite_stmt *st = xcalloc(1, sizeof(*st));
	if (!st) {
		log_error("store prepare failed", "backend=sqlite err=\"out of memory\"");
		return ERR_FAIL;
	}
	int cacheable = sdb->n_cache < STMT_CACHE;
	int rc = sqlite3_prepare_v3(handle_of(db), sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0,
				    &st->handle, NULL);
	if (rc != SQLITE_OK) {
		fail(handle_of(db), rc, "prepare");
		free(st);
		return ERR_FAIL;
	}
	if (!st->handle) {
		/* Only whitespace or comments: nothing to step. */
		log_error("store prepare failed", "backend=sqlite err=\"empty statement\"");
		free(st);
		return ERR_FAIL;
	}
	st->base.db = db;
	/* Cache it when there is room; a statement that cannot be copied is simply not cached. */
	if (cacheable && (st->sql = xstrdup(sql)) != NULL) {
		st->in_use = 1;
		sdb->cache[sdb->n_cache++] = st;
	}
	*out = &st->base;
	return 0;
}

static int bind_result(struct store_stmt *st, int rc)
{
	return rc == SQLITE_OK ? 0 : fail(handle_of(st->db), rc, "bind");
}

static int sqlite_bind_text(struct store_stmt *st, int idx, const char *text)
{
	return bind_result(st, sqlite3_bind_text64(stmt_of(st)->handle, idx, text, strlen(text),
						   SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int sqlite_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len)
{
	/* A NULL pointer would bind SQL NULL; an empty blob is a value. */
	if (len == 0)
		return bind_result(st, sqlite3_bind_zeroblob(stmt_of(st)->handle, idx, 0));
	return bind_result(st, sqlite3_bind_blob64(stmt_of(st)->handle, idx, data, len,
						   SQLITE_TRANSIENT));
}

static int sqlite_bind_int64(struct store_stmt *st, int idx, int64_t value)
{
	return bind_result(st, sqlite3_bind_int64(stmt_of(st)->handle, idx, value));
}

static int sqlite_bind_null(struct store_stmt *st, int idx)
{
	return bind_result(st, sqlite3_bind_null(stmt_of(st)->handle, idx));
}

static int sqlite_step(struct store_stmt *st)
{
	struct sqlite_stmt *s = stmt_of(st);
	sqlite3 *h = handle_of(st->db);
	int rc = sqlite3_step(s->handle);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE) {
		s->changes = sqlite3_changes64(h);
		return STORE_DONE;
	}
	/* SQLITE_BUSY here means busy_timeout already ran out: a failure. */
	return fail(h, rc, "step");
}

static int sqlite_column_count(struct store_stmt *st)
{
	return sqlite3_column_count(stmt_of(st)->handle);
}

static int sqlite_column_is_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(stmt_of(st)->handle, col) == SQLITE_NULL;
}

static const char *sqlite_column_text(struct store_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(stmt_of(st)->handle, col);
}

static const void *sqlite_column_blob(struct store_stmt *st, int col, size_t *len)
{
	sqlite3_stmt *h = stmt_of(st)->handle;
	if (sqlite3_column_type(h, col) == SQLITE_NULL) {
		*len = 0;
		return NULL;
	}
	const void *data = sqlite3_column_blob(h, col);
	int n = sqlite3_column_bytes(h, col);
	*len = n > 0 ? (size_t)n : 0;
	return data ? data : "";   /* an empty blob is not NULL */
}

static int64_t sqlite_column_int64(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(stmt_of(st)->handle, col);
}

static int64_t sqlite_changes(struct store_stmt *st)
{
	return stmt_of(st)->changes;
}

static int sqlite_reset(struct store_stmt *st)
{
	struct sqlite_stmt *s = stmt_of(st);
	/* sqlite3_reset repeats the last step's error, already logged: ignore it. */
	sqlite3_reset(s->handle);
	sqlite3_clear_bindings(s->handle);
	s->changes = 0;
	return 0;
}

static void sqlite_finalize(struct store_stmt *st)
{
	struct sqlite_stmt *s = stmt_of(st);
	if (s->sql) {
		/* Cached: make it ready for the next use and keep the parse. */
		sqlite3_reset(s->handle);
		sqlite3_clear_bindings(s->handle);
		s->in_use = 0;
		return;
	}
	sqlite3_finalize(s->handle);
	free(s);
}

static int sqlite_integrity_check(struct store *db)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(handle_of(db), "PRAGMA integrity_check", -1, &q, NULL);
	if (rc != SQLITE_OK)
		return fail(handle_of(db), rc, "integrity_check");
	int ok = 0;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const char *answer = (const char *)sqlite3_column_text(q, 0);
		ok = answer && strcmp(answer, "ok") == 0;
		if (!ok)
			log_error("store integrity check failed", "backend=sqlite");
	} else {
		fail(handle_of(db), rc, "integrity_check");
	}
	sqlite3_finalize(q);
	return ok ? 0 : ERR_FAIL;
}

/* fsync path (a file or a directory); 0 or -1 with errno. */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The directory holding path, for the fsync that makes a new name durable. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int sqlite_backup_to(struct store *db, const char *dest_path)
{
	/* O_EXCL: a backup never replaces an existing file. */
	int fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("store backup failed", "backend=sqlite op=create errno=%d", errno);
		return ERR_FAIL;
	}
	close(fd);

	int err = ERR_FAIL;
	sqlite3 *dest = NULL;
	int rc = sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		fail(dest, rc, "backup_open");
		goto out;
	}
	sqlite3_backup *bk = sqlite3_backup_init(dest, "main", handle_of(db), "main");
	if (!bk) {
		fail(dest, sqlite3_errcode(dest), "backup_init");
		goto out;
	}
	/* -1: all pages in one step, under one read transaction: a consistent copy. */
	rc = sqlite3_backup_step(bk, -1);
	int finish_rc = sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		fail(dest, rc, "backup_step");
		goto out;
	}
	if (finish_rc != SQLITE_OK) {
		fail(dest, finish_rc, "backup_finish");
		goto out;
	}
	rc = sqlite3_close(dest);
	dest = NULL;
	if (rc != SQLITE_OK) {
		log_error("store backup failed", "backend=sqlite op=close code=%d", rc);
		goto out;
	}
	if (sync_path(dest_path, O_RDONLY) < 0) {
		log_error("store backup failed", "backend=sqlite op=fsync errno=%d", errno);
		goto out;
	}
	char *dir = dir_of(dest_path);
	if (!dir || sync_path(dir, O_RDONLY | O_DIRECTORY) < 0) {
		log_error("store backup failed", "backend=sqlite op=fsync_dir errno=%d", dir ? errno : ENOMEM);
		free(dir);
		goto out;
	}
	free(dir);
	err = 0;
out:
	if (dest)
		sqlite3_close_v2(dest);
	if (err < 0)
		unlink(dest_path);   /* no half-written backup left behind */
	return err;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sqlite_close,
	.begin = sqlite_begin,
	.begin_relaxed = sqlite_begin_relaxed,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.exec = sqlite_exec,
	.prepare = sqlite_prepare,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_int64 = sqlite_bind_int64,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.column_count = sqlite_column_count,
	.column_is_null = sqlite_column_is_null,
	.column_text = sqlite_column_text,
	.column_blob = sqlite_column_blob,
	.column_int64 = sqlite_column_int64,
	.changes = sqlite_changes,
	.reset = sqlite_reset,
	.finalize = sqlite_finalize,
	.integrity_check = sqlite_integrity_check,
	.backup_to = sqlite_backup_to,
};
