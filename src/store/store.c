/*
 * store.c: the backend-neutral half of store.h. Chooses a backend from the
 * URL, then forwards every call through the backend's struct store_ops.
 * Also holds the SQL scanner both backends share (store_int.h).
 */
#include <assert.h>
#include <string.h>

#include "core/err.h"
#include "store/store_int.h"

bool store_is_postgres_url(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 ||
	       strncmp(url, "postgresql://", 13) == 0 ||
	       strncmp(url, "host=", 5) == 0;
}

int store_open(struct store **out, const char *url)
{
	assert(out && url);
	*out = NULL;
	if (store_is_postgres_url(url))
		return store_pg_open(out, url);
	return store_sqlite_open(out, url);
}

void store_close(struct store *db)
{
	if (db)
		db->ops->close(db);
}

enum store_backend store_backend(const struct store *db)
{
	assert(db);
	return db->backend;
}

int store_begin(struct store *db)
{
	assert(db);
	return db->ops->begin(db);
}

int store_begin_relaxed(struct store *db)
{
	assert(db);
	return db->ops->begin_relaxed(db);
}

int store_sync(struct store *db)
{
	assert(db);
	if (db->backend != STORE_SQLITE)
		return 0;
	return db->ops->exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
}

int store_begin_read(struct store *db)
{
	assert(db);
	/* A deferred "BEGIN" on SQLite; nothing on PostgreSQL (store.h says why). */
	if (db->backend != STORE_SQLITE)
		return 0;
	return db->ops->exec(db, "BEGIN");
}

int store_commit(struct store *db)
{
	assert(db);
	return db->ops->commit(db);
}

int store_rollback(struct store *db)
{
	assert(db);
	return db->ops->rollback(db);
}

int store_exec(struct store *db, const char *sql)
{
	assert(db && sql);
	return db->ops->exec(db, sql);
}

int store_prepare(struct store *db, struct store_stmt **out, const char *sql)
{
	assert(db && out && sql);
	*out = NULL;
	return db->ops->prepare(db, out, sql);
}

int store_bind_text(struct store_stmt *st, int idx, const char *text)
{
	assert(st && idx >= 1);
	if (!text)
		return st->db->ops->bind_null(st, idx);
	return st->db->ops->bind_text(st, idx, text);
}

int store_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len)
{
	assert(st && idx >= 1);
	assert(data || len == 0);
	return st->db->ops->bind_blob(st, idx, data, len);
}

int store_bind_int64(struct store_stmt *st, int idx, int64_t value)
{
	assert(st && idx >= 1);
	return st->db->ops->bind_int64(st, idx, value);
}

int store_bind_null(struct store_stmt *st, int idx)
{
	assert(st && idx >= 1);
	return st->db->ops->bind_null(st, idx);
}

int store_step(struct store_stmt *st)
{
	assert(st);
	return st->db->ops->step(st);
}

int store_column_count(struct store_stmt *st)
{
	assert(st);
	return st->db->ops->column_count(st);
}

int store_column_is_null(struct store_stmt *st, int col)
{
	assert(st && col >= 0);
	return st->db->ops->column_is_null(st, col);
}

const char *store_column_text(struct store_stmt *st, int col)
{
	assert(st && col >= 0);
	return st->db->ops->column_text(st, col);
}

const void *store_column_blob(struct store_stmt *st, int col, size_t *len)
{
	assert(st && col >= 0 && len);
	return st->db->ops->column_blob(st, col, len);
}

int64_t store_column_int64(struct store_stmt *st, int col)
{
	assert(st && col >= 0);
	return st->db->ops->column_int64(st, col);
}

int64_t store_changes(struct store_stmt *st)
{
	assert(st);
	return st->db->ops->changes(st);
}

int store_reset(struct store_stmt *st)
{
	assert(st);
	return st->db->ops->reset(st);
}

void store_finalize(struct store_stmt *st)
{
	if (st)
		st->db->ops->finalize(st);
}

int store_integrity_check(struct store *db)
{
	assert(db);
	return db->ops->integrity_check(db);
}

int store_backup_to(struct store *db, const char *dest_path)
{
	assert(db && dest_path);
	return db->ops->backup_to(db, dest_path);
}

int store_sql_is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || (unsigned char)c >= 0x80;
}

/* Past the closing quote q of a literal opened at sql[i]; a doubled q escapes. */
static size_t skip_quoted(const char *sql, size_t i, char q)
{
	i++;
	while (sql[i]) {
		if (sql[i] == q) {
			if (sql[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return i;
}

/* $tag$ ... $tag$ (tag may be empty). Only where '$' does not continue a word. */
static size_t skip_dollar(const char *sql, size_t i)
{
	size_t tag_end = i + 1;
	if (i > 0 && store_sql_is_word(sql[i - 1]))
		return i;
	if (sql[tag_end] >= '0' && sql[tag_end] <= '9')
		return i;   /* $1: a parameter, not a quote */
	while (sql[tag_end] && sql[tag_end] != '$') {
		if (!store_sql_is_word(sql[tag_end]))
			return i;
		tag_end++;
	}
	if (sql[tag_end] != '$')
		return i;
	size_t tag_len = tag_end - i + 1;   /* "$tag$" */
	const char *close = strstr(sql + tag_end + 1, "$");
	while (close) {
		if (strncmp(close, sql + i, tag_len) == 0)
			return (size_t)(close - sql) + tag_len;
		close = strchr(close + 1, '$');
	}
	return strlen(sql);
}

size_t store_sql_skip(const char *sql, size_t i)
{
	switch (sql[i]) {
	case '\'':
	case '"':
		return skip_quoted(sql, i, sql[i]);
	case '-':
		if (sql[i + 1] != '-')
			return i;
		while (sql[i] && sql[i] != '\n')
			i++;
		return i;
	case '/': {
		if (sql[i + 1] != '*')
			return i;
		const char *end = strstr(sql + i + 2, "*/");
		return end ? (size_t)(end - sql) + 2 : strlen(sql);
	}
	case '$':
		return skip_dollar(sql, i);
	default:
		return i;
	}
}
