/*
 * link_dedup.c: `ihala link dedup DIR [--out PAIRS.csv] [--threshold W]
 * [--review W] [--dry-run]`: check every case of a data folder against every
 * other for likely duplicates (src/domain/link/dedup.h, docs/linkage.md),
 * store the pairs in the review queue, print counts, and optionally write
 * the pairs as CSV. For the operator of the installation; audited with the
 * system as the actor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/ctx.h"
#include "../core/buf.h"
#include "../domain/case/export.h"
#include "../domain/link/dedup.h"
#include "cli.h"

static const char dedup_usage[] =
	"usage: ihala link dedup DIR [--out PAIRS.csv] [--threshold W] [--review W] [--dry-run]\n"
	"\n"
	"Check every case of the installation against every other for likely\n"
	"duplicates, without decrypting a record: candidate pairs share a name\n"
	"token, a pair of tokens, a cross-script key, a document number, or a\n"
	"birth date and a name; each is scored by Fellegi-Sunter weights whose m\n"
	"and u are estimated from the data by EM (docs/linkage.md). Pairs at or\n"
	"above the review weight go to the review queue (GET /api/v1/link/pairs):\n"
	"new ones are added, open ones rescored, open ones no longer found removed;\n"
	"pairs decided \"different\" and cases already one person are left alone.\n"
	"The estimated model is kept for checking new cases when they are saved.\n"
	"\n"
	"  --out FILE      also write the pairs, best first, as CSV (created with\n"
	"                  mode 0600; replaced only when the run succeeds):\n"
	"                  ref_a,ref_b,external_ref_a,external_ref_b,score,class\n"
	"                  (score: the match weight in bits; class: likely or review)\n"
	"  --threshold W   the weight from which a pair is likely (default:\n"
	"                  link_likely_weight of ihala.conf, 4)\n"
	"  --review W      the weight from which a pair is kept for review (default:\n"
	"                  link_review_weight of ihala.conf, 0)\n"
	"  --dry-run       score and report, change nothing in the database\n"
	"\n"
	"Prints the number of cases, candidate pairs, likely and review pairs.\n"
	"The CSV holds case references and source record ids, no names; keep it\n"
	"private all the same. Exit status: 0 ok, 1 the run failed (nothing is\n"
	"stored, nothing is left at FILE), 2 usage error.\n";

static int usage_error(const char *why)
{
	fprintf(stderr, "ihala link dedup: %s\n\n%s", why, dedup_usage);
	return 2;
}

static int parse_weight(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= -1000 && v <= 1000))
		return -1;
	*out = v;
	return 0;
}

struct csv_out {
	struct out_file file;
	struct buf b;
	int err;
};

static int flush(struct csv_out *o)
{
	if (out_file_write(&o->file, o->b.data, o->b.len) < 0)
		return -1;
	buf_reset(&o->b);
	return 0;
}

static int csv_row(struct csv_out *o, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&o->b, ',');
		export_csv_field(&o->b, cells[i]);
	}
	buf_puts(&o->b, "\r\n");
	if (buf_error(&o->b))
		return -1;
	return o->b.len > (1u << 20) ? flush(o) : 0;
}

static int found(void *arg, const struct dedup_found *p)
{
	struct csv_out *o = arg;
	if (!o)
		return 0;
	char score[32];
	snprintf(score, sizeof(score), "%.2f", p->score);
	const char *cells[] = { p->ref_a, p->ref_b, p->external_ref_a, p->external_ref_b, score, p->class_name };
	return csv_row(o, cells, sizeof(cells) / sizeof(cells[0]));
}

int cli_link_dedup_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(dedup_usage, stdout);
		return 0;
	}
	const char *dir = NULL, *out = NULL;
	double likely = 0, review = 0;
	bool has_likely = false, has_review = false, dry_run = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--out") && has_val) {
			out = argv[++i];
		} else if (!strcmp(a, "--threshold") && has_val) {
			if (parse_weight(argv[++i], &likely) < 0)
				return usage_error("--threshold needs a number (a weight in bits)");
			has_likely = true;
		} else if (!strcmp(a, "--review") && has_val) {
			if (parse_weight(argv[++i], &review) < 0)
				return usage_error("--review needs a number (a weight in bits)");
			has_review = true;
		} else if (!strcmp(a, "--dry-run")) {
			dry_run = true;
		} else if (a[0] == '-') {
			return usage_error("unknown option, or an option without its value");
		} else if (dir) {
			return usage_error("too many arguments");
		} else {
			dir = a;
		}
	}
	if (!dir)
		return usage_error("missing DIR");

	struct csv_out csv;
	memset(&csv, 0, sizeof(csv));
	if (out) {
		if (out_file_open(&csv.file, out) < 0) {
			if (errno == ENAMETOOLONG)
				return usage_error("--out path too long");
			fprintf(stderr, "ihala link dedup: cannot create %s: %s\n", csv.file.tmp, strerror(errno));
			return 1;
		}
		buf_init(&csv.b, (size_t)64 << 20);
		const char *header[] = { "ref_a", "ref_b", "external_ref_a", "external_ref_b", "score", "class" };
		if (csv_row(&csv, header, 6) < 0) {
			out_file_close(&csv.file, -1);
			buf_release(&csv.b);
			return 1;
		}
	}
	struct app app;
	if (cli_app_open(&app, dir, NULL, 1) < 0) {
		if (out) {
			out_file_close(&csv.file, -1);
			buf_release(&csv.b);
		}
		return 1;
	}
	struct dedup_options o;
	dedup_options_init(&o, &app.cfg);
	if (has_likely)
		o.likely_weight = likely;
	if (has_review)
		o.review_weight = review;
	if (o.review_weight > o.likely_weight)
		o.review_weight = o.likely_weight;
	o.dry_run = dry_run;
	o.found = found;
	o.arg = out ? &csv : NULL;
	struct ctx c;
	memset(&c, 0, sizeof(c));   /* the system actor */
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	struct dedup_report rep;
	int rc = dedup_run(&c, &o, &rep);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	if (out) {
		if (rc == 0 && flush(&csv) < 0)
			rc = -1;
		if (out_file_close(&csv.file, rc) < 0)
			rc = -1;
		buf_release(&csv.b);
	}
	if (rc < 0) {
		fprintf(stderr, "ihala link dedup: the check failed (see the log line above); nothing was stored%s\n",
			out ? " or written" : "");
		return 1;
	}
	printf("cases: %lld\ncandidate pairs: %lld\nlikely pairs: %lld (weight >= %.2f)\n"
	       "review pairs: %lld (weight >= %.2f)\n",
	       (long long)rep.n_cases, (long long)rep.n_candidates, (long long)rep.n_likely, o.likely_weight,
	       (long long)rep.n_review, o.review_weight);
	if (dry_run)
		printf("dry run: nothing stored\n");
	else
		printf("stored: %lld new, %lld no longer found removed, %lld decided different left alone\n",
		       (long long)rep.n_new, (long long)rep.n_removed, (long long)rep.n_decided_kept);
	printf("model: %d EM iterations, share of matches among candidates %.4f\n", rep.model.iterations,
	       rep.model.lambda);
	if (out)
		printf("pairs written to %s\n", out);
	return 0;
}
