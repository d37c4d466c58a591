/* kanon.c: k-anonymity by greedy local suppression; see kanon.h. */
#include "kanon.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* A tuple of up to 8 codes of 16 bits, exactly: QIs 0..3 in a, 4..7 in b. */
struct key {
	uint64_t a, b;
};

static struct key key_of(const uint16_t *rec, size_t n_qi)
{
	struct key k = { 0, 0 };
	for (size_t j = 0; j < n_qi; j++) {
		uint64_t v = rec[j];
		if (j < 4)
			k.a |= v << (16 * j);
		else
			k.b |= v << (16 * (j - 4));
	}
	return k;
}

/* The bits of a key that a mask (bit j = QI j) sets to KANON_MISSING. */
static struct key mask_bits(unsigned mask, size_t n_qi)
{
	struct key k = { 0, 0 };
	for (size_t j = 0; j < n_qi; j++)
		if (mask & (1u << j)) {
			if (j < 4)
				k.a |= (uint64_t)0xFFFF << (16 * j);
			else
				k.b |= (uint64_t)0xFFFF << (16 * (j - 4));
		}
	return k;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t key_hash(struct key k)
{
	return mix64(k.a ^ mix64(k.b + 0x9e3779b97f4a7c15ULL));
}

/*
 * An open-addressing table from key to a count. A slot is in use when its
 * stamp equals the table's: bumping the stamp empties the table at once
 * (the per-mask tables are emptied 255 times a step).
 */
struct slot {
	struct key key;
	uint32_t count;
	uint32_t stamp;
};

struct tab {
	struct slot *slot;   /* owned */
	size_t cap;          /* a power of two */
	size_t used;
	uint32_t stamp;
};

static int tab_init(struct tab *t, size_t expected)
{
	size_t cap = 16;
	while (cap < expected * 2 + 16)
		cap <<= 1;
	t->slot = calloc(cap, sizeof(*t->slot));
	t->cap = cap;
	t->used = 0;
	t->stamp = 1;
	return t->slot ? 0 : ERR_NOMEM;
}

static void tab_release(struct tab *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static void tab_clear(struct tab *t)
{
	t->used = 0;
	if (++t->stamp == 0) {   /* wrapped: really clear once */
		memset(t->slot, 0, t->cap * sizeof(*t->slot));
		t->stamp = 1;
	}
}

static size_t tab_probe(const struct tab *t, struct key k)
{
	size_t m = t->cap - 1, i = (size_t)key_hash(k) & m;
	while (t->slot[i].stamp == t->stamp && (t->slot[i].key.a != k.a || t->slot[i].key.b != k.b))
		i = (i + 1) & m;
	return i;
}

static struct slot *tab_find(const struct tab *t, struct key k)
{
	size_t i = tab_probe(t, k);
	return t->slot[i].stamp == t->stamp ? &t->slot[i] : NULL;
}

static int tab_grow(struct tab *t)
{
	struct tab bigger;
	if (tab_init(&bigger, t->cap) < 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].stamp == t->stamp) {
			size_t j = tab_probe(&bigger, t->slot[i].key);
			bigger.slot[j] = t->slot[i];
			bigger.slot[j].stamp = bigger.stamp;
			bigger.used++;
		}
	tab_release(t);
	*t = bigger;
	return 0;
}

/* The slot of k, added with count 0 when absent; NULL when out of memory. */
static struct slot *tab_get(struct tab *t, struct key k)
{
	if ((t->used + 1) * 2 > t->cap && tab_grow(t) < 0)
		return NULL;
	size_t i = tab_probe(t, k);
	struct slot *s = &t->slot[i];
	if (s->stamp != t->stamp) {
		s->key = k;
		s->count = 0;
		s->stamp = t->stamp;
		t->used++;
	}
	return s;
}

/* ---- the greedy loop ---- */

/* The records at risk, grouped by tuple, for one step. */
struct risk {
	size_t *rec;           /* indexes of the records at risk; owned */
	uint32_t *rec_group;   /* their group; owned */
	size_t n_rec;
	struct key *gkey;      /* each group's tuple; owned */
	uint32_t *gcount;      /* its records */
	unsigned char *gpresent;   /* bit j: QI j has a value (not missing) */
	uint32_t *gslot;       /* scratch of evaluate: the group's slot in the mask table */
	unsigned all_qi;       /* (1 << n_qi) - 1 */
	/* safe_patterns[p]: tuples of k records or more whose missing values are exactly the QIs of p */
	size_t safe_patterns[1u << KANON_MAX_QI];
	size_t n_groups;
};

struct choice {
	unsigned mask;
	size_t gain;   /* records made safe */
	size_t cost;   /* values suppressed */
};

/* Is a a better choice than b? Gain per value first, then gain, then the smaller mask. */
static bool better(const struct choice *a, const struct choice *b)
{
	if (a->gain == 0)
		return false;
	if (b->gain == 0)
		return true;
	uint64_t lhs = (uint64_t)a->gain * b->cost, rhs = (uint64_t)b->gain * a->cost;
	if (lhs != rhs)
		return lhs > rhs;
	if (a->gain != b->gain)
		return a->gain > b->gain;
	return __builtin_popcount(a->mask) < __builtin_popcount(b->mask);
}

/*
 * Evaluate mask over the groups at risk: fills c, and when apply is not NULL
 * sets apply[g] for the groups of the gain. all counts every record kept by
 * tuple; mt is the scratch table. Every group whose masked tuple reaches k
 * is in the gain, so applying the gain puts at least k records in each tuple
 * it moves records to.
 */
static int evaluate(const struct risk *r, const struct tab *all, struct tab *mt, unsigned mask, size_t n_qi,
		    size_t k, struct choice *c, unsigned char *apply)
{
	struct key mb = mask_bits(mask, n_qi);
	tab_clear(mt);
	for (size_t g = 0; g < r->n_groups; g++) {
		struct key mk = { r->gkey[g].a | mb.a, r->gkey[g].b | mb.b };
		struct slot *s = tab_get(mt, mk);
		if (!s)
			return ERR_NOMEM;
		s->count += r->gcount[g];
		r->gslot[g] = (uint32_t)(s - mt->slot);
	}
	/* mt was sized for every group at the start of the step: it did not grow, the indexes hold. */
	c->mask = mask;
	c->gain = 0;
	c->cost = 0;
	for (size_t g = 0; g < r->n_groups; g++) {
		size_t total = mt->slot[r->gslot[g]].count;
		/*
		 * Records already safe with the masked tuple join the group. Such a
		 * tuple has missing values exactly where the masked one has: look
		 * it up only when some safe tuple has that pattern (rarely).
		 */
		unsigned pattern = (mask | (~r->gpresent[g] & r->all_qi)) & r->all_qi;
		if (r->safe_patterns[pattern]) {
			struct key mk = { r->gkey[g].a | mb.a, r->gkey[g].b | mb.b };
			const struct slot *safe = tab_find(all, mk);
			if (safe && safe->count >= k)
				total += safe->count;
		}
		bool gained = total >= k;
		if (apply)
			apply[g] = gained;
		if (gained) {
			c->gain += r->gcount[g];
			c->cost += (size_t)r->gcount[g] * (size_t)__builtin_popcount(mask & r->gpresent[g]);
		}
	}
	return 0;
}

/* Collect the records at risk (group < k) and group them. */
static int risk_collect(struct risk *r, const uint16_t *codes, size_t n_qi, const struct tab *all, size_t k,
			struct tab *gt)
{
	size_t kept = 0;
	for (size_t p = 0; p < r->n_rec; p++) {
		size_t i = r->rec[p];
		const struct slot *s = tab_find(all, key_of(codes + i * n_qi, n_qi));
		assert(s);
		if (s->count < k)
			r->rec[kept++] = i;
	}
	r->n_rec = kept;
	r->n_groups = 0;
	tab_clear(gt);
	for (size_t p = 0; p < r->n_rec; p++) {
		const uint16_t *rec = codes + r->rec[p] * n_qi;
		struct key key = key_of(rec, n_qi);
		struct slot *s = tab_get(gt, key);
		if (!s)
			return ERR_NOMEM;
		if (s->count == 0) {   /* a new group: count holds its index + 1 */
			size_t g = r->n_groups++;
			r->gkey[g] = key;
			r->gcount[g] = 0;
			unsigned present = 0;
			for (size_t j = 0; j < n_qi; j++)
				if (rec[j] != KANON_MISSING)
					present |= 1u << j;
			r->gpresent[g] = (unsigned char)present;
			s->count = (uint32_t)(g + 1);
		}
		r->rec_group[p] = s->count - 1;
		r->gcount[s->count - 1]++;
	}
	/* Which patterns of missing values the safe tuples have (evaluate looks up only those). */
	r->all_qi = (1u << n_qi) - 1;
	memset(r->safe_patterns, 0, sizeof(r->safe_patterns));
	for (size_t i = 0; i < all->cap; i++) {
		const struct slot *s = &all->slot[i];
		if (s->stamp != all->stamp || s->count < k)
			continue;
		unsigned pattern = 0;
		for (size_t j = 0; j < n_qi; j++) {
			uint64_t word = j < 4 ? s->key.a : s->key.b;
			if (((word >> (16 * (j % 4))) & 0xFFFF) == KANON_MISSING)
				pattern |= 1u << j;
		}
		r->safe_patterns[pattern]++;
	}
	return 0;
}

static void risk_release(struct risk *r)
{
	free(r->rec);
	free(r->rec_group);
	free(r->gkey);
	free(r->gcount);
	free(r->gpresent);
	free(r->gslot);
	memset(r, 0, sizeof(*r));
}

static int risk_alloc(struct risk *r, size_t n)
{
	size_t m = n ? n : 1;
	r->rec = malloc(m * sizeof(*r->rec));
	r->rec_group = malloc(m * sizeof(*r->rec_group));
	r->gkey = malloc(m * sizeof(*r->gkey));
	r->gcount = malloc(m * sizeof(*r->gcount));
	r->gpresent = malloc(m);
	r->gslot = malloc(m * sizeof(*r->gslot));
	return r->rec && r->rec_group && r->gkey && r->gcount && r->gpresent && r->gslot ? 0 : ERR_NOMEM;
}

/* ---- giving values back ---- */

/*
 * The greedy steps blank a QI in whole groups at once; after later steps
 * some of those records can have their value back: a set R of records of
 * the current tuple T, all blanked at QI j with the same original value v,
 * may move to T with j = v when T keeps k records or none, and T with j = v
 * then holds k or more. Each move keeps every group at k or more, so the
 * result stays k-anonymous; it only ever lowers the count of values blanked.
 */
#define RESTORE_PASSES 8

struct undo {
	struct key cur;       /* the record's tuple when the pass began */
	uint32_t rec;
	uint16_t orig;        /* its value before it was blanked */
	uint8_t j;
	uint8_t restored;
};

struct undo_log {
	struct undo *e;       /* owned */
	size_t n, cap;
};

static int log_add(struct undo_log *log, size_t rec, size_t j, uint16_t orig)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 1024;
		struct undo *e = realloc(log->e, cap * sizeof(*e));
		if (!e)
			return ERR_NOMEM;
		log->e = e;
		log->cap = cap;
	}
	log->e[log->n++] = (struct undo){ .rec = (uint32_t)rec, .orig = orig, .j = (uint8_t)j };
	return 0;
}

static int cmp_undo(const void *pa, const void *pb)
{
	const struct undo *a = pa, *b = pb;
	if (a->restored != b->restored)
		return a->restored < b->restored ? -1 : 1;
	if (a->cur.a != b->cur.a)
		return a->cur.a < b->cur.a ? -1 : 1;
	if (a->cur.b != b->cur.b)
		return a->cur.b < b->cur.b ? -1 : 1;
	if (a->j != b->j)
		return a->j < b->j ? -1 : 1;
	if (a->orig != b->orig)
		return a->orig < b->orig ? -1 : 1;
	return a->rec < b->rec ? -1 : a->rec > b->rec;
}

static bool same_run(const struct undo *a, const struct undo *b)
{
	return a->cur.a == b->cur.a && a->cur.b == b->cur.b && a->j == b->j && a->orig == b->orig &&
	       a->restored == b->restored;
}

/* One pass over the blanked values; returns how many were given back, or (size_t)-1 out of memory. */
static size_t restore_pass(struct undo_log *log, uint16_t *codes, size_t n_qi, size_t k, struct tab *all)
{
	size_t restored = 0;
	if (log->n == 0)
		return 0;
	for (size_t i = 0; i < log->n; i++)
		if (!log->e[i].restored)
			log->e[i].cur = key_of(codes + (size_t)log->e[i].rec * n_qi, n_qi);
	qsort(log->e, log->n, sizeof(*log->e), cmp_undo);
	for (size_t i = 0, end; i < log->n; i = end) {
		for (end = i + 1; end < log->n && same_run(&log->e[i], &log->e[end]); end++)
			;
		if (log->e[i].restored)
			break;   /* sorted last */
		/* Records of the run still in the tuple (another move of this pass may have taken some). */
		struct key t = log->e[i].cur;
		size_t avail = 0;
		for (size_t p = i; p < end; p++) {
			struct key now = key_of(codes + (size_t)log->e[p].rec * n_qi, n_qi);
			avail += now.a == t.a && now.b == t.b;
		}
		const struct slot *from = tab_find(all, t);
		if (!from || avail == 0)
			continue;
		size_t j = log->e[i].j, s = from->count;
		struct key to_key = t;
		if (j < 4)
			to_key.a = (to_key.a & ~((uint64_t)0xFFFF << (16 * j))) | (uint64_t)log->e[i].orig << (16 * j);
		else
			to_key.b = (to_key.b & ~((uint64_t)0xFFFF << (16 * (j - 4)))) |
				   (uint64_t)log->e[i].orig << (16 * (j - 4));
		const struct slot *to_now = tab_find(all, to_key);
		size_t there = to_now ? to_now->count : 0, move = 0;
		if (avail == s && there + s >= k) {
			move = s;                                     /* the whole group moves */
		} else if (s > k) {
			size_t most = avail < s - k ? avail : s - k;  /* T keeps k */
			if (there + most >= k)
				move = most;
		}
		if (move == 0)
			continue;
		struct slot *to = tab_get(all, to_key);
		if (!to)
			return (size_t)-1;
		struct slot *src = tab_find(all, t);   /* after tab_get, which may move slots */
		size_t done = 0;
		for (size_t p = i; p < end && done < move; p++) {
			uint16_t *rec = codes + (size_t)log->e[p].rec * n_qi;
			struct key now = key_of(rec, n_qi);
			if (now.a != t.a || now.b != t.b)
				continue;
			rec[j] = log->e[p].orig;
			log->e[p].restored = 1;
			done++;
		}
		assert(done == move);
		src->count -= move;
		to->count += move;
		restored += move;
	}
	return restored;
}

int kanon_apply(uint16_t *codes, size_t n, size_t n_qi, size_t k, unsigned char *dropped, struct kanon_report *rep)
{
	assert(rep && (n == 0 || (codes && dropped)));
	memset(rep, 0, sizeof(*rep));
	if (n_qi == 0 || n_qi > KANON_MAX_QI || k == 0 || n >= UINT32_MAX)
		return ERR_INVALID;
	if (n)
		memset(dropped, 0, n);
	if (n == 0 || k == 1)
		return 0;

	struct tab all = { 0 }, gt = { 0 }, mt = { 0 };
	struct risk r = { 0 };
	struct undo_log log = { 0 };
	unsigned char *apply = NULL;
	int rc = ERR_NOMEM;
	if (tab_init(&all, 1024) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct slot *s = tab_get(&all, key_of(codes + i * n_qi, n_qi));
		if (!s)
			goto out;
		s->count++;
	}
	/* The records at risk: the first step filters them from all records. */
	if (risk_alloc(&r, n) < 0 || tab_init(&gt, 1024) < 0 || tab_init(&mt, 1024) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		r.rec[i] = i;
	r.n_rec = n;
	apply = malloc(n);
	if (!apply)
		goto out;

	/* The masks, fewest QIs first (then in numeric order). */
	const unsigned n_masks = (1u << n_qi) - 1;
	unsigned order[(1u << KANON_MAX_QI) - 1];
	size_t n_order = 0;
	for (unsigned bits = 1; bits <= n_qi; bits++)
		for (unsigned mask = 1; mask <= n_masks; mask++)
			if ((unsigned)__builtin_popcount(mask) == bits)
				order[n_order++] = mask;
	assert(n_order == n_masks);
	for (;;) {
		if ((rc = risk_collect(&r, codes, n_qi, &all, k, &gt)) < 0)
			goto out;
		if (r.n_rec == 0)
			break;
		if (mt.cap < 2 * r.n_groups + 16) {   /* evaluate relies on mt never growing during a pass */
			tab_release(&mt);
			if (tab_init(&mt, r.n_groups + 8) < 0) {
				rc = ERR_NOMEM;
				goto out;
			}
		}
		/*
		 * The patterns of values present among the groups at risk bound each
		 * mask's gain per value: a mask blanks at least `least` values of
		 * every record it protects. Masks are tried smallest first, and one
		 * whose bound is below the best ratio found cannot win: skipped (the
		 * choice is the same as trying them all, much faster when single
		 * QIs already protect some records).
		 */
		bool has_pattern[1u << KANON_MAX_QI] = { false };
		for (size_t g = 0; g < r.n_groups; g++)
			has_pattern[r.gpresent[g]] = true;
		struct choice best = { 0, 0, 0 }, c;
		for (size_t m = 0; m < n_masks; m++) {
			unsigned mask = order[m], least = KANON_MAX_QI;
			for (unsigned p = 0; p <= r.all_qi; p++)
				if (has_pattern[p] && (unsigned)__builtin_popcount(mask & p) < least)
					least = (unsigned)__builtin_popcount(mask & p);
			if (best.gain && least && (uint64_t)best.gain * least > best.cost)
				continue;
			if ((rc = evaluate(&r, &all, &mt, mask, n_qi, k, &c, NULL)) < 0)
				goto out;
			rep->masks_tried++;
			if (better(&c, &best))
				best = c;
		}
		if (best.gain == 0) {
			/* Fewer than k records no mask can save: drop them. */
			assert(r.n_rec < k);
			for (size_t p = 0; p < r.n_rec; p++)
				dropped[r.rec[p]] = 1;
			rep->suppressed_records = r.n_rec;
			break;
		}
		if ((rc = evaluate(&r, &all, &mt, best.mask, n_qi, k, &c, apply)) < 0)
			goto out;
		struct key mb = mask_bits(best.mask, n_qi);
		for (size_t g = 0; g < r.n_groups; g++) {
			if (!apply[g])
				continue;
			struct key to_key = { r.gkey[g].a | mb.a, r.gkey[g].b | mb.b };
			struct slot *to = tab_get(&all, to_key);
			if (!to) {
				rc = ERR_NOMEM;
				goto out;
			}
			struct slot *from = tab_find(&all, r.gkey[g]);   /* after tab_get, which may move slots */
			assert(from && from->count >= r.gcount[g]);
			from->count -= r.gcount[g];
			to->count += r.gcount[g];
		}
		for (size_t p = 0; p < r.n_rec; p++) {
			if (!apply[r.rec_group[p]])
				continue;
			uint16_t *rec = codes + r.rec[p] * n_qi;
			for (size_t j = 0; j < n_qi; j++)
				if ((best.mask & (1u << j)) && rec[j] != KANON_MISSING) {
					if ((rc = log_add(&log, r.rec[p], j, rec[j])) < 0)
						goto out;
					rec[j] = KANON_MISSING;
					rep->suppressed_values++;
				}
		}
		rep->steps++;
	}
	/* The dropped records leave their groups before values are given back. */
	for (size_t i = 0; i < n; i++)
		if (dropped[i])
			tab_find(&all, key_of(codes + i * n_qi, n_qi))->count--;
	for (int pass = 0; pass < RESTORE_PASSES; pass++) {
		size_t restored = restore_pass(&log, codes, n_qi, k, &all);
		if (restored == (size_t)-1) {
			rc = ERR_NOMEM;
			goto out;
		}
		if (restored == 0)
			break;
		rep->suppressed_values -= restored;
		rep->restored_values += restored;
	}
	rc = 0;
out:
	free(log.e);
	free(apply);
	risk_release(&r);
	tab_release(&all);
	tab_release(&gt);
	tab_release(&mt);
	return rc;
}

int kanon_smallest_group(const uint16_t *codes, size_t n, size_t n_qi, const unsigned char *dropped,
			 size_t *smallest, size_t *n_groups)
{
	*smallest = 0;
	if (n_groups)
		*n_groups = 0;
	if (n_qi == 0 || n_qi > KANON_MAX_QI || n >= UINT32_MAX)
		return ERR_INVALID;
	struct tab t;
	if (tab_init(&t, 1024) < 0)
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (dropped && dropped[i])
			continue;
		struct slot *s = tab_get(&t, key_of(codes + i * n_qi, n_qi));
		if (!s) {
			tab_release(&t);
			return ERR_NOMEM;
		}
		s->count++;
	}
	size_t min = 0;
	for (size_t i = 0; i < t.cap; i++)
		if (t.slot[i].stamp == t.stamp && (min == 0 || t.slot[i].count < min))
			min = t.slot[i].count;
	*smallest = min;
	if (n_groups)
		*n_groups = t.used;
	tab_release(&t);
	return 0;
}
