/*
 * dedup.c: checking one new case when it is saved (dedup_case_created), and
 * what every check shares: storing pairs, classes, the review reach.
 *
 * The check of a new case runs inside the transaction that creates it, so
 * it must stay cheap: it reads the new case's blind index entries of kinds
 * doc, name2, xkey2 and xkey (rarest first; xkey is there only for a
 * person known by one name), looks each up in the index (at most block_max + 1 case ids,
 * 64 at most; a bigger block is a common name and is skipped), reads the
 * signatures of at most CANDIDATES_MAX distinct cases, SIG_BATCH a query,
 * and scores them in memory. A duplicate that shares none of these (both
 * names mistyped, no document) is left to the full check, dedup_run.
 */
#include "dedup_int.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/hash.h"

#define BLOCKS_MAX 96          /* blind index entries of one case looked at */
#define CANDIDATES_MAX 200     /* cases one new case is compared with */

void dedup_options_init(struct dedup_options *o, const struct config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->review_weight = (double)cfg->link_review_weight;
	o->likely_weight = (double)cfg->link_likely_weight;
	o->block_max = (int)cfg->link_block_max;
}

const char *dedup_class_of(double score, double review_weight, double likely_weight)
{
	if (score >= likely_weight)
		return "likely";
	return score >= review_weight ? "review" : NULL;
}

bool dedup_in_reach(const struct ctx *c, const char *org_a, const char *org_b)
{
	switch (ctx_scope(c, PERM_LINK_REVIEW)) {
	case SCOPE_ALL:
		return true;
	case SCOPE_OWN_ORG:
		return !strcmp(org_a, c->actor.org_id) && !strcmp(org_b, c->actor.org_id);
	default:
		return false;
	}
}

int dedup_pair_store(struct ctx *c, const char *case_a, const char *case_b, double score, const char *class_name,
		     const signed char v[DF_COUNT], int64_t now, bool *inserted)
{
	if (strcmp(case_a, case_b) > 0) {
		const char *t = case_a;
		case_a = case_b;
		case_b = t;
	}
	char levels[DF_COUNT + 1];
	dedup_levels_text(v, levels);
	int64_t centi = (int64_t)(score * 100 + (score < 0 ? -0.5 : 0.5));
	struct store_stmt *st;
	if (inserted)
		*inserted = false;
	if (store_prepare(c->db, &st, "UPDATE link_pairs SET score = ?, class = ?, levels = ?, seen_at = ? "
				      "WHERE case_a = ? AND case_b = ? AND status = 'open'") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, centi);
	store_bind_text(st, 2, class_name);
	store_bind_text(st, 3, levels);
	store_bind_int64(st, 4, now);
	store_bind_text(st, 5, case_a);
	store_bind_text(st, 6, case_b);
	int rc = store_step(st);
	int64_t changed = rc < 0 ? 0 : store_changes(st);
	store_finalize(st);
	if (rc < 0)
		return ERR_FAIL;
	if (changed)
		return 0;
	char id[ID_HEX_LEN + 1];
	random_id(id);
	if (store_prepare(c->db, &st, "INSERT INTO link_pairs (id, case_a, case_b, score, class, status, levels, "
				      "found_at, seen_at, version) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, 1) "
				      "ON CONFLICT (case_a, case_b) DO NOTHING") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, case_a);
	store_bind_text(st, 3, case_b);
	store_bind_int64(st, 4, centi);
	store_bind_text(st, 5, class_name);
	store_bind_text(st, 6, levels);
	store_bind_int64(st, 7, now);
	store_bind_int64(st, 8, now);
	rc = store_step(st);
	changed = rc < 0 ? 0 : store_changes(st);
	store_finalize(st);
	if (rc < 0)
		return ERR_FAIL;
	if (inserted)
		*inserted = changed > 0;
	return 0;
}

/* The signature of one case, decoded into *pool (caller frees); 0 with *pool NULL when it has none. */
static int sig_load(struct ctx *c, const char *case_id, uint64_t **pool, struct dedup_sig *s)
{
	struct store_stmt *st;
	*pool = NULL;
	if (store_prepare(c->db, &st, "SELECT sig FROM link_cases WHERE case_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		size_t len = 0;
		const unsigned char *blob = store_column_blob(st, 0, &len);
		int n = dedup_sig_count(blob, len);
		if (n >= 0) {
			*pool = malloc((size_t)(n ? n : 1) * sizeof(uint64_t));
			if (*pool)
				dedup_sig_decode(blob, *pool, s);
			else
				rc = ERR_NOMEM;
		}
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

struct block {
	int rank;   /* doc 0, name2 1, xkey2 2, xkey 3: rarest first */
	char kind[8];
	unsigned char value[BLIND_BYTES];
};

static int block_rank(const char *kind)
{
	static const char *const order[] = { "doc", "name2", "xkey2", "xkey" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(kind, order[i]))
			return i;
	return -1;
}

static int cmp_block(const void *a, const void *b)
{
	return ((const struct block *)a)->rank - ((const struct block *)b)->rank;
}

/* The distinct cases met in the blocks, at most CANDIDATES_MAX. */
struct candidates {
	char id[CANDIDATES_MAX][ID_HEX_LEN + 1];
	int n;
};

static void candidate_add(struct candidates *cs, const char *id)
{
	if (!id || strlen(id) != ID_HEX_LEN || cs->n == CANDIDATES_MAX)
		return;
	for (int i = 0; i < cs->n; i++)
		if (!strcmp(cs->id[i], id))
			return;
	memcpy(cs->id[cs->n++], id, ID_HEX_LEN + 1);
}

/* The cases sharing one blind index entry with the new case, unless the block is bigger than max. */
static int block_members(struct ctx *c, const char *case_id, const struct block *b, int max, struct candidates *cs)
{
	char found[64][ID_HEX_LEN + 1];
	int n = 0, cap = max < 64 ? max : 64, rc;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT case_id FROM case_blind WHERE kind = ? AND value = ? AND case_id <> ? "
				      "LIMIT ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, b->kind);
	store_bind_blob(st, 2, b->value, BLIND_BYTES);
	store_bind_text(st, 3, case_id);
	store_bind_int64(st, 4, cap + 1);
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n < 64) {
			const char *id = store_column_text(st, 0);
			snprintf(found[n], sizeof(found[n]), "%s", id ? id : "");
		}
		n++;
	}
	store_finalize(st);
	if (rc < 0)
		return ERR_FAIL;
	if (n > cap)
		return 0;   /* a common value: left to the rarer blocks */
	for (int i = 0; i < n; i++)
		candidate_add(cs, found[i]);
	return 0;
}

/* Score the candidates: their signatures read SIG_BATCH at a time, pairs stored. */
#define SIG_BATCH 16
static int score_candidates(struct ctx *c, const char *case_id, const struct dedup_sig *own,
			    const struct dedup_model *model, const struct dedup_options *o, const char (*ids)[ID_HEX_LEN + 1],
			    int n)
{
	static const char sql[] = "SELECT case_id, sig FROM link_cases WHERE case_id IN "
				  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	uint64_t pool[DP_COUNT * DEDUP_PART_MAX];
	int64_t now = clock_now();
	for (int first = 0; first < n; first += SIG_BATCH) {
		struct store_stmt *st;
		if (store_prepare(c->db, &st, sql) < 0)
			return ERR_FAIL;
		for (int k = 0; k < SIG_BATCH; k++)
			store_bind_text(st, k + 1, first + k < n ? ids[first + k] : NULL);
		int rc;
		while ((rc = store_step(st)) == STORE_ROW) {
			size_t len = 0;
			const unsigned char *blob = store_column_blob(st, 1, &len);
			const char *other_id = store_column_text(st, 0);
			if (!other_id || dedup_sig_count(blob, len) < 0)
				continue;
			struct dedup_sig other;
			dedup_sig_decode(blob, pool, &other);
			signed char v[DF_COUNT];
			dedup_compare(own, &other, v);
			double w = dedup_weight(model, v);
			const char *cls = dedup_class_of(w, o->review_weight, o->likely_weight);
			if (cls && (rc = dedup_pair_store(c, case_id, other_id, w, cls, v, now, NULL)) < 0)
				break;
		}
		store_finalize(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dedup_case_created(struct ctx *c, const char *case_id)
{
	uint64_t *own_pool = NULL;
	struct dedup_sig own;
	int rc = sig_load(c, case_id, &own_pool, &own);
	if (rc < 0 || !own_pool)
		return rc;
	struct dedup_options o;
	dedup_options_init(&o, &c->app->cfg);
	struct dedup_model model;
	struct block *blocks = malloc(BLOCKS_MAX * sizeof(*blocks));
	struct candidates *cs = calloc(1, sizeof(*cs));
	int n_blocks = 0;
	struct store_stmt *st;
	if (!blocks || !cs) {
		rc = ERR_NOMEM;
		goto out;
	}
	if ((rc = dedup_model_load(c, &model)) < 0)
		goto out;
	/*
	 * Blocks: documents, pairs of name tokens, pairs of cross-script keys;
	 * single keys exist only for a person known by one name (case_index.c).
	 */
	if (store_prepare(c->db, &st, "SELECT kind, value FROM case_blind WHERE case_id = ? "
				      "AND kind IN ('doc', 'name2', 'xkey2', 'xkey')") < 0) {
		rc = ERR_FAIL;
		goto out;
	}
	store_bind_text(st, 1, case_id);
	while ((rc = store_step(st)) == STORE_ROW && n_blocks < BLOCKS_MAX) {
		const char *kind = store_column_text(st, 0);
		size_t len = 0;
		const void *value = store_column_blob(st, 1, &len);
		int rank = kind ? block_rank(kind) : -1;
		if (rank < 0 || len != BLIND_BYTES)
			continue;
		blocks[n_blocks].rank = rank;
		snprintf(blocks[n_blocks].kind, sizeof(blocks[n_blocks].kind), "%s", kind);
		memcpy(blocks[n_blocks].value, value, BLIND_BYTES);
		n_blocks++;
	}
	store_finalize(st);
	if (rc < 0)
		goto out;
	rc = 0;
	qsort(blocks, (size_t)n_blocks, sizeof(*blocks), cmp_block);
	for (int i = 0; rc == 0 && i < n_blocks && cs->n < CANDIDATES_MAX; i++)
		rc = block_members(c, case_id, &blocks[i], o.block_max, cs);
	if (rc == 0)
		rc = score_candidates(c, case_id, &own, &model, &o, (const char (*)[ID_HEX_LEN + 1])cs->id, cs->n);
out:
	free(own_pool);
	free(blocks);
	free(cs);
	return rc;
}

void dedup_case_saved(struct ctx *c, const char *case_id)
{
	if (store_begin(c->db) < 0)
		return;
	if (dedup_case_created(c, case_id) < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		log_warn("duplicate check of a new case failed: left to `ihala link dedup`", "case=%s", case_id);
	}
}

void dedup_cases_saved(struct ctx *c, const json_t *refs)
{
	if (!json_array_size(refs) || store_begin(c->db) < 0)
		return;
	size_t i;
	json_t *ref;
	int rc = 0;
	json_array_foreach(refs, i, ref) {
		struct store_stmt *st;
		if (rc < 0 || store_prepare(c->db, &st, "SELECT id FROM cases WHERE ref = ?") < 0) {
			rc = ERR_FAIL;
			break;
		}
		store_bind_text(st, 1, json_string_value(ref));
		char id[ID_HEX_LEN + 1] = "";
		if (store_step(st) == STORE_ROW)
			snprintf(id, sizeof(id), "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
		store_finalize(st);
		if (id[0])
			rc = dedup_case_created(c, id);
	}
	if (rc < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		log_warn("duplicate check of imported cases failed: left to `ihala link dedup`", "cases=%zu",
			 json_array_size(refs));
	}
}
