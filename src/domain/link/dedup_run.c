/*
 * dedup_run.c: checking every case of the installation (`ihala link dedup`,
 * dedup.h: dedup_run).
 *
 * 1. Read every signature (one read transaction), with the case's
 *    reference, external reference and person.
 * 2. Blocking in memory: each case gives block keys (its exact name hashes,
 *    the pairs of them, its cross-script keys, its document, and its birth
 *    date joined with each of its name hashes and their variants); the keys
 *    are sorted, and every block of 2 to block_max cases gives its pairs.
 *    Pairs of cases that are already one person are dropped.
 * 3. The comparison vector of each candidate pair, counted per pattern;
 *    EM on the counts; the weight of each pair.
 * 4. The pairs at or above the review weight, best first, to the caller;
 *    then, in one write transaction, stored (dedup_pair_store), with the
 *    model, and the open pairs not found again removed.
 * 5. One info log line, "dedup phases": the counts and the seconds of each
 *    phase (bench/dedup.sh prints them).
 * Memory: about 200 bytes and 40 hashes a case, 16 bytes a block key, 10
 * bytes a candidate pair.
 */
#include "dedup_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../core/buf.h"
#include "../../core/clock.h"
#include "../../core/log.h"

struct rcase {
	char id[ID_HEX_LEN + 1];
	char ref[32];
	char person[ID_HEX_LEN + 1];
	size_t ext;                       /* offset in the string arena; 0: none */
	size_t pool;                      /* first hash in the pool */
	unsigned char n[DP_COUNT];
};

struct run {
	struct rcase *cases;
	size_t n_cases, cap_cases;
	uint64_t *pool;
	size_t n_pool, cap_pool;
	struct buf strings;               /* external references, NUL-separated; starts with one NUL */
};

static void sig_of(const struct run *r, size_t i, struct dedup_sig *s)
{
	const uint64_t *p = r->pool + r->cases[i].pool;
	for (int k = 0; k < DP_COUNT; k++) {
		s->part[k] = p;
		s->n[k] = r->cases[i].n[k];
		p += s->n[k];
	}
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return ERR_NOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int cmp_rcase(const void *a, const void *b)
{
	return strcmp(((const struct rcase *)a)->id, ((const struct rcase *)b)->id);
}

static int load_cases(struct ctx *c, struct run *r)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT cases.id, cases.ref, cases.external_ref, link_cases.person_id, "
				      "link_cases.sig FROM link_cases JOIN cases ON cases.id = link_cases.case_id "
				      "WHERE cases.dek IS NOT NULL") < 0)
		return ERR_FAIL;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		size_t len = 0;
		const unsigned char *blob = store_column_blob(st, 4, &len);
		int n = dedup_sig_count(blob, len);
		if (n < 0) {
			log_warn("unreadable duplicate signature skipped", "case=%s", store_column_text(st, 0));
			continue;
		}
		if (grow((void **)&r->cases, &r->cap_cases, r->n_cases + 1, sizeof(*r->cases)) < 0 ||
		    grow((void **)&r->pool, &r->cap_pool, r->n_pool + (size_t)n + 1, sizeof(*r->pool)) < 0) {
			rc = ERR_NOMEM;
			break;
		}
		struct rcase *rc_ = &r->cases[r->n_cases++];
		memset(rc_, 0, sizeof(*rc_));
		snprintf(rc_->id, sizeof(rc_->id), "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
		snprintf(rc_->ref, sizeof(rc_->ref), "%s", store_column_text(st, 1) ? store_column_text(st, 1) : "");
		const char *ext = store_column_text(st, 2), *person = store_column_text(st, 3);
		snprintf(rc_->person, sizeof(rc_->person), "%s", person ? person : rc_->id);
		if (ext && *ext) {
			rc_->ext = r->strings.len;
			buf_append(&r->strings, ext, strlen(ext) + 1);
		}
		struct dedup_sig s;
		dedup_sig_decode(blob, r->pool + r->n_pool, &s);
		rc_->pool = r->n_pool;
		for (int k = 0; k < DP_COUNT; k++)
			rc_->n[k] = (unsigned char)s.n[k];
		r->n_pool += (size_t)n;
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (buf_error(&r->strings))
		return ERR_NOMEM;
	if (r->n_cases)
		qsort(r->cases, r->n_cases, sizeof(*r->cases), cmp_rcase);
	return 0;
}

static ssize_t find_case(const struct run *r, const char *id)
{
	size_t lo = 0, hi = r->n_cases;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int k = strcmp(r->cases[mid].id, id);
		if (!k)
			return (ssize_t)mid;
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- blocking ---- */

struct bkey {
	uint64_t key;
	uint32_t i;
};

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

enum { BK_NAME = 1, BK_NAME_PAIR, BK_XKEY, BK_DOC, BK_BIRTH_NAME };

static uint64_t tagged(int tag, uint64_t h)
{
	return mix(h ^ mix((uint64_t)tag));
}

struct keys {
	struct bkey *k;
	size_t n, cap;
};

static int key_add(struct keys *ks, int tag, uint64_t h, uint32_t i)
{
	if (grow((void **)&ks->k, &ks->cap, ks->n + 1, sizeof(*ks->k)) < 0)
		return ERR_NOMEM;
	ks->k[ks->n].key = tagged(tag, h);
	ks->k[ks->n].i = i;
	ks->n++;
	return 0;
}

#define PAIR_TOKENS_MAX 8   /* name tokens of one case that make pairs */

static int case_keys(struct keys *ks, const struct dedup_sig *s, uint32_t i)
{
	static const enum dedup_part names[] = { DP_GIVEN, DP_FAMILY, DP_OTHER };
	static const enum dedup_part birth_names[] = { DP_GIVEN, DP_GIVEN_CLOSE, DP_FAMILY, DP_FAMILY_CLOSE };
	uint64_t tok[PAIR_TOKENS_MAX];
	int n_tok = 0, rc = 0;
	for (size_t p = 0; p < sizeof(names) / sizeof(names[0]); p++) {
		for (unsigned k = 0; rc == 0 && k < s->n[names[p]]; k++) {
			uint64_t h = s->part[names[p]][k];
			rc = key_add(ks, BK_NAME, h, i);
			if (n_tok < PAIR_TOKENS_MAX)
				tok[n_tok++] = h;
		}
	}
	for (int a = 0; rc == 0 && a < n_tok; a++)
		for (int b = a + 1; rc == 0 && b < n_tok; b++) {
			uint64_t lo = tok[a] < tok[b] ? tok[a] : tok[b], hi = tok[a] < tok[b] ? tok[b] : tok[a];
			if (lo != hi)
				rc = key_add(ks, BK_NAME_PAIR, mix(lo) ^ hi, i);
		}
	for (unsigned k = 0; rc == 0 && k < s->n[DP_GIVEN_KEY]; k++)
		rc = key_add(ks, BK_XKEY, s->part[DP_GIVEN_KEY][k], i);
	for (unsigned k = 0; rc == 0 && k < s->n[DP_FAMILY_KEY]; k++)
		rc = key_add(ks, BK_XKEY, s->part[DP_FAMILY_KEY][k], i);
	for (unsigned k = 0; rc == 0 && k < s->n[DP_DOC]; k++)
		rc = key_add(ks, BK_DOC, s->part[DP_DOC][k], i);
	if (s->n[DP_BIRTH]) {
		uint64_t birth = mix(s->part[DP_BIRTH][0]);
		for (size_t p = 0; p < sizeof(birth_names) / sizeof(birth_names[0]); p++)
			for (unsigned k = 0; rc == 0 && k < s->n[birth_names[p]]; k++)
				rc = key_add(ks, BK_BIRTH_NAME, birth ^ s->part[birth_names[p]][k], i);
	}
	return rc;
}

static int cmp_bkey(const void *a, const void *b)
{
	const struct bkey *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct pairs {
	uint64_t *p;   /* (i << 32) | j, i < j */
	size_t n, cap;
};

/* The candidate pairs of the sorted keys, sorted and distinct. */
static int block_pairs(const struct keys *ks, int block_max, struct pairs *ps)
{
	for (size_t s = 0; s < ks->n;) {
		size_t e = s + 1;
		while (e < ks->n && ks->k[e].key == ks->k[s].key)
			e++;
		if (e - s >= 2 && e - s <= (size_t)block_max) {
			for (size_t a = s; a < e; a++)
				for (size_t b = a + 1; b < e; b++) {
					if (ks->k[a].i == ks->k[b].i)
						continue;
					if (grow((void **)&ps->p, &ps->cap, ps->n + 1, sizeof(*ps->p)) < 0)
						return ERR_NOMEM;
					ps->p[ps->n++] = ((uint64_t)ks->k[a].i << 32) | ks->k[b].i;
				}
		}
		s = e;
	}
	if (ps->n)
		qsort(ps->p, ps->n, sizeof(*ps->p), cmp_u64);
	size_t w = 0;
	for (size_t i = 0; i < ps->n; i++)
		if (w == 0 || ps->p[i] != ps->p[w - 1])
			ps->p[w++] = ps->p[i];
	ps->n = w;
	return 0;
}

/* ---- scoring and storing ---- */

struct scored {
	uint64_t pair;
	double score;
	uint16_t pattern;
};

static int cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->pair < y->pair ? -1 : x->pair > y->pair;
}

/* Pairs decided "different": sorted (i << 32 | j) of this run's case indexes. */
static int load_different(struct ctx *c, const struct run *r, struct pairs *out)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT case_a, case_b FROM link_pairs WHERE status = 'different'") < 0)
		return ERR_FAIL;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *a = store_column_text(st, 0), *b = store_column_text(st, 1);
		ssize_t i = a ? find_case(r, a) : -1, j = b ? find_case(r, b) : -1;
		if (i < 0 || j < 0)
			continue;
		if (i > j) {
			ssize_t t = i;
			i = j;
			j = t;
		}
		if (grow((void **)&out->p, &out->cap, out->n + 1, sizeof(*out->p)) < 0) {
			rc = ERR_NOMEM;
			break;
		}
		out->p[out->n++] = ((uint64_t)i << 32) | (uint64_t)j;
	}
	store_finalize(st);
	if (out->n)
		qsort(out->p, out->n, sizeof(*out->p), cmp_u64);
	return rc < 0 ? rc : 0;
}

static bool pair_in(const struct pairs *ps, uint64_t p)
{
	return ps->n && bsearch(&p, ps->p, ps->n, sizeof(*ps->p), cmp_u64) != NULL;
}

static int save_model(struct ctx *c, const struct dedup_model *m, int64_t now)
{
	json_t *j = dedup_model_to_json(m);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return ERR_NOMEM;
	struct store_stmt *st;
	int rc = store_prepare(c->db, &st, "INSERT INTO link_model (id, model, fitted_at) VALUES (1, ?, ?) "
					   "ON CONFLICT (id) DO UPDATE SET model = excluded.model, "
					   "fitted_at = excluded.fitted_at");
	if (rc == 0) {
		store_bind_text(st, 1, text);
		store_bind_int64(st, 2, now);
		rc = store_step(st) < 0 ? ERR_FAIL : 0;
		store_finalize(st);
	}
	free(text);
	return rc < 0 ? ERR_FAIL : 0;
}

static int store_all(struct ctx *c, const struct dedup_options *o, const struct run *r, const struct scored *sel,
		     size_t n_sel, int64_t start, struct dedup_report *rep)
{
	int64_t now = clock_now();
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	int rc = save_model(c, &rep->model, now);
	for (size_t k = 0; rc == 0 && k < n_sel; k++) {
		const struct rcase *a = &r->cases[sel[k].pair >> 32], *b = &r->cases[sel[k].pair & 0xffffffffu];
		signed char v[DF_COUNT];
		dedup_pattern_vector(sel[k].pattern, v);
		bool inserted;
		rc = dedup_pair_store(c, a->id, b->id, sel[k].score,
				      dedup_class_of(sel[k].score, o->review_weight, o->likely_weight), v, now, &inserted);
		rep->n_new += inserted;
	}
	struct store_stmt *st;
	if (rc == 0 && store_prepare(c->db, &st, "DELETE FROM link_pairs WHERE status = 'open' AND seen_at < ?") == 0) {
		store_bind_int64(st, 1, start);
		rc = store_step(st) < 0 ? ERR_FAIL : 0;
		rep->n_removed = rc == 0 ? store_changes(st) : 0;
		store_finalize(st);
	} else if (rc == 0) {
		rc = ERR_FAIL;
	}
	char count[32];
	snprintf(count, sizeof(count), "%zu", n_sel);
	if (rc == 0 && ctx_audit(c, "link.dedup", "dedup", count, "ok") < 0)
		rc = ERR_FAIL;
	if (rc == 0 && store_commit(c->db) < 0)
		rc = ERR_FAIL;
	if (rc < 0)
		store_rollback(c->db);
	return rc;
}

int dedup_run(struct ctx *c, const struct dedup_options *o, struct dedup_report *rep)
{
	struct run r;
	struct keys ks = { 0 };
	struct pairs ps = { 0 }, different = { 0 };
	struct scored *sel = NULL;
	uint64_t *counts = NULL;
	uint16_t *pattern = NULL;
	size_t n_sel = 0;
	memset(&r, 0, sizeof(r));
	memset(rep, 0, sizeof(*rep));
	buf_init(&r.strings, (size_t)1 << 34);
	buf_append(&r.strings, "", 1);
	int64_t start = clock_now();
	uint64_t t0 = clock_mono_ns(), t_load, t_block, t_compare, t_em, t_score, t_store;
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	int rc = load_cases(c, &r);
	if (rc == 0)
		rc = load_different(c, &r, &different);
	store_rollback(c->db);
	rep->n_cases = (int64_t)r.n_cases;
	t_load = clock_mono_ns();

	for (size_t i = 0; rc == 0 && i < r.n_cases; i++) {
		struct dedup_sig s;
		sig_of(&r, i, &s);
		rc = case_keys(&ks, &s, (uint32_t)i);
	}
	if (rc == 0) {
		if (ks.n)
			qsort(ks.k, ks.n, sizeof(*ks.k), cmp_bkey);
		rc = block_pairs(&ks, o->block_max, &ps);
	}
	free(ks.k);
	ks.k = NULL;
	t_block = clock_mono_ns();

	/* Comparison vectors; cases already one person are no candidates. */
	counts = rc == 0 ? calloc(DEDUP_PATTERNS, sizeof(*counts)) : NULL;
	pattern = rc == 0 ? malloc((ps.n ? ps.n : 1) * sizeof(*pattern)) : NULL;
	if (rc == 0 && (!counts || !pattern))
		rc = ERR_NOMEM;
	size_t w = 0;
	for (size_t k = 0; rc == 0 && k < ps.n; k++) {
		size_t i = (size_t)(ps.p[k] >> 32), j = (size_t)(ps.p[k] & 0xffffffffu);
		if (!strcmp(r.cases[i].person, r.cases[j].person))
			continue;
		struct dedup_sig a, b;
		sig_of(&r, i, &a);
		sig_of(&r, j, &b);
		signed char v[DF_COUNT];
		dedup_compare(&a, &b, v);
		unsigned p = dedup_pattern(v);
		counts[p]++;
		ps.p[w] = ps.p[k];
		pattern[w++] = (uint16_t)p;
	}
	ps.n = w;
	rep->n_candidates = (int64_t)ps.n;
	t_compare = clock_mono_ns();

	dedup_model_default(&rep->model);
	if (rc == 0 && ps.n > 0 && (rc = dedup_em(&rep->model, counts, 500)) < 0)
		log_error("fitting the duplicate model failed", "pairs=%zu", ps.n);
	t_em = clock_mono_ns();

	/* Weights per pattern, then the pairs at or above the review weight, best first. */
	double wtab[DF_COUNT][DEDUP_LEVELS_MAX];
	for (int f = 0; f < DF_COUNT; f++)
		for (int l = 0; l < dedup_levels((enum dedup_field)f); l++)
			wtab[f][l] = dedup_log2(rep->model.m[f][l] / rep->model.u[f][l]);
	sel = rc == 0 ? malloc((ps.n ? ps.n : 1) * sizeof(*sel)) : NULL;
	if (rc == 0 && !sel)
		rc = ERR_NOMEM;
	for (size_t k = 0; rc == 0 && k < ps.n; k++) {
		signed char v[DF_COUNT];
		dedup_pattern_vector(pattern[k], v);
		double score = 0;
		for (int f = 0; f < DF_COUNT; f++)
			if (v[f] != DEDUP_MISSING)
				score += wtab[f][v[f]];
		if (score < o->review_weight)
			continue;
		if (pair_in(&different, ps.p[k])) {
			rep->n_decided_kept++;
			continue;
		}
		sel[n_sel].pair = ps.p[k];
		sel[n_sel].score = score;
		sel[n_sel].pattern = pattern[k];
		n_sel++;
		if (score >= o->likely_weight)
			rep->n_likely++;
		else
			rep->n_review++;
	}
	if (rc == 0)
		qsort(sel, n_sel, sizeof(*sel), cmp_scored);
	for (size_t k = 0; rc == 0 && o->found && k < n_sel; k++) {
		const struct rcase *a = &r.cases[sel[k].pair >> 32], *b = &r.cases[sel[k].pair & 0xffffffffu];
		struct dedup_found f = {
			a->ref, b->ref, r.strings.data + a->ext, r.strings.data + b->ext, sel[k].score,
			dedup_class_of(sel[k].score, o->review_weight, o->likely_weight),
		};
		if (o->found(o->arg, &f) != 0)
			rc = ERR_FAIL;
	}
	t_score = clock_mono_ns();
	if (rc == 0 && !o->dry_run)
		rc = store_all(c, o, &r, sel, n_sel, start, rep);
	t_store = clock_mono_ns();
	if (rc == 0)
		log_info("dedup phases", "cases=%zu candidates=%zu threads=%d load=%.2f block=%.2f compare=%.2f em=%.2f "
			 "score=%.2f store=%.2f", r.n_cases, ps.n, 1, (double)(t_load - t0) / 1e9,
			 (double)(t_block - t_load) / 1e9, (double)(t_compare - t_block) / 1e9,
			 (double)(t_em - t_compare) / 1e9, (double)(t_score - t_em) / 1e9,
			 (double)(t_store - t_score) / 1e9);

	free(sel);
	free(counts);
	free(pattern);
	free(ps.p);
	free(different.p);
	free(r.cases);
	free(r.pool);
	buf_release(&r.strings);
	return rc;
}
