/*
 * derive.c: each case's statistical row (table stat_cases), derived from
 * plain facts, workflow dates, the person, referrals and services; written
 * in the caller's transaction (stats_touch) or for every case at start when
 * rows are missing or were derived under other fields (stats_prepare).
 *
 * The row (JSON text; no personal value can reach it: only facts of
 * statistical fields, which are stored in clear anyway):
 *	{"p": person id, "reg": "YYYY-MM-DD", "idn": "YYYY-MM-DD" (when decided),
 *	 "v": {"<dimension>": "value" | ["value", ...]},
 *	 "r": [[state, [service, ...], "YYYY-MM-DD"], ...],   referrals
 *	 "s": [[type, "YYYY-MM-DD"], ...]}                    services delivered
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/buf.h"
#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/hash.h"
#include "stats_int.h"

#define BATCH 400

struct one {
	const char *id;
	json_t *row;        /* NULL: no such case; {"erased": true} marks a tombstone until written */
	bool erased;
	json_t *v;
	char opened[11];
	char decided[11];
	int64_t created;
};

static int cmp_one(const void *a, const void *b)
{
	return strcmp(((const struct one *)a)->id, ((const struct one *)b)->id);
}

static struct one *find(struct one *all, size_t n, const char *id)
{
	struct one key = { .id = id };
	return id ? bsearch(&key, all, n, sizeof(*all), cmp_one) : NULL;
}

/* "SELECT ... WHERE <col> IN (?, ?, ...)" + tail, prepared and bound with the batch's ids. */
static int prepare_in(struct store *db, struct store_stmt **st, const char *head, const char *tail,
		      const struct one *all, size_t n)
{
	struct buf b;
	buf_init(&b, 1u << 16);
	buf_puts(&b, head);
	buf_puts(&b, " IN (");
	for (size_t i = 0; i < n; i++)
		buf_puts(&b, i ? ", ?" : "?");
	buf_puts(&b, ")");
	buf_puts(&b, tail);
	if (buf_error(&b)) {
		buf_release(&b);
		return ERR_NOMEM;
	}
	int rc = store_prepare(db, st, b.data);
	buf_release(&b);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		store_bind_text(*st, (int)i + 1, all[i].id);
	return 0;
}

static void add_value(struct one *o, const char *dim_name, bool multi, const char *value)
{
	if (multi) {
		json_t *arr = json_object_get(o->v, dim_name);
		if (!arr) {
			arr = json_array();
			json_object_set_new(o->v, dim_name, arr);
		}
		size_t i;
		json_t *e;
		json_array_foreach(arr, i, e)
			if (!strcmp(json_string_value(e), value))
				return;
		json_array_append_new(arr, json_string(value));
	} else if (!json_object_get(o->v, dim_name)) {
		json_object_set_new(o->v, dim_name, json_string(value));
	}
}

static int read_facts(struct store *db, struct one *all, size_t n)
{
	struct store_stmt *st;
	/*
	 * By case id alone: a condition on entity too made SQLite pick the
	 * (entity, key, value) index and scan it whole for every batch. Facts of
	 * other entities (consents) match no dimension below.
	 */
	int rc = prepare_in(db, &st, "SELECT case_id, entity, key, value FROM case_facts WHERE case_id",
			    " ORDER BY case_id, entity, item", all, n);
	if (rc < 0)
		return rc;
	char name[96];
	while ((rc = store_step(st)) == STORE_ROW) {
		struct one *o = find(all, n, store_column_text(st, 0));
		const char *entity = store_column_text(st, 1), *key = store_column_text(st, 2);
		const char *value = store_column_text(st, 3);
		if (!o || o->erased || !entity || !key || !value)
			continue;
		if (!strcmp(entity, "case") && !strcmp(key, "opened_date")) {
			snprintf(o->opened, sizeof(o->opened), "%.10s", value);
			continue;
		}
		if (!strcmp(entity, "victim") && !strcmp(key, "status_decision_date")) {
			snprintf(o->decided, sizeof(o->decided), "%.10s", value);
			continue;
		}
		snprintf(name, sizeof(name), "%s.%s", entity, key);
		int d = stats_dim_find(name);
		if (d < 0 || stats_dim_derived((size_t)d) != SD_NONE)
			continue;
		add_value(o, name, stats_dim_at((size_t)d)->multi, value);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int read_cases(struct store *db, struct one *all, size_t n)
{
	struct store_stmt *st;
	int rc = prepare_in(db, &st,
			    "SELECT id, CASE WHEN dek IS NULL THEN 1 ELSE 0 END, created_at FROM cases WHERE id", "",
			    all, n);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		struct one *o = find(all, n, store_column_text(st, 0));
		if (!o)
			continue;
		o->erased = store_column_int64(st, 1) != 0;
		o->created = store_column_int64(st, 2);
		o->row = json_object();
		o->v = json_object();
		if (!o->row || !o->v)
			rc = ERR_NOMEM;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int read_persons(struct store *db, struct one *all, size_t n)
{
	struct store_stmt *st;
	int rc = prepare_in(db, &st, "SELECT case_id, person_id FROM link_cases WHERE case_id", "", all, n);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		struct one *o = find(all, n, store_column_text(st, 0));
		const char *p = store_column_text(st, 1);
		if (o && o->row && p)
			json_object_set_new(o->row, "p", json_string(p));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static void day_of(int64_t unix_seconds, char out[11])
{
	stats_day_text((int32_t)(unix_seconds / 86400), out);
}

static int read_referrals(struct store *db, struct one *all, size_t n)
{
	struct store_stmt *st;
	int rc = prepare_in(db, &st, "SELECT case_id, state, services, created_at FROM referrals WHERE case_id",
			    " ORDER BY case_id, created_at, id", all, n);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		struct one *o = find(all, n, store_column_text(st, 0));
		const char *state = store_column_text(st, 1), *services = store_column_text(st, 2);
		if (!o || !o->row || o->erased || !state)
			continue;
		json_t *svc = json_array();
		for (const char *p = services ? services : ""; *p;) {
			while (*p == ' ')
				p++;
			size_t len = strcspn(p, " ");
			if (len) {
				char code[64];
				snprintf(code, sizeof(code), "%.*s", (int)len, p);
				json_array_append_new(svc, json_string(code));
			}
			p += len;
		}
		char day[11];
		day_of(store_column_int64(st, 3), day);
		json_t *list = json_object_get(o->row, "r");
		if (!list) {
			list = json_array();
			json_object_set_new(o->row, "r", list);
		}
		json_array_append_new(list, json_pack("[s, o, s]", state, svc, day));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int read_services(struct store *db, struct one *all, size_t n)
{
	struct store_stmt *st;
	int rc = prepare_in(db, &st, "SELECT case_id, support_type, service_date FROM plan_services WHERE case_id",
			    " ORDER BY case_id, service_date, id", all, n);
	if (rc < 0)
		return rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		struct one *o = find(all, n, store_column_text(st, 0));
		const char *type = store_column_text(st, 1), *date = store_column_text(st, 2);
		if (!o || !o->row || o->erased || !type || !date)
			continue;
		json_t *list = json_object_get(o->row, "s");
		if (!list) {
			list = json_array();
			json_object_set_new(o->row, "s", list);
		}
		json_array_append_new(list, json_pack("[s, s#]", type, date, strnlen(date, 10)));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Finish each row: dates, the registration year when not recorded, the values. */
static void finish(struct one *o)
{
	if (!o->row || o->erased)
		return;
	char reg[11];
	if (stats_day(o->opened))
		snprintf(reg, sizeof(reg), "%s", o->opened);
	else
		day_of(o->created, reg);
	json_object_set_new(o->row, "reg", json_string(reg));
	if (stats_day(o->decided))
		json_object_set_new(o->row, "idn", json_string(o->decided));
	if (!json_object_get(o->v, "case.registration_year") && stats_dim_find("case.registration_year") >= 0)
		json_object_set_new(o->v, "case.registration_year", json_sprintf("%.4s", reg));
	json_object_set(o->row, "v", o->v);
}

static int write_rows(struct store *db, struct one *all, size_t n)
{
	size_t want = 0;
	for (size_t i = 0; i < n; i++)
		want += all[i].row != NULL;
	if (!want)
		return 0;
	struct store_stmt *st;
	if (store_prepare(db, &st, "UPDATE stat_seq SET next = next + ? WHERE id = 1 RETURNING next") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, (int64_t)want);
	int rc = store_step(st);
	int64_t seq = rc == STORE_ROW ? store_column_int64(st, 0) - (int64_t)want : 0;
	store_finalize(st);
	if (rc != STORE_ROW)
		return ERR_FAIL;
	if (store_prepare(db, &st, "INSERT INTO stat_cases (case_id, seq, row) VALUES (?, ?, ?) ON CONFLICT (case_id) "
				   "DO UPDATE SET seq = excluded.seq, row = excluded.row") < 0)
		return ERR_FAIL;
	rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		if (!all[i].row)
			continue;
		char *text = all[i].erased ? NULL : json_dumps(all[i].row, JSON_COMPACT);
		if (!all[i].erased && !text) {
			rc = ERR_NOMEM;
			break;
		}
		store_reset(st);
		store_bind_text(st, 1, all[i].id);
		store_bind_int64(st, 2, seq++);
		store_bind_text(st, 3, text);
		rc = store_step(st);
		free(text);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Derive and write the rows of ids[0..n-1] (n <= BATCH) inside the open transaction. */
static int derive(struct store *db, const char *const *ids, size_t n)
{
	struct one all[BATCH];
	memset(all, 0, sizeof(all));
	for (size_t i = 0; i < n; i++)
		all[i].id = ids[i];
	qsort(all, n, sizeof(all[0]), cmp_one);
	int rc = read_cases(db, all, n);
	if (rc >= 0)
		rc = read_facts(db, all, n);
	if (rc >= 0)
		rc = read_persons(db, all, n);
	if (rc >= 0)
		rc = read_referrals(db, all, n);
	if (rc >= 0)
		rc = read_services(db, all, n);
	if (rc >= 0) {
		for (size_t i = 0; i < n; i++)
			finish(&all[i]);
		rc = write_rows(db, all, n);
	}
	for (size_t i = 0; i < n; i++) {
		json_decref(all[i].row);
		json_decref(all[i].v);
	}
	if (rc < 0)
		log_error("statistical rows not derived", "cases=%zu rc=%d", n, rc);
	return rc;
}

int stats_touch(struct store *db, const char *case_id)
{
	return derive(db, &case_id, 1);
}

int stats_touch_query(struct store *db, const char *sql, const char *arg)
{
	struct store_stmt *st;
	if (store_prepare(db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, arg);
	char ids[BATCH][ID_HEX_LEN + 8];
	const char *ptr[BATCH];
	size_t n = 0;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		snprintf(ids[n], sizeof(ids[n]), "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
		ptr[n] = ids[n];
		if (++n == BATCH) {
			if ((rc = derive(db, ptr, n)) < 0)
				break;
			n = 0;
		}
	}
	store_finalize(st);
	if (rc >= 0 && n)
		rc = derive(db, ptr, n);
	return rc < 0 ? rc : 0;
}

/* Derive the rows of the cases that `sql` lists (a page of ids after ?), page by page, each in a transaction. */
static int derive_all(struct store *db, const char *sql, size_t *done)
{
	char after[ID_HEX_LEN + 8] = "";
	char ids[BATCH][ID_HEX_LEN + 8];
	const char *ptr[BATCH];
	for (;;) {
		struct store_stmt *st;
		if (store_prepare(db, &st, sql) < 0)
			return ERR_FAIL;
		store_bind_text(st, 1, after);
		store_bind_int64(st, 2, BATCH);
		size_t n = 0;
		int rc;
		while (n < BATCH && (rc = store_step(st)) == STORE_ROW) {
			snprintf(ids[n], sizeof(ids[n]), "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
			ptr[n] = ids[n];
			n++;
		}
		store_finalize(st);
		if (rc < 0)
			return rc;
		if (n == 0)
			return 0;
		if (store_begin(db) < 0)
			return ERR_FAIL;
		if (derive(db, ptr, n) < 0 || store_commit(db) < 0) {
			store_rollback(db);
			return ERR_FAIL;
		}
		*done += n;
		snprintf(after, sizeof(after), "%s", ids[n - 1]);
	}
}

int stats_prepare(struct store *db)
{
	const char *fp = stats_fields_fingerprint();
	struct store_stmt *st;
	if (store_prepare(db, &st, "SELECT fields, token FROM stat_seq WHERE id = 1") < 0)
		return ERR_FAIL;
	int rc = store_step(st);
	bool same = rc == STORE_ROW && store_column_text(st, 0) && !strcmp(store_column_text(st, 0), fp);
	bool token = rc == STORE_ROW && store_column_text(st, 1) && *store_column_text(st, 1);
	store_finalize(st);
	if (rc != STORE_ROW)
		return ERR_FAIL;
	if (!token) {
		char t[33];
		random_hex(t, 16);
		if (store_prepare(db, &st, "UPDATE stat_seq SET token = ? WHERE id = 1 AND token = ''") < 0)
			return ERR_FAIL;
		store_bind_text(st, 1, t);
		rc = store_step(st);
		store_finalize(st);
		if (rc < 0)
			return rc;
	}
	size_t done = 0;
	uint64_t t0 = clock_mono_ns();
	if (!same) {
		rc = derive_all(db, "SELECT id FROM cases WHERE id > ? ORDER BY id LIMIT ?", &done);
		if (rc < 0)
			return rc;
		if (store_prepare(db, &st, "UPDATE stat_seq SET fields = ? WHERE id = 1") < 0)
			return ERR_FAIL;
		store_bind_text(st, 1, fp);
		rc = store_step(st);
		store_finalize(st);
		if (rc < 0)
			return rc;
	}
	if (done)
		log_info("statistical rows derived", "cases=%zu ms=%llu", done,
			 (unsigned long long)((clock_mono_ns() - t0) / 1000000));
	return 0;
}
