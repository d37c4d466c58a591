/*
 * pg.c: the PostgreSQL backend of store.h, on libpq.
 *
 * A statement keeps the SQL with `?` rewritten to $1..$n and its bindings;
 * the first store_step() sends it (parameters in text format, blobs in
 * binary with type bytea; results in text format) and later steps walk the
 * rows of the result. Blob columns arrive as bytea text and are decoded with
 * PQunescapeBytea, cached per column until the next step.
 *
 * Statement cache (pg_cache.c, interface in pg_int.h). Planning a statement
 * cost PostgreSQL several times what running it did (5.3 ms of planning for
 * 1.7 ms of execution on the work-list query), so each connection keeps up to
 * CACHE_MAX server-side prepared statements ("ihala_<n>"), found by their SQL
 * text (after the $n rewrite) together with which parameters are bytea: the
 * same SQL bound once with a blob and once with NULL is two entries, so every
 * execution sends the parameter types that PQexecParams would have sent. The
 * first store_step() of a cached SQL text runs PQprepare then PQexecPrepared;
 * later ones (from any struct store_stmt of the connection, one after the
 * other or nested) run PQexecPrepared alone. The least recently used entry is
 * DEALLOCATEd when a new one needs its place. store_prepare() itself sends
 * nothing, and a statement looks its entry up when it is sent, so an eviction
 * never leaves a statement with a dangling name. (docs/benchmarks.md,
 * "PostgreSQL statement cache", has the figures.)
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
#include "store/pg_int.h"


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
int pg_fail_result(PGconn *conn, const PGresult *res, const char *what)
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

/*
 * Every session's settings, sent on open and after a reset.
 * plan_cache_mode: ihala's statements are parameterised lookups along
 * indexes, whose plan does not depend on the values. PostgreSQL's default
 * plans a prepared statement afresh on every run while a custom plan's
 * estimate looks cheaper than the generic one, and for the referral lists
 * it always does: planning then cost more than running (0.7 ms against
 * 0.4 ms for the received-and-overdue list of the busiest organisation).
 * A generic plan is made once per connection (docs/benchmarks.md, session 7).
 */
#define SESSION_SETUP "SET client_min_messages = warning; SET plan_cache_mode = force_generic_plan"

static int session_setup(PGconn *conn)
{
	PGresult *res = PQexec(conn, SESSION_SETUP);
	int rc = res && PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_fail_result(conn, res, "open");
	PQclear(res);
	return rc;
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
	pg_cache_forget_all((struct pg_store *)db);
	PQreset(conn);
	if (PQstatus(conn) != CONNECTION_OK)
		return fail_conn(conn, "reconnect");
	log_warn("store reconnected", "backend=postgres");
	return session_setup(conn);
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
		err = pg_fail_result(conn, res, what);
	PQclear(res);
	return err;
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
	if (session_setup(db->conn) < 0)
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
	pg_cache_forget_all((struct pg_store *)db);   /* the session ends with the connection */
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
		err = pg_fail_result(conn, res, "commit");
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
	if (pg_any_leading_word(sql, pg_is_schema_word))
		pg_cache_clear((struct pg_store *)db);
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
	st->sql_hash = pg_hash_bytes(HASH_SEED, st->sql, st->sql_len);
	st->cacheable = st->sql_len <= CACHE_SQL_MAX && pg_any_leading_word(st->sql, pg_is_plannable_word);
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
		int err = pg_cache_get(db, s, types, &c);
		if (err < 0)
			return err;
		if (!c) {
			s->res = PQexecParams(db->conn, s->sql, s->n_params, types, values, lengths,
					      formats, 0);
			return 0;
		}
		char name[32];
		pg_cached_name(c, name, sizeof(name));
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
		err = pg_fail_result(conn, s->res, "step");
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
