/*
 * count.c: the counting loop over the cube (cube_int.h; the method is at the
 * top of cube.c) and the values of one person's row for the microdata files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "cube_int.h"

/* ---- counting ---- */

enum src { SRC_CASE, SRC_REF_STATE, SRC_REF_SERVICE, SRC_SVC_TYPE };

struct qd {
	size_t dim;
	enum src src;
	const struct col *col;
	size_t ncodes;        /* codes 0..ncodes-1; the margin is ncodes */
	bool multi;
};

static struct qd qd_of(int dim)
{
	struct qd q = { .dim = (size_t)dim, .src = SRC_CASE, .col = &stats_cube.cols[dim] };
	switch (stats_dim_derived((size_t)dim)) {
	case SD_REF_STATE:
		q.src = SRC_REF_STATE;
		break;
	case SD_REF_SERVICE:
		q.src = SRC_REF_SERVICE;
		break;
	case SD_SVC_TYPE:
		q.src = SRC_SVC_TYPE;
		break;
	default:
		break;
	}
	q.ncodes = q.col->dict.n;
	q.multi = stats_dim_at((size_t)dim)->multi;
	return q;
}

/* The codes of unit (row, entry) along q: at least one (0 = unknown). */
static inline int codes_of(const struct qd *q, uint32_t row, size_t entry, uint16_t *out)
{
	uint64_t m;
	switch (q->src) {
	case SRC_REF_STATE:
		out[0] = stats_cube.ref_state[entry];
		return 1;
	case SRC_SVC_TYPE:
		out[0] = stats_cube.svc_type[entry];
		return 1;
	case SRC_REF_SERVICE:
		m = stats_cube.ref_svc[entry];
		goto mask;
	case SRC_CASE:
		break;
	}
	switch (q->col->kind) {
	case K_SINGLE:
		out[0] = q->col->u16[row];
		return 1;
	case K_MASK:
		m = q->col->mask[row];
		goto mask;
	case K_SLOTS: {
		int n = 0;
		const uint16_t *s = &q->col->u16[(size_t)row * SLOTS];
		for (int k = 0; k < SLOTS && s[k]; k++)
			out[n++] = s[k];
		if (!n)
			out[n++] = 0;
		return n;
	}
	case K_NONE:
		break;
	}
	out[0] = 0;
	return 1;
mask:
	if (!m) {
		out[0] = 0;
		return 1;
	}
	int n = 0;
	while (m) {
		out[n++] = (uint16_t)__builtin_ctzll(m);
		m &= m - 1;
	}
	return n;
}

struct qf {
	struct qd d;
	uint8_t *allow;       /* [ncodes] */
};

struct counter {
	int ndims;
	struct qd d[STATS_MAX_DIMS];
	size_t stride[STATS_MAX_DIMS];
	uint32_t *cells;
	bool any_multi;
	struct qf f[STATS_MAX_FILTERS];
	size_t nf;
	const struct stats_query *q;
};

static inline bool passes(const struct counter *k, uint32_t row, size_t entry, int32_t day)
{
	if (k->q->from_day || k->q->to_day) {
		if (!day || (k->q->from_day && day < k->q->from_day) || (k->q->to_day && day > k->q->to_day))
			return false;
	}
	uint16_t codes[64];
	for (size_t i = 0; i < k->nf; i++) {
		int n = codes_of(&k->f[i].d, row, entry, codes);
		bool ok = false;
		for (int j = 0; j < n && !ok; j++)
			ok = k->f[i].allow[codes[j]];
		if (!ok)
			return false;
	}
	return true;
}

static inline void add(struct counter *k, uint32_t row, size_t entry)
{
	if (!k->any_multi) {
		size_t idx = 0;
		uint16_t c;
		for (int d = 0; d < k->ndims; d++) {
			codes_of(&k->d[d], row, entry, &c);
			idx += c * k->stride[d];
		}
		k->cells[idx]++;
		return;
	}
	uint16_t codes[STATS_MAX_DIMS][65];
	int n[STATS_MAX_DIMS];
	for (int d = 0; d < k->ndims; d++) {
		n[d] = codes_of(&k->d[d], row, entry, codes[d]);
		if (k->d[d].multi)
			codes[d][n[d]++] = (uint16_t)k->d[d].ncodes;   /* the margin, once */
	}
	int i[STATS_MAX_DIMS] = { 0 };
	for (;;) {
		size_t idx = 0;
		for (int d = 0; d < k->ndims; d++)
			idx += codes[d][i[d]] * k->stride[d];
		k->cells[idx]++;
		int d = k->ndims - 1;
		while (d >= 0 && ++i[d] == n[d])
			i[d--] = 0;
		if (d < 0)
			break;
	}
}

static int32_t unit_day(const struct stats_query *q, uint32_t row, int32_t own)
{
	switch (q->date) {
	case STATS_DATE_IDENTIFICATION:
		return stats_cube.idn[row];
	case STATS_DATE_OWN:
		return own;
	case STATS_DATE_REGISTRATION:
		break;
	}
	return stats_cube.reg[row];
}

static void count(struct counter *k)
{
	const struct stats_query *q = k->q;
	switch (q->unit) {
	case STATS_PERSONS:
	case STATS_CASES:
		for (uint32_t r = 0; r < stats_cube.rows; r++) {
			if (!stats_cube.alive[r] || (q->unit == STATS_PERSONS && !stats_cube.rep[r]))
				continue;
			if (passes(k, r, 0, unit_day(q, r, 0)))
				add(k, r, 0);
		}
		break;
	case STATS_REFERRALS:
		for (size_t e = 0; e < stats_cube.refs; e++) {
			uint32_t r = stats_cube.ref_row[e];
			if (r != DEAD && stats_cube.alive[r] && passes(k, r, e, unit_day(q, r, stats_cube.ref_day[e])))
				add(k, r, e);
		}
		break;
	case STATS_SERVICES:
		for (size_t e = 0; e < stats_cube.svcs; e++) {
			uint32_t r = stats_cube.svc_row[e];
			if (r != DEAD && stats_cube.alive[r] && passes(k, r, e, unit_day(q, r, stats_cube.svc_day[e])))
				add(k, r, e);
		}
		break;
	case STATS_UNIT_COUNT:
		break;
	}
}

/* Margins of the single-valued dimensions: sums along their lines. */
static void sum_margins(struct counter *k, size_t total)
{
	for (int d = 0; d < k->ndims; d++) {
		if (k->d[d].multi)
			continue;
		size_t n = k->d[d].ncodes, s = k->stride[d];
		for (size_t i = 0; i < total; i++) {
			if ((i / s) % (n + 1) != n)
				continue;
			uint64_t sum = 0;
			size_t base = i - n * s;
			for (size_t c = 0; c < n; c++)
				sum += k->cells[base + c * s];
			k->cells[i] = (uint32_t)sum;
		}
	}
}

static int cmp_str(const void *a, const void *b, void *ud)
{
	const struct dict *dict = ud;
	return strcmp(dict->vals[*(const uint16_t *)a], dict->vals[*(const uint16_t *)b]);
}

/* Codes of dimension d to show, in order: fixed values, the others present (sorted), unknown when present. */
static int pick_codes(struct counter *k, int d, uint16_t **out, size_t *n_out)
{
	const struct qd *q = &k->d[d];
	uint16_t *keep = xcalloc(q->ncodes + 1, sizeof(*keep));
	if (!keep)
		return ERR_NOMEM;
	size_t n = 0;
	size_t idx[STATS_MAX_DIMS];
	for (int e = 0; e < k->ndims; e++)
		idx[e] = k->d[e].ncodes;
	size_t nf = q->col->dict.n_fixed;
	for (size_t c = 1; c < q->ncodes; c++) {
		idx[d] = c;
		size_t at = 0;
		for (int e = 0; e < k->ndims; e++)
			at += idx[e] * k->stride[e];
		if (c <= nf || k->cells[at])
			keep[n++] = (uint16_t)c;
	}
	size_t first_open = 0;
	while (first_open < n && keep[first_open] <= nf)
		first_open++;
	qsort_r(keep + first_open, n - first_open, sizeof(*keep), cmp_str, (void *)&q->col->dict);
	idx[d] = 0;
	size_t at = 0;
	for (int e = 0; e < k->ndims; e++)
		at += idx[e] * k->stride[e];
	if (k->cells[at])
		keep[n++] = 0;
	*out = keep;
	*n_out = n;
	return 0;
}

static int build_result(struct counter *k, struct stats_result *out)
{
	uint16_t *keep[STATS_MAX_DIMS] = { 0 };
	int rc = 0;
	out->t.ndims = k->ndims;
	for (int d = 0; d < k->ndims && rc >= 0; d++) {
		rc = pick_codes(k, d, &keep[d], &out->t.n[d]);
		if (rc < 0)
			break;
		out->t.additive[d] = !k->d[d].multi;
		out->values[d] = xcalloc(out->t.n[d] + 1, sizeof(char *));
		if (!out->values[d]) {
			rc = ERR_NOMEM;
			break;
		}
		for (size_t i = 0; i < out->t.n[d]; i++) {
			const char *v = k->d[d].col->dict.vals[keep[d][i]];
			if (v && !(out->values[d][i] = xstrdup(v)))
				rc = ERR_NOMEM;
		}
	}
	if (rc >= 0)
		rc = stats_table_alloc(&out->t);
	if (rc >= 0) {
		size_t cells = stats_table_cells(&out->t);
		size_t idx[STATS_MAX_DIMS];
		for (size_t i = 0; i < cells; i++) {
			stats_table_coords(&out->t, i, idx);
			size_t at = 0;
			for (int d = 0; d < k->ndims; d++) {
				size_t code = idx[d] == out->t.n[d] ? k->d[d].ncodes : keep[d][idx[d]];
				at += code * k->stride[d];
			}
			out->t.count[i] = k->cells[at];
		}
	}
	for (int d = 0; d < STATS_MAX_DIMS; d++)
		free(keep[d]);
	return rc;
}

/* Count q into out from the cube as it is (stats_run holds the lock and refreshed it). */
int cube_count(const struct stats_query *q, struct stats_result *out)
{
	int rc = 0;
	struct counter k = { .ndims = q->ndims, .q = q };
	size_t total = 1;
	for (int d = q->ndims - 1; d >= 0; d--) {
		k.d[d] = qd_of(q->dim[d]);
		k.any_multi |= k.d[d].multi;
		k.stride[d] = total;
		total *= k.d[d].ncodes + 1;
	}
	for (size_t i = 0; i < q->nfilters; i++) {
		struct qf *f = &k.f[k.nf++];
		f->d = qd_of(q->filter[i].dim);
		if (!(f->allow = xcalloc(f->d.ncodes, 1))) {
			rc = ERR_NOMEM;
			break;
		}
		for (size_t j = 0; j < q->filter[i].n; j++) {
			const char *v = q->filter[i].values[j];
			int64_t c = v ? smap_get(&f->d.col->dict.map, v) : 0;
			if (c >= 0 && (size_t)c < f->d.ncodes)
				f->allow[c] = 1;
		}
	}
	if (rc >= 0 && total > ((size_t)1 << 26))
		rc = ERR_TOO_LARGE;
	if (rc >= 0 && !(k.cells = xcalloc(total, sizeof(*k.cells))))
		rc = ERR_NOMEM;
	if (rc >= 0) {
		count(&k);
		sum_margins(&k, total);
		rc = build_result(&k, out);
	}
	free(k.cells);
	for (size_t i = 0; i < k.nf; i++)
		free(k.f[i].allow);
	return rc;
}

void stats_result_release(struct stats_result *r)
{
	for (int d = 0; d < STATS_MAX_DIMS; d++) {
		if (r->values[d])
			for (size_t i = 0; i < r->t.n[d]; i++)
				free(r->values[d][i]);
		free(r->values[d]);
		r->values[d] = NULL;
	}
	stats_table_release(&r->t);
}

/* ---- microdata ---- */

int stats_rec_values(const struct stats_rec *r, int dim, const char **out, int max)
{
	if (dim < 0 || (size_t)dim >= stats_cube.ndims || stats_cube.cols[dim].kind == K_NONE)
		return 0;
	struct qd q = qd_of(dim);
	uint16_t codes[65];
	int n = codes_of(&q, r->row, 0, codes), k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (codes[i])
			out[k++] = stats_cube.cols[dim].dict.vals[codes[i]];
	return k;
}

int32_t stats_rec_day(const struct stats_rec *r, enum stats_date which)
{
	return which == STATS_DATE_IDENTIFICATION ? stats_cube.idn[r->row] : stats_cube.reg[r->row];
}
