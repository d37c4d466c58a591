/*
 * pg_int.h: private to the PostgreSQL backend (pg.c, pg_cache.c): its
 * connection and statement structures and the per-connection cache of
 * prepared statements (pg.c's header explains the cache; pg_cache.c holds
 * it).
 */
#ifndef IHALA_PG_INT_H
#define IHALA_PG_INT_H

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
#define HASH_SEED 0xcbf29ce484222325ull   /* FNV-1a offset basis */

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

/* Log a failed result and return ERR_FAIL (pg.c). */
int pg_fail_result(PGconn *conn, const PGresult *res, const char *what);

/* ---- the statement cache (pg_cache.c) ---- */
/* Forget every entry, without telling the server (a new session). */
void pg_cache_forget_all(struct pg_store *db);
/* DEALLOCATE ALL and forget every entry (before schema changes). */
void pg_cache_clear(struct pg_store *db);
/*
 * The prepared statement to run s with (types: this execution's parameter
 * types), prepared now when missing or stale; *out NULL when s is sent
 * unprepared. 0, or the error of the prepare (logged).
 */
int pg_cache_get(struct pg_store *db, struct pg_stmt *s, const Oid *types, struct pg_cached **out);
/* The server-side name of an entry ("ihala_<id>"). */
void pg_cached_name(const struct pg_cached *c, char *out, size_t size);
/* FNV-1a over data, continuing from h. */
uint64_t pg_hash_bytes(uint64_t h, const void *data, size_t len);
/* Does a leading word of sql (after comments and parentheses) satisfy fn? */
int pg_any_leading_word(const char *sql, int (*fn)(const char *word, size_t len));
/* Words that change the schema (CREATE, ALTER, DROP, DO, DISCARD, DEALLOCATE). */
int pg_is_schema_word(const char *word, size_t len);
/* Words of statements worth preparing (SELECT, INSERT, UPDATE, DELETE, WITH, VALUES). */
int pg_is_plannable_word(const char *word, size_t len);

#endif
