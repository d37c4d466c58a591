/*
 * bench/stats_bench.c: the driver of bench/stats.sh. Opens a data folder
 * (SQLite, or PostgreSQL with --db), then in one process:
 *
 *   1. stats_prepare (after --rederive, which forgets the fingerprint of the
 *      statistical fields so that every case's row is derived again), timed;
 *   2. the first count, which loads the columns from stat_cases, timed;
 *   3. each query of the list below --runs times (stats_run only: no process
 *      start, no HTTP), p50 and p99;
 *   4. the annual report (stats_report_json) in both views, --report-runs
 *      times each;
 *   5. with --out DIR, the references: the statistical rows exported as a
 *      flat table (flat.csv: one row per case, one column per single-valued
 *      dimension) and one table per multi-valued dimension (m<i>.csv: case,
 *      value), loaded into an in-memory SQLite database where each query
 *      runs as a plain GROUP BY (one per combination of margins, UNION ALL),
 *      --sqlite-runs times; the same SQL and the loading statements for DuckDB
 *      (queries.tsv, duck_load.sql, run by bench/stats_duckdb.mjs); and the
 *      counts of the engine and of SQLite as sorted-ready lines
 *      (ours.tsv, sqlite.tsv: query, key..., count; "*" the margin, \N unknown).
 *
 * The export parses the rows of stat_cases itself (src/domain/stats/derive.c
 * documents their JSON) and the references state the engine's rules in SQL:
 * a person is the case with the most advanced trafficking status, then the
 * earliest registration (then the earliest row); a unit falls in every value
 * of a multi-valued dimension and counts once in its margin; a filter keeps
 * a unit when one of its values is listed. Nothing of the engine's columns,
 * dictionaries or counting loop is used, so equal counts mean something.
 *
 *	stats_bench DIR [--db URL] [--runs N] [--report-runs N] [--sqlite-runs N]
 *	                [--year Y] [--rederive] [--out DIR]
 *
 * Prints key=value lines on stdout; progress on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "../src/auth/ctx.h"
#include "../src/cli/cli.h"
#include "../src/core/buf.h"
#include "../src/core/clock.h"
#include "../src/domain/stats/report.h"
#include "../src/domain/stats/stats.h"
#include "../src/domain/stats/stats_int.h"

/* ---- the queries ---- */

struct qdef {
	const char *name;
	const char *params[12];      /* name, value, ...; NULL ends; "@Y" in a value is the year */
};

static const struct qdef queries[] = {
	{ "persons gender x age band", { "unit", "persons", "dims", "person.gender,person.age_band" } },
	{ "persons citizenship x forms of exploitation",
	  { "unit", "persons", "dims", "person.citizenship,victim.exploitation_types" } },
	{ "persons gender x age band x forms (3-D)",
	  { "unit", "persons", "dims", "person.gender,person.age_band,victim.exploitation_types" } },
	{ "cases status x registration month, identified only",
	  { "unit", "cases", "dims", "case.status,case.registration_month", "filter.victim.trafficking_status",
	    "ActualVictimOfTrafficking" } },
	{ "cases gender x status x reg. year, 3 citizenships, @Y (3-D)",
	  { "unit", "cases", "dims", "person.gender,victim.trafficking_status,case.registration_year",
	    "filter.person.citizenship", "NP,PH,ET", "from", "@Y-01-01", "to", "@Y-12-31" } },
	{ "persons forms x age band, identified in @Y",
	  { "unit", "persons", "dims", "victim.exploitation_types,person.age_band", "date", "identification", "from",
	    "@Y-01-01", "to", "@Y-12-31" } },
	{ "cases status x closure reason", { "unit", "cases", "dims", "case.status,case.closure_reason" } },
	{ "persons citizenship x gender x control, forced labour (3-D)",
	  { "unit", "persons", "dims", "person.citizenship,person.gender,victim.means_of_control",
	    "filter.victim.exploitation_types", "ForcedLabour,unknown" } },
};
#define NQ (sizeof(queries) / sizeof(queries[0]))

struct qparams {
	const struct qdef *def;
	char values[12][64];
};

static const char *qget(void *ud, const char *name)
{
	const struct qparams *p = ud;
	for (size_t i = 0; i < 12 && p->def->params[i]; i += 2)
		if (!strcmp(p->def->params[i], name))
			return p->values[i + 1];
	return NULL;
}

/* "@Y" -> the year. */
static void expand(struct qparams *p, const struct qdef *d, int year)
{
	p->def = d;
	for (size_t i = 0; i < 12 && d->params[i]; i++) {
		const char *s = d->params[i];
		const char *at = strstr(s, "@Y");
		if (at)
			snprintf(p->values[i], sizeof(p->values[i]), "%.*s%04d%s", (int)(at - s), s, year, at + 2);
		else
			snprintf(p->values[i], sizeof(p->values[i]), "%s", s);
	}
}

static void query_name(const struct qdef *d, int year, char *out, size_t size)
{
	const char *at = strstr(d->name, "@Y");
	if (at)
		snprintf(out, size, "%.*s%04d%s", (int)(at - d->name), d->name, year, at + 2);
	else
		snprintf(out, size, "%s", d->name);
}

/* ---- timing ---- */

static double ms_since(uint64_t t0)
{
	return (double)(clock_mono_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of v[0..n-1], sorted in place. */
static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	return v[k > n ? n - 1 : k - 1];
}

static void die(const char *what)
{
	fprintf(stderr, "stats_bench: %s\n", what);
	exit(1);
}

/* ---- the engine's counts as lines ---- */

static void put_key(FILE *f, const char *v)
{
	fputc('\t', f);
	fputs(v ? v : "\\N", f);
}

static void write_ours(FILE *f, size_t qi, const struct stats_result *r)
{
	size_t n = stats_table_cells(&r->t), idx[STATS_MAX_DIMS];
	for (size_t i = 0; i < n; i++) {
		if (!r->t.count[i])
			continue;
		stats_table_coords(&r->t, i, idx);
		fprintf(f, "q%zu", qi + 1);
		for (int d = 0; d < r->ndims; d++)
			put_key(f, idx[d] == r->t.n[d] ? "*" : r->values[d][idx[d]]);
		fprintf(f, "\t%lld\n", (long long)r->t.count[i]);
	}
}

/* ---- the flat export ---- */

/* Dimensions of persons and cases, in dimension order: which are columns, which tables. */
static bool case_dim(size_t d)
{
	int mask = (1 << STATS_PERSONS) | (1 << STATS_CASES);
	enum stats_derived sd = stats_dim_derived(d);
	return (stats_dim_at(d)->unit_mask & mask) && sd != SD_REF_STATE && sd != SD_REF_SERVICE && sd != SD_SVC_TYPE;
}

static void csv_put(FILE *f, const char *s)
{
	if (!s)
		return;
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

/* The value of single-valued dimension d in a row (NULL = unknown), written into buf when derived. */
static const char *single_value(size_t d, const json_t *row, char *buf, size_t size)
{
	const char *reg = json_string_value(json_object_get(row, "reg"));
	const char *idn = json_string_value(json_object_get(row, "idn"));
	switch (stats_dim_derived(d)) {
	case SD_REG_MONTH:
		if (!reg || strlen(reg) < 7)
			return NULL;
		snprintf(buf, size, "%.7s", reg);
		return buf;
	case SD_IDN_YEAR:
	case SD_IDN_MONTH:
		if (!idn || strlen(idn) < 7)
			return NULL;
		snprintf(buf, size, "%.*s", stats_dim_derived(d) == SD_IDN_YEAR ? 4 : 7, idn);
		return buf;
	default:
		break;
	}
	const json_t *v = json_object_get(json_object_get(row, "v"), stats_dim_at(d)->name);
	if (json_is_array(v))
		v = json_array_get(v, 0);
	return json_string_value(v);
}

struct ref {
	sqlite3 *db;
	FILE *flat;
	FILE *multi[64];            /* by dimension index */
	sqlite3_stmt *ins_flat, *ins_multi[64];
	bool seen[64];              /* the dimension has a value somewhere */
};

static void sq_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "stats_bench: SQLite: %s\n  in: %.300s\n", err ? err : "?", sql);
		exit(1);
	}
}

static sqlite3_stmt *sq_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "stats_bench: SQLite: %s\n  in: %.300s\n", sqlite3_errmsg(db), sql);
		exit(1);
	}
	return st;
}

static void sq_step_done(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "stats_bench: SQLite: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* The DDL of the flat tables, for SQLite (duck = false) or DuckDB (read from the CSV files). */
static void write_ddl(struct buf *b, bool duck, const char *dir)
{
	if (duck) {
		buf_printf(b, "CREATE TABLE flat0 AS SELECT * FROM read_csv('%s/flat.csv', header = true, "
			      "nullstr = '', columns = {'id': 'BIGINT', 'seq': 'BIGINT', 'person': 'VARCHAR', "
			      "'reg_day': 'INTEGER', 'idn_day': 'INTEGER'", dir);
		for (size_t d = 0; d < stats_dim_count(); d++)
			if (case_dim(d) && !stats_dim_at(d)->multi)
				buf_printf(b, ", 'd%zu': 'VARCHAR'", d);
		buf_puts(b, "});\n");
		for (size_t d = 0; d < stats_dim_count(); d++)
			if (case_dim(d) && stats_dim_at(d)->multi)
				buf_printf(b, "CREATE TABLE m%zu AS SELECT * FROM read_csv('%s/m%zu.csv', header = true, "
					      "columns = {'id': 'BIGINT', 'value': 'VARCHAR'});\n", d, dir, d);
		return;
	}
	buf_puts(b, "CREATE TABLE flat0 (id INTEGER PRIMARY KEY, seq INTEGER, person TEXT, reg_day INTEGER, "
		    "idn_day INTEGER");
	for (size_t d = 0; d < stats_dim_count(); d++)
		if (case_dim(d) && !stats_dim_at(d)->multi)
			buf_printf(b, ", d%zu TEXT", d);
	buf_puts(b, ");\n");
	for (size_t d = 0; d < stats_dim_count(); d++)
		if (case_dim(d) && stats_dim_at(d)->multi)
			buf_printf(b, "CREATE TABLE m%zu (id INTEGER, value TEXT, PRIMARY KEY (id, value)) WITHOUT ROWID;\n",
				   d);
}

/*
 * The persons: each person's representative case (is_rep = 1), in SQL both
 * engines speak: the most advanced trafficking status, then the earliest
 * registration, then the earliest row.
 */
static void write_rep(struct buf *b, size_t ts)
{
	buf_printf(b,
		   "CREATE TABLE flat AS SELECT f.*, CASE WHEN row_number() OVER (PARTITION BY person ORDER BY "
		   "CASE WHEN d%zu = 'ActualVictimOfTrafficking' THEN 3 WHEN d%zu = 'PossibleVictimOfTrafficking' "
		   "THEN 2 WHEN d%zu IS NOT NULL THEN 1 ELSE 0 END DESC, reg_day, seq) = 1 THEN 1 ELSE 0 END AS is_rep "
		   "FROM flat0 f;\n",
		   ts, ts, ts);
}

/*
 * DuckDB's own best form of the same rows, for timing the inner cells: table
 * fl, each single-valued dimension an ENUM (dictionary codes, as the engine
 * keeps them) and each multi-valued one a LIST of ENUM (l<i>), one row per
 * case. Built from flat and the m<i> tables once loaded.
 */
static void write_duck_typed(struct buf *b, const bool *seen)
{
	struct buf sel, join;
	buf_init(&sel, 1 << 16);
	buf_init(&join, 1 << 16);
	buf_puts(&sel, "f.id, f.is_rep, f.reg_day, f.idn_day");
	for (size_t d = 0; d < stats_dim_count(); d++) {
		if (!case_dim(d))
			continue;
		if (!stats_dim_at(d)->multi) {
			if (seen[d]) {
				buf_printf(b, "CREATE TYPE e%zu AS ENUM (SELECT DISTINCT d%zu FROM flat WHERE d%zu IS NOT NULL "
					      "ORDER BY 1);\n", d, d, d);
				buf_printf(&sel, ", f.d%zu::e%zu AS d%zu", d, d, d);
			} else {
				buf_printf(&sel, ", f.d%zu", d);
			}
			continue;
		}
		if (seen[d]) {
			buf_printf(b, "CREATE TYPE em%zu AS ENUM (SELECT DISTINCT value FROM m%zu ORDER BY 1);\n", d, d);
			buf_printf(&sel, ", a%zu.l AS l%zu", d, d);
			buf_printf(&join, " LEFT JOIN (SELECT id, list(value::em%zu) AS l FROM m%zu GROUP BY id) a%zu USING (id)",
				   d, d, d);
		} else {
			buf_printf(&sel, ", NULL::VARCHAR[] AS l%zu", d);
		}
	}
	buf_printf(b, "CREATE TABLE fl AS SELECT %s FROM flat f%s ORDER BY f.id;\n", sel.data, join.data);
	buf_release(&sel);
	buf_release(&join);
}

static void export_rows(struct store *db, struct ref *ref, const char *dir, size_t *n_rows)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/flat.csv", dir);
	if (!(ref->flat = fopen(path, "w")))
		die("cannot write flat.csv");
	fputs("id,seq,person,reg_day,idn_day", ref->flat);
	struct buf ins;
	buf_init(&ins, 1 << 16);
	buf_puts(&ins, "INSERT INTO flat0 VALUES (?, ?, ?, ?, ?");
	for (size_t d = 0; d < stats_dim_count(); d++) {
		if (!case_dim(d))
			continue;
		if (!stats_dim_at(d)->multi) {
			fprintf(ref->flat, ",d%zu", d);
			buf_puts(&ins, ", ?");
			continue;
		}
		if (d >= 64)
			die("more than 64 dimensions");
		snprintf(path, sizeof(path), "%s/m%zu.csv", dir, d);
		if (!(ref->multi[d] = fopen(path, "w")))
			die("cannot write a multi-valued table");
		fputs("id,value\n", ref->multi[d]);
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO m%zu VALUES (?, ?)", d);
		ref->ins_multi[d] = sq_prepare(ref->db, sql);
	}
	fputc('\n', ref->flat);
	buf_puts(&ins, ")");
	ref->ins_flat = sq_prepare(ref->db, ins.data);
	buf_release(&ins);

	sq_exec(ref->db, "BEGIN");
	struct store_stmt *st;
	if (store_prepare(db, &st, "SELECT case_id, seq, row FROM stat_cases WHERE row IS NOT NULL ORDER BY seq") < 0)
		die("cannot read stat_cases");
	int rc;
	int64_t id = 0;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *case_id = store_column_text(st, 0), *text = store_column_text(st, 2);
		json_t *row = text ? json_loads(text, 0, NULL) : NULL;
		if (!row)
			die("a statistical row does not parse");
		id++;
		int64_t seq = store_column_int64(st, 1);
		const char *person = json_string_value(json_object_get(row, "p"));
		if (!person)
			person = case_id;
		int32_t reg = stats_day(json_string_value(json_object_get(row, "reg")));
		int32_t idn = stats_day(json_string_value(json_object_get(row, "idn")));
		fprintf(ref->flat, "%lld,%lld,%s,", (long long)id, (long long)seq, person);
		if (reg)
			fprintf(ref->flat, "%d", reg);
		fputc(',', ref->flat);
		if (idn)
			fprintf(ref->flat, "%d", idn);
		sqlite3_bind_int64(ref->ins_flat, 1, id);
		sqlite3_bind_int64(ref->ins_flat, 2, seq);
		sqlite3_bind_text(ref->ins_flat, 3, person, -1, SQLITE_TRANSIENT);
		if (reg)
			sqlite3_bind_int(ref->ins_flat, 4, reg);
		if (idn)
			sqlite3_bind_int(ref->ins_flat, 5, idn);
		int col = 6;
		const json_t *v = json_object_get(row, "v");
		for (size_t d = 0; d < stats_dim_count(); d++) {
			if (!case_dim(d))
				continue;
			if (!stats_dim_at(d)->multi) {
				char buf[16];
				const char *s = single_value(d, row, buf, sizeof(buf));
				fputc(',', ref->flat);
				csv_put(ref->flat, s);
				if (s) {
					sqlite3_bind_text(ref->ins_flat, col, s, -1, SQLITE_TRANSIENT);
					ref->seen[d] = true;
				}
				col++;
				continue;
			}
			const json_t *m = json_object_get(v, stats_dim_at(d)->name);
			size_t i;
			const json_t *e;
			if (json_is_string(m)) {
				fprintf(ref->multi[d], "%lld,", (long long)id);
				csv_put(ref->multi[d], json_string_value(m));
				fputc('\n', ref->multi[d]);
				sqlite3_bind_int64(ref->ins_multi[d], 1, id);
				sqlite3_bind_text(ref->ins_multi[d], 2, json_string_value(m), -1, SQLITE_TRANSIENT);
				sq_step_done(ref->db, ref->ins_multi[d]);
				ref->seen[d] = true;
			}
			json_array_foreach(m, i, e) {
				if (!json_is_string(e))
					continue;
				/* a value listed twice is one value (the engine's sets) */
				bool dup = false;
				for (size_t j = 0; j < i && !dup; j++)
					dup = json_equal(json_array_get(m, j), e);
				if (dup)
					continue;
				fprintf(ref->multi[d], "%lld,", (long long)id);
				csv_put(ref->multi[d], json_string_value(e));
				fputc('\n', ref->multi[d]);
				sqlite3_bind_int64(ref->ins_multi[d], 1, id);
				sqlite3_bind_text(ref->ins_multi[d], 2, json_string_value(e), -1, SQLITE_TRANSIENT);
				sq_step_done(ref->db, ref->ins_multi[d]);
				ref->seen[d] = true;
			}
		}
		fputc('\n', ref->flat);
		sq_step_done(ref->db, ref->ins_flat);
		json_decref(row);
	}
	store_finalize(st);
	if (rc < 0)
		die("reading stat_cases failed");
	sq_exec(ref->db, "COMMIT");
	sqlite3_finalize(ref->ins_flat);
	if (fclose(ref->flat) != 0)
		die("writing flat.csv failed");
	for (size_t d = 0; d < 64; d++) {
		if (ref->multi[d] && fclose(ref->multi[d]) != 0)
			die("writing a multi-valued table failed");
		if (ref->ins_multi[d])
			sqlite3_finalize(ref->ins_multi[d]);
	}
	*n_rows = (size_t)id;
}

/* ---- the reference SQL of a query ---- */

static void sql_text(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_putc(b, '\'');
		buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

/* The WHERE of the units: persons, date range, filters; flat's columns prefixed with pfx ("" or "u."). */
static void sql_where(struct buf *b, const struct stats_query *q, const char *pfx)
{
	buf_puts(b, "1 = 1");
	if (q->unit == STATS_PERSONS)
		buf_printf(b, " AND %sis_rep = 1", pfx);
	const char *day = q->date == STATS_DATE_IDENTIFICATION ? "idn_day" : "reg_day";
	if (q->from_day)
		buf_printf(b, " AND %s%s >= %d", pfx, day, q->from_day);
	if (q->to_day)
		buf_printf(b, " AND %s%s <= %d", pfx, day, q->to_day);
	if ((q->from_day || q->to_day) && !q->from_day)
		buf_printf(b, " AND %s%s IS NOT NULL", pfx, day);
	for (size_t i = 0; i < q->nfilters; i++) {
		int d = q->filter[i].dim;
		bool multi = stats_dim_at((size_t)d)->multi, unknown = false, any = false;
		struct buf in;
		buf_init(&in, 1 << 14);
		for (size_t k = 0; k < q->filter[i].n; k++) {
			if (!q->filter[i].values[k]) {
				unknown = true;
				continue;
			}
			if (any)
				buf_puts(&in, ", ");
			sql_text(&in, q->filter[i].values[k]);
			any = true;
		}
		buf_puts(b, " AND (0 = 1");
		if (any && multi)
			buf_printf(b, " OR %sid IN (SELECT f.id FROM m%d f WHERE f.value IN (%s))", pfx, d, in.data);
		else if (any)
			buf_printf(b, " OR %sd%d IN (%s)", pfx, d, in.data);
		if (unknown && multi)
			buf_printf(b, " OR %sid NOT IN (SELECT f.id FROM m%d f)", pfx, d);
		else if (unknown)
			buf_printf(b, " OR %sd%d IS NULL", pfx, d);
		buf_puts(b, ")");
		buf_release(&in);
	}
}

/*
 * The units once (a materialised CTE: id and the single-valued dimensions
 * asked), then one GROUP BY per subset of the dimensions (the others are
 * margins, "*"), joined by UNION ALL: query id, key columns, count.
 */
static void sql_query(struct buf *b, size_t qi, const struct stats_query *q)
{
	int nd = q->ndims;
	buf_puts(b, "WITH u AS MATERIALIZED (SELECT id");
	for (int d = 0; d < nd; d++)
		if (!stats_dim_at((size_t)q->dim[d])->multi)
			buf_printf(b, ", d%d", q->dim[d]);
	buf_puts(b, " FROM flat WHERE ");
	sql_where(b, q, "");
	buf_puts(b, ") ");
	for (int set = (1 << nd) - 1; set >= 0; set--) {
		if (set != (1 << nd) - 1)
			buf_puts(b, " UNION ALL ");
		buf_printf(b, "SELECT 'q%zu' AS q", qi + 1);
		for (int d = 0; d < nd; d++) {
			bool in = set & (1 << (nd - 1 - d));
			bool multi = stats_dim_at((size_t)q->dim[d])->multi;
			if (!in)
				buf_printf(b, ", '*' AS k%d", d);
			else if (multi)
				buf_printf(b, ", j%d.value AS k%d", d, d);
			else
				buf_printf(b, ", u.d%d AS k%d", q->dim[d], d);
		}
		buf_puts(b, ", count(*) AS n FROM u");
		for (int d = 0; d < nd; d++)
			if ((set & (1 << (nd - 1 - d))) && stats_dim_at((size_t)q->dim[d])->multi)
				buf_printf(b, " LEFT JOIN m%d j%d ON j%d.id = u.id", q->dim[d], d, d);
		bool first = true;
		for (int d = 0; d < nd; d++) {
			if (!(set & (1 << (nd - 1 - d))))
				continue;
			buf_puts(b, first ? " GROUP BY " : ", ");
			first = false;
			if (stats_dim_at((size_t)q->dim[d])->multi)
				buf_printf(b, "j%d.value", d);
			else
				buf_printf(b, "u.d%d", q->dim[d]);
		}
	}
}

/*
 * The inner cells only, as one plain GROUP BY (no margins): what a reporting
 * tool would send first. Timed beside the full answer; the engine's time
 * includes its margins, so comparing with this one is the strict comparison.
 */
static void sql_cells(struct buf *b, size_t qi, const struct stats_query *q)
{
	int nd = q->ndims;
	buf_printf(b, "SELECT 'q%zu' AS q", qi + 1);
	for (int d = 0; d < nd; d++) {
		if (stats_dim_at((size_t)q->dim[d])->multi)
			buf_printf(b, ", j%d.value AS k%d", d, d);
		else
			buf_printf(b, ", u.d%d AS k%d", q->dim[d], d);
	}
	buf_puts(b, ", count(*) AS n FROM flat u");
	for (int d = 0; d < nd; d++)
		if (stats_dim_at((size_t)q->dim[d])->multi)
			buf_printf(b, " LEFT JOIN m%d j%d ON j%d.id = u.id", q->dim[d], d, d);
	buf_puts(b, " WHERE ");
	sql_where(b, q, "u.");
	for (int d = 0; d < nd; d++) {
		buf_puts(b, d ? ", " : " GROUP BY ");
		if (stats_dim_at((size_t)q->dim[d])->multi)
			buf_printf(b, "j%d.value", d);
		else
			buf_printf(b, "u.d%d", q->dim[d]);
	}
}

/* The inner cells in DuckDB's own form (table fl): filters on codes and lists, lists unnested. */
static void sql_duck_cells(struct buf *b, size_t qi, const struct stats_query *q)
{
	int nd = q->ndims;
	struct buf base, next;
	buf_init(&base, 1 << 16);
	buf_init(&next, 1 << 16);
	buf_puts(&base, "SELECT ");
	for (int d = 0; d < nd; d++) {
		bool multi = stats_dim_at((size_t)q->dim[d])->multi;
		buf_printf(&base, "%s%s%d AS k%d", d ? ", " : "", multi ? "l" : "d", q->dim[d], d);
	}
	buf_puts(&base, " FROM fl WHERE 1 = 1");
	if (q->unit == STATS_PERSONS)
		buf_puts(&base, " AND is_rep = 1");
	const char *day = q->date == STATS_DATE_IDENTIFICATION ? "idn_day" : "reg_day";
	if (q->from_day)
		buf_printf(&base, " AND %s >= %d", day, q->from_day);
	if (q->to_day)
		buf_printf(&base, " AND %s <= %d", day, q->to_day);
	if ((q->from_day || q->to_day) && !q->from_day)
		buf_printf(&base, " AND %s IS NOT NULL", day);
	for (size_t i = 0; i < q->nfilters; i++) {
		int d = q->filter[i].dim;
		bool multi = stats_dim_at((size_t)d)->multi, unknown = false, any = false;
		struct buf in;
		buf_init(&in, 1 << 14);
		for (size_t k = 0; k < q->filter[i].n; k++) {
			if (!q->filter[i].values[k]) {
				unknown = true;
				continue;
			}
			if (any)
				buf_puts(&in, ", ");
			sql_text(&in, q->filter[i].values[k]);
			any = true;
		}
		buf_puts(&base, " AND (0 = 1");
		if (any && multi)
			buf_printf(&base, " OR list_has_any(l%d::VARCHAR[], [%s])", d, in.data);
		else if (any)
			buf_printf(&base, " OR d%d::VARCHAR IN (%s)", d, in.data);
		if (unknown)
			buf_printf(&base, " OR %s%d IS NULL", multi ? "l" : "d", d);
		buf_puts(&base, ")");
		buf_release(&in);
	}
	/* one level of unnesting per multi-valued dimension: a unit in each of its values, unknown when none */
	for (int m = 0; m < nd; m++) {
		if (!stats_dim_at((size_t)q->dim[m])->multi)
			continue;
		buf_reset(&next);
		buf_puts(&next, "SELECT ");
		for (int d = 0; d < nd; d++) {
			if (d != m)
				buf_printf(&next, "%sk%d", d ? ", " : "", d);
			else
				buf_printf(&next, "%sunnest(CASE WHEN k%d IS NULL THEN [NULL] ELSE k%d END) AS k%d", d ? ", " : "",
					   d, d, d);
		}
		buf_printf(&next, " FROM (%s)", base.data);
		buf_reset(&base);
		buf_puts(&base, next.data);
	}
	buf_printf(b, "SELECT 'q%zu' AS q", qi + 1);
	for (int d = 0; d < nd; d++)
		buf_printf(b, ", k%d::VARCHAR AS k%d", d, d);
	buf_puts(b, ", n FROM (SELECT ");
	for (int d = 0; d < nd; d++)
		buf_printf(b, "k%d, ", d);
	buf_printf(b, "count(*) AS n FROM (%s) GROUP BY ", base.data);
	for (int d = 0; d < nd; d++)
		buf_printf(b, "%sk%d", d ? ", " : "", d);
	buf_puts(b, ")");
	buf_release(&base);
	buf_release(&next);
}

/* Run sql on SQLite; write its non-zero rows to f when not NULL. */
static void sq_run(sqlite3 *db, const char *sql, int ndims, FILE *f)
{
	sqlite3_stmt *st = sq_prepare(db, sql);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!f || sqlite3_column_int64(st, ndims + 1) == 0)
			continue;
		fputs((const char *)sqlite3_column_text(st, 0), f);
		for (int d = 0; d < ndims; d++)
			put_key(f, (const char *)sqlite3_column_text(st, d + 1));
		fprintf(f, "\t%lld\n", (long long)sqlite3_column_int64(st, ndims + 1));
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "stats_bench: SQLite: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_finalize(st);
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot write in --out");
	return f;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *db_url = NULL, *out = NULL;
	long runs = 30, report_runs = 10, sqlite_runs = 3, year = 0;
	bool rederive = false;
	for (int i = 1; i < argc; i++) {
		bool v = i + 1 < argc;
		if (!strcmp(argv[i], "--db") && v)
			db_url = argv[++i];
		else if (!strcmp(argv[i], "--out") && v)
			out = argv[++i];
		else if (!strcmp(argv[i], "--runs") && v)
			runs = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--report-runs") && v)
			report_runs = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--sqlite-runs") && v)
			sqlite_runs = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--year") && v)
			year = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rederive"))
			rederive = true;
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir || runs < 1 || report_runs < 1 || sqlite_runs < 1) {
		fprintf(stderr, "usage: stats_bench DIR [--db URL] [--runs N] [--report-runs N] [--sqlite-runs N] "
				"[--year Y] [--rederive] [--out DIR]\n");
		return 2;
	}
	if (!year) {
		char today[11];
		stats_day_text((int32_t)(clock_now() / 86400), today);
		year = strtol(today, NULL, 10) - 1;   /* the last whole year */
	}
	/* Opening a folder runs stats_prepare too (cli_app_open): timed as a whole. */
	struct app app;
	uint64_t t_open = clock_mono_ns();
	if (cli_app_open(&app, dir, db_url, 1) < 0)
		return 1;
	printf("open_ms=%.1f\n", ms_since(t_open));
	struct store *db = store_pool_acquire(app.pool);

	/* 1. stats_prepare */
	if (rederive) {
		struct store_stmt *st;
		if (store_prepare(db, &st, "UPDATE stat_seq SET fields = '' WHERE id = 1") < 0 || store_step(st) < 0)
			die("cannot reset stat_seq");
		store_finalize(st);
	}
	/* Whether stats_prepare has every row to derive (a fingerprint other than this build's). */
	bool full = false;
	{
		struct store_stmt *st;
		if (store_prepare(db, &st, "SELECT fields FROM stat_seq WHERE id = 1") < 0 || store_step(st) != STORE_ROW)
			die("cannot read stat_seq");
		const char *fields = store_column_text(st, 0);
		full = !fields || strcmp(fields, stats_fields_fingerprint()) != 0;
		store_finalize(st);
	}
	fprintf(stderr, "stats_bench: stats_prepare%s\n", full ? " (every row derived)" : "");
	uint64_t t0 = clock_mono_ns();
	if (stats_prepare(db) < 0)
		die("stats_prepare failed");
	printf("prepare_ms=%.1f\n", ms_since(t0));
	printf("prepare_kind=%s\n", full ? "full" : "nothing to do");
	printf("year=%ld\n", year);

	/* 2. the first count loads the columns */
	struct stats_query q;
	struct stats_result r;
	struct problem pb = { 0 };
	char store[2048];
	struct qparams qp;
	expand(&qp, &queries[0], (int)year);
	if (stats_query_parse(qget, &qp, &q, store, sizeof(store), &pb) < 0)
		die("query 1 does not parse");
	t0 = clock_mono_ns();
	if (stats_run(db, &q, &r) < 0)
		die("the first count failed");
	printf("load_ms=%.1f\n", ms_since(t0));
	printf("persons=%lld\n", (long long)r.t.count[stats_table_cells(&r.t) - 1]);
	stats_result_release(&r);

	/* 3. the queries */
	FILE *ours = out ? open_out(out, "ours.tsv") : NULL;
	long most = runs > report_runs ? runs : report_runs;
	double *times = calloc((size_t)(most > sqlite_runs ? most : sqlite_runs), sizeof(double));
	if (!times)
		die("out of memory");
	for (size_t i = 0; i < NQ; i++) {
		char name[160];
		query_name(&queries[i], (int)year, name, sizeof(name));
		expand(&qp, &queries[i], (int)year);
		if (stats_query_parse(qget, &qp, &q, store, sizeof(store), &pb) < 0) {
			fprintf(stderr, "stats_bench: query %zu: %s %s\n", i + 1, pb.code, pb.field);
			return 1;
		}
		for (long k = 0; k <= runs; k++) {   /* run 0 warms up */
			t0 = clock_mono_ns();
			if (stats_run(db, &q, &r) < 0)
				die("a count failed");
			if (k)
				times[k - 1] = ms_since(t0);
			if (k == runs && ours)
				write_ours(ours, i, &r);
			if (k == runs)
				printf("q%zu_cells=%zu\n", i + 1, stats_table_cells(&r.t));
			stats_result_release(&r);
		}
		printf("q%zu_name=%s\n", i + 1, name);
		printf("q%zu_dims=%d\n", i + 1, q.ndims);
		printf("q%zu_p50_ms=%.3f\n", i + 1, pct(times, (size_t)runs, 50));
		printf("q%zu_p99_ms=%.3f\n", i + 1, pct(times, (size_t)runs, 99));
		fflush(stdout);
	}
	if (ours && fclose(ours) != 0)
		die("writing ours.tsv failed");

	/* 4. the annual report */
	for (int v = 0; v < 2; v++) {
		enum stats_view view = v ? STATS_VIEW_PUBLICATION : STATS_VIEW_INTERNAL;
		for (long k = 0; k <= report_runs; k++) {
			json_t *j = NULL;
			t0 = clock_mono_ns();
			if (stats_report_json(db, stats_report_tables, stats_report_ntables, (int)year, view,
					      app.cfg.stats_publication_threshold, &j) < 0)
				die("the annual report failed");
			char *text = json_dumps(j, JSON_COMPACT);   /* as the API would send it */
			if (k)
				times[k - 1] = ms_since(t0);
			free(text);
			json_decref(j);
		}
		printf("report_%s_p50_ms=%.1f\n", stats_view_name(view), pct(times, (size_t)report_runs, 50));
		printf("report_%s_max_ms=%.1f\n", stats_view_name(view), times[report_runs - 1]);
	}
	fflush(stdout);

	/* 5. the references */
	if (out) {
		struct ref ref;
		memset(&ref, 0, sizeof(ref));
		int ts = stats_dim_find("victim.trafficking_status");
		if (ts < 0 || stats_dim_at((size_t)ts)->multi)
			die("no single-valued victim.trafficking_status");
		if (sqlite3_open(":memory:", &ref.db) != SQLITE_OK)
			die("cannot open SQLite in memory");
		sq_exec(ref.db, "PRAGMA cache_size = -2000000; PRAGMA temp_store = MEMORY");
		struct buf ddl;
		buf_init(&ddl, 1 << 16);
		write_ddl(&ddl, false, out);
		sq_exec(ref.db, ddl.data);
		fprintf(stderr, "stats_bench: exporting the statistical rows\n");
		size_t n_rows = 0;
		t0 = clock_mono_ns();
		export_rows(db, &ref, out, &n_rows);
		printf("export_ms=%.1f\n", ms_since(t0));
		printf("export_rows=%zu\n", n_rows);
		buf_reset(&ddl);
		write_rep(&ddl, (size_t)ts);
		t0 = clock_mono_ns();
		sq_exec(ref.db, ddl.data);
		printf("sqlite_rep_ms=%.1f\n", ms_since(t0));
		FILE *duck = open_out(out, "duck_load.sql");
		buf_reset(&ddl);
		write_ddl(&ddl, true, out);
		write_rep(&ddl, (size_t)ts);
		write_duck_typed(&ddl, ref.seen);
		fputs(ddl.data, duck);
		if (fclose(duck) != 0)
			die("writing duck_load.sql failed");
		buf_release(&ddl);

		FILE *qs = open_out(out, "queries.tsv"), *sq = open_out(out, "sqlite.tsv");
		for (size_t i = 0; i < NQ; i++) {
			expand(&qp, &queries[i], (int)year);
			if (stats_query_parse(qget, &qp, &q, store, sizeof(store), &pb) < 0)
				die("a query does not parse");
			struct buf sql, cell, duckcell;
			buf_init(&sql, 1 << 20);
			buf_init(&cell, 1 << 20);
			buf_init(&duckcell, 1 << 20);
			sql_query(&sql, i, &q);
			sql_cells(&cell, i, &q);
			sql_duck_cells(&duckcell, i, &q);
			if (buf_error(&sql) || buf_error(&cell) || buf_error(&duckcell))
				die("SQL too long");
			fprintf(qs, "q%zu\t%d\t%s\t%s\t%s\n", i + 1, q.ndims, duckcell.data, sql.data, cell.data);
			buf_release(&duckcell);
			fprintf(stderr, "stats_bench: SQLite reference, query %zu\n", i + 1);
			/* the full answer once (the check), the inner cells sqlite_runs times */
			t0 = clock_mono_ns();
			sq_run(ref.db, sql.data, q.ndims, sq);
			printf("q%zu_sqlite_full_ms=%.1f\n", i + 1, ms_since(t0));
			for (long k = 0; k < sqlite_runs; k++) {
				t0 = clock_mono_ns();
				sq_run(ref.db, cell.data, q.ndims, NULL);
				times[k] = ms_since(t0);
			}
			printf("q%zu_sqlite_ms=%.1f\n", i + 1, pct(times, (size_t)sqlite_runs, 50));
			fflush(stdout);
			buf_release(&sql);
			buf_release(&cell);
		}
		if (fclose(qs) != 0 || fclose(sq) != 0)
			die("writing queries.tsv or sqlite.tsv failed");
		sqlite3_close(ref.db);
	}
	free(times);
	store_pool_release(app.pool, db);
	cli_app_close(&app);
	return 0;
}
