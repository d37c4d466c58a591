/*
 * stats.h: statistics of persons, cases, referrals and services, counted
 * from statistical and workflow values only (never a sealed value, never a
 * key), fast enough to answer while a committee clicks (docs/statistics.md).
 *
 * 1. The statistical row. Each case has one row in table stat_cases: a small
 *    JSON text derived from the case's plain facts (the registry's fields
 *    with "stat": true), its workflow dates, its person (duplicates merged:
 *    link_cases.person_id), its referrals (state, services, date sent) and
 *    the services delivered (type, date). Every transaction that changes one
 *    of these calls stats_touch() for the case before it commits: the row is
 *    derived again and stamped with the next number of a counter (stat_seq),
 *    so rows are numbered in commit order on both backends (the counter's
 *    row lock orders PostgreSQL writers). An erased case leaves a row without
 *    values (a tombstone), so readers learn that it is gone.
 *
 * 2. The columns in memory. Each process keeps the rows dictionary-encoded in
 *    columns (a 16-bit code per single-valued dimension, a 64-bit set per
 *    multiple choice, a few codes per list of countries), and before each
 *    query reads the rows numbered after the last it has seen (an indexed
 *    range, usually empty). Several servers over one PostgreSQL each keep
 *    their own copy; none holds state the database does not have.
 *
 * 3. Dimensions. Every registry field with "stat": true of the entities
 *    case, person, victim and event is a dimension named "<entity>.<key>"
 *    (person.gender, victim.exploitation_types, ...); a new statistical field
 *    in the registry is counted at once (its rows are derived again at the
 *    next start). Beside them: case.identification_year and
 *    case.identification_month (the identification decision's date),
 *    case.registration_month, and for the units referrals and services
 *    referral.state, referral.service and service.type. A dimension is also
 *    found by its bare key when no other dimension has that key.
 *    Each dimension has an "unknown" value (a missing fact), shown as null.
 *
 * 4. Units. persons: each person once (the cases of a merged person are one
 *    person; the person's values are those of its representative case: the
 *    most advanced identification status, then the earliest registered);
 *    cases; referrals (each referral, with its case's values); services
 *    (each service delivered, with its case's values). A unit falls in every
 *    value of a multi-valued dimension it has: such a margin counts it once.
 *
 * Thread safety: stats_run and stats_each_person may be called from any
 * thread with the caller's own store handle; the columns are shared under a
 * lock. stats_touch runs inside the caller's transaction.
 */
#ifndef IHALA_STATS_H
#define IHALA_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../core/banned.h"
#include "../../core/err.h"
#include "../../core/buf.h"
#include "../../store/store.h"
#include "../case/export.h"
#include "../registry/registry.h"
#include "stats_table.h"

enum stats_unit { STATS_PERSONS, STATS_CASES, STATS_REFERRALS, STATS_SERVICES, STATS_UNIT_COUNT };

/* Which date a date range filters on. */
enum stats_date {
	STATS_DATE_REGISTRATION,    /* persons, cases: the case's opening date */
	STATS_DATE_IDENTIFICATION,  /* persons, cases: the identification decision's date */
	STATS_DATE_OWN,             /* referrals: the day sent; services: the day delivered */
};

#define STATS_MAX_FILTERS 8
#define STATS_MAX_FILTER_VALUES 32

struct stats_query {
	enum stats_unit unit;
	int ndims;
	int dim[STATS_MAX_DIMS];        /* stats_dim_find() indexes */
	size_t nfilters;
	struct {
		int dim;
		size_t n;
		const char *values[STATS_MAX_FILTER_VALUES];   /* borrowed; NULL = unknown */
	} filter[STATS_MAX_FILTERS];
	enum stats_date date;
	int32_t from_day, to_day;       /* days since 1970-01-01, inclusive; 0 = open */
};

/* ---- dimensions ---- */

struct stats_dim_info {
	const char *name;               /* "person.gender" */
	struct label label;
	bool multi;                     /* a unit may have several values */
	int unit_mask;                  /* 1 << unit for each unit that may use it */
	const struct field *field;      /* the registry field, or NULL (derived dimension) */
};

/* The dimensions, from the process-wide registry (built once, thread-safe). */
size_t stats_dim_count(void);
const struct stats_dim_info *stats_dim_at(size_t i);
/* Index of a dimension by its name or unambiguous bare key; -1 if none. */
int stats_dim_find(const char *name);
/* The label of a value of dimension d (registry choices, countries by code, ...); NULL value = unknown. */
struct label stats_value_label(int dim, const char *value);

const char *stats_unit_name(enum stats_unit u);
int stats_unit_parse(const char *name, enum stats_unit *out);

/*
 * Parse a query from request or command-line parameters, each read by
 * get(ud, name) (NULL when absent): unit (persons|cases|referrals|services,
 * default persons), dims (a comma-separated list of 0 to 3 dimensions),
 * filter.<dimension>=v1,v2 (the value "unknown" selects a missing value),
 * date (registration|identification), from and to (YYYY-MM-DD).
 * On bad input fills pb (codes unknown_dimension, dimension_not_for_unit,
 * too_many_dimensions, invalid; field = the parameter) and returns ERR_INVALID.
 * Values in q are borrowed from `store`, which the caller frees after use.
 */
int stats_query_parse(const char *(*get)(void *ud, const char *name), void *ud, struct stats_query *q,
		      char *store, size_t store_size, struct problem *pb);

/* ---- writing ---- */

/* Derive case_id's statistical row again, inside the caller's transaction. */
int stats_touch(struct store *db, const char *case_id);
/* The same for every case that `sql` lists (one column of case ids; one text parameter, arg). */
int stats_touch_query(struct store *db, const char *sql, const char *arg);
/*
 * Derive every case's row when the rows were derived under another set of
 * statistical fields (an upgrade that brings statistics, a registry change;
 * stat_seq.fields holds the fingerprint, written once all rows are derived):
 * whenever the data folder is opened (cli_app_open). One query when nothing
 * is to do.
 */
int stats_prepare(struct store *db);

/* ---- counting ---- */

struct stats_result {
	enum stats_unit unit;
	int ndims;
	int dim[STATS_MAX_DIMS];
	/* values[d][k]: the value of index k along dimension d (NULL = unknown); owned */
	char **values[STATS_MAX_DIMS];
	struct stats_table t;           /* counts with margins; flags all STATS_SHOWN */
};

/*
 * Load the rows into memory now (the server's start, in a thread of its
 * own), so that the first count does not wait for it: about 15 s for a
 * million cases.
 */
int stats_warm(struct store *db);
/* Count. Reads the rows changed since the last call first. */
int stats_run(struct store *db, const struct stats_query *q, struct stats_result *out);
void stats_result_release(struct stats_result *r);

/*
 * The result as the API serves it: {"unit", "dimensions": [{"name","label",
 * "values": [{"value","label"}]}], "cells": [{"key": [..], "count": n} or
 * {"key": [..], "suppressed": true}], "total": n|null}. In a key "*" stands
 * for the margin (all values). Suppressed cells carry no count.
 */
json_t *stats_result_json(const struct stats_result *r);

/*
 * The result as a file: one row per cell (margins as "Total"), the values'
 * labels in English or Arabic, the count (empty when suppressed) and a
 * "suppressed" column. Appended to out.
 */
int stats_result_file(const struct stats_result *r, enum export_format fmt, bool arabic, struct buf *out);

/* ---- microdata ---- */

/* One unit's values, as stats_each_person hands them over. */
struct stats_rec;
/*
 * The values of dimension dim for this record: up to max pointers (valid
 * during the callback) into out; returns how many (0 = unknown).
 */
int stats_rec_values(const struct stats_rec *r, int dim, const char **out, int max);
/* The record's registration or identification day (days since 1970-01-01; 0 = none). */
int32_t stats_rec_day(const struct stats_rec *r, enum stats_date which);
/* Call fn for each person (a merged person once, with its representative case's values). */
int stats_each_person(struct store *db, int (*fn)(void *ud, const struct stats_rec *r), void *ud);

#endif
