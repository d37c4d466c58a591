/*
 * table.c: the shape of a table of counts with margins (stats_table.h):
 * allocation, cell indexes and coordinates, margins as sums.
 */
#include "stats_table.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/err.h"

/*
 * The largest table: far above any breakdown a committee asks for (three
 * dimensions of 250 countries would be 16 million cells), and a bound on
 * what a query may make the server allocate.
 */
#define STATS_TABLE_MAX_CELLS ((size_t)1 << 24)

/* Cells of shape t, or 0 when it passes the cap (stats_table_alloc: ERR_TOO_LARGE). */
static size_t cells_of(const struct stats_table *t)
{
	size_t cells = 1;
	for (int d = 0; d < t->ndims; d++) {
		if (t->n[d] >= STATS_TABLE_MAX_CELLS)
			return 0;
		cells *= t->n[d] + 1;
		if (cells > STATS_TABLE_MAX_CELLS)
			return 0;
	}
	return cells;
}

int stats_table_alloc(struct stats_table *t)
{
	assert(t->ndims >= 0 && t->ndims <= STATS_MAX_DIMS);
	t->count = NULL;
	t->flag = NULL;
	size_t cells = cells_of(t);
	if (!cells)
		return ERR_TOO_LARGE;
	t->count = xcalloc(cells, sizeof(*t->count));
	t->flag = xcalloc(cells, sizeof(*t->flag));
	if (!t->count || !t->flag) {
		stats_table_release(t);
		return ERR_NOMEM;
	}
	return 0;
}

void stats_table_release(struct stats_table *t)
{
	free(t->count);
	free(t->flag);
	t->count = NULL;
	t->flag = NULL;
}

size_t stats_table_cells(const struct stats_table *t)
{
	size_t cells = 1;
	for (int d = 0; d < t->ndims; d++)
		cells *= t->n[d] + 1;
	return cells;
}

size_t stats_table_index(const struct stats_table *t, const size_t *idx)
{
	size_t i = 0;
	for (int d = 0; d < t->ndims; d++) {
		assert(idx[d] <= t->n[d]);
		i = i * (t->n[d] + 1) + idx[d];
	}
	return i;
}

void stats_table_coords(const struct stats_table *t, size_t i, size_t *idx)
{
	for (int d = t->ndims - 1; d >= 0; d--) {
		idx[d] = i % (t->n[d] + 1);
		i /= t->n[d] + 1;
	}
}

/*
 * Margins in order of how many margin coordinates a cell has: a cell with
 * one margin coordinate sums inner cells, one with two sums cells with one,
 * and so on; along its first margin dimension each is the sum of its line.
 */
void stats_table_sum_margins(struct stats_table *t)
{
	size_t cells = stats_table_cells(t);
	size_t idx[STATS_MAX_DIMS], stride[STATS_MAX_DIMS];
	size_t s = 1;
	for (int d = t->ndims - 1; d >= 0; d--) {
		stride[d] = s;
		s *= t->n[d] + 1;
	}
	for (int level = 1; level <= t->ndims; level++) {
		for (size_t i = 0; i < cells; i++) {
			stats_table_coords(t, i, idx);
			int margins = 0, first = -1;
			for (int d = 0; d < t->ndims; d++)
				if (idx[d] == t->n[d]) {
					margins++;
					if (first < 0)
						first = d;
				}
			if (margins != level)
				continue;
			int64_t sum = 0;
			size_t base = i - idx[first] * stride[first];
			for (size_t k = 0; k < t->n[first]; k++)
				sum += t->count[base + k * stride[first]];
			t->count[i] = sum;
		}
	}
}
