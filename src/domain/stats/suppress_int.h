/*
 * suppress_int.h: what suppress.c (choosing cells to hide) and recover.c
 * (which hidden cells can be computed back) share: the geometry of a table
 * and its lines.
 *
 * A line is the n[d] inner cells along dimension d with every other
 * coordinate fixed (margin coordinates included), plus its margin cell: the
 * sum of the others. Every cell lies on exactly one line of each dimension;
 * a line is named by its first cell (coordinate d = 0).
 */
#ifndef IHALA_STATS_SUPPRESS_INT_H
#define IHALA_STATS_SUPPRESS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "stats_table.h"

struct geom {
	int ndims;
	size_t n[STATS_MAX_DIMS];
	size_t stride[STATS_MAX_DIMS];
	size_t cells;
};

static inline void geom_init(struct geom *g, const struct stats_table *t)
{
	g->ndims = t->ndims;
	size_t s = 1;
	for (int d = t->ndims - 1; d >= 0; d--) {
		g->n[d] = t->n[d];
		g->stride[d] = s;
		s *= t->n[d] + 1;
	}
	g->cells = s;
}

static inline size_t coord(const struct geom *g, size_t i, int d)
{
	return (i / g->stride[d]) % (g->n[d] + 1);
}

/* The first cell of i's line along d (its coordinate d set to 0): the line's id. */
static inline size_t line_base(const struct geom *g, size_t i, int d)
{
	return i - coord(g, i, d) * g->stride[d];
}

static inline bool suppressed(const struct stats_table *t, size_t i)
{
	return t->flag[i] != STATS_SHOWN;
}

/*
 * det[i] (t's cells) = true for each hidden cell that the published cells
 * determine through the line equations; false elsewhere. 0 or ERR_NOMEM
 * (also when the elimination would pass its size cap).
 */
int stats_determined(const struct stats_table *t, bool *det);

#endif
