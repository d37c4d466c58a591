/*
 * recover.c: which hidden cells of a table the published ones give away
 * through the sums of its lines (suppress_int.h), exactly.
 *
 * Hidden cell i is determined iff every vector y over the hidden cells
 * whose line sums are all zero (a way to change the hidden cells without
 * changing anything published) has y[i] = 0.
 *
 * With a sign change (a cell with m margin coordinates is multiplied by
 * (-1)^m) every line equation becomes "the line sums to zero", so only the
 * pattern of suppressed cells matters. Choose one dimension H
 * (the longest) and cut the table into slices, one per coordinate of H. In a
 * slice, the other two dimensions' lines form a bipartite graph: one vertex
 * per line, one edge per suppressed cell (joining its two lines). Vectors
 * whose slice lines sum to zero are exactly the cycle space of that graph,
 * spanned by the fundamental cycles of a spanning forest (signs alternating
 * around the cycle); this part is exact integer combinatorics. What is left
 * are the lines along H: one equation per (e, f) position across the
 * slices, over the cycles' coefficients. Those are solved by Gaussian
 * elimination modulo the prime 2^31 - 1, split into independent blocks; a
 * random vector of the kernel (free variables drawn from a fixed-seed
 * generator, so the same table always gets the same answer) gives y, and
 * cell i counts as determined when y[i] = 0. A cell that is not determined
 * has y[i] != 0 except with probability 1/p, and such an accident only
 * suppresses one cell more. Modular rank could in principle fall below the
 * rational rank only if p divides one of the system's minors; the unit test
 * checks the whole procedure against an independent floating-point
 * elimination over thousands of random tables.
 *
 * Two dimensions: one slice, no equations left: the check is "is the cell a
 * bridge of the graph". One dimension: no graph; each suppressed cell is its
 * own variable in the one equation. No dimension: nothing to recover.
 *
 * Cost: the elimination is rows x rows x variables per block, where rows is
 * at most the product of the two shorter dimensions (+1 each); see
 * docs/statistics.md for measured times.
 */
#include "stats_table.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/err.h"
#include "suppress_int.h"

#define PRIME 2147483647u   /* 2^31 - 1 */

/* The largest dense block of the elimination, in entries (4 bytes each). */
#define MAX_BLOCK_ENTRIES ((size_t)1 << 24)

/* ---- arithmetic modulo 2^31 - 1 ---- */

static inline uint32_t mod_reduce(uint64_t x)
{
	x = (x & PRIME) + (x >> 31);
	x = (x & PRIME) + (x >> 31);
	return (uint32_t)(x >= PRIME ? x - PRIME : x);
}

static uint32_t mod_pow(uint32_t a, uint32_t e)
{
	uint64_t r = 1, b = a;
	while (e) {
		if (e & 1)
			r = mod_reduce(r * b);
		b = mod_reduce(b * b);
		e >>= 1;
	}
	return (uint32_t)r;
}

static uint32_t mod_inverse(uint32_t a)
{
	return mod_pow(a, PRIME - 2);
}

/* splitmix64: the fixed-seed generator of the kernel vector. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- the exact check ---- */

/* One variable: a vector over suppressed cells, entries[first .. first+len). */
struct var {
	size_t first, len;
	size_t block;        /* block of the elimination (a union-find root, then a block number) */
	size_t col;          /* column inside its block */
};

struct entry {
	size_t cell;
	int sign;            /* +1 or -1 */
};

struct system {
	struct var *vars;
	size_t n_vars, cap_vars;
	struct entry *ent;
	size_t n_ent, cap_ent;
};

static int sys_add_entry(struct system *s, size_t cell, int sign)
{
	if (s->n_ent == s->cap_ent) {
		size_t cap = s->cap_ent ? 2 * s->cap_ent : 256;
		struct entry *e = xreallocarray(s->ent, cap, sizeof(*e));
		if (!e)
			return ERR_NOMEM;
		s->ent = e;
		s->cap_ent = cap;
	}
	s->ent[s->n_ent].cell = cell;
	s->ent[s->n_ent].sign = sign;
	s->n_ent++;
	return 0;
}

static int sys_begin_var(struct system *s)
{
	if (s->n_vars == s->cap_vars) {
		size_t cap = s->cap_vars ? 2 * s->cap_vars : 64;
		struct var *v = xreallocarray(s->vars, cap, sizeof(*v));
		if (!v)
			return ERR_NOMEM;
		s->vars = v;
		s->cap_vars = cap;
	}
	memset(&s->vars[s->n_vars], 0, sizeof(s->vars[0]));
	s->vars[s->n_vars].first = s->n_ent;
	return 0;
}

static void sys_end_var(struct system *s)
{
	s->vars[s->n_vars].len = s->n_ent - s->vars[s->n_vars].first;
	s->n_vars++;
}

/*
 * The graph of one slice (two dimensions ge, gf; the slice's first cell is
 * origin): vertices 0..n_e are the lines along gf (one per e coordinate),
 * n_e+1.. those along ge (one per f coordinate). Work arrays are sized by
 * the caller for the largest slice.
 */
struct slice_work {
	size_t *deg;         /* V + 1: CSR offsets */
	size_t *adj_v;       /* 2 * edges: neighbour vertex */
	size_t *adj_cell;    /* 2 * edges: the edge's cell */
	size_t *parent_v;    /* V */
	size_t *parent_cell; /* V; SIZE_MAX at a root */
	size_t *depth;       /* V */
	size_t *queue;       /* V */
	unsigned char *seen; /* V */
	unsigned char *tree; /* slice cells: 1 when the cell is a tree edge */
	size_t *path_u, *path_v;   /* V each */
};

/* Add the fundamental cycles of one slice's graph to the system. */
static int slice_cycles(const struct stats_table *t, const struct geom *g, int ge, int gf, size_t origin,
			struct slice_work *w, struct system *s)
{
	size_t ne = g->n[ge] + 1, nf = g->n[gf] + 1, V = ne + nf;
	memset(w->deg, 0, (V + 1) * sizeof(*w->deg));
	for (size_t a = 0; a < ne; a++)
		for (size_t b = 0; b < nf; b++) {
			size_t cell = origin + a * g->stride[ge] + b * g->stride[gf];
			if (suppressed(t, cell)) {
				w->deg[a + 1]++;
				w->deg[ne + b + 1]++;
			}
		}
	for (size_t v = 0; v < V; v++)
		w->deg[v + 1] += w->deg[v];
	if (w->deg[V] == 0)
		return 0;
	/* Fill the adjacency, using parent_v as the insertion cursor. */
	for (size_t v = 0; v < V; v++)
		w->parent_v[v] = w->deg[v];
	for (size_t a = 0; a < ne; a++)
		for (size_t b = 0; b < nf; b++) {
			size_t cell = origin + a * g->stride[ge] + b * g->stride[gf];
			if (!suppressed(t, cell))
				continue;
			size_t fa = w->parent_v[a]++, fb = w->parent_v[ne + b]++;
			w->adj_v[fa] = ne + b;
			w->adj_cell[fa] = cell;
			w->adj_v[fb] = a;
			w->adj_cell[fb] = cell;
			w->tree[a * nf + b] = 0;
		}
	/* Spanning forest by breadth-first search. */
	memset(w->seen, 0, V);
	for (size_t root = 0; root < V; root++) {
		if (w->seen[root] || w->deg[root] == w->deg[root + 1])
			continue;
		size_t head = 0, tail = 0;
		w->queue[tail++] = root;
		w->seen[root] = 1;
		w->parent_cell[root] = SIZE_MAX;
		w->depth[root] = 0;
		while (head < tail) {
			size_t u = w->queue[head++];
			for (size_t k = w->deg[u]; k < w->deg[u + 1]; k++) {
				size_t v = w->adj_v[k];
				if (w->seen[v])
					continue;
				w->seen[v] = 1;
				w->parent_v[v] = u;
				w->parent_cell[v] = w->adj_cell[k];
				w->depth[v] = w->depth[u] + 1;
				size_t a = u < ne ? u : v, b = (u < ne ? v : u) - ne;
				w->tree[a * nf + b] = 1;
				w->queue[tail++] = v;
			}
		}
	}
	/* Each edge outside the forest closes one cycle with the forest's path. */
	for (size_t a = 0; a < ne; a++)
		for (size_t b = 0; b < nf; b++) {
			size_t cell = origin + a * g->stride[ge] + b * g->stride[gf];
			if (!suppressed(t, cell) || w->tree[a * nf + b])
				continue;
			size_t u = a, v = ne + b, ku = 0, kv = 0;
			while (w->depth[u] > w->depth[v]) {
				w->path_u[ku++] = w->parent_cell[u];
				u = w->parent_v[u];
			}
			while (w->depth[v] > w->depth[u]) {
				w->path_v[kv++] = w->parent_cell[v];
				v = w->parent_v[v];
			}
			while (u != v) {
				w->path_u[ku++] = w->parent_cell[u];
				u = w->parent_v[u];
				w->path_v[kv++] = w->parent_cell[v];
				v = w->parent_v[v];
			}
			/* Around the cycle: the edge, up from its F end, down to its E end. */
			if (sys_begin_var(s) < 0 || sys_add_entry(s, cell, 1) < 0)
				return ERR_NOMEM;
			for (size_t j = 0; j < kv; j++)
				if (sys_add_entry(s, w->path_v[j], (j & 1) ? 1 : -1) < 0)
					return ERR_NOMEM;
			for (size_t j = 0; j < ku; j++)
				if (sys_add_entry(s, w->path_u[j], ((ku + kv - j) & 1) ? -1 : 1) < 0)
					return ERR_NOMEM;
			sys_end_var(s);
		}
	return 0;
}

static void slice_work_release(struct slice_work *w)
{
	free(w->deg);
	free(w->adj_v);
	free(w->adj_cell);
	free(w->parent_v);
	free(w->parent_cell);
	free(w->depth);
	free(w->queue);
	free(w->seen);
	free(w->tree);
	free(w->path_u);
	free(w->path_v);
}

/* Every slice's cycles (graph dimensions ge, gf; slices along h, or one slice when h < 0). */
static int all_cycles(const struct stats_table *t, const struct geom *g, int h, int ge, int gf, struct system *s)
{
	size_t ne = g->n[ge] + 1, nf = g->n[gf] + 1, V = ne + nf;
	struct slice_work w = { 0 };
	int rc = ERR_NOMEM;
	w.deg = xcalloc(V + 1, sizeof(size_t));
	w.adj_v = xcalloc(2 * ne * nf, sizeof(size_t));
	w.adj_cell = xcalloc(2 * ne * nf, sizeof(size_t));
	w.parent_v = xcalloc(V, sizeof(size_t));
	w.parent_cell = xcalloc(V, sizeof(size_t));
	w.depth = xcalloc(V, sizeof(size_t));
	w.queue = xcalloc(V, sizeof(size_t));
	w.seen = xcalloc(V, 1);
	w.tree = xcalloc(ne * nf, 1);
	w.path_u = xcalloc(V, sizeof(size_t));
	w.path_v = xcalloc(V, sizeof(size_t));
	if (!w.deg || !w.adj_v || !w.adj_cell || !w.parent_v || !w.parent_cell || !w.depth || !w.queue ||
	    !w.seen || !w.tree || !w.path_u || !w.path_v)
		goto out;
	size_t slices = h < 0 ? 1 : g->n[h] + 1;
	for (size_t k = 0; k < slices; k++)
		if ((rc = slice_cycles(t, g, ge, gf, h < 0 ? 0 : k * g->stride[h], &w, s)) < 0)
			goto out;
	rc = 0;
out:
	slice_work_release(&w);
	return rc;
}

/* ---- union-find over the equations, to split the elimination into blocks ---- */

static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static void uf_union(size_t *parent, size_t a, size_t b)
{
	a = uf_find(parent, a);
	b = uf_find(parent, b);
	if (a != b)
		parent[a < b ? b : a] = a < b ? a : b;
}

/*
 * Draw a random vector of the kernel of one block (rows x cols, dense,
 * destroyed) into lambda[cols]: echelon form, free variables random, pivot
 * variables by back substitution.
 */
static void block_kernel(uint32_t *m, size_t rows, size_t cols, uint32_t *lambda, size_t *pivcol,
			 uint64_t *rng)
{
	size_t rank = 0;
	for (size_t c = 0; c < cols && rank < rows; c++) {
		size_t r = rank;
		while (r < rows && m[r * cols + c] == 0)
			r++;
		if (r == rows)
			continue;
		uint32_t *pr = m + rank * cols;
		if (r != rank) {
			uint32_t *other = m + r * cols;
			for (size_t j = c; j < cols; j++) {
				uint32_t x = pr[j];
				pr[j] = other[j];
				other[j] = x;
			}
		}
		uint32_t inv = mod_inverse(pr[c]);
		for (size_t j = c; j < cols; j++)
			pr[j] = mod_reduce((uint64_t)pr[j] * inv);
		for (size_t r2 = rank + 1; r2 < rows; r2++) {
			uint32_t *row = m + r2 * cols;
			uint32_t f = row[c];
			if (!f)
				continue;
			uint64_t neg = PRIME - f;
			for (size_t j = c; j < cols; j++)
				row[j] = mod_reduce(row[j] + neg * pr[j]);
		}
		pivcol[rank++] = c;
	}
	for (size_t c = 0; c < cols; c++)
		lambda[c] = (uint32_t)(next_random(rng) % PRIME);
	for (size_t k = rank; k-- > 0;) {
		size_t c = pivcol[k];
		const uint32_t *row = m + k * cols;
		uint64_t sum = 0;
		for (size_t j = c + 1; j < cols; j++)
			if (row[j])
				sum = mod_reduce(sum + (uint64_t)row[j] * lambda[j]);
		lambda[c] = sum ? PRIME - (uint32_t)sum : 0;
	}
}

/*
 * det[i] = true for each suppressed cell i that the published cells
 * determine (other cells: false). 0 or ERR_NOMEM.
 */
int stats_determined(const struct stats_table *t, bool *det)
{
	struct geom g;
	geom_init(&g, t);
	memset(det, 0, g.cells * sizeof(*det));
	if (g.ndims == 0)
		return 0;
	size_t n_sup = 0;
	for (size_t i = 0; i < g.cells; i++)
		n_sup += suppressed(t, i);
	if (n_sup == 0)
		return 0;

	/* h: the dimension left to the elimination; ge, gf: the graph's. */
	int h = -1, ge = -1, gf = -1;
	if (g.ndims == 1) {
		h = 0;
	} else if (g.ndims == 2) {
		ge = 0;
		gf = 1;
	} else {
		h = 0;
		for (int d = 1; d < 3; d++)
			if (g.n[d] > g.n[h])
				h = d;
		ge = h == 0 ? 1 : 0;
		gf = h == 2 ? 1 : 2;
	}

	struct system s = { 0 };
	size_t *row_of = NULL, *uf = NULL, *block_rows = NULL, *block_cols = NULL, *block_off = NULL;
	size_t *row_local = NULL, *pivcol = NULL;
	uint32_t *m = NULL, *lambda = NULL, *y = NULL;
	int rc = ERR_NOMEM;

	if (ge >= 0) {
		if ((rc = all_cycles(t, &g, h, ge, gf, &s)) < 0)
			goto out;
	} else {
		/* One dimension: each suppressed cell is a variable of the one equation. */
		for (size_t i = 0; i < g.cells; i++) {
			if (!suppressed(t, i))
				continue;
			if (sys_begin_var(&s) < 0 || sys_add_entry(&s, i, 1) < 0)
				goto out;
			sys_end_var(&s);
		}
	}
	rc = ERR_NOMEM;
	if (s.n_vars == 0) {
		/* No cycle, nothing free: every suppressed cell is determined. */
		for (size_t i = 0; i < g.cells; i++)
			det[i] = suppressed(t, i);
		rc = 0;
		goto out;
	}
	lambda = xcalloc(s.n_vars, sizeof(*lambda));
	if (!lambda)
		goto out;
	uint64_t rng = 0x69686c6173746174ull;

	if (h < 0) {
		for (size_t v = 0; v < s.n_vars; v++)
			lambda[v] = (uint32_t)(next_random(&rng) % PRIME);
	} else {
		/* The equations: lines along h, numbered by the cell's other coordinates. */
		size_t n_rows = g.cells / (g.n[h] + 1);
		row_of = xcalloc(g.cells, sizeof(*row_of));
		uf = xcalloc(n_rows, sizeof(*uf));
		if (!row_of || !uf)
			goto out;
		for (size_t i = 0; i < g.cells; i++) {
			size_t r = 0;
			for (int d = 0; d < g.ndims; d++)
				if (d != h)
					r = r * (g.n[d] + 1) + coord(&g, i, d);
			row_of[i] = r;
		}
		for (size_t r = 0; r < n_rows; r++)
			uf[r] = r;
		for (size_t v = 0; v < s.n_vars; v++) {
			const struct entry *e = s.ent + s.vars[v].first;
			for (size_t k = 1; k < s.vars[v].len; k++)
				uf_union(uf, row_of[e[0].cell], row_of[e[k].cell]);
		}
		/* Blocks: number the roots, count rows and columns of each. */
		block_rows = xcalloc(n_rows, sizeof(*block_rows));
		block_cols = xcalloc(n_rows, sizeof(*block_cols));
		block_off = xcalloc(n_rows, sizeof(*block_off));   /* root -> block number + 1 */
		row_local = xcalloc(n_rows, sizeof(*row_local));
		if (!block_rows || !block_cols || !block_off || !row_local)
			goto out;
		size_t n_blocks = 0;
		for (size_t v = 0; v < s.n_vars; v++) {
			size_t root = uf_find(uf, row_of[s.ent[s.vars[v].first].cell]);
			if (!block_off[root])
				block_off[root] = ++n_blocks;
			size_t b = block_off[root] - 1;
			s.vars[v].block = b;
			s.vars[v].col = block_cols[b]++;
		}
		/* Rows that some variable touches, numbered inside their block. */
		for (size_t r = 0; r < n_rows; r++)
			row_local[r] = SIZE_MAX;
		for (size_t v = 0; v < s.n_vars; v++) {
			const struct entry *e = s.ent + s.vars[v].first;
			for (size_t k = 0; k < s.vars[v].len; k++) {
				size_t r = row_of[e[k].cell];
				if (row_local[r] == SIZE_MAX)
					row_local[r] = block_rows[s.vars[v].block]++;
			}
		}
		size_t max_entries = 0, max_cols = 0, max_rows = 0;
		for (size_t b = 0; b < n_blocks; b++) {
			if (block_cols[b] && block_rows[b] > MAX_BLOCK_ENTRIES / block_cols[b])
				goto out;
			if (block_rows[b] * block_cols[b] > max_entries)
				max_entries = block_rows[b] * block_cols[b];
			if (block_cols[b] > max_cols)
				max_cols = block_cols[b];
			if (block_rows[b] > max_rows)
				max_rows = block_rows[b];
		}
		m = xcalloc(max_entries ? max_entries : 1, sizeof(*m));
		uint32_t *sub = xcalloc(max_cols ? max_cols : 1, sizeof(*sub));
		pivcol = xcalloc(max_rows ? max_rows : 1, sizeof(*pivcol));
		size_t *var_of_col = xcalloc(max_cols ? max_cols : 1, sizeof(*var_of_col));
		if (!m || !sub || !pivcol || !var_of_col) {
			free(sub);
			free(var_of_col);
			goto out;
		}
		/*
		 * One block at a time: its variables in order, a dense matrix of
		 * its rows, a kernel vector. Variables are visited once per block;
		 * an index of variables by block keeps that linear.
		 */
		size_t *order = xcalloc(s.n_vars, sizeof(*order)), *start = xcalloc(n_blocks + 1, sizeof(*start));
		if (!order || !start) {
			free(order);
			free(start);
			free(sub);
			free(var_of_col);
			goto out;
		}
		for (size_t v = 0; v < s.n_vars; v++)
			start[s.vars[v].block + 1]++;
		for (size_t b = 0; b < n_blocks; b++)
			start[b + 1] += start[b];
		for (size_t v = 0; v < s.n_vars; v++)
			order[start[s.vars[v].block] + s.vars[v].col] = v;
		for (size_t b = 0; b < n_blocks; b++) {
			size_t rows = block_rows[b], cols = block_cols[b];
			memset(m, 0, rows * cols * sizeof(*m));
			for (size_t k = 0; k < cols; k++) {
				size_t v = order[start[b] + k];
				var_of_col[k] = v;
				const struct entry *e = s.ent + s.vars[v].first;
				for (size_t q = 0; q < s.vars[v].len; q++) {
					uint32_t *x = &m[row_local[row_of[e[q].cell]] * cols + k];
					*x = mod_reduce((uint64_t)*x + (e[q].sign > 0 ? 1u : PRIME - 1u));
				}
			}
			block_kernel(m, rows, cols, sub, pivcol, &rng);
			for (size_t k = 0; k < cols; k++)
				lambda[var_of_col[k]] = sub[k];
		}
		free(order);
		free(start);
		free(sub);
		free(var_of_col);
	}

	/* y = the combination of the variables; zero where the cell is determined. */
	y = xcalloc(g.cells, sizeof(*y));
	if (!y)
		goto out;
	for (size_t v = 0; v < s.n_vars; v++) {
		const struct entry *e = s.ent + s.vars[v].first;
		for (size_t k = 0; k < s.vars[v].len; k++) {
			uint64_t add = e[k].sign > 0 ? lambda[v] : (lambda[v] ? PRIME - lambda[v] : 0);
			y[e[k].cell] = mod_reduce(y[e[k].cell] + add);
		}
	}
	for (size_t i = 0; i < g.cells; i++)
		det[i] = suppressed(t, i) && y[i] == 0;
	rc = 0;
out:
	free(s.vars);
	free(s.ent);
	free(row_of);
	free(uf);
	free(block_rows);
	free(block_cols);
	free(block_off);
	free(row_local);
	free(pivcol);
	free(m);
	free(lambda);
	free(y);
	return rc;
}

bool stats_cell_recoverable(const struct stats_table *t, size_t i)
{
	size_t cells = stats_table_cells(t);
	assert(i < cells);
	if (!suppressed(t, i))
		return true;   /* published: known */
	bool *det = xcalloc(cells, sizeof(*det));
	if (!det)
		return true;   /* the safe answer */
	bool r = stats_determined(t, det) < 0 || det[i];
	free(det);
	return r;
}
