/*
 * merge.c: deciding a pair of the review queue, and persons (dedup.h).
 *
 * "Same person" folds the person of one case (person_from: that of the
 * case recorded later) into the other's (person_into): every case of
 * person_from moves, and those cases are written down (link_merge_cases).
 * The cases themselves, their records and their histories are not touched.
 * Undo gives exactly those cases person_from back. Merges are numbered
 * (seq); a merge can be undone only while no later merge that is still in
 * force involves either of its persons, so that undoing in reverse order
 * always restores exactly what was there before.
 */
#include "dedup_int.h"

#include <stdio.h>
#include <string.h>

#include "../../core/clock.h"
#include "../stats/stats.h"

static int exec_bound(struct ctx *c, const char *sql, const char *const *texts, int n_texts, int64_t *changes)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	for (int i = 0; i < n_texts; i++)
		store_bind_text(st, i + 1, texts[i]);
	int rc = store_step(st);
	if (changes)
		*changes = rc < 0 ? 0 : store_changes(st);
	store_finalize(st);
	return rc < 0 ? ERR_FAIL : 0;
}

/* Which of the two cases was recorded first (by creation time, then id)? true for case_a. */
static int first_recorded(struct ctx *c, const struct dedup_pair_row *row, bool *a_first)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT id, created_at FROM cases WHERE id IN (?, ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, row->case_a);
	store_bind_text(st, 2, row->case_b);
	int64_t ta = 0, tb = 0;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *id = store_column_text(st, 0);
		if (id && !strcmp(id, row->case_a))
			ta = store_column_int64(st, 1);
		else
			tb = store_column_int64(st, 1);
	}
	store_finalize(st);
	*a_first = ta < tb || (ta == tb && strcmp(row->case_a, row->case_b) < 0);
	return rc < 0 ? ERR_FAIL : 0;
}

/* Fold the two persons of row into one; the merge's id into merge_id. */
static int merge_persons(struct ctx *c, const struct dedup_pair_row *row, char merge_id[ID_HEX_LEN + 1], int64_t now)
{
	bool a_first;
	if (first_recorded(c, row, &a_first) < 0)
		return ERR_FAIL;
	const char *into = a_first ? row->person_a : row->person_b, *from = a_first ? row->person_b : row->person_a;
	struct store_stmt *st;
	int64_t seq = 0;
	if (store_prepare(c->db, &st, "SELECT COALESCE(MAX(seq), 0) + 1 FROM link_merges") < 0)
		return ERR_FAIL;
	int rc = store_step(st);
	if (rc == STORE_ROW)
		seq = store_column_int64(st, 0);
	store_finalize(st);
	if (rc != STORE_ROW)
		return ERR_FAIL;
	random_id(merge_id);
	if (store_prepare(c->db, &st, "INSERT INTO link_merges (id, seq, pair_id, person_into, person_from, merged_by, "
				      "merged_at) VALUES (?, ?, ?, ?, ?, ?, ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, merge_id);
	store_bind_int64(st, 2, seq);
	store_bind_text(st, 3, row->id);
	store_bind_text(st, 4, into);
	store_bind_text(st, 5, from);
	store_bind_text(st, 6, c->actor.user_id);
	store_bind_int64(st, 7, now);
	rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return rc == ERR_CONFLICT ? ERR_CONFLICT : ERR_FAIL;
	const char *moves[] = { merge_id, from };
	const char *fold[] = { into, from };
	if (exec_bound(c, "INSERT INTO link_merge_cases (merge_id, case_id) "
			  "SELECT ?, case_id FROM link_cases WHERE person_id = ?", moves, 2, NULL) < 0 ||
	    exec_bound(c, "UPDATE link_cases SET person_id = ? WHERE person_id = ?", fold, 2, NULL) < 0 ||
	    stats_touch_query(c->db, "SELECT case_id FROM link_cases WHERE person_id = ?", into) < 0)
		return ERR_FAIL;
	return 0;
}

/* The pair as listed, read after the change. */
static int pair_out(struct ctx *c, const char *pair_id, json_t **out)
{
	struct dedup_pair_row row;
	return dedup_pair_load(c, pair_id, &row, out);
}

int dedup_pair_decide(struct ctx *c, const char *pair_id, const char *decision, int64_t version, json_t **out,
		      struct problem *pb)
{
	*out = NULL;
	bool same = decision && !strcmp(decision, "same");
	if (!decision || (!same && strcmp(decision, "different")))
		return problem_set(pb, ERR_INVALID, "invalid", "decision");
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct dedup_pair_row row;
	int rc = dedup_pair_load(c, pair_id, &row, NULL);
	if (rc < 0) {
		store_rollback(c->db);
		return problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	}
	if (strcmp(row.status, "open")) {
		store_rollback(c->db);
		return problem_set(pb, ERR_CONFLICT, "already_decided", "decision");
	}
	if (version != row.version) {
		store_rollback(c->db);
		pb->current_version = row.version;
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	bool one_person = row.person_a[0] && !strcmp(row.person_a, row.person_b);
	if (!same && one_person) {
		store_rollback(c->db);
		return problem_set(pb, ERR_CONFLICT, "same_person", "decision");
	}
	int64_t now = clock_now();
	char merge_id[ID_HEX_LEN + 1] = "";
	if (same && !one_person && row.person_a[0] && row.person_b[0])
		rc = merge_persons(c, &row, merge_id, now);
	struct store_stmt *st;
	int64_t changed = 0;
	if (rc == 0 && store_prepare(c->db, &st, "UPDATE link_pairs SET status = ?, decided_by = ?, decided_at = ?, "
						 "merge_id = ?, version = version + 1 WHERE id = ? AND version = ? "
						 "AND status = 'open'") == 0) {
		store_bind_text(st, 1, same ? "same" : "different");
		store_bind_text(st, 2, c->actor.user_id[0] ? c->actor.user_id : NULL);
		store_bind_int64(st, 3, now);
		store_bind_text(st, 4, merge_id[0] ? merge_id : NULL);
		store_bind_text(st, 5, row.id);
		store_bind_int64(st, 6, version);
		rc = store_step(st) < 0 ? ERR_FAIL : 0;
		changed = rc == 0 ? store_changes(st) : 0;
		store_finalize(st);
	} else if (rc == 0) {
		rc = ERR_FAIL;
	}
	if (rc == 0 && changed != 1)
		rc = ERR_CONFLICT;
	if (rc == 0)
		rc = same ? ctx_audit(c, "link.merge", merge_id[0] ? "merge" : "pair", merge_id[0] ? merge_id : row.id,
				      "ok")
			  : ctx_audit(c, "link.different", "pair", row.id, "ok");
	if (rc == 0 && store_commit(c->db) < 0)
		rc = ERR_FAIL;
	if (rc < 0) {
		store_rollback(c->db);
		if (rc == ERR_CONFLICT) {
			pb->current_version = row.version;
			return problem_set(pb, rc, "stale_version", "version");
		}
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	rc = pair_out(c, row.id, out);
	return rc < 0 ? problem_set(pb, rc, "internal", NULL) : 0;
}

int dedup_merge_undo(struct ctx *c, const char *merge_id, json_t **out, struct problem *pb)
{
	*out = NULL;
	if (!merge_id || strlen(merge_id) != ID_HEX_LEN)
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	char pair_id[ID_HEX_LEN + 1] = "", into[ID_HEX_LEN + 1] = "", from[ID_HEX_LEN + 1] = "";
	int64_t seq = 0;
	bool undone = false;
	int rc = store_prepare(c->db, &st, "SELECT pair_id, person_into, person_from, seq, undone_at FROM link_merges "
					   "WHERE id = ?");
	if (rc == 0) {
		store_bind_text(st, 1, merge_id);
		rc = store_step(st);
		if (rc == STORE_ROW) {
			snprintf(pair_id, sizeof(pair_id), "%s", store_column_text(st, 0) ? store_column_text(st, 0) : "");
			snprintf(into, sizeof(into), "%s", store_column_text(st, 1) ? store_column_text(st, 1) : "");
			snprintf(from, sizeof(from), "%s", store_column_text(st, 2) ? store_column_text(st, 2) : "");
			seq = store_column_int64(st, 3);
			undone = !store_column_is_null(st, 4);
			rc = 0;
		} else if (rc >= 0) {
			rc = ERR_NOT_FOUND;
		}
		store_finalize(st);
	}
	struct dedup_pair_row row;
	if (rc == 0)
		rc = dedup_pair_load(c, pair_id, &row, NULL);   /* the reach of the merge is its pair's */
	if (rc < 0) {
		store_rollback(c->db);
		return problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	}
	if (undone) {
		store_rollback(c->db);
		return problem_set(pb, ERR_CONFLICT, "merge_undone", NULL);
	}
	bool later = false;
	if (store_prepare(c->db, &st, "SELECT 1 FROM link_merges WHERE undone_at IS NULL AND seq > ? AND "
				      "(person_into IN (?, ?) OR person_from IN (?, ?))") < 0) {
		rc = ERR_FAIL;
	} else {
		store_bind_int64(st, 1, seq);
		store_bind_text(st, 2, into);
		store_bind_text(st, 3, from);
		store_bind_text(st, 4, into);
		store_bind_text(st, 5, from);
		rc = store_step(st);
		later = rc == STORE_ROW;
		rc = rc < 0 ? ERR_FAIL : 0;
		store_finalize(st);
	}
	if (rc == 0 && later) {
		store_rollback(c->db);
		return problem_set(pb, ERR_CONFLICT, "merge_not_last", NULL);
	}
	int64_t now = clock_now();
	const char *back[] = { from, into, merge_id };
	if (rc == 0)
		rc = exec_bound(c, "UPDATE link_cases SET person_id = ? WHERE person_id = ? AND case_id IN "
				   "(SELECT case_id FROM link_merge_cases WHERE merge_id = ?)", back, 3, NULL);
	if (rc == 0 && store_prepare(c->db, &st, "UPDATE link_merges SET undone_by = ?, undone_at = ? WHERE id = ?") == 0) {
		store_bind_text(st, 1, c->actor.user_id[0] ? c->actor.user_id : NULL);
		store_bind_int64(st, 2, now);
		store_bind_text(st, 3, merge_id);
		rc = store_step(st) < 0 ? ERR_FAIL : 0;
		store_finalize(st);
	} else if (rc == 0) {
		rc = ERR_FAIL;
	}
	const char *reopen[] = { pair_id, merge_id };
	if (rc == 0)
		rc = exec_bound(c, "UPDATE link_pairs SET status = 'open', decided_by = NULL, decided_at = NULL, "
				   "merge_id = NULL, version = version + 1 WHERE id = ? AND merge_id = ?", reopen, 2, NULL);
	if (rc == 0)
		rc = stats_touch_query(c->db, "SELECT case_id FROM link_cases WHERE person_id = ?", into);
	if (rc == 0)
		rc = stats_touch_query(c->db, "SELECT case_id FROM link_cases WHERE person_id = ?", from);
	if (rc == 0)
		rc = ctx_audit(c, "link.unmerge", "merge", merge_id, "ok");
	if (rc == 0 && store_commit(c->db) < 0)
		rc = ERR_FAIL;
	if (rc < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	json_t *pair = NULL;
	if (pair_out(c, pair_id, &pair) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	*out = json_pack("{s:s, s:o}", "merge_id", merge_id, "pair", pair);
	return 0;
}
