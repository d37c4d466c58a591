/*
 * test_clk_febrl.c: linkage quality through CLKs on Febrl data set 4
 * (../shared/data/febrl4/, read from the repository root; skipped when
 * absent). dataset4a.csv holds 5,000 original records "rec-N-org",
 * dataset4b.csv one corrupted duplicate "rec-N-dup-0" of each: typing
 * errors, missing values, swapped parts. Both files are encoded with the
 * same secret by clk_encode (given name, surname, date of birth; Febrl has
 * no sex), matched by clk_match at the default threshold of `ihala link
 * match`, and the pairs scored against the record ids: F1 must reach 0.98
 * (the target). The figures are printed.
 *
 * The same match runs again with the portable kernel and must give exactly
 * the same pairs and scores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "domain/link/clk.h"

#define FEBRL_DIR "../shared/data/febrl4"
#define THRESHOLD 0.75   /* the default of `ihala link match` (src/cli/link_clk.c) */
#ifndef FIELDS
#define FIELDS (CLK_F_NAMES | CLK_F_BIRTH | CLK_F_DOCUMENT | CLK_F_ADDRESS)
#endif

static const char secret[] = "febrl test secret, 32 bytes long";

/* Split a Febrl line ("a, b, c") into at most max trimmed fields in place. */
static int split(char *line, char **out, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		while (*p == ' ')
			p++;
		out[n++] = p;
		char *comma = strchr(p, ',');
		char *end = comma ? comma : p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r'))
			end--;
		if (!comma) {
			*end = '\0';
			break;
		}
		*end = '\0';
		p = comma + 1;
	}
	return n;
}

/* Encode a Febrl file into s (references: the record ids). Returns 0 or -1 when absent. */
static int load(const char *path, const struct clk_key *key, struct clk_set *s)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		char *col[16];
		if (lineno++ == 0)
			continue;   /* the header */
		int n = split(line, col, 16);
		assert_true(n >= 11);
		/* rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth */
		char date[16] = "";
		if (strlen(col[9]) == 8)
			snprintf(date, sizeof(date), "%.4s-%.2s-%.2s", col[9], col[9] + 4, col[9] + 6);
		char street[256];
		snprintf(street, sizeof(street), "%s %s", col[3], col[4]);
		struct clk_person p = {
			.given = { col[1], NULL },
			.family = { col[2], NULL },
			.birth_date = date[0] ? date : NULL,
			.document = col[10],
			.address = { street, col[5], col[6], col[7] },
		};
		uint64_t filter[CLK_WORDS];
		int rc = clk_encode(key, FIELDS, &p, filter);
		if (rc == ERR_NOT_FOUND || rc == ERR_INVALID)
			continue;   /* nothing to encode, or a corrupted date: the record cannot be matched */
		assert_int_equal(rc, 0);
		assert_int_equal(clk_set_add(s, col[0], filter), 0);
	}
	fclose(f);
	return 0;
}

/* The record number of "rec-N-org" / "rec-N-dup-0". */
static long rec_number(const char *ref)
{
	return strtol(ref + 4, NULL, 10);
}

static void test_febrl4_f1(void **state)
{
	(void)state;
	struct clk_key *key;
	struct clk_set a, b;
	clk_set_init(&a);
	clk_set_init(&b);
	assert_int_equal(clk_key_new(&key, (const unsigned char *)secret, strlen(secret)), 0);
	if (load(FEBRL_DIR "/dataset4a.csv", key, &a) < 0 || load(FEBRL_DIR "/dataset4b.csv", key, &b) < 0) {
		clk_key_free(key);
		clk_set_release(&a);
		clk_set_release(&b);
		skip();
	}
	clk_key_free(key);
	assert_true(a.n > 4900 && b.n > 4900);
	double mean_pop = 0;
	for (size_t i = 0; i < a.n; i++)
		mean_pop += a.pops[i];
	mean_pop /= (double)a.n;

	/* The true pairs: record numbers present in both files. */
	long true_pairs = 0;
	{
		char *in_a = calloc(100000, 1);
		assert_non_null(in_a);
		for (size_t i = 0; i < a.n; i++)
			in_a[rec_number(clk_set_ref(&a, i)) % 100000] = 1;
		for (size_t j = 0; j < b.n; j++)
			true_pairs += in_a[rec_number(clk_set_ref(&b, j)) % 100000];
		free(in_a);
	}
	assert_true(true_pairs > 4900);

	struct clk_match_opts o = { .threshold = THRESHOLD, .threads = 2 };
	struct clk_pair *pairs;
	size_t n;
	struct clk_match_stats st;
	clock_t t0 = clock();
	assert_int_equal(clk_match(&a, &b, &o, &pairs, &n, &st), 0);
	double took = (double)(clock() - t0) / CLOCKS_PER_SEC;
	long tp = 0;
	for (size_t i = 0; i < n; i++)
		tp += rec_number(clk_set_ref(&a, pairs[i].a)) == rec_number(clk_set_ref(&b, pairs[i].b));
	double precision = n ? (double)tp / (double)n : 0, recall = (double)tp / (double)true_pairs;
	double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
	printf("# febrl4 through CLKs: %zu x %zu records (mean %.0f bits set of %d), %ld true pairs; threshold "
	       "%.2f: %zu pairs, precision %.4f recall %.4f F1 %.4f (kernel %s, %llu of %llu pairs compared, "
	       "%.2f s CPU)\n",
	       a.n, b.n, mean_pop, CLK_BITS, true_pairs, THRESHOLD, n, precision, recall, f1, clk_kernel_name(),
	       (unsigned long long)st.compared, (unsigned long long)st.pairs, took);
	assert_true(f1 >= 0.98);

	/* The portable kernel: the same pairs, the same scores, bit for bit. */
	enum clk_kernel was = clk_kernel_current();
	assert_int_equal(clk_kernel_force(CLK_KERNEL_PORTABLE), 0);
	struct clk_pair *again;
	size_t n_again;
	assert_int_equal(clk_match(&a, &b, &o, &again, &n_again, &st), 0);
	assert_int_equal(clk_kernel_force(was), 0);
	assert_int_equal(n_again, n);
	assert_memory_equal(again, pairs, n * sizeof(*pairs));

	free(pairs);
	free(again);
	clk_set_release(&a);
	clk_set_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_febrl4_f1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
