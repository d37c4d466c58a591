/*
 * suppress.c: disclosure control of a table of counts (stats_table.h):
 * primary suppression of small counts, then secondary suppression until no
 * suppressed cell can be computed back from the published ones. Lines:
 * suppress_int.h.
 *
 * Secondary suppression runs two checks in turn until neither finds a
 * suppressed cell that an outsider could compute:
 *  1. the line rule (cheap): a line holding exactly one suppressed cell gives
 *     it away; one more cell of that line is suppressed (see pick_in_line);
 *  2. the exact check (recover.c): the published cells and all line
 *     equations together determine suppressed cell i iff every vector y over
 *     the suppressed cells whose line sums are all zero (a way to change the
 *     hidden cells without changing anything published) has y[i] = 0. Each
 *     such cell gets a box of hidden cells around it (see hide_box), which
 *     protects it for good.
 */
#include "stats_table.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/err.h"
#include "suppress_int.h"

/* ---- choosing the cells to suppress ---- */

struct state {
	struct stats_table *t;
	struct geom g;
	uint32_t *line_sup[STATS_MAX_DIMS];   /* by line base: suppressed cells on the line */
	uint32_t *line_mark[STATS_MAX_DIMS];  /* by line base: round of the last complement on it */
	struct stats_suppress_report *rep;
};

static void suppress_cell(struct state *st, size_t i, enum stats_flag why)
{
	assert(!suppressed(st->t, i));
	st->t->flag[i] = (unsigned char)why;
	for (int d = 0; d < st->g.ndims; d++)
		st->line_sup[d][line_base(&st->g, i, d)]++;
	if (why == STATS_PRIMARY)
		st->rep->primary++;
	else
		st->rep->secondary++;
}

/*
 * The order of preference among published cells that could join a line's
 * suppressed cells (smaller key first): a non-zero count (hiding a zero
 * protects nothing and reads as a person); not the line's margin (totals
 * are what readers want most); fewest of its other lines still without a
 * suppressed cell (a cell on lines that already hide something adds no new
 * lone cell to protect, so the suppression stays compact); the smallest
 * count; the lowest index (so that the same table gets the same pattern).
 */
struct key {
	int zero, margin, fresh;
	int64_t count;
	size_t cell;
};

static struct key key_of(const struct state *st, size_t c, int d)
{
	struct key k;
	k.zero = st->t->count[c] <= 0;
	k.margin = d >= 0 && coord(&st->g, c, d) == st->g.n[d];
	k.fresh = 0;
	for (int e = 0; e < st->g.ndims; e++)
		if (e != d && st->line_sup[e][line_base(&st->g, c, e)] == 0)
			k.fresh++;
	k.count = st->t->count[c];
	k.cell = c;
	return k;
}

static bool key_less(const struct key *a, const struct key *b)
{
	if (a->zero != b->zero)
		return a->zero < b->zero;
	if (a->margin != b->margin)
		return a->margin < b->margin;
	if (a->fresh != b->fresh)
		return a->fresh < b->fresh;
	if (a->count != b->count)
		return a->count < b->count;
	return a->cell < b->cell;
}

/* The best published cell on the line along d through base; false if none. */
static bool pick_in_line(const struct state *st, int d, size_t base, struct key *best, bool have)
{
	for (size_t k = 0; k <= st->g.n[d]; k++) {
		size_t c = base + k * st->g.stride[d];
		if (suppressed(st->t, c))
			continue;
		struct key kc = key_of(st, c, d);
		if (!have || key_less(&kc, best)) {
			*best = kc;
			have = true;
		}
	}
	return have;
}

/* The line rule until no line holds exactly one suppressed cell. */
static void line_pass(struct state *st)
{
	const struct geom *g = &st->g;
	bool changed = true;
	while (changed) {
		changed = false;
		for (int d = 0; d < g->ndims; d++)
			for (size_t i = 0; i < g->cells; i++) {
				if (coord(g, i, d) != 0 || st->line_sup[d][i] != 1)
					continue;
				struct key best;
				if (pick_in_line(st, d, i, &best, false)) {
					suppress_cell(st, best.cell, STATS_SECONDARY);
					changed = true;
				}
			}
	}
}

/*
 * A box through cell i: one more coordinate along every dimension (2 in 1-D,
 * a rectangle in 2-D, a cube in 3-D; margin coordinates allowed). With all
 * its corners hidden, adding +1 and -1 alternately around the corners
 * changes no line sum: no corner can be computed any more, whatever else is
 * published, and hiding more cells later never undoes that.
 */
struct box_cost {
	size_t zeros;        /* corners with a zero count newly hidden */
	size_t cells;        /* corners newly hidden */
	int64_t sum;         /* their counts */
};

static bool cost_less(const struct box_cost *a, const struct box_cost *b)
{
	if (a->zeros != b->zeros)
		return a->zeros < b->zeros;
	if (a->cells != b->cells)
		return a->cells < b->cells;
	return a->sum < b->sum;
}

/* The corner of the box (alt) through i selected by mask (bit d: alt[d] instead of i's coordinate). */
static size_t box_corner(const struct geom *g, size_t i, const size_t *at, const size_t *alt, unsigned mask)
{
	size_t c = i;
	for (int d = 0; d < g->ndims; d++)
		if (mask & (1u << d))
			c = c - at[d] * g->stride[d] + alt[d] * g->stride[d];
	return c;
}

/*
 * Hide the cheapest box through the determined cell i: first the fewest
 * zeros (a hidden zero protects little: the sums then bound its neighbours
 * exactly from one side), then the fewest new cells, then the smallest
 * counts; the first in order among equals. Returns the cells newly hidden.
 */
static size_t hide_box(struct state *st, size_t i, uint32_t round)
{
	const struct geom *g = &st->g;
	size_t at[STATS_MAX_DIMS], alt[STATS_MAX_DIMS], best_alt[STATS_MAX_DIMS];
	unsigned corners = 1u << g->ndims;
	for (int d = 0; d < g->ndims; d++) {
		at[d] = coord(g, i, d);
		if (g->n[d] == 0)
			return 0;   /* no other coordinate: no box (only an empty dimension) */
		alt[d] = at[d] == 0 ? 1 : 0;
	}
	struct box_cost best = { 0 };
	bool have = false;
	for (;;) {
		struct box_cost c = { 0 };
		for (unsigned mask = 1; mask < corners; mask++) {
			size_t cell = box_corner(g, i, at, alt, mask);
			if (suppressed(st->t, cell))
				continue;
			c.cells++;
			if (st->t->count[cell] <= 0)
				c.zeros++;
			else
				c.sum += st->t->count[cell];
		}
		if (!have || cost_less(&c, &best)) {
			best = c;
			memcpy(best_alt, alt, sizeof(alt));
			have = true;
		}
		/* Next combination of other coordinates, skipping i's own. */
		int d = g->ndims - 1;
		for (; d >= 0; d--) {
			do
				alt[d]++;
			while (alt[d] == at[d]);
			if (alt[d] <= g->n[d])
				break;
			alt[d] = at[d] == 0 ? 1 : 0;
		}
		if (d < 0)
			break;
	}
	size_t added = 0;
	for (unsigned mask = 1; mask < corners; mask++) {
		size_t cell = box_corner(g, i, at, best_alt, mask);
		if (!suppressed(st->t, cell)) {
			suppress_cell(st, cell, STATS_SECONDARY);
			added++;
		}
	}
	for (unsigned mask = 0; mask < corners; mask++) {
		size_t cell = box_corner(g, i, at, best_alt, mask);
		for (int d = 0; d < g->ndims; d++)
			st->line_mark[d][line_base(g, cell, d)] = round;
	}
	return added;
}

/*
 * Protect each determined cell with a box. A determined cell on a line that
 * a box of this round reached waits for the next check: that box may have
 * protected it already. Returns how many cells were hidden.
 */
static size_t protect_determined(struct state *st, const bool *det, uint32_t round)
{
	const struct geom *g = &st->g;
	size_t added = 0;
	for (size_t i = 0; i < g->cells; i++) {
		if (!det[i])
			continue;
		bool touched = false;
		for (int d = 0; d < g->ndims; d++)
			touched = touched || st->line_mark[d][line_base(g, i, d)] == round;
		if (!touched)
			added += hide_box(st, i, round);
	}
	return added;
}

int stats_suppress(struct stats_table *t, int64_t threshold, struct stats_suppress_report *rep)
{
	struct stats_suppress_report local;
	struct state st;
	memset(&st, 0, sizeof(st));
	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	st.t = t;
	st.rep = rep;
	geom_init(&st.g, t);
	memset(t->flag, STATS_SHOWN, st.g.cells);
	if (threshold <= 1)
		return 0;
	int rc = ERR_NOMEM;
	bool *det = NULL;
	for (int d = 0; d < t->ndims; d++) {
		st.line_sup[d] = xcalloc(st.g.cells, sizeof(uint32_t));
		st.line_mark[d] = xcalloc(st.g.cells, sizeof(uint32_t));
		if (!st.line_sup[d] || !st.line_mark[d])
			goto out;
	}
	for (size_t i = 0; i < st.g.cells; i++)
		if (t->count[i] > 0 && t->count[i] < threshold)
			suppress_cell(&st, i, STATS_PRIMARY);
	if (rep->primary == 0 || t->ndims == 0) {
		rc = 0;
		goto out;
	}
	det = xcalloc(st.g.cells, sizeof(*det));
	if (!det)
		goto out;
	for (uint32_t round = 1;; round++) {
		line_pass(&st);
		if ((rc = stats_determined(t, det)) < 0)
			goto out;
		if (protect_determined(&st, det, round) == 0)
			break;
	}
	rc = 0;
out:
	for (int d = 0; d < STATS_MAX_DIMS; d++) {
		free(st.line_sup[d]);
		free(st.line_mark[d]);
	}
	free(det);
	return rc;
}
