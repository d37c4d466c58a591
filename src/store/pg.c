/*
 * pg.c: the PostgreSQL backend of store.h, on libpq.
 *
 * A statement keeps the SQL with `?` rewritten to $1..$n and its bindings;
 * the first store_step() sends it (parameters in text format, blobs in
 * binary with type bytea; results in text format) and later steps walk the
 * rows of the result. Blob columns arrive as bytea text and are decoded with
 * PQunescapeBytea, cached per column until the next step.
 *
 * Statement cache. Planning a statement cost PostgreSQL several times what
 * running it did (5.3 ms of planning for 1.7 ms of execution on the work-list
 * query), so each connection keeps up to CACHE_MAX server-side prepared
 * statements ("ihala_<n>"), found by their SQL text (after the $n rewrite)
 * together with which parameters are bytea: the same SQL bound once with a
 * blob and once with NULL is two entries, so every execution sends the
 * parameter types that PQexecParams would have sent. The first store_step()
 * of a cached SQL text runs PQprepare then PQexecPrepared; later ones (from
 * any struct store_stmt of the connection, one after the other or nested)
 * run PQexecPrepared alone. The least recently used entry is DEALLOCATEd
 * when a new one needs its place. store_prepare() itself sends nothing, and
 * a statement looks its entry up when it is sent, so an eviction never
 * leaves a statement with a dangling name. (docs/benchmarks.md, "PostgreSQL
 * statement cache", has the figures.)
 *
 * What is cached: statements given to store_prepare() whose first word is
 * SELECT, INSERT, UPDATE, DELETE, WITH or VALUES, and at most CACHE_SQL_MAX
 * bytes long. Not cached: store_exec() (migrations, BEGIN/COMMIT, DDL:
 * run once, nothing to gain), other commands passed to store_prepare(), very
 * long texts (lists built with one `?` per item are one-off variants that
 * would only push useful entries out), and anything sent while the
 * transaction is already aborted (it fails as before, without a prepare).
 * Dynamically built statements (lists with optional filters) each take one
 * entry per variant; CACHE_MAX bounds the memory here and in the server.
 *
 * Keeping the cache true to the server:
 * - Prepared statements are session objects, outside transactions: one
 *   prepared in a transaction that rolls back survives, and so does its
 *   entry. One whose PQprepare failed is never entered.
 * - A reconnection (ensure_connected) starts a new session: the cache is
 *   emptied without DEALLOCATE.
 * - store_exec() of SQL that starts a statement with CREATE, ALTER, DROP,
 *   DO, DISCARD or DEALLOCATE (migrations, DISCARD ALL) first runs
 *   DEALLOCATE ALL and empties the cache, so nothing prepared before a
 *   schema change runs after it on this connection.
 * - A schema change made by another connection (another server applying a
 *   migration) can make a cached SELECT * or RETURNING * fail with SQLSTATE
 *   0A000 ("cached plan must not change result type"), and a statement the
 *   server no longer knows fails with 26000. Either marks the entry stale:
 *   outside a transaction block the statement is prepared again and re-run
 *   once at once; inside one, PostgreSQL has already aborted the
 *   transaction, so the error goes to the caller (who rolls back) and the
 *   next use prepares it again.
 * PostgreSQL itself re-plans a cached statement when a table it reads
 * changes, and chooses between custom and generic plans (plan_cache_mode).
 *
 * Errors are logged once here with the SQLSTATE and the constraint/table
 * name. The primary message is logged only for SQLSTATE classes that are
 * about the SQL itself (42: syntax or access rule), because messages of
 * other classes can quote values ("invalid input syntax for type bigint:
 * ..."), and the DETAIL field of a unique violation always does.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store_int.h"

#define BYTEA_OID 17
#define SQL_MAX (1u << 20)   /* a statement longer than this is a bug */
#define PARAMS_MAX 32767     /* PostgreSQL's limit on $n */
#define CACHE_MAX 256        /* prepared statements kept per connection */
#define CACHE_BUCKETS 512    /* hash buckets of the cache: a power of two */
#define CACHE_SQL_MAX 8192   /* longer SQL texts are never prepared */

/* One server-side prepared statement of a connection. */
struct pg_cached {
	char *sql;                   /* owned: with $n placeholders */
	size_t sql_len;
	char *blobs;                 /* owned: n_params flags, 1 where the parameter is bytea */
	int n_params;
	uint64_t hash;
	uint64_t id;                 /* its name on the server: "ihala_<id>" */
	int stale;                   /* see enum below */
	struct pg_cached *next_in_bucket;
	struct pg_cached *newer;     /* LRU list, newest first */
	struct pg_cached *older;
};

/* pg_cached.stale: whether the server-side statement can be run as it is. */
enum { CACHED_OK = 0, CACHED_REPLAN = 1, CACHED_GONE = 2 };

struct pg_store {
	struct store base;
	PGconn *conn;                                  /* owned */
	struct pg_cached *buckets[CACHE_BUCKETS];     /* owned entries */
	struct pg_cached *newest, *oldest;            /* borrowed: LRU ends */
	int n_cached;
	uint64_t next_id;
};

struct pg_param {
	char *value;   /* owned; NULL is SQL NULL */
	int len;
	int is_blob;
};

struct pg_blob {
	unsigned char *data;   /* owned by libpq: PQfreemem */
	size_t len;
	int decoded;
};

struct pg_stmt {
	struct store_stmt base;
	char *sql;                /* owned: with $n placeholders */
	size_t sql_len;
	uint64_t sql_hash;
	int cacheable;            /* see the top of the file */
	int n_params;
	struct pg_param *params;  /* owned: n_params */
	PGresult *res;            /* owned; NULL before the first step */
	int row;                  /* current row; -1 before the first */
	int done;
	int64_t changes;
	struct pg_blob *blobs;    /* owned: one per result column */
	int n_blobs;
};

static const struct store_ops pg_ops;

static PGconn *conn_of(struct store *db)
{
	return ((struct pg_store *)db)->conn;
}

static struct pg_stmt *stmt_of(struct store_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* libpq messages end with a newline and may hold quotes; keep one line. */
static void one_line(char *out, size_t size, const char *msg)
{
	size_t i = 0;
	for (; msg && *msg && i + 1 < size; msg++)
		out[i++] = *msg == '"' ? '\'' : (*msg == '\n' || *msg == '\r') ? ' ' : *msg;
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

/* A connection-level failure (no result): libpq's message names no values. */
static int fail_conn(PGconn *conn, const char *what)
{
	char msg[256];
	one_line(msg, sizeof(msg), conn ? PQerrorMessage(conn) : "out of memory");
	log_error("store failure", "backend=postgres op=%s err=\"%s\"", what, msg);
	return ERR_FAIL;
}

/* Map a failed result to enum err and log it once (see the top of the file). */
static int fail_result(PGconn *conn, const PGresult *res, const char *what)
{
	if (!res)
		return fail_conn(conn, what);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
	if (!state) {
		/* No SQLSTATE: the connection broke; libpq's own message. */
		return fail_conn(conn, what);
	}
	if (strncmp(state, "23", 2) == 0) {
		log_warn("store constraint violation",
			 "backend=postgres op=%s sqlstate=%s constraint=%s table=%s", what, state,
			 constraint ? constraint : "-", table ? table : "-");
		return ERR_CONFLICT;
	}
	char msg[256] = "-";
	if (strncmp(state, "42", 2) == 0)
		one_line(msg, sizeof(msg), PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	log_error("store failure", "backend=postgres op=%s sqlstate=%s table=%s err=\"%s\"", what,
		  state, table ? table : "-", msg);
	return ERR_FAIL;
}

/* Warnings from the server go to our log, not to libpq's stderr printer. */
static void on_notice(void *arg, const PGresult *res)
{
	(void)arg;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	log_warn("store server notice", "backend=postgres sqlstate=%s", state ? state : "-");
}

static void cached_free(struct pg_cached *c)
{
	free(c->sql);
	free(c->blobs);
	free(c);
}

/* Forget every entry, without telling the server (see cache_clear for that). */
static void cache_forget_all(struct pg_store *db)
{
	for (size_t b = 0; b < CACHE_BUCKETS; b++) {
		struct pg_cached *c = db->buckets[b];
		while (c) {
			struct pg_cached *next = c->next_in_bucket;
			cached_free(c);
			c = next;
		}
		db->buckets[b] = NULL;
	}
	db->newest = db->oldest = NULL;
	db->n_cached = 0;
}

/*
 * A pooled connection can outlive a server restart: when libpq reports the
 * connection broken, try one reset before the next command. The new session
 * has none of the old one's prepared statements.
 */
static int ensure_connected(struct store *db)
{
	PGconn *conn = conn_of(db);
	if (PQstatus(conn) == CONNECTION_OK)
		return 0;
	cache_forget_all((struct pg_store *)db);
	PQreset(conn);
	if (PQstatus(conn) != CONNECTION_OK)
		return fail_conn(conn, "reconnect");
	log_warn("store reconnected", "backend=postgres");
	return 0;
}

/* Run sql without parameters; expect no rows. */
static int run_command(struct store *db, const char *sql, const char *what)
{
	PGconn *conn = conn_of(db);
	if (ensure_connected(db) < 0)
		return ERR_FAIL;
	PGresult *res = PQexec(conn, sql);
	ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int err = 0;
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
	    status != PGRES_EMPTY_QUERY)
		err = fail_result(conn, res, what);
	PQclear(res);
	return err;
}

/* ---------- the statement cache (see the top of the file) ---------- */

/* FNV-1a, 64 bits: enough to spread a few hundred SQL texts over the buckets. */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ull

/* The key of statement s as sent now: its SQL and which parameters are bytea. */
static uint64_t key_hash(const struct pg_stmt *s)
{
	uint64_t h = s->sql_hash;
	for (int i = 0; i < s->n_params; i++) {
		if (s->params[i].is_blob)
			h = hash_bytes(h, &i, sizeof(i));
	}
	return h;
}

static int key_matches(const struct pg_cached *c, const struct pg_stmt *s, uint64_t hash)
{
	if (c->hash != hash || c->sql_len != s->sql_len || c->n_params != s->n_params ||
	    memcmp(c->sql, s->sql, s->sql_len) != 0)
		return 0;
	for (int i = 0; i < s->n_params; i++) {
		if (c->blobs[i] != (s->params[i].is_blob != 0))
			return 0;
	}
	return 1;
}

static void cached_name(const struct pg_cached *c, char *out, size_t size)
{
	int n = snprintf(out, size, "ihala_%" PRIu64, c->id);
	assert(n > 0 && (size_t)n < size);
}

static void lru_unlink(struct pg_store *db, struct pg_cached *c)
{
	if (c->newer)
		c->newer->older = c->older;
	else
		db->newest = c->older;
	if (c->older)
		c->older->newer = c->newer;
	else
		db->oldest = c->newer;
	c->newer = c->older = NULL;
}

static void lru_push(struct pg_store *db, struct pg_cached *c)
{
	c->older = db->newest;
	c->newer = NULL;
	if (db->newest)
		db->newest->newer = c;
	db->newest = c;
	if (!db->oldest)
		db->oldest = c;
}

/* Take c out of the cache and free it; the server-side statement is the caller's business. */
static void cache_remove(struct pg_store *db, struct pg_cached *c)
{
	struct pg_cached **link = &db->buckets[c->hash & (CACHE_BUCKETS - 1)];
	while (*link != c)
		link = &(*link)->next_in_bucket;
	*link = c->next_in_bucket;
	lru_unlink(db, c);
	db->n_cached--;
	cached_free(c);
}

/* DEALLOCATE c's statement on the server. 0 or ERR_FAIL (logged). */
static int deallocate(struct pg_store *db, const struct pg_cached *c)
{
	char sql[48];
	int n = snprintf(sql, sizeof(sql), "DEALLOCATE ihala_%" PRIu64, c->id);
	assert(n > 0 && (size_t)n < sizeof(sql));
	PGresult *res = PQexec(db->conn, sql);
	int err = 0;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		err = fail_result(db->conn, res, "deallocate");
	PQclear(res);
	return err;
}

/*
 * Drop every prepared statement of the session and empty the cache, before
 * a command that may change what they mean. Not in an aborted transaction,
 * where DEALLOCATE would fail as well (the command that follows will too).
 */
static void cache_clear(struct pg_store *db)
{
	if (db->n_cached == 0 || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return;
	PGresult *res = PQexec(db->conn, "DEALLOCATE ALL");
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		fail_result(db->conn, res, "deallocate");
	PQclear(res);
	cache_forget_all(db);
}

/*
 * PQprepare c under its name. 0, or the statement's error (logged) after
 * which the caller removes c.
 */
static int prepare_cached(struct pg_store *db, struct pg_cached *c, const Oid *types)
{
	char name[32];
	cached_name(c, name, sizeof(name));
	PGresult *res = PQprepare(db->conn, name, c->sql, c->n_params, types);
	int err = 0;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
		err = fail_result(db->conn, res, "step");
	PQclear(res);
	if (err == 0)
		c->stale = CACHED_OK;
	return err;
}

/*
 * The prepared statement to run s with (types: the parameter types of this
 * execution), prepared now when missing or stale. *out is NULL when s is to
 * be sent unprepared. 0, or the error of the prepare (logged).
 */
static int cache_get(struct pg_store *db, struct pg_stmt *s, const Oid *types,
		     struct pg_cached **out)
{
	*out = NULL;
	if (!s->cacheable || PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return 0;
	uint64_t hash = key_hash(s);
	struct pg_cached **bucket = &db->buckets[hash & (CACHE_BUCKETS - 1)];
	struct pg_cached *c = *bucket;
	while (c && !key_matches(c, s, hash))
		c = c->next_in_bucket;
	if (c) {
		lru_unlink(db, c);
		lru_push(db, c);
		if (c->stale == CACHED_OK) {
			*out = c;
			return 0;
		}
		if (c->stale == CACHED_REPLAN && deallocate(db, c) < 0) {
			cache_remove(db, c);
			return ERR_FAIL;
		}
		c->stale = CACHED_GONE;
		int err = prepare_cached(db, c, types);
		if (err < 0) {
			cache_remove(db, c);
			return err;
		}
		*out = c;
		return 0;
	}
	/* A new entry: make room first, so that a failed DEALLOCATE leaves nothing half-made. */
	if (db->n_cached >= CACHE_MAX) {
		struct pg_cached *victim = db->oldest;
		int err = victim->stale == CACHED_GONE ? 0 : deallocate(db, victim);
		cache_remove(db, victim);
		if (err < 0)
			return err;
	}
	c = xcalloc(1, sizeof(*c));
	if (c) {
		c->sql = xstrndup(s->sql, s->sql_len);
		c->blobs = xcalloc(s->n_params ? (size_t)s->n_params : 1, 1);
	}
	if (!c || !c->sql || !c->blobs) {
		/* Not cached, still correct: the statement goes unprepared. */
		if (c)
			cached_free(c);
		log_warn("store statement not cached", "backend=postgres err=\"out of memory\"");
		return 0;
	}
	c->sql_len = s->sql_len;
	c->n_params = s->n_params;
	for (int i = 0; i < s->n_params; i++)
		c->blobs[i] = s->params[i].is_blob != 0;
	c->hash = hash;
	c->id = db->next_id++;
	int err = prepare_cached(db, c, types);
	if (err < 0) {
		cached_free(c);
		return err;
	}
	c->next_in_bucket = *bucket;
	*bucket = c;
	lru_push(db, c);
	db->n_cached++;
	*out = c;
	return 0;
}

/* 1 if word (len bytes) equals the upper-case keyword kw, in any case. */
static int word_is(const char *word, size_t len, const char *kw)
{
	if (strlen(kw) != len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = word[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch != kw[i])
			return 0;
	}
	return 1;
}

/*
 * Call fn on the first word of each statement of sql (several may be
 * separated by `;`), skipping comments and literals; stop at the first
 * for which fn answers 1, and answer that.
 */
static int any_leading_word(const char *sql, int (*fn)(const char *word, size_t len))
{
	int at_start = 1;
	size_t i = 0;
	while (sql[i]) {
		size_t end = store_sql_skip(sql, i);
		if (end > i) {
			i = end;
			continue;
		}
		char ch = sql[i];
		if (ch == ';') {
			at_start = 1;
			i++;
		} else if (store_sql_is_word(ch)) {
			size_t start = i;
			while (sql[i] && store_sql_is_word(sql[i]))
				i++;
			if (at_start && fn(sql + start, i - start))
				return 1;
			at_start = 0;
		} else {
			if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' && ch != '(')
				at_start = 0;
			i++;
		}
	}
	return 0;
}

/* Commands after which a statement prepared before may mean something else, or be gone. */
static int is_schema_word(const char *word, size_t len)
{
	static const char *const words[] = { "CREATE", "ALTER", "DROP", "DO", "DISCARD", "DEALLOCATE" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (word_is(word, len, words[i]))
			return 1;
	}
	return 0;
}

/* Statements worth a plan kept for later (see the top of the file). */
static int is_plannable_word(const char *word, size_t len)
{
	static const char *const words[] = { "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (word_is(word, len, words[i]))
			return 1;
	}
	return 0;
}

int store_pg_open(struct store **out, const char *conninfo)
{
	struct pg_store *db = xcalloc(1, sizeof(*db));
	if (!db) {
		log_error("store open failed", "backend=postgres err=\"out of memory\"");
		return ERR_FAIL;
	}
	db->base.ops = &pg_ops;
	db->base.backend = STORE_POSTGRES;
	/* libpq's error messages name host and user, never the password. */
	db->conn = PQconnectdb(conninfo);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		fail_conn(db->conn, "open");
		goto fail;
	}
	PQsetNoticeReceiver(db->conn, on_notice, NULL);
	if (run_command(&db->base, "SET client_min_messages = warning", "open") < 0)
		goto fail;
	*out = &db->base;
	return 0;
fail:
	PQfinish(db->conn);
	free(db);
	return ERR_FAIL;
}

static void pg_close(struct store *db)
{
	cache_forget_all((struct pg_store *)db);   /* the session ends with the connection */
	PQfinish(conn_of(db));
	free(db);
}

static int pg_begin(struct store *db)
{
	/* READ COMMITTED; the audit chain serialises writers with a row lock. */
	return run_command(db, "BEGIN", "begin");
}

static int pg_begin_relaxed(struct store *db)
{
	int rc = pg_begin(db);
	if (rc == 0 && (rc = run_command(db, "SET LOCAL synchronous_commit TO off", "begin")) < 0)
		run_command(db, "ROLLBACK", "rollback");
	return rc;
}

static int pg_commit(struct store *db)
{
	PGconn *conn = conn_of(db);
	PGresult *res = PQexec(conn, "COMMIT");
	int err = 0;
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		err = fail_result(conn, res, "commit");
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* COMMIT of a transaction aborted by an earlier error answers ROLLBACK. */
		log_error("store commit rolled back", "backend=postgres");
		err = ERR_FAIL;
	}
	PQclear(res);
	return err;
}

static int pg_rollback(struct store *db)
{
	PGconn *conn = conn_of(db);
	PGTransactionStatusType ts = PQtransactionStatus(conn);
	if (ts == PQTRANS_IDLE || ts == PQTRANS_UNKNOWN)
		return 0;   /* nothing open, or the connection is gone (and so is the transaction) */
	return run_command(db, "ROLLBACK", "rollback");
}

static int pg_exec(struct store *db, const char *sql)
{
	if (any_leading_word(sql, is_schema_word))
		cache_clear((struct pg_store *)db);
	return run_command(db, sql, "exec");
}

/*
 * Copy sql, turning each `?` outside literals, quoted identifiers and
 * comments into $1, $2, ... 0 or ERR_FAIL.
 */
static int rewrite_placeholders(const char *sql, char **out, int *n_params)
{
	struct buf b;
	buf_init(&b, SQL_MAX);
	int n = 0;
	size_t i = 0;
	while (sql[i]) {
		size_t end = store_sql_skip(sql, i);
		if (end > i) {
			buf_append(&b, sql + i, end - i);
			i = end;
		} else if (sql[i] == '?') {
			if (n == PARAMS_MAX)
				break;
			buf_printf(&b, "$%d", ++n);
			i++;
		} else {
			buf_putc(&b, sql[i]);
			i++;
		}
	}
	if (sql[i] || buf_error(&b)) {
		log_error("store prepare failed", "backend=postgres err=\"statement too large\"");
		buf_release(&b);
		return ERR_FAIL;
	}
	size_t len;
	*out = buf_detach(&b, &len);   /* b is empty again */
	*n_params = n;
	if (!*out)
		log_error("store prepare failed", "backend=postgres err=\"out of memory\"");
	return *out ? 0 : ERR_FAIL;
}

static int pg_prepare(struct store *db, struct store_stmt **out, const char *sql)
{
	struct pg_stmt *st = xcalloc(1, sizeof(*st));
	if (!st)
		goto nomem;
	st->base.db = db;
	st->row = -1;
	if (rewrite_placeholders(sql, &st->sql, &st->n_params) < 0) {
		free(st);
		return ERR_FAIL;
	}
	st->sql_len = strlen(st->sql);
	st->sql_hash = hash_bytes(HASH_SEED, st->sql, st->sql_len);
	st->cacheable = st->sql_len <= CACHE_SQL_MAX && any_leading_word(st->sql, is_plannable_word);
	if (st->n_params > 0) {
		st->params = xcalloc((size_t)st->n_params, sizeof(*st->params));
		if (!st->params) {
			free(st->sql);
			free(st);
			goto nomem;
		}
	}
	*out = &st->base;
	return 0;
nomem:
	log_error("store prepare failed", "backend=postgres err=\"out of memory\"");
	return ERR_FAIL;
}

/* Take ownership of value (may be NULL for SQL NULL) as parameter idx. */
static int set_param(struct store_stmt *st, int idx, char *value, size_t len, int is_blob)
{
	struct pg_stmt *s = stmt_of(st);
	if (idx < 1 || idx > s->n_params) {
		log_error("store bind failed", "backend=postgres idx=%d n_params=%d", idx, s->n_params);
		free(value);
		return ERR_FAIL;
	}
	if (len > INT32_MAX) {
		log_error("store bind failed", "backend=postgres idx=%d err=\"value too large\"", idx);
		free(value);
		return ERR_FAIL;
	}
	struct pg_param *p = &s->params[idx - 1];
	free(p->value);
	p->value = value;
	p->len = (int)len;
	p->is_blob = is_blob;
	return 0;
}

static int pg_bind_text(struct store_stmt *st, int idx, const char *text)
{
	size_t len = strlen(text);
	char *copy = xstrndup(text, len);
	if (!copy) {
		log_error("store bind failed", "backend=postgres err=\"out of memory\"");
		return ERR_FAIL;
	}
	return set_param(st, idx, copy, len, 0);
}

static int pg_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len)
{
	char *copy = xcalloc(len ? len : 1, 1);   /* non-NULL even when empty: not SQL NULL */
	if (!copy) {
		log_error("store bind failed", "backend=postgres err=\"out of memory\"");
		return ERR_FAIL;
	}
	if (len)
		memcpy(copy, data, len);
	return set_param(st, idx, copy, len, 1);
}

static int pg_bind_int64(struct store_stmt *st, int idx, int64_t value)
{
	char text[24];
	int n = snprintf(text, sizeof(text), "%" PRId64, value);
	assert(n > 0 && (size_t)n < sizeof(text));
	return pg_bind_text(st, idx, text);
}

static int pg_bind_null(struct store_stmt *st, int idx)
{
	return set_param(st, idx, NULL, 0, 0);
}

static void drop_blobs(struct pg_stmt *s)
{
	for (int i = 0; i < s->n_blobs; i++) {
		if (s->blobs[i].data)
			PQfreemem(s->blobs[i].data);
	}
	free(s->blobs);
	s->blobs = NULL;
	s->n_blobs = 0;
}

static void clear_blob_cache(struct pg_stmt *s)
{
	for (int i = 0; i < s->n_blobs; i++) {
		if (s->blobs[i].data)
			PQfreemem(s->blobs[i].data);
		s->blobs[i] = (struct pg_blob){ 0 };
	}
}

/* 1 if res failed in a way that preparing the statement again may cure. */
static int wants_new_prepare(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* 0A000: "cached plan must not change result type"; 26000: no such prepared statement. */
	return state && (strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0);
}

/*
 * Send s with these parameters, prepared (through the cache) or not; s->res
 * holds the result, a failed one included. Negative only when a PQprepare
 * failed (logged), with s->res NULL.
 */
static int exec_statement(struct pg_stmt *s, const char *const *values, const int *lengths,
			  const int *formats, const Oid *types)
{
	struct pg_store *db = (struct pg_store *)s->base.db;
	for (int attempt = 0;; attempt++) {
		struct pg_cached *c;
		int err = cache_get(db, s, types, &c);
		if (err < 0)
			return err;
		if (!c) {
			s->res = PQexecParams(db->conn, s->sql, s->n_params, types, values, lengths,
					      formats, 0);
			return 0;
		}
		char name[32];
		cached_name(c, name, sizeof(name));
		s->res = PQexecPrepared(db->conn, name, s->n_params, values, lengths, formats, 0);
		if (!s->res || PQresultStatus(s->res) != PGRES_FATAL_ERROR || !wants_new_prepare(s->res))
			return 0;
		const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
		c->stale = strcmp(state, "26000") == 0 ? CACHED_GONE : CACHED_REPLAN;
		/* In a transaction block the error has aborted it: the caller's to see. */
		if (attempt > 0 || PQtransactionStatus(db->conn) != PQTRANS_IDLE)
			return 0;
		log_warn("store statement prepared again", "backend=postgres sqlstate=%s", state);
		PQclear(s->res);
		s->res = NULL;
	}
}

static int send_query(struct pg_stmt *s)
{
	PGconn *conn = conn_of(s->base.db);
	if (ensure_connected(s->base.db) < 0)
		return ERR_FAIL;
	int n = s->n_params;
	const char **values = NULL;
	int *lengths = NULL, *formats = NULL;
	Oid *types = NULL;
	int err = ERR_FAIL;
	if (n > 0) {
		values = xcalloc((size_t)n, sizeof(*values));
		lengths = xcalloc((size_t)n, sizeof(*lengths));
		formats = xcalloc((size_t)n, sizeof(*formats));
		types = xcalloc((size_t)n, sizeof(*types));
		if (!values || !lengths || !formats || !types) {
			log_error("store step failed", "backend=postgres err=\"out of memory\"");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			values[i] = s->params[i].value;
			lengths[i] = s->params[i].len;
			/* Blobs go binary as bytea (NUL bytes allowed); the rest is text of unknown type. */
			formats[i] = s->params[i].is_blob;
			types[i] = s->params[i].is_blob ? BYTEA_OID : 0;
		}
	}
	if ((err = exec_statement(s, values, lengths, formats, types)) < 0)
		goto out;
	err = ERR_FAIL;
	ExecStatusType status = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
		const char *tuples = PQcmdTuples(s->res);
		s->changes = *tuples ? strtoll(tuples, NULL, 10) : 0;
		if (status == PGRES_TUPLES_OK && PQnfields(s->res) > 0) {
			s->blobs = xcalloc((size_t)PQnfields(s->res), sizeof(*s->blobs));
			if (!s->blobs) {
				log_error("store step failed", "backend=postgres err=\"out of memory\"");
				goto out;
			}
			s->n_blobs = PQnfields(s->res);
		}
		err = 0;
	} else if (status == PGRES_EMPTY_QUERY) {
		s->changes = 0;
		err = 0;
	} else {
		err = fail_result(conn, s->res, "step");
	}
out:
	free(values);
	free(lengths);
	free(formats);
	free(types);
	return err;
}

static int pg_step(struct store_stmt *st)
{
	struct pg_stmt *s = stmt_of(st);
	if (s->done)
		return STORE_DONE;
	clear_blob_cache(s);
	if (!s->res) {
		int err = send_query(s);
		if (err < 0) {
			s->done = 1;
			return err;
		}
	}
	if (PQresultStatus(s->res) == PGRES_TUPLES_OK && s->row + 1 < PQntuples(s->res)) {
		s->row++;
		return STORE_ROW;
	}
	s->done = 1;
	return STORE_DONE;
}

static int pg_column_count(struct store_stmt *st)
{
	struct pg_stmt *s = stmt_of(st);
	return s->res ? PQnfields(s->res) : 0;
}

/* 1 if there is a current row and col is in it. */
static int have_cell(struct pg_stmt *s, int col)
{
	if (!s->res || s->row < 0 || s->row >= PQntuples(s->res) || col >= PQnfields(s->res)) {
		assert(!"store column read without a current row");
		return 0;
	}
	return 1;
}

static int pg_column_is_null(struct store_stmt *st, int col)
{
	struct pg_stmt *s = stmt_of(st);
	return !have_cell(s, col) || PQgetisnull(s->res, s->row, col);
}

static const char *pg_column_text(struct store_stmt *st, int col)
{
	struct pg_stmt *s = stmt_of(st);
	if (!have_cell(s, col) || PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static const void *pg_column_blob(struct store_stmt *st, int col, size_t *len)
{
	struct pg_stmt *s = stmt_of(st);
	*len = 0;
	if (!have_cell(s, col) || PQgetisnull(s->res, s->row, col))
		return NULL;
	struct pg_blob *cell = &s->blobs[col];
	if (!cell->decoded) {
		const unsigned char *text = (const unsigned char *)PQgetvalue(s->res, s->row, col);
		cell->data = PQunescapeBytea(text, &cell->len);
		if (!cell->data) {
			log_error("store column failed", "backend=postgres col=%d err=\"bytea decode\"", col);
			return NULL;
		}
		cell->decoded = 1;
	}
	*len = cell->len;
	return cell->len ? cell->data : (const void *)"";
}

static int64_t pg_column_int64(struct store_stmt *st, int col)
{
	const char *text = pg_column_text(st, col);
	if (!text)
		return 0;
	errno = 0;
	char *end;
	long long value = strtoll(text, &end, 10);
	if (errno || end == text || *end) {
		/* Not an integer column: a caller bug; behave like SQLite's 0. */
		log_error("store column failed", "backend=postgres col=%d err=\"not an integer\"", col);
		return 0;
	}
	return value;
}

static int64_t pg_changes(struct store_stmt *st)
{
	return stmt_of(st)->changes;
}

static void clear_result(struct pg_stmt *s)
{
	drop_blobs(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->done = 0;
	s->changes = 0;
}

static int pg_reset(struct store_stmt *st)
{
	struct pg_stmt *s = stmt_of(st);
	clear_result(s);
	for (int i = 0; i < s->n_params; i++) {
		free(s->params[i].value);
		s->params[i] = (struct pg_param){ 0 };
	}
	return 0;
}

static void pg_finalize(struct store_stmt *st)
{
	struct pg_stmt *s = stmt_of(st);
	pg_reset(st);
	free(s->params);
	free(s->sql);
	free(s);
}

static int pg_integrity_check(struct store *db)
{
	return run_command(db, "SELECT 1", "integrity_check");
}

static int pg_backup_to(struct store *db, const char *dest_path)
{
	log_error("store backup failed", "backend=postgres err=\"use pg_dump\"");
	return ERR_FAIL;
}

static const struct store_ops pg_ops = {
	.name = "postgres",
	.close = pg_close,
	.begin = pg_begin,
	.begin_relaxed = pg_begin_relaxed,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_int64 = pg_bind_int64,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_count = pg_column_count,
	.column_is_null = pg_column_is_null,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_int64 = pg_column_int64,
	.changes = pg_changes,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.integrity_check = pg_integrity_check,
	.backup_to = pg_backup_to,
};
