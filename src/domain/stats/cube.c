/*
 * cube.c: the statistical rows in memory, as columns of small codes, kept up
 * to date from table stat_cases by sequence number (stats.h, sections 2 and
 * 4). The counting loop is in count.c; the structures both use are in
 * cube_int.h.
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
#include "cube_int.h"

struct cube stats_cube;
static bool cube_ready;
/* One lock over the cube: bringing it up to date and counting (a few milliseconds) take turns. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void cube_free(void)
{
	for (size_t d = 0; d < stats_cube.ndims; d++) {
		dict_free(&stats_cube.cols[d].dict);
		free(stats_cube.cols[d].u16);
		free(stats_cube.cols[d].mask);
	}
	free(stats_cube.cols);
	smap_free(&stats_cube.cases);
	smap_free(&stats_cube.persons);
	void *arrays[] = { stats_cube.alive, stats_cube.rep, stats_cube.rank, stats_cube.person, stats_cube.reg, stats_cube.idn, stats_cube.ref_first,
			   stats_cube.ref_n, stats_cube.svc_first, stats_cube.svc_n, stats_cube.ref_row, stats_cube.ref_state, stats_cube.ref_svc,
			   stats_cube.ref_day, stats_cube.svc_row, stats_cube.svc_type, stats_cube.svc_day };
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		free(arrays[i]);
	memset(&stats_cube, 0, sizeof(stats_cube));
	cube_ready = false;
}

static int cube_init(const char *token)
{
	cube_free();
	snprintf(stats_cube.token, sizeof(stats_cube.token), "%s", token);
	stats_cube.ndims = stats_dim_count();
	stats_cube.d_state = stats_dim_find("referral.state");
	stats_cube.d_service = stats_dim_find("referral.service");
	stats_cube.d_svctype = stats_dim_find("service.type");
	stats_cube.d_status = stats_dim_find("victim.trafficking_status");
	if (!(stats_cube.cols = xcalloc(stats_cube.ndims ? stats_cube.ndims : 1, sizeof(*stats_cube.cols))))
		return ERR_NOMEM;
	for (size_t d = 0; d < stats_cube.ndims; d++) {
		const struct stats_dim_info *info = stats_dim_at(d);
		size_t nf;
		const char *const *fixed = stats_dim_fixed(d, &nf);
		if (dict_init(&stats_cube.cols[d].dict, fixed, nf) < 0)
			return ERR_NOMEM;
		enum stats_derived sd = stats_dim_derived(d);
		if (sd == SD_REF_STATE || sd == SD_REF_SERVICE || sd == SD_SVC_TYPE)
			stats_cube.cols[d].kind = K_NONE;
		else if (!info->multi)
			stats_cube.cols[d].kind = K_SINGLE;
		else if (nf && nf <= 63)
			stats_cube.cols[d].kind = K_MASK;
		else
			stats_cube.cols[d].kind = K_SLOTS;
	}
	cube_ready = true;
	return 0;
}

#define GROW(p, cap) ((p) = xreallocarray((p), (cap), sizeof(*(p))))

static int rows_grow(void)
{
	size_t cap = stats_cube.cap ? stats_cube.cap * 2 : 1024;
	if (!GROW(stats_cube.alive, cap) || !GROW(stats_cube.rep, cap) || !GROW(stats_cube.rank, cap) || !GROW(stats_cube.person, cap) ||
	    !GROW(stats_cube.reg, cap) || !GROW(stats_cube.idn, cap) || !GROW(stats_cube.ref_first, cap) || !GROW(stats_cube.ref_n, cap) ||
	    !GROW(stats_cube.svc_first, cap) || !GROW(stats_cube.svc_n, cap))
		return ERR_NOMEM;
	for (size_t d = 0; d < stats_cube.ndims; d++) {
		struct col *c = &stats_cube.cols[d];
		if (c->kind == K_SINGLE && !GROW(c->u16, cap))
			return ERR_NOMEM;
		if (c->kind == K_SLOTS && !GROW(c->u16, cap * SLOTS))
			return ERR_NOMEM;
		if (c->kind == K_MASK && !GROW(c->mask, cap))
			return ERR_NOMEM;
	}
	stats_cube.cap = cap;
	return 0;
}

static int refs_push(uint32_t row, uint16_t state, uint64_t svc, int32_t day)
{
	if (stats_cube.refs == stats_cube.refs_cap) {
		size_t cap = stats_cube.refs_cap ? stats_cube.refs_cap * 2 : 1024;
		if (!GROW(stats_cube.ref_row, cap) || !GROW(stats_cube.ref_state, cap) || !GROW(stats_cube.ref_svc, cap) ||
		    !GROW(stats_cube.ref_day, cap))
			return ERR_NOMEM;
		stats_cube.refs_cap = cap;
	}
	size_t i = stats_cube.refs++;
	stats_cube.ref_row[i] = row;
	stats_cube.ref_state[i] = state;
	stats_cube.ref_svc[i] = svc;
	stats_cube.ref_day[i] = day;
	return 0;
}

static int svcs_push(uint32_t row, uint16_t type, int32_t day)
{
	if (stats_cube.svcs == stats_cube.svcs_cap) {
		size_t cap = stats_cube.svcs_cap ? stats_cube.svcs_cap * 2 : 1024;
		if (!GROW(stats_cube.svc_row, cap) || !GROW(stats_cube.svc_type, cap) || !GROW(stats_cube.svc_day, cap))
			return ERR_NOMEM;
		stats_cube.svcs_cap = cap;
	}
	size_t i = stats_cube.svcs++;
	stats_cube.svc_row[i] = row;
	stats_cube.svc_type[i] = type;
	stats_cube.svc_day[i] = day;
	return 0;
}

/* Drop dead referral and service entries when they outnumber the living. */
static void compact(void)
{
	if (stats_cube.refs_dead > 1024 && stats_cube.refs_dead * 2 > stats_cube.refs) {
		size_t w = 0;
		for (size_t i = 0; i < stats_cube.refs; i++) {
			if (stats_cube.ref_row[i] == DEAD)
				continue;
			uint32_t r = stats_cube.ref_row[i];
			if (i == stats_cube.ref_first[r])
				stats_cube.ref_first[r] = (uint32_t)w;
			stats_cube.ref_row[w] = r;
			stats_cube.ref_state[w] = stats_cube.ref_state[i];
			stats_cube.ref_svc[w] = stats_cube.ref_svc[i];
			stats_cube.ref_day[w] = stats_cube.ref_day[i];
			w++;
		}
		stats_cube.refs = w;
		stats_cube.refs_dead = 0;
	}
	if (stats_cube.svcs_dead > 1024 && stats_cube.svcs_dead * 2 > stats_cube.svcs) {
		size_t w = 0;
		for (size_t i = 0; i < stats_cube.svcs; i++) {
			if (stats_cube.svc_row[i] == DEAD)
				continue;
			uint32_t r = stats_cube.svc_row[i];
			if (i == stats_cube.svc_first[r])
				stats_cube.svc_first[r] = (uint32_t)w;
			stats_cube.svc_row[w] = r;
			stats_cube.svc_type[w] = stats_cube.svc_type[i];
			stats_cube.svc_day[w] = stats_cube.svc_day[i];
			w++;
		}
		stats_cube.svcs = w;
		stats_cube.svcs_dead = 0;
	}
}

static void kill_entries(uint32_t row)
{
	for (uint32_t i = 0; i < stats_cube.ref_n[row]; i++)
		stats_cube.ref_row[stats_cube.ref_first[row] + i] = DEAD;
	stats_cube.refs_dead += stats_cube.ref_n[row];
	for (uint32_t i = 0; i < stats_cube.svc_n[row]; i++)
		stats_cube.svc_row[stats_cube.svc_first[row] + i] = DEAD;
	stats_cube.svcs_dead += stats_cube.svc_n[row];
	stats_cube.ref_n[row] = stats_cube.svc_n[row] = 0;
}

/* Set column d of row from a JSON string or array (NULL: unknown). */
static int set_col(size_t d, uint32_t row, const json_t *v)
{
	struct col *c = &stats_cube.cols[d];
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
	if (stats_cube.d_status < 0 || stats_cube.cols[stats_cube.d_status].kind != K_SINGLE)
		return 0;
	uint16_t code = stats_cube.cols[stats_cube.d_status].u16[row];
	const char *v = stats_cube.cols[stats_cube.d_status].dict.vals[code];
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
	int64_t r = smap_get(&stats_cube.cases, case_id);
	uint32_t row;
	if (r < 0) {
		if (!text)
			return 0;
		if (stats_cube.rows == stats_cube.cap && rows_grow() < 0)
			return ERR_NOMEM;
		row = (uint32_t)stats_cube.rows++;
		if (smap_put(&stats_cube.cases, case_id, row) < 0)
			return ERR_NOMEM;
		stats_cube.alive[row] = stats_cube.rep[row] = 0;
		stats_cube.ref_n[row] = stats_cube.svc_n[row] = 0;
		for (size_t d = 0; d < stats_cube.ndims; d++)
			if (stats_cube.cols[d].kind != K_NONE)
				set_col(d, row, NULL);
	} else {
		row = (uint32_t)r;
	}
	kill_entries(row);
	stats_cube.reps_dirty = true;
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	if (!j) {
		if (text)
			log_error("statistical row does not parse", "case=%s", case_id);
		stats_cube.alive[row] = 0;
		return 0;
	}
	const char *p = json_string_value(json_object_get(j, "p"));
	if (!p)
		p = case_id;
	int64_t pi = smap_get(&stats_cube.persons, p);
	if (pi < 0) {
		pi = (int64_t)stats_cube.npersons++;
		if (smap_put(&stats_cube.persons, p, (uint32_t)pi) < 0)
			goto nomem;
	}
	stats_cube.person[row] = (uint32_t)pi;
	stats_cube.reg[row] = stats_day(json_string_value(json_object_get(j, "reg")));
	stats_cube.idn[row] = stats_day(json_string_value(json_object_get(j, "idn")));
	const json_t *v = json_object_get(j, "v");
	for (size_t d = 0; d < stats_cube.ndims; d++) {
		int rc = 0;
		if (stats_cube.cols[d].kind == K_NONE)
			continue;
		if (stats_dim_at(d)->field)
			rc = set_col(d, row, json_object_get(v, stats_dim_at(d)->name));
		else
			rc = set_derived(d, row, stats_cube.reg[row], stats_cube.idn[row]);
		if (rc < 0)
			goto nomem;
	}
	stats_cube.rank[row] = status_rank(row);
	size_t i;
	json_t *e;
	stats_cube.ref_first[row] = (uint32_t)stats_cube.refs;
	json_array_foreach(json_object_get(j, "r"), i, e) {
		uint16_t state = 0, code;
		uint64_t svc = 0;
		const char *s = json_string_value(json_array_get(e, 0));
		if (stats_cube.d_state >= 0 && s && dict_code(&stats_cube.cols[stats_cube.d_state].dict, s, &state) < 0)
			goto nomem;
		size_t k;
		json_t *sv;
		json_array_foreach(json_array_get(e, 1), k, sv) {
			if (stats_cube.d_service >= 0 && json_is_string(sv) &&
			    dict_code(&stats_cube.cols[stats_cube.d_service].dict, json_string_value(sv), &code) == 0 && code < 64)
				svc |= 1ull << code;
		}
		if (refs_push(row, state, svc, stats_day(json_string_value(json_array_get(e, 2)))) < 0)
			goto nomem;
		stats_cube.ref_n[row]++;
	}
	stats_cube.svc_first[row] = (uint32_t)stats_cube.svcs;
	json_array_foreach(json_object_get(j, "s"), i, e) {
		uint16_t type = 0;
		const char *s = json_string_value(json_array_get(e, 0));
		if (stats_cube.d_svctype >= 0 && s && dict_code(&stats_cube.cols[stats_cube.d_svctype].dict, s, &type) < 0)
			goto nomem;
		if (svcs_push(row, type, stats_day(json_string_value(json_array_get(e, 1)))) < 0)
			goto nomem;
		stats_cube.svc_n[row]++;
	}
	stats_cube.alive[row] = 1;
	json_decref(j);
	return 0;
nomem:
	json_decref(j);
	stats_cube.alive[row] = 0;
	return ERR_NOMEM;
}

/* The representative case of each person: the most advanced status, then the earliest registered. */
static int compute_reps(void)
{
	if (!stats_cube.reps_dirty)
		return 0;
	uint32_t *best = xcalloc(stats_cube.npersons ? stats_cube.npersons : 1, sizeof(*best));
	if (!best)
		return ERR_NOMEM;
	for (size_t p = 0; p < stats_cube.npersons; p++)
		best[p] = DEAD;
	for (uint32_t r = 0; r < stats_cube.rows; r++) {
		stats_cube.rep[r] = 0;
		if (!stats_cube.alive[r])
			continue;
		uint32_t *b = &best[stats_cube.person[r]];
		if (*b == DEAD || stats_cube.rank[r] > stats_cube.rank[*b] ||
		    (stats_cube.rank[r] == stats_cube.rank[*b] && stats_cube.reg[r] < stats_cube.reg[*b]))
			*b = r;
	}
	for (size_t p = 0; p < stats_cube.npersons; p++)
		if (best[p] != DEAD)
			stats_cube.rep[best[p]] = 1;
	free(best);
	stats_cube.reps_dirty = false;
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
	if (!cube_ready || strcmp(token, stats_cube.token)) {
		if ((rc = cube_init(token)) < 0)
			return rc;
	}
	if ((rc = store_prepare(db, &st, "SELECT case_id, seq, row FROM stat_cases WHERE seq > ? ORDER BY seq")) < 0)
		return rc;
	store_bind_int64(st, 1, stats_cube.seq);
	while ((rc = store_step(st)) == STORE_ROW) {
		if (apply(store_column_text(st, 0), store_column_text(st, 2)) < 0) {
			rc = ERR_NOMEM;
			break;
		}
		stats_cube.seq = store_column_int64(st, 1);
	}
	store_finalize(st);
	compact();
	if (rc >= 0 && reps)
		rc = compute_reps();
	if (rc < 0)
		log_error("statistics not brought up to date", "rc=%d", rc);
	return rc < 0 ? rc : 0;
}

int stats_warm(struct store *db)
{
	pthread_mutex_lock(&mu);
	uint64_t t0 = clock_mono_ns();
	int rc = refresh(db, true);
	if (rc == 0 && stats_cube.rows)
		log_info("statistics loaded", "cases=%zu ms=%llu", stats_cube.rows,
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
	rc = cube_count(q, out);
	pthread_mutex_unlock(&mu);
	if (rc < 0)
		stats_result_release(out);
	return rc;
}

int stats_each_person(struct store *db, int (*fn)(void *ud, const struct stats_rec *r), void *ud)
{
	pthread_mutex_lock(&mu);
	int rc = refresh(db, true);
	for (uint32_t row = 0; row < stats_cube.rows && rc >= 0; row++) {
		if (!stats_cube.alive[row] || !stats_cube.rep[row])
			continue;
		struct stats_rec rec = { row };
		rc = fn(ud, &rec);
	}
	pthread_mutex_unlock(&mu);
	return rc;
}
