/*
 * test_stats_suppress.c: the shape of a table of counts and its disclosure
 * control (domain/stats/stats_table.h, table.c, suppress.c).
 *
 * The property tests draw thousands of random tables (one to three
 * dimensions, random sizes, many small counts, margins as sums) and check
 * after stats_suppress that every count from 1 to threshold-1 is hidden,
 * that no line holds exactly one hidden cell, and that no hidden cell can be
 * computed from the published ones. The last check does not trust
 * suppress.c: it writes every line equation over the hidden cells (inner
 * cells +1, the margin -1) as a matrix of doubles, brings it to reduced row
 * echelon form with partial pivoting, and calls a cell determined when its
 * column is a pivot whose row has nothing left in the free columns. The
 * same check is compared with stats_cell_recoverable on random patterns of
 * hidden cells, where many cells are recoverable, so that both answers are
 * exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/err.h"
#include "domain/stats/stats_table.h"

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible tables; the seed is printed on failure */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

static double dabs(double x)
{
	return x < 0 ? -x : x;
}

static void table_make(struct stats_table *t, int ndims, const size_t *n)
{
	memset(t, 0, sizeof(*t));
	t->ndims = ndims;
	for (int d = 0; d < ndims; d++) {
		t->n[d] = n[d];
		t->additive[d] = true;
	}
	assert_int_equal(stats_table_alloc(t), 0);
}

static bool is_margin_cell(const struct stats_table *t, size_t i)
{
	size_t idx[STATS_MAX_DIMS];
	stats_table_coords(t, i, idx);
	for (int d = 0; d < t->ndims; d++)
		if (idx[d] == t->n[d])
			return true;
	return false;
}

/* Random inner counts: zeros, small ones, larger ones, in the proportions asked. */
static void fill_random(struct stats_table *t, int pct_zero, int pct_small)
{
	size_t cells = stats_table_cells(t);
	for (size_t i = 0; i < cells; i++) {
		if (is_margin_cell(t, i)) {
			t->count[i] = 0;
			continue;
		}
		int r = (int)rnd_below(100);
		if (r < pct_zero)
			t->count[i] = 0;
		else if (r < pct_zero + pct_small)
			t->count[i] = 1 + (int64_t)rnd_below(10);
		else
			t->count[i] = 11 + (int64_t)rnd_below(90);
	}
	stats_table_sum_margins(t);
}

static void table_print(const struct stats_table *t)
{
	size_t cells = stats_table_cells(t);
	fprintf(stderr, "table ndims=%d n=", t->ndims);
	for (int d = 0; d < t->ndims; d++)
		fprintf(stderr, "%zu ", t->n[d]);
	fprintf(stderr, "\n");
	for (size_t i = 0; i < cells; i++)
		fprintf(stderr, "%lld%s%s", (long long)t->count[i], t->flag[i] == STATS_PRIMARY ? "P" :
			t->flag[i] == STATS_SECONDARY ? "S" : "", (i + 1) % (t->ndims ? t->n[t->ndims - 1] + 1 : 1) ? " " : "\n");
	fprintf(stderr, "\n");
}

/* Stride of dimension d in the row-major layout. */
static size_t stride_of(const struct stats_table *t, int d)
{
	size_t s = 1;
	for (int e = t->ndims - 1; e > d; e--)
		s *= t->n[e] + 1;
	return s;
}

/* Number of lines with exactly one hidden cell. */
static size_t lone_lines(const struct stats_table *t)
{
	size_t cells = stats_table_cells(t), lone = 0, idx[STATS_MAX_DIMS];
	for (int d = 0; d < t->ndims; d++) {
		size_t stride = stride_of(t, d);
		for (size_t i = 0; i < cells; i++) {
			stats_table_coords(t, i, idx);
			if (idx[d] != 0)
				continue;
			size_t hidden = 0;
			for (size_t k = 0; k <= t->n[d]; k++)
				hidden += t->flag[i + k * stride] != STATS_SHOWN;
			lone += hidden == 1;
		}
	}
	return lone;
}

/*
 * The independent check: det[i] = true for each hidden cell that the
 * published cells determine through the line equations.
 */
static void independent_determined(const struct stats_table *t, bool *det)
{
	size_t cells = stats_table_cells(t), idx[STATS_MAX_DIMS];
	size_t *col_of = calloc(cells, sizeof(*col_of)), *cell_of = calloc(cells, sizeof(*cell_of));
	assert_non_null(col_of);
	assert_non_null(cell_of);
	size_t ncols = 0;
	for (size_t i = 0; i < cells; i++) {
		det[i] = false;
		if (t->flag[i] != STATS_SHOWN) {
			col_of[i] = ncols;
			cell_of[ncols++] = i;
		}
	}
	if (ncols == 0 || t->ndims == 0) {
		free(col_of);
		free(cell_of);
		return;
	}
	/* Rows: every line with a hidden cell. */
	size_t nlines = 0;
	for (int d = 0; d < t->ndims; d++)
		nlines += cells / (t->n[d] + 1);
	double *a = calloc(nlines * ncols, sizeof(*a));
	assert_non_null(a);
	size_t nrows = 0;
	for (int d = 0; d < t->ndims; d++) {
		size_t stride = stride_of(t, d);
		for (size_t i = 0; i < cells; i++) {
			stats_table_coords(t, i, idx);
			if (idx[d] != 0)
				continue;
			bool any = false;
			for (size_t k = 0; k <= t->n[d]; k++) {
				size_t c = i + k * stride;
				if (t->flag[c] != STATS_SHOWN) {
					a[nrows * ncols + col_of[c]] = k == t->n[d] ? -1.0 : 1.0;
					any = true;
				}
			}
			if (any)
				nrows++;
		}
	}
	/* Reduced row echelon form with partial pivoting. */
	const double tol = 1e-7;
	size_t *pivot_row_of_col = malloc(ncols * sizeof(size_t));
	assert_non_null(pivot_row_of_col);
	for (size_t c = 0; c < ncols; c++)
		pivot_row_of_col[c] = SIZE_MAX;
	size_t rank = 0;
	for (size_t c = 0; c < ncols && rank < nrows; c++) {
		size_t best = rank;
		for (size_t r = rank + 1; r < nrows; r++)
			if (dabs(a[r * ncols + c]) > dabs(a[best * ncols + c]))
				best = r;
		if (dabs(a[best * ncols + c]) < tol)
			continue;
		for (size_t j = 0; j < ncols; j++) {
			double x = a[rank * ncols + j];
			a[rank * ncols + j] = a[best * ncols + j];
			a[best * ncols + j] = x;
		}
		double p = a[rank * ncols + c];
		for (size_t j = 0; j < ncols; j++)
			a[rank * ncols + j] /= p;
		for (size_t r = 0; r < nrows; r++) {
			if (r == rank)
				continue;
			double f = a[r * ncols + c];
			if (dabs(f) < tol) {
				a[r * ncols + c] = 0;
				continue;
			}
			for (size_t j = 0; j < ncols; j++)
				a[r * ncols + j] -= f * a[rank * ncols + j];
		}
		pivot_row_of_col[c] = rank++;
	}
	for (size_t c = 0; c < ncols; c++) {
		if (pivot_row_of_col[c] == SIZE_MAX)
			continue;
		size_t r = pivot_row_of_col[c];
		bool alone = true;
		for (size_t j = 0; j < ncols && alone; j++)
			if (pivot_row_of_col[j] == SIZE_MAX && dabs(a[r * ncols + j]) > tol)
				alone = false;
		det[cell_of[c]] = alone;
	}
	free(pivot_row_of_col);
	free(a);
	free(col_of);
	free(cell_of);
}

/* Check the publication properties of t after stats_suppress with threshold. */
static void check_properties(const struct stats_table *t, int64_t threshold, const struct stats_suppress_report *rep,
			     uint64_t seed)
{
	size_t cells = stats_table_cells(t), primary = 0, secondary = 0;
	for (size_t i = 0; i < cells; i++) {
		bool small = t->count[i] > 0 && t->count[i] < threshold;
		if (small != (t->flag[i] == STATS_PRIMARY)) {
			table_print(t);
			fail_msg("seed %llu: cell %zu count %lld flag %d", (unsigned long long)seed, i,
				 (long long)t->count[i], t->flag[i]);
		}
		primary += t->flag[i] == STATS_PRIMARY;
		secondary += t->flag[i] == STATS_SECONDARY;
	}
	assert_int_equal(rep->primary, primary);
	assert_int_equal(rep->secondary, secondary);
	if (lone_lines(t)) {
		table_print(t);
		fail_msg("seed %llu: a line holds exactly one suppressed cell", (unsigned long long)seed);
	}
	bool *det = calloc(cells, sizeof(*det));
	assert_non_null(det);
	independent_determined(t, det);
	for (size_t i = 0; i < cells; i++)
		if (det[i]) {
			table_print(t);
			fail_msg("seed %llu: suppressed cell %zu (count %lld) can be computed", (unsigned long long)seed, i,
				 (long long)t->count[i]);
		}
	free(det);
}

/* A random shape: 1 to 3 dimensions, each of 1 to max values. */
static int random_shape(size_t *n)
{
	int ndims = 1 + (int)rnd_below(3);
	static const size_t max[4] = { 0, 14, 9, 5 };
	for (int d = 0; d < ndims; d++)
		n[d] = 1 + rnd_below(max[ndims]);
	return ndims;
}

/* ---- tests ---- */

static void test_shape(void **state)
{
	(void)state;
	struct stats_table t;
	size_t n[3] = { 3, 4, 2 }, idx[3], back[3];
	table_make(&t, 3, n);
	assert_int_equal(stats_table_cells(&t), 4 * 5 * 3);
	for (size_t i = 0; i < stats_table_cells(&t); i++) {
		stats_table_coords(&t, i, idx);
		assert_int_equal(stats_table_index(&t, idx), i);
		memcpy(back, idx, sizeof(back));
		assert_true(back[0] <= 3 && back[1] <= 4 && back[2] <= 2);
	}
	/* Row-major: the last dimension varies fastest. */
	idx[0] = 1, idx[1] = 2, idx[2] = 1;
	assert_int_equal(stats_table_index(&t, idx), (1 * 5 + 2) * 3 + 1);
	/* Margins are sums of their lines, at every level. */
	for (size_t i = 0; i < stats_table_cells(&t); i++)
		t.count[i] = is_margin_cell(&t, i) ? -99 : (int64_t)(i % 7);
	stats_table_sum_margins(&t);
	int64_t total = 0;
	for (size_t i = 0; i < stats_table_cells(&t); i++)
		if (!is_margin_cell(&t, i))
			total += t.count[i];
	idx[0] = 3, idx[1] = 4, idx[2] = 2;
	assert_int_equal(t.count[stats_table_index(&t, idx)], total);
	for (size_t b = 0; b <= 4; b++) {
		int64_t sum = 0;
		for (size_t a = 0; a < 3; a++) {
			idx[0] = a, idx[1] = b, idx[2] = 2;
			sum += t.count[stats_table_index(&t, idx)];
		}
		idx[0] = 3, idx[1] = b, idx[2] = 2;
		assert_int_equal(t.count[stats_table_index(&t, idx)], sum);
	}
	stats_table_release(&t);
	stats_table_release(&t);   /* twice is harmless */

	/* Zero dimensions: one cell. */
	table_make(&t, 0, n);
	assert_int_equal(stats_table_cells(&t), 1);
	stats_table_release(&t);

	/* A shape over the cap is refused, not allocated. */
	memset(&t, 0, sizeof(t));
	t.ndims = 3;
	t.n[0] = t.n[1] = t.n[2] = 100000;
	assert_int_equal(stats_table_alloc(&t), ERR_TOO_LARGE);
	assert_null(t.count);
}

static void test_no_small_cells_untouched(void **state)
{
	(void)state;
	rng_state = 7;
	for (int round = 0; round < 200; round++) {
		size_t n[3];
		int ndims = random_shape(n);
		struct stats_table t;
		table_make(&t, ndims, n);
		/* zeros and counts of 11 and more only */
		fill_random(&t, 40, 0);
		struct stats_suppress_report rep;
		assert_int_equal(stats_suppress(&t, 11, &rep), 0);
		assert_int_equal(rep.primary + rep.secondary, 0);
		for (size_t i = 0; i < stats_table_cells(&t); i++)
			assert_int_equal(t.flag[i], STATS_SHOWN);
		stats_table_release(&t);
	}
}

static void test_zero_and_threshold(void **state)
{
	(void)state;
	struct stats_table t;
	size_t n[1] = { 4 };
	table_make(&t, 1, n);
	int64_t counts[4] = { 0, 0, 30, 40 };
	memcpy(t.count, counts, sizeof(counts));
	stats_table_sum_margins(&t);
	struct stats_suppress_report rep;
	assert_int_equal(stats_suppress(&t, 11, &rep), 0);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(t.flag[i], STATS_SHOWN);   /* zeros are published */

	/* Threshold 1 or less: nothing, even a count of 1; flags from before are cleared. */
	t.count[0] = 1;
	t.flag[2] = STATS_SECONDARY;
	stats_table_sum_margins(&t);
	assert_int_equal(stats_suppress(&t, 1, &rep), 0);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(t.flag[i], STATS_SHOWN);
	assert_int_equal(rep.primary, 0);

	/* One small cell: with its line's smallest other cell, and the total stays. */
	assert_int_equal(stats_suppress(&t, 11, NULL), 0);
	assert_int_equal(t.flag[0], STATS_PRIMARY);
	assert_int_equal(t.flag[1], STATS_SHOWN);     /* a zero is not taken as the complement */
	assert_int_equal(t.flag[2], STATS_SECONDARY); /* 30 < 40 */
	assert_int_equal(t.flag[3], STATS_SHOWN);
	assert_int_equal(t.flag[4], STATS_SHOWN);

	/* Only zeros beside it: the margin goes instead. */
	int64_t lone[4] = { 5, 0, 0, 0 };
	memcpy(t.count, lone, sizeof(lone));
	stats_table_sum_margins(&t);
	assert_int_equal(stats_suppress(&t, 11, &rep), 0);
	assert_int_equal(t.flag[0], STATS_PRIMARY);
	assert_int_equal(t.flag[4], STATS_PRIMARY);   /* the total is 5: small itself */
	assert_int_equal(rep.secondary, 0);
	stats_table_release(&t);

	/* Zero dimensions: the grand total alone. */
	table_make(&t, 0, n);
	t.count[0] = 4;
	assert_int_equal(stats_suppress(&t, 11, &rep), 0);
	assert_int_equal(t.flag[0], STATS_PRIMARY);
	t.count[0] = 0;
	assert_int_equal(stats_suppress(&t, 11, &rep), 0);
	assert_int_equal(t.flag[0], STATS_SHOWN);
	stats_table_release(&t);
}

/* One small cell in a table of large ones: a rectangle of four, totals published. */
static void test_rectangle(void **state)
{
	(void)state;
	struct stats_table t;
	size_t n[2] = { 4, 5 }, idx[2];
	table_make(&t, 2, n);
	for (size_t a = 0; a < 4; a++)
		for (size_t b = 0; b < 5; b++) {
			idx[0] = a, idx[1] = b;
			t.count[stats_table_index(&t, idx)] = 20 + (int64_t)(a * 5 + b);
		}
	idx[0] = 2, idx[1] = 3;
	t.count[stats_table_index(&t, idx)] = 3;
	stats_table_sum_margins(&t);
	struct stats_suppress_report rep;
	assert_int_equal(stats_suppress(&t, 11, &rep), 0);
	assert_int_equal(rep.primary, 1);
	assert_int_equal(rep.secondary, 3);
	size_t rows[5] = { 0 }, cols[6] = { 0 };
	for (size_t i = 0; i < stats_table_cells(&t); i++) {
		if (t.flag[i] == STATS_SHOWN)
			continue;
		assert_false(is_margin_cell(&t, i));
		stats_table_coords(&t, i, idx);
		rows[idx[0]]++;
		cols[idx[1]]++;
	}
	/* Two rows and two columns, two cells each; the smallest complements. */
	assert_int_equal(rows[2], 2);
	assert_int_equal(cols[3], 2);
	assert_int_equal(rows[0], 2);   /* row 0 holds the smallest counts */
	assert_int_equal(cols[0], 2);
	check_properties(&t, 11, &rep, 0);
	stats_table_release(&t);
}

/*
 * A pattern the line rule passes but the exact check does not: two hidden
 * rectangles joined by one hidden cell (a bridge) in a 2-D table. Every line
 * holds 0, 2 or 3 hidden cells, and yet the joining cell is the difference
 * of two published sums.
 */
static void test_bridge(void **state)
{
	(void)state;
	struct stats_table t;
	size_t n[2] = { 5, 5 }, idx[2];
	table_make(&t, 2, n);
	static const size_t hidden[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 }, { 1, 2 },
					    { 2, 2 }, { 2, 3 }, { 3, 2 }, { 3, 3 } };
	for (size_t a = 0; a < 5; a++)
		for (size_t b = 0; b < 5; b++) {
			idx[0] = a, idx[1] = b;
			t.count[stats_table_index(&t, idx)] = 50;
		}
	for (size_t k = 0; k < 9; k++) {
		idx[0] = hidden[k][0], idx[1] = hidden[k][1];
		t.count[stats_table_index(&t, idx)] = 2 + (int64_t)k;
	}
	stats_table_sum_margins(&t);
	for (size_t k = 0; k < 9; k++) {
		idx[0] = hidden[k][0], idx[1] = hidden[k][1];
		t.flag[stats_table_index(&t, idx)] = STATS_PRIMARY;
	}
	assert_int_equal(lone_lines(&t), 0);
	idx[0] = 1, idx[1] = 2;
	size_t bridge = stats_table_index(&t, idx);
	assert_true(stats_cell_recoverable(&t, bridge));
	for (size_t k = 0; k < 9; k++) {
		idx[0] = hidden[k][0], idx[1] = hidden[k][1];
		size_t i = stats_table_index(&t, idx);
		if (i != bridge)
			assert_false(stats_cell_recoverable(&t, i));
	}
	idx[0] = 4, idx[1] = 4;
	assert_true(stats_cell_recoverable(&t, stats_table_index(&t, idx)));   /* published: known */

	/* stats_suppress starts from the same nine small cells and protects the bridge. */
	struct stats_suppress_report rep;
	assert_int_equal(stats_suppress(&t, 11, &rep), 0);
	assert_int_equal(rep.primary, 9);
	assert_true(rep.secondary >= 1);
	assert_false(stats_cell_recoverable(&t, bridge));
	check_properties(&t, 11, &rep, 0);
	stats_table_release(&t);
}

/* The property test over random tables. */
static void test_random_tables(void **state)
{
	(void)state;
	size_t tables = 0, hidden = 0;
	for (uint64_t seed = 1; seed <= 3000; seed++) {
		rng_state = seed * 0x9e3779b97f4a7c15ull;
		size_t n[3];
		int ndims = random_shape(n);
		struct stats_table t;
		table_make(&t, ndims, n);
		int pct_zero = (int)rnd_below(50), pct_small = (int)rnd_below(101 - pct_zero);
		fill_random(&t, pct_zero, pct_small);
		int64_t threshold = rnd_below(8) ? 11 : 2 + (int64_t)rnd_below(30);
		struct stats_suppress_report rep;
		assert_int_equal(stats_suppress(&t, threshold, &rep), 0);
		check_properties(&t, threshold, &rep, seed);
		/* The same table gets the same pattern (no randomness leaks into publication). */
		unsigned char *first = malloc(stats_table_cells(&t));
		assert_non_null(first);
		memcpy(first, t.flag, stats_table_cells(&t));
		assert_int_equal(stats_suppress(&t, threshold, &rep), 0);
		assert_memory_equal(first, t.flag, stats_table_cells(&t));
		free(first);
		hidden += rep.primary + rep.secondary;
		tables++;
		stats_table_release(&t);
	}
	assert_int_equal(tables, 3000);
	assert_true(hidden > 10000);   /* the tables did exercise suppression */
}

/*
 * Multi-valued dimensions: margins below the sum of their lines. Treated as
 * if additive, so the properties (over the line equations) still hold.
 */
static void test_non_additive(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 300; seed++) {
		rng_state = seed * 0x51afd7ed558ccd1dull;
		size_t n[3];
		int ndims = random_shape(n);
		struct stats_table t;
		table_make(&t, ndims, n);
		fill_random(&t, 30, 40);
		t.additive[0] = false;
		for (size_t i = 0; i < stats_table_cells(&t); i++)
			if (is_margin_cell(&t, i) && t.count[i] > 3)
				t.count[i] -= (int64_t)rnd_below(3);
		struct stats_suppress_report rep;
		assert_int_equal(stats_suppress(&t, 11, &rep), 0);
		check_properties(&t, 11, &rep, seed);
		stats_table_release(&t);
	}
}

/* stats_cell_recoverable against the independent check, on random patterns of hidden cells. */
static void test_recoverable_matches(void **state)
{
	(void)state;
	size_t yes = 0, no = 0;
	for (uint64_t seed = 1; seed <= 1500; seed++) {
		rng_state = seed * 0xd1b54a32d192ed03ull;
		size_t n[3];
		int ndims = random_shape(n);
		struct stats_table t;
		table_make(&t, ndims, n);
		size_t cells = stats_table_cells(&t);
		int pct = 10 + (int)rnd_below(80);
		for (size_t i = 0; i < cells; i++)
			t.flag[i] = (int)rnd_below(100) < pct ? STATS_SECONDARY : STATS_SHOWN;
		bool *det = calloc(cells, sizeof(*det));
		assert_non_null(det);
		independent_determined(&t, det);
		for (size_t i = 0; i < cells; i++) {
			if (t.flag[i] == STATS_SHOWN)
				continue;
			bool r = stats_cell_recoverable(&t, i);
			if (r != det[i]) {
				table_print(&t);
				fail_msg("seed %llu cell %zu: suppress.c says %d, the independent check %d",
					 (unsigned long long)seed, i, r, det[i]);
			}
			yes += r;
			no += !r;
		}
		free(det);
		stats_table_release(&t);
	}
	/* Both answers occurred many times. */
	assert_true(yes > 1000);
	assert_true(no > 1000);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * The largest tables of a publication: 2-D 30 x 20 and 3-D 30 x 20 x 12,
 * from all small counts (everything hidden) to a realistic mix. Checked for
 * the cheap properties; the times are printed (not asserted: see
 * docs/statistics.md for figures from the release build).
 */
static void test_large_tables(void **state)
{
	(void)state;
	static const struct {
		int ndims;
		size_t n[3];
		int pct_zero, pct_small;
	} cases[] = {
		{ 2, { 13, 5, 0 }, 30, 30 },
		{ 2, { 30, 20, 0 }, 30, 40 },
		{ 2, { 30, 20, 0 }, 0, 100 },
		{ 3, { 30, 20, 12 }, 60, 30 },
		{ 3, { 30, 20, 12 }, 30, 50 },
		{ 3, { 30, 20, 12 }, 0, 100 },
	};
	rng_state = 12345;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct stats_table t;
		table_make(&t, cases[k].ndims, cases[k].n);
		fill_random(&t, cases[k].pct_zero, cases[k].pct_small);
		struct stats_suppress_report rep;
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(stats_suppress(&t, 11, &rep), 0);
		double s = seconds_since(&t0);
		size_t cells = stats_table_cells(&t);
		for (size_t i = 0; i < cells; i++)
			assert_int_equal(t.count[i] > 0 && t.count[i] < 11, t.flag[i] == STATS_PRIMARY);
		assert_int_equal(lone_lines(&t), 0);
		printf("# suppress %dD %zux%zux%zu (%d%% zero, %d%% small): %zu cells, %zu primary, %zu secondary, %.1f ms\n",
		       cases[k].ndims, cases[k].n[0], cases[k].n[1], cases[k].n[2], cases[k].pct_zero,
		       cases[k].pct_small, cells, rep.primary, rep.secondary, s * 1000);
		stats_table_release(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_no_small_cells_untouched),
		cmocka_unit_test(test_zero_and_threshold),
		cmocka_unit_test(test_rectangle),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_random_tables),
		cmocka_unit_test(test_non_additive),
		cmocka_unit_test(test_recoverable_matches),
		cmocka_unit_test(test_large_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
