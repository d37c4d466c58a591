/*
 * stats_table.h: a table of counts over zero to three dimensions, with its
 * margins, as the statistics engine computes it and as disclosure control
 * (suppression, noise) rewrites it. Pure data: no database, no key.
 *
 * Shape. Dimension d has n[d] values (its "unknown" value included, when the
 * engine keeps one). Along each dimension the index runs 0..n[d], where the
 * last index n[d] is the margin: the count over all values of d. So a table
 * of two dimensions of 3 and 4 values holds (3+1) x (4+1) = 20 cells:
 * 12 inner cells, 3 row totals, 4 column totals and the grand total. A table
 * of zero dimensions has one cell, the grand total. Cells are stored row-major
 * (the last dimension varies fastest).
 *
 * Additivity. A margin is the sum of its line when every unit falls in exactly
 * one value of the dimension. For a multi-valued dimension (forms of
 * exploitation: one person, several forms) the margin counts each unit once
 * and is less than or equal to the sum: additive[d] is false. Disclosure
 * control treats such a line as if it were additive (the safe side).
 *
 * Flags. Disclosure control marks each cell: STATS_SHOWN (published),
 * STATS_PRIMARY (suppressed because 0 < count < threshold), STATS_SECONDARY
 * (suppressed so that a primary one cannot be computed back from totals).
 * A suppressed cell keeps its count in memory; serialisers never write it.
 */
#ifndef IHALA_STATS_TABLE_H
#define IHALA_STATS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../core/banned.h"

#define STATS_MAX_DIMS 3

enum stats_flag { STATS_SHOWN = 0, STATS_PRIMARY = 1, STATS_SECONDARY = 2 };

struct stats_table {
	int ndims;                          /* 0..STATS_MAX_DIMS */
	size_t n[STATS_MAX_DIMS];           /* values of each dimension, margin excluded */
	bool additive[STATS_MAX_DIMS];
	int64_t *count;                     /* stats_table_cells() entries */
	unsigned char *flag;                /* same length; enum stats_flag */
};

/*
 * Allocate count and flag (zeroed) for the shape already set in t: 0,
 * ERR_TOO_LARGE past 2^24 cells, or ERR_NOMEM.
 */
int stats_table_alloc(struct stats_table *t);
void stats_table_release(struct stats_table *t);   /* frees count and flag; t may be zeroed memory */
/* Number of cells, margins included: prod(n[d] + 1). */
size_t stats_table_cells(const struct stats_table *t);
/* Index of the cell at idx[0..ndims-1] (idx[d] == n[d] is the margin of d). */
size_t stats_table_index(const struct stats_table *t, const size_t *idx);
/* The inverse: the coordinates of cell i. */
void stats_table_coords(const struct stats_table *t, size_t i, size_t *idx);
/*
 * Fill every margin cell as the sum of its line's inner cells (for tables
 * whose dimensions are all additive; tests and the DP release use it).
 */
void stats_table_sum_margins(struct stats_table *t);

/* ---- disclosure control (suppress.c) ---- */

struct stats_suppress_report {
	size_t primary;      /* cells suppressed as small */
	size_t secondary;    /* cells suppressed to protect them */
};

/*
 * Publication rules: every cell (margins included) with 0 < count <
 * threshold is suppressed (primary); then more cells are suppressed
 * (secondary; the smallest counts first, margins last) until no suppressed
 * cell can be computed from the published cells through the sums of the
 * table: no line (the cells along one dimension with the others fixed, with
 * its margin) holds exactly one suppressed cell, and no suppressed cell is
 * determined by the system of all line equations (checked exactly).
 * Zeros are published (a zero is not a person). threshold <= 1 suppresses
 * nothing. Returns 0, or ERR_NOMEM.
 */
int stats_suppress(struct stats_table *t, int64_t threshold, struct stats_suppress_report *rep);

/*
 * True when the suppressed cell i can be computed from the published cells
 * of t through the line sums (exact linear algebra). For tests and the check
 * inside stats_suppress.
 */
bool stats_cell_recoverable(const struct stats_table *t, size_t i);

/* ---- differential privacy (dp.c) ---- */

/*
 * Add two-sided geometric noise (the discrete Laplace mechanism) to every
 * cell, margins included, so that the whole table is epsilon-differentially
 * private when one person changes at most `sensitivity` cells by one each
 * (L1 sensitivity). Noisy counts below zero become zero (post-processing).
 * Randomness from libsodium. epsilon > 0, sensitivity >= 1; else ERR_INVALID.
 */
int stats_dp_noise(struct stats_table *t, double epsilon, int64_t sensitivity);
/* One draw of the two-sided geometric distribution with parameter exp(-epsilon / sensitivity). */
int64_t stats_dp_draw(double epsilon, int64_t sensitivity);

#endif
