/*
 * link_clk.c: `ihala link encode` and `ihala link match`: privacy-preserving
 * linkage between installations with CLK encodings (src/domain/link/clk.h,
 * docs/linkage.md). encode reads a data folder as the system (like
 * `ihala export`) and is audited there; match reads two encoding files and
 * needs neither a data folder nor the secret.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../auth/ctx.h"
#include "../core/buf.h"
#include "../domain/link/clk.h"
#include "cli.h"

#define DEFAULT_THRESHOLD 0.75

static const char encode_usage[] =
	"usage: ihala link encode DIR --secret-file FILE --out FILE [--fields LIST]\n"
	"                         [--status STATUS] [--limit N]\n"
	"\n"
	"Write the CLK encodings of the cases of the installation in DIR, newest\n"
	"first: for each case, its reference and a 1024-bit Bloom filter of keyed\n"
	"hashes of the person's given and family names (as recorded and in Latin\n"
	"letters), birth date and sex. The file holds no name or other value in\n"
	"clear; only a holder of the same secret can make comparable encodings.\n"
	"Cases with neither a name nor a birth date (nor a document number, when\n"
	"encoded) are left out.\n"
	"\n"
	"  --secret-file F   the secret agreed with the other party (16 to 4096\n"
	"                    bytes; trailing newlines ignored). It must belong to\n"
	"                    you, be closed to others (chmod 600), and lie outside\n"
	"                    DIR and outside the folder of --out: never keep the\n"
	"                    secret beside the data or the encodings.\n"
	"  --out FILE        the encoding file (created with mode 0600; replaced\n"
	"                    only when the encoding succeeds)\n"
	"  --fields LIST     what to encode, comma-separated, agreed with the other\n"
	"                    party: names (always), birth, sex, document (identity\n"
	"                    document number), address (street, city, state, postal\n"
	"                    code). Default: names,birth,sex\n"
	"  --status S        only cases of this status (Active, FollowUp, Closed,\n"
	"                    ClosedReferred)\n"
	"  --limit N         at most N cases\n"
	"\n"
	"Audited in DIR as link.encode with the number of encodings, the system\n"
	"as the actor. Prints the count and the key check: the other party's\n"
	"check must be the same, or the two files cannot be matched.\n"
	"\n"
	"Exit status: 0 ok, 1 the encoding failed (nothing is left at FILE),\n"
	"2 usage error. See docs/linkage.md.\n";

static const char match_usage[] =
	"usage: ihala link match A B --out PAIRS [--threshold T] [--threads N]\n"
	"\n"
	"Compare every encoding of file A with every encoding of file B (both\n"
	"written by `ihala link encode` with the same secret) by the Sorensen-Dice\n"
	"coefficient of their bits, keep the pairs at or above the threshold, and\n"
	"pair each record with at most one of the other file: best score first,\n"
	"a pair is kept when neither record is paired yet.\n"
	"\n"
	"  --out PAIRS       CSV written with mode 0600: a header ref_a,ref_b,score\n"
	"                    then one line per pair (references of A and of B, the\n"
	"                    score with 4 decimals), best first\n"
	"  --threshold T     the least score of a pair, 0 < T <= 1 (default 0.75)\n"
	"  --threads N       threads comparing (default: the online CPUs)\n"
	"\n"
	"Needs no data folder and no secret. The environment variable\n"
	"IHALA_CLK_KERNEL=portable|avx2|avx512 chooses the comparison kernel\n"
	"(default: the fastest this CPU runs; all give the same results).\n"
	"\n"
	"Exit status: 0 ok, 1 a file cannot be read or the two files cannot be\n"
	"compared (another version's parameters, or another secret), 2 usage\n"
	"error. See docs/linkage.md.\n";

static int usage_error(const char *cmd, const char *usage, const char *why)
{
	fprintf(stderr, "ihala link %s: %s\n\n%s", cmd, why, usage);
	return 2;
}

/* The folder that holds path (resolved), into out; -1 when it does not exist. */
static int folder_of(const char *path, char out[PATH_MAX])
{
	char copy[PATH_MAX];
	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -1;
	char *slash = strrchr(copy, '/');
	if (!slash)
		snprintf(copy, sizeof(copy), ".");
	else if (slash == copy)
		copy[1] = '\0';
	else
		*slash = '\0';
	return realpath(copy, out) ? 0 : -1;
}

/* Is the resolved path inside the resolved folder? */
static bool inside(const char *path, const char *folder)
{
	size_t n = strlen(folder);
	if (n == 1)   /* "/" */
		return true;
	return !strncmp(path, folder, n) && (path[n] == '/' || path[n] == '\0');
}

int cli_link_encode_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(encode_usage, stdout);
		return 0;
	}
	const char *dir = NULL, *out = NULL, *secret_file = NULL;
	struct clk_case_selection sel = { 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--out") && has_val) {
			out = argv[++i];
		} else if (!strcmp(a, "--secret-file") && has_val) {
			secret_file = argv[++i];
		} else if (!strcmp(a, "--status") && has_val) {
			sel.status = argv[++i];
		} else if (!strcmp(a, "--fields") && has_val) {
			if (clk_fields_parse(argv[++i], &sel.fields) < 0)
				return usage_error("encode", encode_usage,
						   "--fields takes names, birth, sex, document, address, comma-separated");
		} else if (!strcmp(a, "--limit") && has_val) {
			char *end;
			errno = 0;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || errno)
				return usage_error("encode", encode_usage, "--limit needs a positive number");
			sel.max = (size_t)n;
		} else if (a[0] == '-') {
			return usage_error("encode", encode_usage, "unknown option, or an option without its value");
		} else if (dir) {
			return usage_error("encode", encode_usage, "too many arguments");
		} else {
			dir = a;
		}
	}
	if (!dir)
		return usage_error("encode", encode_usage, "missing DIR");
	if (!secret_file)
		return usage_error("encode", encode_usage, "missing --secret-file FILE");
	if (!out)
		return usage_error("encode", encode_usage, "missing --out FILE");
	static const char *const statuses[] = { "Active", "FollowUp", "Closed", "ClosedReferred" };
	bool ok_status = !sel.status;
	for (size_t i = 0; !ok_status && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		ok_status = !strcmp(sel.status, statuses[i]);
	if (!ok_status)
		return usage_error("encode", encode_usage,
				   "--status must be Active, FollowUp, Closed or ClosedReferred");

	/* Where the secret is kept: outside the data folder, not beside the encodings. */
	char secret_real[PATH_MAX], dir_real[PATH_MAX], secret_dir[PATH_MAX], out_dir[PATH_MAX];
	if (!realpath(secret_file, secret_real) || folder_of(secret_real, secret_dir) < 0) {
		fprintf(stderr, "ihala link encode: the secret file %s cannot be found\n", secret_file);
		return 1;
	}
	if (!realpath(dir, dir_real)) {
		fprintf(stderr, "ihala link encode: the data folder %s cannot be found\n", dir);
		return 1;
	}
	if (folder_of(out, out_dir) < 0) {
		fprintf(stderr, "ihala link encode: the folder of %s does not exist\n", out);
		return 1;
	}
	if (inside(secret_real, dir_real)) {
		fprintf(stderr, "ihala link encode: the secret file must not be kept in the data folder\n");
		return 1;
	}
	if (!strcmp(secret_dir, out_dir)) {
		fprintf(stderr, "ihala link encode: the secret file must not be kept beside the encodings: "
				"write --out to another folder\n");
		return 1;
	}

	char err[512];
	struct clk_key *key;
	if (clk_key_from_file(&key, secret_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "ihala link encode: %s\n", err);
		return 1;
	}
	struct app app;
	if (cli_app_open(&app, dir, NULL, 1) < 0) {
		clk_key_free(key);
		return 1;
	}
	struct ctx c;
	memset(&c, 0, sizeof(c));   /* the system actor */
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	struct clk_set set;
	clk_set_init(&set);
	size_t skipped = 0;
	char check[17];
	clk_key_check(key, check);
	int rc = clk_encode_cases(&c, key, &sel, &set, &skipped);
	clk_key_free(key);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	if (rc < 0) {
		clk_set_release(&set);
		fprintf(stderr, "ihala link encode: the encoding failed (see the log line above); nothing was "
				"written to %s\n", out);
		return 1;
	}
	rc = clk_file_write(out, &set, check, err, sizeof(err));
	size_t n = set.n;
	clk_set_release(&set);
	if (rc < 0) {
		fprintf(stderr, "ihala link encode: %s; nothing was written to %s\n", err, out);
		return 1;
	}
	char fields[CLK_FIELDS_TEXT_MAX];
	clk_fields_format(sel.fields ? sel.fields : CLK_FIELDS_DEFAULT, fields);
	printf("encoded %zu cases to %s (fields %s; %zu left out: nothing to encode)\nkey check: %s\n", n, out,
	       fields, skipped, check);
	return 0;
}

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Write what text holds to f and empty it; 0 or -1 (also when text ran out of memory). */
static int flush_text(struct out_file *f, struct buf *text)
{
	int rc = buf_error(text) || out_file_write(f, text->data, text->len) < 0 ? -1 : 0;
	buf_reset(text);
	return rc;
}

static int write_pairs(const char *path, const struct clk_set *a, const struct clk_set *b,
		       const struct clk_pair *pairs, size_t n)
{
	struct out_file f;
	if (out_file_open(&f, path) < 0)
		return -1;
	struct buf text;
	buf_init(&text, (size_t)4 << 20);
	buf_puts(&text, "ref_a,ref_b,score\n");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		buf_printf(&text, "%s,%s,%.4f\n", clk_set_ref(a, pairs[i].a), clk_set_ref(b, pairs[i].b),
			   pairs[i].score);
		if (text.len > (1u << 20))
			rc = flush_text(&f, &text);
	}
	if (rc == 0)
		rc = flush_text(&f, &text);
	buf_release(&text);
	return out_file_close(&f, rc);
}

int cli_link_match_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(match_usage, stdout);
		return 0;
	}
	const char *files[2] = { NULL, NULL }, *out = NULL;
	int n_files = 0;
	struct clk_match_opts o = { .threshold = DEFAULT_THRESHOLD };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (!strcmp(a, "--out") && has_val) {
			out = argv[++i];
		} else if (!strcmp(a, "--threshold") && has_val) {
			char *end;
			o.threshold = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(o.threshold > 0.0 && o.threshold <= 1.0))
				return usage_error("match", match_usage, "--threshold needs a number above 0, at most 1");
		} else if (!strcmp(a, "--threads") && has_val) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > CLK_MATCH_THREADS_MAX)
				return usage_error("match", match_usage, "--threads needs a number from 1 to 64");
			o.threads = (unsigned)n;
		} else if (a[0] == '-') {
			return usage_error("match", match_usage, "unknown option, or an option without its value");
		} else if (n_files == 2) {
			return usage_error("match", match_usage, "too many arguments");
		} else {
			files[n_files++] = a;
		}
	}
	if (n_files < 2)
		return usage_error("match", match_usage, "missing the files A and B");
	if (!out)
		return usage_error("match", match_usage, "missing --out PAIRS");

	struct clk_set sets[2];
	char err[512];
	int rc = 0;
	clk_set_init(&sets[0]);
	clk_set_init(&sets[1]);
	for (int i = 0; rc == 0 && i < 2; i++) {
		rc = clk_file_read(files[i], &sets[i], err, sizeof(err));
		if (rc < 0)
			fprintf(stderr, "ihala link match: %s: %s\n", files[i], err);
	}
	if (rc == 0 && sets[0].fields != sets[1].fields) {
		char fa[CLK_FIELDS_TEXT_MAX], fb[CLK_FIELDS_TEXT_MAX];
		clk_fields_format(sets[0].fields, fa);
		clk_fields_format(sets[1].fields, fb);
		fprintf(stderr, "ihala link match: the two files encode different fields (%s and %s)\n", fa, fb);
		rc = ERR_INVALID;
	}
	if (rc == 0 && strcmp(sets[0].check, sets[1].check) != 0) {
		fprintf(stderr, "ihala link match: the two files were encoded with different secrets "
				"(key check %s and %s)\n", sets[0].check, sets[1].check);
		rc = ERR_INVALID;
	}
	struct clk_pair *pairs = NULL;
	size_t n_pairs = 0;
	struct clk_match_stats stats;
	double t0 = seconds_now();
	if (rc == 0 && (rc = clk_match(&sets[0], &sets[1], &o, &pairs, &n_pairs, &stats)) < 0)
		fprintf(stderr, "ihala link match: the comparison failed (out of memory?)\n");
	double took = seconds_now() - t0;
	if (rc == 0 && write_pairs(out, &sets[0], &sets[1], pairs, n_pairs) < 0) {
		fprintf(stderr, "ihala link match: cannot write %s: %s\n", out, strerror(errno));
		rc = ERR_FAIL;
	}
	if (rc == 0)
		printf("%zu pairs at or above %.4g written to %s\n"
		       "%zu x %zu records; %llu pairs compared, %llu skipped by their bit counts; "
		       "%.2f s (kernel %s)\n",
		       n_pairs, o.threshold, out, sets[0].n, sets[1].n, (unsigned long long)stats.compared,
		       (unsigned long long)(stats.pairs - stats.compared), took, clk_kernel_name());
	free(pairs);
	clk_set_release(&sets[0]);
	clk_set_release(&sets[1]);
	return rc == 0 ? 0 : 1;
}
