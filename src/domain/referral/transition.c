/*
 * transition.c: moving a referral from one state to the next (referral.h,
 * rules.h): who may make which move, what each move needs, the record of
 * it, the notice to the other side.
 */
#include "referral_int.h"

#include <stdio.h>
#include <string.h>

#include "../../core/clock.h"
#include "../notify/notify.h"
#include "../stats/stats.h"

/* May the caller make a move of this side on r? */
static bool side_allows(const struct ctx *c, const struct referral_row *r, enum referral_side who)
{
	if (who == SIDE_RECEIVER)
		return !strcmp(c->actor.org_id, r->to_org) && ctx_in_scope(c, PERM_REFERRAL_RECEIVE, r->to_org);
	if (who == SIDE_SENDER) {
		enum scope sc = ctx_scope(c, PERM_REFER);
		return sc == SCOPE_ALL || (sc == SCOPE_OWN_ORG && !strcmp(c->actor.org_id, r->from_org)) ||
		       (sc == SCOPE_OWN && !strcmp(c->actor.user_id, r->created_by));
	}
	return false;
}

static int check_date(const char *s)
{
	int64_t t;
	return s && strlen(s) == 10 && clock_parse_iso(s, &t) == 0 ? 0 : ERR_INVALID;
}

/* What the move needs beyond the target: a planned start, a refusal code, an outcome. */
static int move_values(enum referral_state to, const json_t *body, const char **value, struct problem *pb)
{
	*value = NULL;
	const char *key = to == RS_ACCEPTED ? "planned_start" : to == RS_DECLINED ? "reason" :
			  to == RS_COMPLETED ? "outcome" : NULL;
	if (!key)
		return 0;
	const char *v = json_string_value(json_object_get(body, key));
	if (!v || !*v)
		return problem_set(pb, ERR_INVALID, "missing_field", key);
	bool ok = to == RS_ACCEPTED ? check_date(v) == 0 : to == RS_DECLINED ? referral_decline_code(v) :
		  referral_outcome_code(v);
	if (!ok)
		return problem_set(pb, ERR_INVALID, "invalid", key);
	*value = v;
	return 0;
}

static int update_row(struct ctx *c, const struct referral_row *r, enum referral_state to, const char *value,
		      int64_t version)
{
	bool runs;
	int64_t next = referral_next_due(to, r->ack_due, r->answer_due, &runs);
	const char *column = to == RS_ACCEPTED ? "planned_start" : to == RS_DECLINED ? "decline_reason" :
			     to == RS_COMPLETED ? "outcome" : NULL;
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE referrals SET state = ?, next_due = ?, updated_at = ?,%s%s"
				   " version = version + 1 WHERE id = ? AND version = ?",
		 column ? column : "", column ? " = ?," : "");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	int k = 1;
	store_bind_text(st, k++, referral_state_name(to));
	if (runs)
		store_bind_int64(st, k++, next);
	else
		store_bind_null(st, k++);
	store_bind_int64(st, k++, clock_now());
	if (column)
		store_bind_text(st, k++, value);
	store_bind_text(st, k++, r->id);
	store_bind_int64(st, k, version);
	int rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return changed == 1 ? 0 : ERR_CONFLICT;
}

static int last_seq(struct ctx *c, const char *id, int64_t *seq)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT MAX(seq) FROM referral_transitions WHERE referral_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	*seq = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int referral_transition(struct ctx *c, const char *id, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	const char *to_name = json_string_value(json_object_get(body, "to"));
	const json_t *jv = json_object_get(body, "version");
	const char *note = json_string_value(json_object_get(body, "note"));
	enum referral_state to;
	if (!to_name)
		return problem_set(pb, ERR_INVALID, "missing_field", "to");
	if (referral_state_parse(to_name, &to) < 0 || to == RS_SENT)
		return problem_set(pb, ERR_INVALID, "invalid", "to");
	if (!json_is_integer(jv))
		return problem_set(pb, ERR_INVALID, "missing_field", "version");
	if (note && *note && referral_check_text(note, REFERRAL_NOTE_MAX_CHARS, "note", pb) < 0)
		return ERR_INVALID;
	if (note && !*note)
		note = NULL;
	const char *value;
	if (move_values(to, body, &value, pb) < 0)
		return ERR_INVALID;

	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct referral_row r;
	bool visible = false;
	int rc = referral_row_load(c, id, &r);
	if (rc == 0)
		referral_side_of(c, &r, &visible);
	if (rc < 0 || !visible) {
		rc = rc == ERR_NOT_FOUND || rc == 0 ? problem_set(pb, ERR_NOT_FOUND, "not_found", NULL) :
		     problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	enum referral_side who = referral_move(r.state, to);
	if (who == SIDE_NONE) {
		rc = problem_set(pb, ERR_CONFLICT, "illegal_transition", "to");
		goto fail;
	}
	if (!side_allows(c, &r, who)) {
		rc = problem_set(pb, ERR_DENIED, "forbidden", "to");
		goto fail;
	}
	if (json_integer_value(jv) != r.version) {
		rc = problem_set(pb, ERR_CONFLICT, "stale_version", "version");
		pb->current_version = r.version;
		goto fail;
	}
	int64_t seq;
	char action[48];
	snprintf(action, sizeof(action), "referral.%s", referral_state_name(to));
	const char *notify_to = who == SIDE_RECEIVER ? r.from_org : r.to_org;
	if ((rc = update_row(c, &r, to, value, r.version)) < 0) {
		if (rc == ERR_CONFLICT) {
			problem_set(pb, ERR_CONFLICT, "stale_version", "version");
			pb->current_version = r.version + 1;
		} else {
			problem_set(pb, rc, "internal", NULL);
		}
		goto fail;
	}
	if ((rc = last_seq(c, r.id, &seq)) < 0 ||
	    (rc = referral_transition_insert(c, &r, seq + 1, referral_state_name(r.state), referral_state_name(to),
					     note)) < 0 ||
	    (rc = stats_touch(c->db, r.case_id)) < 0 ||
	    (rc = notify_org(c, notify_to, action, "referral", r.id, r.case_ref)) < 0 ||
	    (rc = ctx_audit(c, action, "referral", r.id, "ok")) < 0 || (rc = store_commit(c->db)) < 0) {
		problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	bool viewed;
	if (store_begin_read(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	rc = referral_row_load(c, id, &r);
	if (rc == 0)
		rc = referral_json(c, &r, true, out, &viewed);
	store_rollback(c->db);
	if (rc == 0 && viewed)
		rc = ctx_audit_tx(c, "referral.view", "referral", r.id, "ok");
	return rc < 0 ? problem_set(pb, rc, "internal", NULL) : 0;
fail:
	store_rollback(c->db);
	return rc < 0 ? rc : ERR_FAIL;
}
