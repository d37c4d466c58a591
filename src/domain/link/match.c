/*
 * match.c: candidate pairs of two CLK sets and the greedy one-to-one
 * assignment (clk_candidates, clk_match in clk.h).
 *
 * The work, for |a| x |b| pairs:
 *  1. b is copied into popcount order (a counting sort, ties in index
 *     order), so that the filters a record of a can meet are one
 *     contiguous run: those of popcount lo[p]..hi[p] (clk_threshold). The
 *     others are never read: that is the popcount bound.
 *  2. a is visited in popcount order too, in blocks of BLOCK records, so
 *     that the records of a block want nearly the same run of b. The run
 *     is walked in tiles of TILE filters (256 KiB, within a core's L2
 *     cache), and every record of the block is compared with its part of
 *     the tile before the next tile is loaded: b is read from memory once
 *     per block instead of once per record.
 *  3. Each record of a keeps its per_record best candidates (score
 *     descending; equal scores in a fixed shuffled order, see better()). Blocks are handed to the threads
 *     through an atomic counter; each thread collects its candidates alone.
 *  4. The candidates of all threads are sorted (score descending, then
 *     index of a, then of b), so the result does not depend on the threads.
 *  5. clk_match then takes them best first, keeping a pair when neither
 *     record is taken yet.
 */
#include "clk.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/alloc.h"
#include "../../core/log.h"

#define BLOCK 64     /* records of a per unit of work */
#define TILE 2048    /* filters of b per tile: 256 KiB */

/* b in popcount order. */
struct sorted {
	uint64_t *filters;                /* owned, 64-byte aligned */
	uint16_t *pops;                   /* owned */
	uint32_t *index;                  /* owned: position in the original set */
	size_t start[CLK_BITS + 2];       /* first position of popcount p; start[CLK_BITS + 1] = n */
};

struct cand_vec {
	struct clk_pair *items;
	size_t n, cap;
	int err;
};

struct job {
	const struct clk_set *a, *b;
	const struct sorted *sb;
	const uint32_t *a_order;          /* a's indices in popcount order */
	const struct clk_threshold *th;
	unsigned per_record;
	size_t n_blocks;
	size_t next_block;                /* atomic */
};

/* Aligned to a cache line each, so that two threads never write the same line. */
struct worker {
	struct job *job;
	struct cand_vec out;
	uint64_t compared;
	pthread_t thread;
	bool started;
} __attribute__((aligned(64)));

static void sorted_release(struct sorted *s)
{
	free(s->filters);
	free(s->pops);
	free(s->index);
}

/* Positions of set's records in popcount order (a counting sort) into order; start as in struct sorted. */
static void popcount_order(const struct clk_set *set, uint32_t *order, size_t start[CLK_BITS + 2])
{
	memset(start, 0, (CLK_BITS + 2) * sizeof(start[0]));
	for (size_t i = 0; i < set->n; i++)
		start[set->pops[i] + 1]++;
	for (int p = 1; p <= CLK_BITS + 1; p++)
		start[p] += start[p - 1];
	size_t next[CLK_BITS + 1];
	memcpy(next, start, sizeof(next));
	for (size_t i = 0; i < set->n; i++)
		order[next[set->pops[i]]++] = (uint32_t)i;
}

static int sorted_build(struct sorted *s, const struct clk_set *b)
{
	memset(s, 0, sizeof(*s));
	size_t n = b->n ? b->n : 1;
	s->filters = aligned_alloc(64, n * CLK_BYTES);
	s->pops = xcalloc(n, sizeof(*s->pops));
	s->index = xcalloc(n, sizeof(*s->index));
	if (!s->filters || !s->pops || !s->index)
		return ERR_NOMEM;
	popcount_order(b, s->index, s->start);
	for (size_t j = 0; j < b->n; j++) {
		memcpy(s->filters + j * CLK_WORDS, clk_set_filter(b, s->index[j]), CLK_BYTES);
		s->pops[j] = b->pops[s->index[j]];
	}
	return 0;
}

static void cand_push(struct cand_vec *v, uint32_t a, uint32_t b, double score)
{
	if (v->err)
		return;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct clk_pair *items = xreallocarray(v->items, cap, sizeof(*items));
		if (!items) {
			v->err = ERR_NOMEM;
			return;
		}
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = (struct clk_pair){ a, b, score };
}

/* The best per_record candidates of one record of a; unsorted, worst tracked. */
struct best {
	struct clk_pair *items;   /* per_record of them */
	unsigned n, worst;
};

/* A fixed shuffle of (a, b): splitmix64's finaliser. */
static uint64_t mix(uint32_t a, uint32_t b)
{
	uint64_t z = ((uint64_t)a << 32 | b) + 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/*
 * Is x better than y for the same record of a: a higher score, then, among
 * equal scores, a fixed pseudo-random order of b (mix), then the lower b.
 * The shuffle matters when more than per_record filters of b are equal for
 * a group of equal records of a (common names with the same birth date):
 * each record of the group then keeps a different sample of the group, and
 * the one-to-one assignment still pairs nearly all of them, where "lower b
 * first" would give every one the same per_record candidates.
 */
static bool better(const struct clk_pair *x, const struct clk_pair *y)
{
	if (x->score != y->score)
		return x->score > y->score;
	uint64_t mx = mix(x->a, x->b), my = mix(y->a, y->b);
	return mx != my ? mx < my : x->b < y->b;
}

static void best_offer(struct best *bs, unsigned cap, uint32_t a, uint32_t b, double score)
{
	struct clk_pair p = { a, b, score };
	if (bs->n < cap) {
		bs->items[bs->n++] = p;
		if (bs->n == cap) {
			bs->worst = 0;
			for (unsigned i = 1; i < cap; i++)
				if (better(&bs->items[bs->worst], &bs->items[i]))
					bs->worst = i;
		}
		return;
	}
	if (!better(&p, &bs->items[bs->worst]))
		return;
	bs->items[bs->worst] = p;
	bs->worst = 0;
	for (unsigned i = 1; i < cap; i++)
		if (better(&bs->items[bs->worst], &bs->items[i]))
			bs->worst = i;
}

static void run_block(struct worker *w, size_t block, uint16_t *counts, struct best *bests)
{
	const struct job *j = w->job;
	const struct sorted *sb = j->sb;
	const struct clk_threshold *th = j->th;
	size_t first = block * BLOCK, last = first + BLOCK < j->a->n ? first + BLOCK : j->a->n;
	size_t r0[BLOCK], r1[BLOCK], lo = SIZE_MAX, hi = 0;
	uint64_t compared = 0;
	for (size_t i = first; i < last; i++) {
		unsigned pa = j->a->pops[j->a_order[i]];
		size_t x = i - first;
		bests[x].n = 0;
		if (th->lo[pa] > th->hi[pa]) {
			r0[x] = r1[x] = 0;
			continue;
		}
		r0[x] = sb->start[th->lo[pa]];
		r1[x] = sb->start[th->hi[pa] + 1];
		if (r0[x] < r1[x]) {
			lo = r0[x] < lo ? r0[x] : lo;
			hi = r1[x] > hi ? r1[x] : hi;
		}
	}
	for (size_t t = lo; t < hi; t += TILE) {
		size_t t_end = t + TILE < hi ? t + TILE : hi;
		for (size_t i = first; i < last; i++) {
			size_t x = i - first;
			size_t from = r0[x] > t ? r0[x] : t, to = r1[x] < t_end ? r1[x] : t_end;
			if (from >= to)
				continue;
			uint32_t ai = j->a_order[i];
			unsigned pa = j->a->pops[ai];
			size_t n = to - from;
			clk_and_popcount_many(clk_set_filter(j->a, ai), sb->filters + from * CLK_WORDS, n, counts);
			compared += n;
			/*
			 * b is in popcount order: no count below at_least[pa + the
			 * run's least popcount] can pass. A cheap first look; the
			 * exact test only past it.
			 */
			unsigned floor = th->at_least[pa + sb->pops[from]];
			for (size_t y = 0; y < n; y++) {
				if (counts[y] < floor)
					continue;
				unsigned pb = sb->pops[from + y];
				if (counts[y] >= th->need[pa + pb])
					best_offer(&bests[x], j->per_record, ai, sb->index[from + y],
						   clk_dice_counts(counts[y], pa, pb));
			}
		}
	}
	w->compared += compared;
	for (size_t i = first; i < last; i++)
		for (unsigned y = 0; y < bests[i - first].n; y++) {
			const struct clk_pair *p = &bests[i - first].items[y];
			cand_push(&w->out, p->a, p->b, p->score);
		}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct job *j = w->job;
	uint16_t *counts = xcalloc(TILE, sizeof(*counts));
	struct best *bests = xcalloc(BLOCK, sizeof(*bests));
	struct clk_pair *items = xcalloc((size_t)BLOCK * j->per_record, sizeof(*items));
	if (!counts || !bests || !items) {
		w->out.err = ERR_NOMEM;
	} else {
		for (size_t x = 0; x < BLOCK; x++)
			bests[x].items = items + x * j->per_record;
		size_t block;
		while (!w->out.err && (block = __atomic_fetch_add(&j->next_block, 1, __ATOMIC_RELAXED)) < j->n_blocks)
			run_block(w, block, counts, bests);
	}
	/* On failure the other workers still drain the counter; this one's error fails the whole. */
	free(counts);
	free(bests);
	free(items);
	return NULL;
}

static int pair_order(const void *x, const void *y)
{
	const struct clk_pair *p = x, *q = y;
	if (p->score != q->score)
		return p->score > q->score ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static unsigned thread_count(const struct clk_match_opts *o, size_t n_blocks)
{
	long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > CLK_MATCH_THREADS_MAX)
		n = CLK_MATCH_THREADS_MAX;
	if ((size_t)n > n_blocks)
		n = n_blocks ? (long)n_blocks : 1;
	return (unsigned)n;
}

int clk_candidates(const struct clk_set *a, const struct clk_set *b, const struct clk_match_opts *o,
		   struct clk_pair **pairs, size_t *n_pairs, struct clk_match_stats *stats)
{
	struct clk_threshold *th = malloc(sizeof(*th));
	struct sorted sb;
	struct job job = { 0 };
	uint32_t *a_order = NULL;
	size_t a_start[CLK_BITS + 2];
	struct worker *ws = NULL;
	unsigned n_threads = 0;
	int rc;
	*pairs = NULL;
	*n_pairs = 0;
	memset(stats, 0, sizeof(*stats));
	memset(&sb, 0, sizeof(sb));
	if (!th)
		return ERR_NOMEM;
	if ((rc = clk_threshold_init(th, o->threshold)) < 0)
		goto out;
	stats->pairs = (uint64_t)a->n * b->n;
	if (a->n == 0 || b->n == 0)
		goto out;
	a_order = xcalloc(a->n, sizeof(*a_order));
	if (!a_order || (rc = sorted_build(&sb, b)) < 0) {
		rc = ERR_NOMEM;
		goto out;
	}
	popcount_order(a, a_order, a_start);
	job = (struct job){ .a = a, .b = b, .sb = &sb, .a_order = a_order, .th = th,
			    .per_record = o->per_record ? o->per_record : CLK_MATCH_PER_RECORD,
			    .n_blocks = (a->n + BLOCK - 1) / BLOCK };
	n_threads = thread_count(o, job.n_blocks);
	ws = aligned_alloc(64, n_threads * sizeof(*ws));   /* sizeof is a multiple of 64 */
	if (!ws) {
		rc = ERR_NOMEM;
		goto out;
	}
	memset(ws, 0, n_threads * sizeof(*ws));
	for (unsigned t = 0; t < n_threads; t++)
		ws[t].job = &job;
	/* This thread is worker 0; a worker that cannot start leaves its share to the others. */
	for (unsigned t = 1; t < n_threads; t++)
		ws[t].started = pthread_create(&ws[t].thread, NULL, work, &ws[t]) == 0;
	work(&ws[0]);
	size_t total = 0;
	for (unsigned t = 0; t < n_threads; t++) {
		if (t > 0 && ws[t].started)
			pthread_join(ws[t].thread, NULL);
		if (ws[t].out.err)
			rc = ws[t].out.err;
		total += ws[t].out.n;
		stats->compared += ws[t].compared;
	}
	if (rc < 0)
		goto out;
	if (total) {
		struct clk_pair *all = xcalloc(total, sizeof(*all));
		if (!all) {
			rc = ERR_NOMEM;
			goto out;
		}
		size_t at = 0;
		for (unsigned t = 0; t < n_threads; t++) {
			if (ws[t].out.n)
				memcpy(all + at, ws[t].out.items, ws[t].out.n * sizeof(*all));
			at += ws[t].out.n;
		}
		qsort(all, total, sizeof(*all), pair_order);
		*pairs = all;
		*n_pairs = total;
	}
	stats->candidates = total;
out:
	for (unsigned t = 0; ws && t < n_threads; t++)
		free(ws[t].out.items);
	free(ws);
	free(a_order);
	sorted_release(&sb);
	free(th);
	return rc;
}

int clk_match(const struct clk_set *a, const struct clk_set *b, const struct clk_match_opts *o,
	      struct clk_pair **pairs, size_t *n_pairs, struct clk_match_stats *stats)
{
	struct clk_pair *cand;
	size_t n_cand;
	int rc = clk_candidates(a, b, o, &cand, &n_cand, stats);
	*pairs = NULL;
	*n_pairs = 0;
	if (rc < 0 || n_cand == 0)
		return rc;
	unsigned char *taken_a = xcalloc(a->n, 1), *taken_b = xcalloc(b->n, 1);
	if (!taken_a || !taken_b) {
		free(taken_a);
		free(taken_b);
		free(cand);
		return ERR_NOMEM;
	}
	/* Kept pairs are written over the candidates, which are read ahead of them. */
	size_t kept = 0;
	for (size_t i = 0; i < n_cand; i++) {
		struct clk_pair p = cand[i];
		if (taken_a[p.a] || taken_b[p.b])
			continue;
		taken_a[p.a] = taken_b[p.b] = 1;
		cand[kept++] = p;
	}
	free(taken_a);
	free(taken_b);
	*pairs = cand;
	*n_pairs = kept;
	return 0;
}
