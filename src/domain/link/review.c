/*
 * review.c: the review queue of candidate duplicates (dedup.h): listing
 * the pairs in the caller's reach, and one pair with its two records side
 * by side. Decisions and persons are in merge.c.
 */
#include "dedup_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/buf.h"
#include "../case/case.h"

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *dedup_pair_json(struct store_stmt *st)
{
	signed char v[DF_COUNT];
	json_t *cmp = json_object();
	if (dedup_levels_parse(store_column_text(st, 9), v) == 0) {
		for (int f = 0; f < DF_COUNT; f++)
			json_object_set_new(cmp, dedup_field_name((enum dedup_field)f),
					    json_string(dedup_level_name((enum dedup_field)f, v[f])));
	}
	json_t *cases = json_pack("[{s:s?, s:s?, s:o}, {s:s?, s:s?, s:o}]",
				  "ref", store_column_text(st, 10), "org_id", store_column_text(st, 11),
				  "person_id", str_or_null(store_column_text(st, 12)),
				  "ref", store_column_text(st, 13), "org_id", store_column_text(st, 14),
				  "person_id", str_or_null(store_column_text(st, 15)));
	json_t *decided_at = store_column_is_null(st, 7) ? json_null() : json_integer(store_column_int64(st, 7));
	return json_pack("{s:s?, s:f, s:s?, s:s?, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
			 "id", store_column_text(st, 0), "score", (double)store_column_int64(st, 1) / 100.0,
			 "class", store_column_text(st, 2), "status", store_column_text(st, 3),
			 "version", (json_int_t)store_column_int64(st, 4),
			 "found_at", (json_int_t)store_column_int64(st, 5),
			 "decided_by", str_or_null(store_column_text(st, 6)), "decided_at", decided_at,
			 "merge_id", str_or_null(store_column_text(st, 8)), "comparison", cmp,
			 "cases", cases ? cases : json_array());
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int dedup_pair_load(struct ctx *c, const char *pair_id, struct dedup_pair_row *row, json_t **json)
{
	if (json)
		*json = NULL;
	if (!pair_id || strlen(pair_id) != ID_HEX_LEN)
		return ERR_NOT_FOUND;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, DEDUP_PAIR_SELECT "WHERE lp.id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, pair_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		memset(row, 0, sizeof(*row));
		copy(row->id, sizeof(row->id), store_column_text(st, 0));
		copy(row->status, sizeof(row->status), store_column_text(st, 3));
		row->version = store_column_int64(st, 4);
		copy(row->org_a, sizeof(row->org_a), store_column_text(st, 11));
		copy(row->person_a, sizeof(row->person_a), store_column_text(st, 12));
		copy(row->org_b, sizeof(row->org_b), store_column_text(st, 14));
		copy(row->person_b, sizeof(row->person_b), store_column_text(st, 15));
		copy(row->case_a, sizeof(row->case_a), store_column_text(st, 16));
		copy(row->case_b, sizeof(row->case_b), store_column_text(st, 17));
		if (!dedup_in_reach(c, row->org_a, row->org_b))
			rc = ERR_NOT_FOUND;
		else if (json && !(*json = dedup_pair_json(st)))
			rc = ERR_NOMEM;
	} else if (rc >= 0) {
		rc = ERR_NOT_FOUND;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Cursor "SCORE_ID": the last pair of the previous page. */
static int cursor_parse(const char *cursor, int64_t *score, char id[ID_HEX_LEN + 1])
{
	char *end;
	long long s = strtoll(cursor, &end, 10);
	if (end == cursor || *end != '_' || strlen(end + 1) != ID_HEX_LEN)
		return ERR_INVALID;
	for (const char *p = end + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return ERR_INVALID;
	*score = s;
	memcpy(id, end + 1, ID_HEX_LEN + 1);
	return 0;
}

int dedup_pairs_list(struct ctx *c, const struct dedup_filter *f, int limit, json_t **items, char **next_cursor,
		     struct problem *pb)
{
	*items = json_array();
	*next_cursor = NULL;
	const char *status = f->status ? f->status : "open";
	if (strcmp(status, "open") && strcmp(status, "same") && strcmp(status, "different"))
		return problem_set(pb, ERR_INVALID, "invalid", "status");
	if (f->class_name && strcmp(f->class_name, "likely") && strcmp(f->class_name, "review"))
		return problem_set(pb, ERR_INVALID, "invalid", "class");
	int64_t after_score = 0;
	char after_id[ID_HEX_LEN + 1] = "";
	if (f->cursor && cursor_parse(f->cursor, &after_score, after_id) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "cursor");
	enum scope scope = ctx_scope(c, PERM_LINK_REVIEW);
	if (scope != SCOPE_ALL && scope != SCOPE_OWN_ORG)
		return 0;

	struct buf sql;
	buf_init(&sql, 4096);
	buf_puts(&sql, DEDUP_PAIR_SELECT "WHERE lp.status = ?");
	if (f->class_name)
		buf_puts(&sql, " AND lp.class = ?");
	if (scope == SCOPE_OWN_ORG)
		buf_puts(&sql, " AND ca.org_id = ? AND cb.org_id = ?");
	if (!strcmp(status, "open"))
		buf_puts(&sql, " AND (pa.person_id IS NULL OR pb.person_id IS NULL OR pa.person_id <> pb.person_id)");
	if (f->cursor)
		buf_puts(&sql, " AND (lp.score < ? OR (lp.score = ? AND lp.id > ?))");
	buf_puts(&sql, " ORDER BY lp.score DESC, lp.id LIMIT ?");
	struct store_stmt *st;
	if (buf_error(&sql) || store_prepare(c->db, &st, sql.data) < 0) {
		buf_release(&sql);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	buf_release(&sql);
	int k = 1;
	store_bind_text(st, k++, status);
	if (f->class_name)
		store_bind_text(st, k++, f->class_name);
	if (scope == SCOPE_OWN_ORG) {
		store_bind_text(st, k++, c->actor.org_id);
		store_bind_text(st, k++, c->actor.org_id);
	}
	if (f->cursor) {
		store_bind_int64(st, k++, after_score);
		store_bind_int64(st, k++, after_score);
		store_bind_text(st, k++, after_id);
	}
	store_bind_int64(st, k, limit + 1);
	int rc, n = 0;
	char last[ID_HEX_LEN + 40] = "";
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n == limit) {
			*next_cursor = strdup(last);
			break;
		}
		json_t *item = dedup_pair_json(st);
		if (!item) {
			rc = ERR_NOMEM;
			break;
		}
		json_array_append_new(*items, item);
		snprintf(last, sizeof(last), "%lld_%s", (long long)store_column_int64(st, 1),
			 store_column_text(st, 0) ? store_column_text(st, 0) : "");
		n++;
	}
	store_finalize(st);
	if (rc < 0)
		return problem_set(pb, rc, "internal", NULL);
	return 0;
}

/* The person fields shown side by side: what tells two records of one person apart. */
static const char *const shown[] = {
	"person.given_name",   "person.given_name_latin",  "person.middle_name", "person.middle_name_latin",
	"person.family_name",  "person.family_name_latin", "person.other_names", "person.other_names_latin",
	"person.birth_date",   "person.estimated_age",     "person.gender",      "person.citizenship",
	"person.document_number",
};

/* One side: workflow facts always; values when the caller may read the case. */
static int side(struct ctx *c, const char *case_id, json_t *obj, bool *read)
{
	struct store_stmt *st;
	*read = false;
	if (store_prepare(c->db, &st, "SELECT status, created_at, external_ref FROM cases WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	char ext[160] = "";
	if (rc == STORE_ROW) {
		json_object_set_new(obj, "status", json_string(store_column_text(st, 0) ? store_column_text(st, 0) : ""));
		json_object_set_new(obj, "created_at", json_integer(store_column_int64(st, 1)));
		copy(ext, sizeof(ext), store_column_text(st, 2));
	}
	store_finalize(st);
	if (rc != STORE_ROW)
		return rc < 0 ? rc : ERR_NOT_FOUND;
	struct case_handle h;
	if (case_lookup_id(c, case_id, PERM_CASE_READ, &h) < 0) {
		json_object_set_new(obj, "readable", json_false());
		return 0;
	}
	json_t *values = NULL;
	rc = case_view_fields(c, case_id, shown, (int)(sizeof(shown) / sizeof(shown[0])), &values);
	if (rc < 0)
		return rc;
	json_t *person = json_object_get(values, "person");
	json_object_set(obj, "person", person ? person : json_object());
	json_decref(values);
	json_object_set_new(obj, "external_ref", str_or_null(ext));
	json_object_set_new(obj, "readable", json_true());
	*read = true;
	return 0;
}

int dedup_pair_get(struct ctx *c, const char *pair_id, json_t **out)
{
	struct dedup_pair_row row;
	json_t *pair = NULL;
	*out = NULL;
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	int rc = dedup_pair_load(c, pair_id, &row, &pair);
	bool read[2] = { false, false };
	const char *ids[2] = { row.case_a, row.case_b };
	for (int i = 0; rc == 0 && i < 2; i++)
		rc = side(c, ids[i], json_array_get(json_object_get(pair, "cases"), (size_t)i), &read[i]);
	store_rollback(c->db);
	for (int i = 0; rc == 0 && i < 2; i++)
		if (read[i])
			rc = ctx_audit_tx(c, "case.read", "case", ids[i], "ok");
	if (rc < 0) {
		json_decref(pair);
		return rc;
	}
	*out = pair;
	return 0;
}
