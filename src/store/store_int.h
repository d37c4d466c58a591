/*
 * store_int.h: private to src/store/. The vtable each backend fills in, the
 * common head of a connection and of a statement, and the SQL scanning
 * helpers shared by the PostgreSQL placeholder rewrite and the migration type
 * translation. Nothing outside src/store/ includes this file.
 */
#ifndef IHALA_STORE_INT_H
#define IHALA_STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

struct store_ops {
	const char *name;   /* "sqlite", "postgres": for logs */
	void (*close)(struct store *db);
	int (*begin)(struct store *db);
	int (*begin_relaxed)(struct store *db);
	int (*commit)(struct store *db);
	int (*rollback)(struct store *db);
	int (*exec)(struct store *db, const char *sql);
	int (*prepare)(struct store *db, struct store_stmt **out, const char *sql);
	int (*bind_text)(struct store_stmt *st, int idx, const char *text);
	int (*bind_blob)(struct store_stmt *st, int idx, const void *data, size_t len);
	int (*bind_int64)(struct store_stmt *st, int idx, int64_t value);
	int (*bind_null)(struct store_stmt *st, int idx);
	int (*step)(struct store_stmt *st);
	int (*column_count)(struct store_stmt *st);
	int (*column_is_null)(struct store_stmt *st, int col);
	const char *(*column_text)(struct store_stmt *st, int col);
	const void *(*column_blob)(struct store_stmt *st, int col, size_t *len);
	int64_t (*column_int64)(struct store_stmt *st, int col);
	int64_t (*changes)(struct store_stmt *st);
	int (*reset)(struct store_stmt *st);
	void (*finalize)(struct store_stmt *st);
	int (*integrity_check)(struct store *db);
	int (*backup_to)(struct store *db, const char *dest_path);
};

/* First member of every backend's connection struct. */
struct store {
	const struct store_ops *ops;   /* borrowed: static */
	enum store_backend backend;
};

/* First member of every backend's statement struct. */
struct store_stmt {
	struct store *db;   /* borrowed */
};

/* Backend constructors: 0 or ERR_FAIL (logged). */
int store_sqlite_open(struct store **out, const char *path);
int store_pg_open(struct store **out, const char *conninfo);

/*
 * If sql[i] starts a string literal ('...' with '' escapes), a quoted
 * identifier ("..."), a comment (-- to end of line, or C-style), or a
 * PostgreSQL dollar-quoted string ($tag$...$tag$), return the index just past
 * it (or the end of sql when unterminated); otherwise return i.
 */
size_t store_sql_skip(const char *sql, size_t i);

/* 1 if c can be part of an SQL identifier or keyword. */
int store_sql_is_word(char c);

#endif
