/*
 * stats_cmd.c: `ihala stats DIR [query options]`, `ihala stats report DIR
 * --year Y` and the dispatch to `ihala stats ctdc` (stats_ctdc.c): the
 * statistics of src/domain/stats/ on the command line, for the operator of
 * the installation (docs/admin-guide.md, docs/statistics.md).
 *
 * Whoever runs this can read DIR/keys and so everything in the installation;
 * the internal view (exact counts) is therefore the default here, unlike in
 * the API, where it needs the permission stats.internal. The publication view
 * applies stats_suppress() with the configured threshold, as the API does.
 * Every run is audited with the system as the actor.
 *
 * Output: an aligned text table (two dimensions: rows by columns with their
 * totals; three: one such table per value of the first dimension, then its
 * total; suppressed cells print as "x"), CSV (one row per cell, margins
 * included as "*", the unknown value as "unknown", a suppressed cell with an
 * empty count) or the API's JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/ctx.h"
#include "../core/buf.h"
#include "../domain/case/export.h"
#include "../domain/stats/report.h"
#include "../domain/stats/stats.h"
#include "cli.h"

static const char stats_usage[] =
	"usage: ihala stats DIR [--unit U] [--dims A,B,C] [--filter DIM=V1,V2]...\n"
	"                       [--date registration|identification] [--from DATE] [--to DATE]\n"
	"                       [--view internal|publication] [--format text|csv|json]\n"
	"       ihala stats report DIR --year YYYY [--view internal|publication] [--format text|csv|json]\n"
	"       ihala stats ctdc ...      (`ihala stats ctdc --help`)\n"
	"\n"
	"Count the persons, cases, referrals or services of the installation in DIR\n"
	"over zero to three dimensions, from the statistical values only (no key is\n"
	"used, no personal field is read). The same counts as GET /api/v1/stats.\n"
	"\n"
	"  --unit U          persons (default; a merged person once), cases, referrals\n"
	"                    or services\n"
	"  --dims A,B,C      up to three dimensions, by name (person.gender) or by a\n"
	"                    bare key that only one dimension has (gender)\n"
	"  --filter D=V1,V2  keep the units whose dimension D has one of the values;\n"
	"                    \"unknown\" selects a missing value; repeat for more (up to 8)\n"
	"  --date W          which date --from and --to apply to: registration (default)\n"
	"                    or identification (the identification decision's date)\n"
	"  --from, --to      YYYY-MM-DD, inclusive\n"
	"  --view V          internal (default): exact counts, for this administrator;\n"
	"                    publication: cells from 1 to threshold-1 suppressed, with\n"
	"                    secondary suppression (stats_publication_threshold in\n"
	"                    ihala.conf, default 11)\n"
	"  --format F        text (default), csv or json\n"
	"\n"
	"`report` prints the annual report's tables for one calendar year (the same\n"
	"as GET /api/v1/stats/report): identified and presumed victims by sex, age\n"
	"band and form of exploitation; persons by citizenship; referrals by state\n"
	"and service; services by type; cases by status and closure reason.\n"
	"\n"
	"The internal view prints EXACT counts, small ones included: a count of 1\n"
	"can single a person out. Publish only the publication view's output.\n"
	"Text tables show a suppressed cell as \"x\", the margins as \"Total\" and a\n"
	"missing value as \"unknown\". Audited (stats.query, stats.report) with the\n"
	"system as the actor.\n"
	"\n"
	"Exit status: 0 ok, 1 the count failed, 2 usage error. See docs/statistics.md.\n";

enum out_format { OUT_TEXT, OUT_CSV, OUT_JSON };

static int usage_error(const char *cmd, const char *why)
{
	fprintf(stderr, "ihala %s: %s\n\n%s", cmd, why, stats_usage);
	return 2;
}

static void print_usage(FILE *f)
{
	fputs(stats_usage, f);
	fputs("\nDimensions (units: p persons, c cases, r referrals, s services; * several values per unit):\n", f);
	for (size_t i = 0; i < stats_dim_count(); i++) {
		const struct stats_dim_info *d = stats_dim_at(i);
		char units[8];
		size_t n = 0;
		static const char letters[] = "pcrs";
		for (int u = 0; u < STATS_UNIT_COUNT && u < 4; u++)
			if (d->unit_mask & (1 << u))
				units[n++] = letters[u];
		units[n] = '\0';
		fprintf(f, "  %-34s %-4s %s%s\n", d->name, units, d->multi ? "* " : "", d->label.en ? d->label.en : "");
	}
}

/* ---- the query's parameters, as stats_query_parse reads them ---- */

#define MAX_PARAMS (8 + STATS_MAX_FILTERS)

struct params {
	size_t n;
	const char *key[MAX_PARAMS];
	const char *value[MAX_PARAMS];
	char filter_key[STATS_MAX_FILTERS][96];
	size_t nfilters;
};

static const char *param_get(void *ud, const char *name)
{
	const struct params *p = ud;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->key[i], name))
			return p->value[i];
	return NULL;
}

static int param_set(struct params *p, const char *key, const char *value)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->key[i], key))
			return -1;   /* given twice */
	if (p->n == MAX_PARAMS)
		return -1;
	p->key[p->n] = key;
	p->value[p->n] = value;
	p->n++;
	return 0;
}

/* "--filter D=V1,V2": stored as filter.<the dimension's full name>. */
static int add_filter(struct params *p, char *arg, const char **why)
{
	char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		*why = "--filter needs DIMENSION=VALUE[,VALUE...]";
		return -1;
	}
	if (p->nfilters == STATS_MAX_FILTERS) {
		*why = "too many --filter options (at most 8)";
		return -1;
	}
	*eq = '\0';
	int d = stats_dim_find(arg);
	*eq = '=';
	if (d < 0) {
		*why = "--filter names an unknown dimension (`ihala stats --help` lists them)";
		return -1;
	}
	char *key = p->filter_key[p->nfilters];
	snprintf(key, sizeof(p->filter_key[0]), "filter.%s", stats_dim_at((size_t)d)->name);
	if (param_set(p, key, eq + 1) < 0) {
		*why = "two --filter options on the same dimension: give its values in one, comma-separated";
		return -1;
	}
	p->nfilters++;
	return 0;
}

/* The option a parameter came from, for messages. */
static void option_name(const char *field, char *out, size_t size)
{
	if (!strncmp(field, "filter.", 7))
		snprintf(out, size, "--filter %s", field + 7);
	else
		snprintf(out, size, "--%s", field[0] ? field : "dims");
}

/* ---- output ---- */

static const char *value_text(const struct stats_result *r, int d, size_t k)
{
	if (k == r->t.n[d])
		return "Total";
	const char *v = r->values[d][k];
	return v ? v : "unknown";
}

static void cell_text(const struct stats_table *t, size_t i, char *out, size_t size)
{
	if (t->flag[i] != STATS_SHOWN)
		snprintf(out, size, "x");
	else
		snprintf(out, size, "%lld", (long long)t->count[i]);
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/*
 * Print rows of dimension da by columns of dimension db (db < 0: one count
 * column), the other coordinates fixed as in idx.
 */
static void print_grid(FILE *f, const struct stats_result *r, size_t *idx, int da, int db)
{
	const struct stats_table *t = &r->t;
	size_t nrows = t->n[da] + 1, ncols = db >= 0 ? t->n[db] + 1 : 1;
	char head[160], cell[32];
	const struct stats_dim_info *a = stats_dim_at((size_t)r->dim[da]);
	if (db >= 0)
		snprintf(head, sizeof(head), "%s \\ %s", a->name, stats_dim_at((size_t)r->dim[db])->name);
	else
		snprintf(head, sizeof(head), "%s", a->name);
	size_t w0 = strlen(head);
	for (size_t i = 0; i < nrows; i++)
		w0 = max_sz(w0, strlen(value_text(r, da, i)));
	size_t *w = calloc(ncols, sizeof(*w));
	if (!w)
		return;
	for (size_t j = 0; j < ncols; j++) {
		w[j] = db >= 0 ? strlen(value_text(r, db, j)) : strlen("count");
		for (size_t i = 0; i < nrows; i++) {
			idx[da] = i;
			if (db >= 0)
				idx[db] = j;
			cell_text(t, stats_table_index(t, idx), cell, sizeof(cell));
			w[j] = max_sz(w[j], strlen(cell));
		}
	}
	fprintf(f, "%-*s", (int)w0, head);
	for (size_t j = 0; j < ncols; j++)
		fprintf(f, "  %*s", (int)w[j], db >= 0 ? value_text(r, db, j) : "count");
	fputc('\n', f);
	for (size_t i = 0; i < nrows; i++) {
		fprintf(f, "%-*s", (int)w0, value_text(r, da, i));
		idx[da] = i;
		for (size_t j = 0; j < ncols; j++) {
			if (db >= 0)
				idx[db] = j;
			cell_text(t, stats_table_index(t, idx), cell, sizeof(cell));
			fprintf(f, "  %*s", (int)w[j], cell);
		}
		fputc('\n', f);
	}
	free(w);
}

static void print_text(FILE *f, const struct stats_result *r)
{
	const struct stats_table *t = &r->t;
	size_t idx[STATS_MAX_DIMS] = { 0 };
	char cell[32];
	switch (r->ndims) {
	case 0:
		cell_text(t, 0, cell, sizeof(cell));
		fprintf(f, "Total  %s\n", cell);
		break;
	case 1:
		print_grid(f, r, idx, 0, -1);
		break;
	case 2:
		print_grid(f, r, idx, 0, 1);
		break;
	default:
		/* A value of the first dimension with no unit at all prints one line, not a grid of zeros. */
		for (size_t k = 0; k <= t->n[0]; k++) {
			size_t slice[STATS_MAX_DIMS] = { k, t->n[1], t->n[2] };
			size_t at = stats_table_index(t, slice);
			bool empty = t->flag[at] == STATS_SHOWN && t->count[at] == 0;
			idx[0] = k;
			fprintf(f, "%s%s = %s%s\n", k ? "\n" : "", stats_dim_at((size_t)r->dim[0])->name,
				k == t->n[0] ? "Total (all values)" : value_text(r, 0, k), empty ? ": 0" : "");
			if (!empty)
				print_grid(f, r, idx, 1, 2);
		}
		break;
	}
}

static int flush_buf(struct buf *b, FILE *f)
{
	if (buf_error(b))
		return -1;
	if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
		return -1;
	buf_reset(b);
	return 0;
}

/*
 * CSV, one row per cell, margins "*". A query: dim...,count,suppressed. A
 * report (table != NULL), whose tables have different dimensions:
 * table,dimension_1,value_1,dimension_2,value_2,dimension_3,value_3,count,suppressed.
 */
static int print_csv(FILE *f, const struct stats_result *r, const char *table, bool header)
{
	const struct stats_table *t = &r->t;
	struct buf b;
	buf_init(&b, (size_t)16 << 20);
	if (header && table) {
		buf_puts(&b, "table,dimension_1,value_1,dimension_2,value_2,dimension_3,value_3,count,suppressed\r\n");
	} else if (header) {
		for (int d = 0; d < r->ndims; d++) {
			export_csv_field(&b, stats_dim_at((size_t)r->dim[d])->name);
			buf_putc(&b, ',');
		}
		buf_puts(&b, "count,suppressed\r\n");
	}
	size_t n = stats_table_cells(t);
	size_t idx[STATS_MAX_DIMS];
	for (size_t i = 0; i < n; i++) {
		stats_table_coords(t, i, idx);
		if (table) {
			export_csv_field(&b, table);
			buf_putc(&b, ',');
		}
		for (int d = 0; d < (table ? STATS_MAX_DIMS : r->ndims); d++) {
			if (table && d >= r->ndims) {
				buf_puts(&b, ",,");
				continue;
			}
			if (table) {
				export_csv_field(&b, stats_dim_at((size_t)r->dim[d])->name);
				buf_putc(&b, ',');
			}
			export_csv_field(&b, idx[d] == t->n[d] ? "*" : value_text(r, d, idx[d]));
			buf_putc(&b, ',');
		}
		if (t->flag[i] != STATS_SHOWN)
			buf_puts(&b, ",true\r\n");
		else
			buf_printf(&b, "%lld,false\r\n", (long long)t->count[i]);
		if (b.len > ((size_t)8 << 20) && flush_buf(&b, f) < 0)
			break;
	}
	int rc = flush_buf(&b, f);
	buf_release(&b);
	return rc;
}

static int print_json(FILE *f, json_t *j)
{
	int rc = j ? json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
	if (rc == 0)
		fputc('\n', f);
	return rc;
}

static void print_heading(FILE *f, const struct stats_result *r, enum stats_view view, int64_t threshold,
			  const struct stats_suppress_report *rep)
{
	fprintf(f, "%s", stats_unit_name(r->unit));
	for (int d = 0; d < r->ndims; d++)
		fprintf(f, "%s%s", d ? " x " : " by ", stats_dim_at((size_t)r->dim[d])->name);
	if (view == STATS_VIEW_INTERNAL)
		fprintf(f, "  (internal view: exact counts, not for publication)\n");
	else
		fprintf(f, "  (publication view: counts from 1 to %lld suppressed, %zu cells shown as x)\n",
			(long long)(threshold - 1), rep->primary + rep->secondary);
}

/*
 * The output is gathered in memory and written once the run is audited:
 * nothing is printed that the audit log does not record.
 */
struct output {
	FILE *f;
	char *data;
	size_t len;
};

static int output_open(struct output *o)
{
	o->data = NULL;
	o->len = 0;
	o->f = open_memstream(&o->data, &o->len);
	return o->f ? 0 : ERR_NOMEM;
}

/* Close o; when rc == 0 write it to stdout. Returns the exit status. */
static int output_finish(struct output *o, int rc, const char *failed)
{
	if (o->f && fclose(o->f) != 0 && rc == 0)
		rc = ERR_NOMEM;
	if (rc < 0) {
		fprintf(stderr, "%s\n", failed);
		free(o->data);
		return 1;
	}
	bool ok = fwrite(o->data, 1, o->len, stdout) == o->len && fflush(stdout) == 0;
	free(o->data);
	if (!ok) {
		fprintf(stderr, "ihala stats: writing the output failed\n");
		return 1;
	}
	return 0;
}

/* ---- the commands ---- */

struct common {
	const char *dir;
	enum stats_view view;
	enum out_format format;
};

static int parse_common(const char *cmd, const char *a, const char *value, struct common *o, int *err)
{
	*err = 0;
	if (!strcmp(a, "--view")) {
		if (stats_view_parse(value, &o->view) < 0)
			*err = usage_error(cmd, "--view must be internal or publication");
		return 1;
	}
	if (!strcmp(a, "--format")) {
		if (!strcmp(value, "text"))
			o->format = OUT_TEXT;
		else if (!strcmp(value, "csv"))
			o->format = OUT_CSV;
		else if (!strcmp(value, "json"))
			o->format = OUT_JSON;
		else
			*err = usage_error(cmd, "--format must be text, csv or json");
		return 1;
	}
	return 0;
}

/*
 * Open DIR without its keys (statistics need none: stats.h), derive missing
 * statistical rows, hand out the system actor. The audit row of the run is
 * appended without a checkpoint; the next process holding the signing key
 * signs one.
 */
static int open_dir(const char *cmd, const char *dir, struct app *app, struct ctx *c)
{
	if (cli_app_open_keyless(app, dir) < 0)
		return -1;
	memset(c, 0, sizeof(*c));   /* the system actor */
	c->app = app;
	c->db = store_pool_acquire(app->pool);
	if (stats_prepare(c->db) < 0) {
		fprintf(stderr, "ihala %s: deriving the statistical rows failed (see the log line above)\n", cmd);
		store_pool_release(app->pool, c->db);
		cli_app_close(app);
		return -1;
	}
	return 0;
}

static void close_dir(struct app *app, struct ctx *c)
{
	store_pool_release(app->pool, c->db);
	cli_app_close(app);
}

static int64_t publication_threshold(const struct app *app)
{
	return app->cfg.stats_publication_threshold;
}

static int stats_query_main(int argc, char **argv)
{
	const char *cmd = "stats";
	struct common o = { NULL, STATS_VIEW_INTERNAL, OUT_TEXT };
	struct params p;
	memset(&p, 0, sizeof(p));
	static const char *const plain[] = { "unit", "dims", "date", "from", "to" };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		int err;
		if (a[0] == '-' && !has_val)
			return usage_error(cmd, "unknown option, or an option without its value");
		if (a[0] == '-' && parse_common(cmd, a, argv[i + 1], &o, &err)) {
			if (err)
				return err;
			i++;
			continue;
		}
		if (!strcmp(a, "--filter")) {
			const char *why;
			if (add_filter(&p, argv[++i], &why) < 0)
				return usage_error(cmd, why);
			continue;
		}
		bool known = false;
		for (size_t k = 0; a[0] == '-' && a[1] == '-' && k < sizeof(plain) / sizeof(plain[0]); k++) {
			if (!strcmp(a + 2, plain[k])) {
				if (param_set(&p, plain[k], argv[++i]) < 0)
					return usage_error(cmd, "an option is given twice");
				known = true;
				break;
			}
		}
		if (known)
			continue;
		if (a[0] == '-')
			return usage_error(cmd, "unknown option, or an option without its value");
		if (o.dir)
			return usage_error(cmd, "too many arguments");
		o.dir = a;
	}
	if (!o.dir)
		return usage_error(cmd, "missing DIR");

	struct stats_query q;
	char store[4096];
	struct problem pb = { 0 };
	if (stats_query_parse(param_get, &p, &q, store, sizeof(store), &pb) < 0) {
		char opt[128];
		option_name(pb.field, opt, sizeof(opt));
		fprintf(stderr, "ihala stats: %s: %s\n\n", opt,
			!strcmp(pb.code, "unknown_dimension")        ? "unknown dimension (listed below)"
			: !strcmp(pb.code, "dimension_not_for_unit") ? "this dimension does not apply to the unit"
			: !strcmp(pb.code, "too_many_dimensions")    ? "at most three dimensions"
			: !strcmp(pb.code, "too_many_filters")       ? "at most 8 filters"
								     : "not a valid value");
		print_usage(stderr);
		return 2;
	}

	struct app app;
	struct ctx c;
	if (open_dir(cmd, o.dir, &app, &c) < 0)
		return 1;
	int64_t threshold = publication_threshold(&app);
	struct stats_result r;
	struct stats_suppress_report rep = { 0, 0 };
	memset(&r, 0, sizeof(r));
	struct output out;
	int rc = output_open(&out);
	if (rc == 0) {
		rc = stats_run(c.db, &q, &r);
		if (rc == 0 && o.view == STATS_VIEW_PUBLICATION)
			rc = stats_suppress(&r.t, threshold, &rep);
		if (rc == 0 && o.format == OUT_TEXT) {
			print_heading(out.f, &r, o.view, threshold, &rep);
			print_text(out.f, &r);
		} else if (rc == 0 && o.format == OUT_CSV) {
			rc = print_csv(out.f, &r, NULL, true);
		} else if (rc == 0) {
			json_t *j = stats_result_json(&r);
			rc = print_json(out.f, j);
			json_decref(j);
		}
		stats_result_release(&r);
	}
	if (rc == 0 && ctx_audit_tx(&c, "stats.query", "stats", stats_unit_name(q.unit), "ok") < 0)
		rc = -1;
	close_dir(&app, &c);
	return output_finish(&out, rc, "ihala stats: the count failed (see the log line above)");
}

static int stats_report_main(int argc, char **argv)
{
	const char *cmd = "stats report";
	struct common o = { NULL, STATS_VIEW_INTERNAL, OUT_TEXT };
	long year = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		int err;
		if (a[0] == '-' && !has_val)
			return usage_error(cmd, "unknown option, or an option without its value");
		if (a[0] == '-' && parse_common(cmd, a, argv[i + 1], &o, &err)) {
			if (err)
				return err;
			i++;
		} else if (!strcmp(a, "--year")) {
			char *end;
			year = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || year < STATS_REPORT_MIN_YEAR || year > STATS_REPORT_MAX_YEAR)
				return usage_error(cmd, "--year needs a year from 1971 to 2200");
		} else if (a[0] == '-') {
			return usage_error(cmd, "unknown option, or an option without its value");
		} else if (o.dir) {
			return usage_error(cmd, "too many arguments");
		} else {
			o.dir = a;
		}
	}
	if (!o.dir)
		return usage_error(cmd, "missing DIR");
	if (year < 0)
		return usage_error(cmd, "missing --year YYYY");

	struct app app;
	struct ctx c;
	if (open_dir(cmd, o.dir, &app, &c) < 0)
		return 1;
	int64_t threshold = publication_threshold(&app);
	struct output out;
	int rc = output_open(&out);
	if (rc == 0 && o.format == OUT_JSON) {
		json_t *j = NULL;
		rc = stats_report_json(c.db, stats_report_tables, stats_report_ntables, (int)year, o.view, threshold,
				       &j);
		if (rc == 0)
			rc = print_json(out.f, j);
		json_decref(j);
	} else {
		for (size_t i = 0; rc == 0 && i < stats_report_ntables; i++) {
			const struct stats_report_def *d = &stats_report_tables[i];
			struct stats_result r;
			struct stats_suppress_report rep;
			rc = stats_report_run(c.db, d, (int)year, o.view, threshold, &r, &rep);
			if (rc < 0)
				break;
			if (o.format == OUT_TEXT) {
				fprintf(out.f, "%s%s, %ld\n%s\n", i ? "\n\n" : "", d->title.en, year, d->title.ar);
				print_heading(out.f, &r, o.view, threshold, &rep);
				print_text(out.f, &r);
			} else {
				rc = print_csv(out.f, &r, d->key, i == 0);
			}
			stats_result_release(&r);
		}
	}
	char object[32];
	snprintf(object, sizeof(object), "%ld:%s", year, stats_view_name(o.view));
	if (rc == 0 && ctx_audit_tx(&c, "stats.report", "stats", object, "ok") < 0)
		rc = -1;
	close_dir(&app, &c);
	return output_finish(&out, rc, "ihala stats report: the report failed (see the log line above)");
}

int cli_stats_main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "report")) {
		if (cli_wants_help(argc - 1, argv + 1)) {
			print_usage(stdout);
			return 0;
		}
		return stats_report_main(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "ctdc"))
		return cmd_stats_ctdc(argc - 1, argv + 1);
	if (cli_wants_help(argc, argv)) {
		print_usage(stdout);
		return 0;
	}
	return stats_query_main(argc, argv);
}
