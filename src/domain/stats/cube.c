/*
 * cube.c: the statistical rows in memory, as columns of small codes, kept up
 * to date from table stat_cases by sequence number, and the counting loop
 * (stats.h, sections 2 and 4).
 *
 * Layout. A case is a row index. For each dimension of the case (registry
 * fields and the derived dates) a column: SINGLE, one 16-bit code per row;
 * MASK, a 64-bit set per row (a multiple choice of at most 63 values); SLOTS,
 * up to SLOTS codes per row (lists of countries). Code 0 is "unknown"; codes
 * come from a dictionary per dimension (the fixed values first, in order).
 * Referrals and services are entries of their own arrays pointing at their
 * case's row; a case's entries are replaced as a block when its row changes.
 *
 * Counting. The cells of a query are addressed by codes directly (the margin
 * of a dimension is the index after its last code). A unit adds one to the
 * inner cell of its codes; along a multi-valued dimension it also adds one to
 * the margin (it counts once there, whatever its number of values); margins
 * of single-valued dimensions are sums, computed at the end. Then the codes
 * with nothing are dropped (fixed values are kept, to keep tables stable).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../../core/log.h"
#include "stats_int.h"

#define SLOTS 4
#define DEAD UINT32_MAX

/* ---- the cube ---- */

enum kind { K_NONE, K_SINGLE, K_MASK, K_SLOTS };

struct col {
	enum kind kind;
	struct dict dict;
	uint16_t *u16;        /* SINGLE: [rows]; SLOTS: [rows * SLOTS] */
	uint64_t *mask;       /* MASK: [rows], bit c for code c (1..63) */
};

struct cube {
	char token[40];
	int64_t seq;
	size_t ndims;
	struct col *cols;     /* one per dimension; referral/service dimensions: dictionary only */
	/* rows */
	size_t rows, cap;
	struct smap cases;    /* case id -> row */
	uint8_t *alive, *rep, *rank;
	uint32_t *person;
	int32_t *reg, *idn;
	uint32_t *ref_first, *ref_n, *svc_first, *svc_n;
	/* persons */
	struct smap persons;  /* person id -> index */
	size_t npersons;
	bool reps_dirty;
	/* referrals and services */
	uint32_t *ref_row;
	uint16_t *ref_state;
	uint64_t *ref_svc;
	int32_t *ref_day;
	size_t refs, refs_cap, refs_dead;
	uint32_t *svc_row;
	uint16_t *svc_type;
	int32_t *svc_day;
	size_t svcs, svcs_cap, svcs_dead;
	int d_state, d_service, d_svctype, d_status;   /* dimension indexes, -1 if none */
};

static struct cube cube;
static bool cube_ready;
/* One lock over the cube: bringing it up to date and counting (a few milliseconds) take turns. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void cube_free(void)
{
	for (size_t d = 0; d < cube.ndims; d++) {
		dict_free(&cube.cols[d].dict);
		free(cube.cols[d].u16);
		free(cube.cols[d].mask);
	}
	free(cube.cols);
	smap_free(&cube.cases);
	smap_free(&cube.persons);
	void *arrays[] = { cube.alive, cube.rep, cube.rank, cube.person, cube.reg, cube.idn, cube.ref_first,
			   cube.ref_n, cube.svc_first, cube.svc_n, cube.ref_row, cube.ref_state, cube.ref_svc,
			   cube.ref_day, cube.svc_row, cube.svc_type, cube.svc_day };
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		free(arrays[i]);
	memset(&cube, 0, sizeof(cube));
	cube_ready = false;
}

static int cube_init(const char *token)
{
	cube_free();
	snprintf(cube.token, sizeof(cube.token), "%s", token);
	cube.ndims = stats_dim_count();
	cube.d_state = stats_dim_find("referral.state");
	cube.d_service = stats_dim_find("referral.service");
	cube.d_svctype = stats_dim_find("service.type");
	cube.d_status = stats_dim_find("victim.trafficking_status");
	if (!(cube.cols = xcalloc(cube.ndims ? cube.ndims : 1, sizeof(*cube.cols))))
		return ERR_NOMEM;
	for (size_t d = 0; d < cube.ndims; d++) {
		const struct stats_dim_info *info = stats_dim_at(d);
		size_t nf;
		const char *const *fixed = stats_dim_fixed(d, &nf);
		if (dict_init(&cube.cols[d].dict, fixed, nf) < 0)
			return ERR_NOMEM;
		enum stats_derived sd = stats_dim_derived(d);
		if (sd == SD_REF_STATE || sd == SD_REF_SERVICE || sd == SD_SVC_TYPE)
			cube.cols[d].kind = K_NONE;
		else if (!info->multi)
			cube.cols[d].kind = K_SINGLE;
		else if (nf && nf <= 63)
			cube.cols[d].kind = K_MASK;
		else
			cube.cols[d].kind = K_SLOTS;
	}
	cube_ready = true;
	return 0;
}

#define GROW(p, cap) ((p) = xreallocarray((p), (cap), sizeof(*(p))))

static int rows_grow(void)
{
	size_t cap = cube.cap ? cube.cap * 2 : 1024;
	if (!GROW(cube.alive, cap) || !GROW(cube.rep, cap) || !GROW(cube.rank, cap) || !GROW(cube.person, cap) ||
	    !GROW(cube.reg, cap) || !GROW(cube.idn, cap) || !GROW(cube.ref_first, cap) || !GROW(cube.ref_n, cap) ||
	    !GROW(cube.svc_first, cap) || !GROW(cube.svc_n, cap))
		return ERR_NOMEM;
	for (size_t d = 0; d < cube.ndims; d++) {
		struct col *c = &cube.cols[d];
		if (c->kind == K_SINGLE && !GROW(c->u16, cap))
			return ERR_NOMEM;
		if (c->kind == K_SLOTS && !GROW(c->u16, cap * SLOTS))
			return ERR_NOMEM;
		if (c->kind == K_MASK && !GROW(c->mask, cap))
			return ERR_NOMEM;
	}
	cube.cap = cap;
	return 0;
}

static int refs_push(uint32_t row, uint16_t state, uint64_t svc, int32_t day)
{
	if (cube.refs == cube.refs_cap) {
		size_t cap = cube.refs_cap ? cube.refs_cap * 2 : 1024;
		if (!GROW(cube.ref_row, cap) || !GROW(cube.ref_state, cap) || !GROW(cube.ref_svc, cap) ||
		    !GROW(cube.ref_day, cap))
			return ERR_NOMEM;
		cube.refs_cap = cap;
	}
	size_t i = cube.refs++;
	cube.ref_row[i] = row;
	cube.ref_state[i] = state;
	cube.ref_svc[i] = svc;
	cube.ref_day[i] = day;
	return 0;
}

static int svcs_push(uint32_t row, uint16_t type, int32_t day)
{
	if (cube.svcs == cube.svcs_cap) {
		size_t cap = cube.svcs_cap ? cube.svcs_cap * 2 : 1024;
		if (!GROW(cube.svc_row, cap) || !GROW(cube.svc_type, cap) || !GROW(cube.svc_day, cap))
			return ERR_NOMEM;
		cube.svcs_cap = cap;
	}
	size_t i = cube.svcs++;
	cube.svc_row[i] = row;
	cube.svc_type[i] = type;
	cube.svc_day[i] = day;
	return 0;
}

/* Drop dead referral and service entries when they outnumber the living. */
static void compact(void)
{
	if (cube.refs_dead > 1024 && cube.refs_dead * 2 > cube.refs) {
		size_t w = 0;
		for (size_t i = 0; i < cube.refs; i++) {
			if (cube.ref_row[i] == DEAD)
				continue;
			uint32_t r = cube.ref_row[i];
			if (i == cube.ref_first[r])
				cube.ref_first[r] = (uint32_t)w;
			cube.ref_row[w] = r;
			cube.ref_state[w] = cube.ref_state[i];
			cube.ref_svc[w] = cube.ref_svc[i];
			cube.ref_day[w] = cube.ref_day[i];
			w++;
		}
		cube.refs = w;
		cube.refs_dead = 0;
	}
	if (cube.svcs_dead > 1024 && cube.svcs_dead * 2 > cube.svcs) {
		size_t w = 0;
		for (size_t i = 0; i < cube.svcs; i++) {
			if (cube.svc_row[i] == DEAD)
				continue;
			uint32_t r = cube.svc_row[i];
			if (i == cube.svc_first[r])
				cube.svc_first[r] = (uint32_t)w;
			cube.svc_row[w] = r;
			cube.svc_type[w] = cube.svc_type[i];
			cube.svc_day[w] = cube.svc_day[i];
			w++;
		}
		cube.svcs = w;
		cube.svcs_dead = 0;
	}
}

static void kill_entries(uint32_t row)
{
	for (uint32_t i = 0; i < cube.ref_n[row]; i++)
		cube.ref_row[cube.ref_first[row] + i] = DEAD;
	cube.refs_dead += cube.ref_n[row];
	for (uint32_t i = 0; i < cube.svc_n[row]; i++)
		cube.svc_row[cube.svc_first[row] + i] = DEAD;
	cube.svcs_dead += cube.svc_n[row];
	cube.ref_n[row] = cube.svc_n[row] = 0;
}

/* Set column d of row from a JSON string or array (NULL: unknown). */
static int set_col(size_t d, uint32_t row, const json_t *v)
{
	struct col *c = &cube.cols[d];
	uint16_t code = 0;
	const char *s;
	switch (c->kind) {
	case K_SINGLE:
		s = json_is_array(v) ? json_string_value(json_array_get(v, 0)) : json_string_value(v);
		if (s && dict_code(&c->dict, s, &code) < 0)
			return ERR_NOMEM;
		c->u16[row] = code;
		return 0;
	case K_MASK: {
		uint64_t m = 0;
		size_t i;
		json_t *e;
		if (json_is_string(v)) {
			if (dict_code(&c->dict, json_string_value(v), &code) < 0)
				return ERR_NOMEM;
			if (code < 64)
				m |= 1ull << code;
		}
		json_array_foreach(v, i, e) {
			if (!json_is_string(e) || dict_code(&c->dict, json_string_value(e), &code) < 0)
				continue;
			if (code < 64)
				m |= 1ull << code;
			else
				log_warn("statistical value beyond 63 choices not counted", "dimension=%s",
					 stats_dim_at(d)->name);
		}
		c->mask[row] = m;
		return 0;
	}
	case K_SLOTS: {
		uint16_t *slot = &c->u16[(size_t)row * SLOTS];
		memset(slot, 0, SLOTS * sizeof(*slot));
		size_t k = 0, i;
		json_t *e;
		if (json_is_string(v) && dict_code(&c->dict, json_string_value(v), &slot[0]) < 0)
			return ERR_NOMEM;
		json_array_foreach(v, i, e) {
			if (k == SLOTS)
				break;
			if (json_is_string(e) && dict_code(&c->dict, json_string_value(e), &slot[k]) == 0)
				k++;
		}
		return 0;
	}
	case K_NONE:
		return 0;
	}
	return 0;
}

static int set_derived(size_t d, uint32_t row, int32_t reg, int32_t idn)
{
	char day[11], text[16];
	switch (stats_dim_derived(d)) {
	case SD_REG_MONTH:
	case SD_IDN_MONTH:
	case SD_IDN_YEAR: {
		int32_t t = stats_dim_derived(d) == SD_REG_MONTH ? reg : idn;
		if (!t)
			return set_col(d, row, NULL);
		stats_day_text(t, day);
		snprintf(text, sizeof(text), "%.*s", stats_dim_derived(d) == SD_IDN_YEAR ? 4 : 7, day);
		json_t *v = json_string(text);
		int rc = set_col(d, row, v);
		json_decref(v);
		return rc;
	}
	default:
		return 0;
	}
}

static uint8_t status_rank(uint32_t row)
{
	if (cube.d_status < 0 || cube.cols[cube.d_status].kind != K_SINGLE)
		return 0;
	uint16_t code = cube.cols[cube.d_status].u16[row];
	const char *v = cube.cols[cube.d_status].dict.vals[code];
	if (!v)
		return 0;
	if (!strcmp(v, "ActualVictimOfTrafficking"))
		return 3;
	if (!strcmp(v, "PossibleVictimOfTrafficking"))
		return 2;
	return 1;
}

static int apply(const char *case_id, const char *text)
{
	int64_t r = smap_get(&cube.cases, case_id);
	uint32_t row;
	if (r < 0) {
		if (!text)
			return 0;
		if (cube.rows == cube.cap && rows_grow() < 0)
			return ERR_NOMEM;
		row = (uint32_t)cube.rows++;
		if (smap_put(&cube.cases, case_id, row) < 0)
			return ERR_NOMEM;
		cube.alive[row] = cube.rep[row] = 0;
		cube.ref_n[row] = cube.svc_n[row] = 0;
		for (size_t d = 0; d < cube.ndims; d++)
			if (cube.cols[d].kind != K_NONE)
				set_col(d, row, NULL);
	} else {
		row = (uint32_t)r;
	}
	kill_entries(row);
	cube.reps_dirty = true;
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (!j) {
		if (text)
			log_error("statistical row does not parse", "case=%s", case_id);
		cube.alive[row] = 0;
		return 0;
	}
	const char *p = json_string_value(json_object_get(j, "p"));
	if (!p)
		p = case_id;
	int64_t pi = smap_get(&cube.persons, p);
	if (pi < 0) {
		pi = (int64_t)cube.npersons++;
		if (smap_put(&cube.persons, p, (uint32_t)pi) < 0)
			goto nomem;
	}
	cube.person[row] = (uint32_t)pi;
	cube.reg[row] = stats_day(json_string_value(json_object_get(j, "reg")));
	cube.idn[row] = stats_day(json_string_value(json_object_get(j, "idn")));
	const json_t *v = json_object_get(j, "v");
	for (size_t d = 0; d < cube.ndims; d++) {
		int rc = 0;
		if (cube.cols[d].kind == K_NONE)
			continue;
		if (stats_dim_at(d)->field)
			rc = set_col(d, row, json_object_get(v, stats_dim_at(d)->name));
		else
			rc = set_derived(d, row, cube.reg[row], cube.idn[row]);
		if (rc < 0)
			goto nomem;
	}
	cube.rank[row] = status_rank(row);
	size_t i;
	json_t *e;
	cube.ref_first[row] = (uint32_t)cube.refs;
	json_array_foreach(json_object_get(j, "r"), i, e) {
		uint16_t state = 0, code;
		uint64_t svc = 0;
		const char *s = json_string_value(json_array_get(e, 0));
		if (cube.d_state >= 0 && s && dict_code(&cube.cols[cube.d_state].dict, s, &state) < 0)
			goto nomem;
		size_t k;
		json_t *sv;
		json_array_foreach(json_array_get(e, 1), k, sv) {
			if (cube.d_service >= 0 && json_is_string(sv) &&
			    dict_code(&cube.cols[cube.d_service].dict, json_string_value(sv), &code) == 0 && code < 64)
				svc |= 1ull << code;
		}
		if (refs_push(row, state, svc, stats_day(json_string_value(json_array_get(e, 2)))) < 0)
			goto nomem;
		cube.ref_n[row]++;
	}
	cube.svc_first[row] = (uint32_t)cube.svcs;
	json_array_foreach(json_object_get(j, "s"), i, e) {
		uint16_t type = 0;
		const char *s = json_string_value(json_array_get(e, 0));
		if (cube.d_svctype >= 0 && s && dict_code(&cube.cols[cube.d_svctype].dict, s, &type) < 0)
			goto nomem;
		if (svcs_push(row, type, stats_day(json_string_value(json_array_get(e, 1)))) < 0)
			goto nomem;
		cube.svc_n[row]++;
	}
	cube.alive[row] = 1;
	json_decref(j);
	return 0;
nomem:
	json_decref(j);
	cube.alive[row] = 0;
	return ERR_NOMEM;
}

/* The representative case of each person: the most advanced status, then the earliest registered. */
static int compute_reps(void)
{
	if (!cube.reps_dirty)
		return 0;
	uint32_t *best = xcalloc(cube.npersons ? cube.npersons : 1, sizeof(*best));
	if (!best)
		return ERR_NOMEM;
	for (size_t p = 0; p < cube.npersons; p++)
		best[p] = DEAD;
	for (uint32_t r = 0; r < cube.rows; r++) {
		cube.rep[r] = 0;
		if (!cube.alive[r])
			continue;
		uint32_t *b = &best[cube.person[r]];
		if (*b == DEAD || cube.rank[r] > cube.rank[*b] ||
		    (cube.rank[r] == cube.rank[*b] && cube.reg[r] < cube.reg[*b]))
			*b = r;
	}
	for (size_t p = 0; p < cube.npersons; p++)
		if (best[p] != DEAD)
			cube.rep[best[p]] = 1;
	free(best);
	cube.reps_dirty = false;
	return 0;
}

/* Bring the cube up to date with the database (rows numbered after the last seen); mu held. */
static int refresh(struct store *db, bool reps)
{
	struct store_stmt *st;
	int rc = store_prepare(db, &st, "SELECT token FROM stat_seq WHERE id = 1");
	char token[40] = "";
	if (rc >= 0) {
		if ((rc = store_step(st)) == STORE_ROW)
			snprintf(token, sizeof(token), "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
		store_finalize(st);
	}
	if (rc < 0)
		return ERR_FAIL;
	if (!cube_ready || strcmp(token, cube.token)) {
		if ((rc = cube_init(token)) < 0)
			return rc;
	}
	if ((rc = store_prepare(db, &st, "SELECT case_id, seq, row FROM stat_cases WHERE seq > ? ORDER BY seq")) < 0)
		return rc;
	store_bind_int64(st, 1, cube.seq);
	while ((rc = store_step(st)) == STORE_ROW) {
		if (apply(store_column_text(st, 0), store_column_text(st, 2)) < 0) {
			rc = ERR_NOMEM;
			break;
		}
		cube.seq = store_column_int64(st, 1);
	}
	store_finalize(st);
	compact();
	if (rc >= 0 && reps)
		rc = compute_reps();
	if (rc < 0)
		log_error("statistics not brought up to date", "rc=%d", rc);
	return rc < 0 ? rc : 0;
}

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
	struct qd q = { .dim = (size_t)dim, .src = SRC_CASE, .col = &cube.cols[dim] };
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
		out[0] = cube.ref_state[entry];
		return 1;
	case SRC_SVC_TYPE:
		out[0] = cube.svc_type[entry];
		return 1;
	case SRC_REF_SERVICE:
		m = cube.ref_svc[entry];
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
		return cube.idn[row];
	case STATS_DATE_OWN:
		return own;
	case STATS_DATE_REGISTRATION:
		break;
	}
	return cube.reg[row];
}

static void count(struct counter *k)
{
	const struct stats_query *q = k->q;
	switch (q->unit) {
	case STATS_PERSONS:
	case STATS_CASES:
		for (uint32_t r = 0; r < cube.rows; r++) {
			if (!cube.alive[r] || (q->unit == STATS_PERSONS && !cube.rep[r]))
				continue;
			if (passes(k, r, 0, unit_day(q, r, 0)))
				add(k, r, 0);
		}
		break;
	case STATS_REFERRALS:
		for (size_t e = 0; e < cube.refs; e++) {
			uint32_t r = cube.ref_row[e];
			if (r != DEAD && cube.alive[r] && passes(k, r, e, unit_day(q, r, cube.ref_day[e])))
				add(k, r, e);
		}
		break;
	case STATS_SERVICES:
		for (size_t e = 0; e < cube.svcs; e++) {
			uint32_t r = cube.svc_row[e];
			if (r != DEAD && cube.alive[r] && passes(k, r, e, unit_day(q, r, cube.svc_day[e])))
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

int stats_warm(struct store *db)
{
	pthread_mutex_lock(&mu);
	uint64_t t0 = clock_mono_ns();
	int rc = refresh(db, true);
	if (rc == 0 && cube.rows)
		log_info("statistics loaded", "cases=%zu ms=%llu", cube.rows,
			 (unsigned long long)((clock_mono_ns() - t0) / 1000000));
	pthread_mutex_unlock(&mu);
	return rc;
}

int stats_run(struct store *db, const struct stats_query *q, struct stats_result *out)
{
	memset(out, 0, sizeof(*out));
	out->unit = q->unit;
	out->ndims = q->ndims;
	for (int d = 0; d < q->ndims; d++)
		out->dim[d] = q->dim[d];
	pthread_mutex_lock(&mu);
	int rc = refresh(db, q->unit == STATS_PERSONS);
	if (rc < 0) {
		pthread_mutex_unlock(&mu);
		return rc;
	}
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
	pthread_mutex_unlock(&mu);
	free(k.cells);
	for (size_t i = 0; i < k.nf; i++)
		free(k.f[i].allow);
	if (rc < 0)
		stats_result_release(out);
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

struct stats_rec {
	uint32_t row;
};

int stats_rec_values(const struct stats_rec *r, int dim, const char **out, int max)
{
	if (dim < 0 || (size_t)dim >= cube.ndims || cube.cols[dim].kind == K_NONE)
		return 0;
	struct qd q = qd_of(dim);
	uint16_t codes[65];
	int n = codes_of(&q, r->row, 0, codes), k = 0;
	for (int i = 0; i < n && k < max; i++)
		if (codes[i])
			out[k++] = cube.cols[dim].dict.vals[codes[i]];
	return k;
}

int32_t stats_rec_day(const struct stats_rec *r, enum stats_date which)
{
	return which == STATS_DATE_IDENTIFICATION ? cube.idn[r->row] : cube.reg[r->row];
}

int stats_each_person(struct store *db, int (*fn)(void *ud, const struct stats_rec *r), void *ud)
{
	pthread_mutex_lock(&mu);
	int rc = refresh(db, true);
	for (uint32_t row = 0; row < cube.rows && rc >= 0; row++) {
		if (!cube.alive[row] || !cube.rep[row])
			continue;
		struct stats_rec rec = { row };
		rc = fn(ud, &rec);
	}
	pthread_mutex_unlock(&mu);
	return rc;
}
