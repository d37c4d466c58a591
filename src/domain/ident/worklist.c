/*
 * worklist.c: the work list of identification deadlines (decision.h).
 *
 * One query over plain columns (cases, ident_decisions, screenings): no data
 * key is opened and nothing personal is read, so the coordinator's list of
 * the whole country costs one statement. It states the rule of rules.h in
 * SQL: per case the clock start (first "possible" decision day, or the day
 * of the first attached likely_victim screening, whichever is earlier),
 * whether any decision beyond "possible" exists, the current decision's
 * status and the latest "presumed" decision's day; from those the three
 * deadlines, kept when overdue or falling due within IDENT_DUE_SOON_DAYS.
 *
 * Referrals (src/domain/referral/) add their running deadlines: a referral
 * not yet acknowledged (referral_ack_overdue / referral_ack_due) or not yet
 * accepted or declined (referral_answer_overdue / referral_answer_due),
 * overdue or falling due within IDENT_DUE_SOON_DAYS, on the work lists of
 * both organisations (PERM_WORKLIST's scope OWN_ORG) and the coordinator's.
 * Their part is read from referrals alone in (next_due, id) order, the
 * cursor applied there, each part with its own LIMIT: the country's on
 * referrals_due, an organisation's received ones on referrals_to and its
 * sent ones on referrals_from; the parts together are cut to the page again
 * (their order is the list's: grp and due_at follow next_due, rid is the
 * id). A referral carries its case's reference (migration 0023), so no
 * case is looked up for it. So no list joins or sorts all the open referrals in its reach
 * (bench/referrals.sh: 100,000 open referrals).
 *
 * The decisions and screenings are aggregated only for the cases in the
 * caller's reach (an organisation's list does not read the whole country's).
 *
 * Order: overdue before due (grp 0, 1), then by due time (due_at: the due
 * day's midnight for identification deadlines, the deadline itself for
 * referrals; so the most overdue and the soonest due come first), then
 * referral id ("" for identification deadlines, which so come first at the
 * same due time), kind and reference: a total order, so that the cursor
 * "grp:due_at:kind:ref:rid" pages without gaps or repeats. For a referral,
 * grp follows next_due, so "after the cursor" is (next_due, id) > (due_at,
 * rid), and next_due >= now too when the cursor's grp is 1.
 */
#include "decision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../case/case.h"
#include "rules.h"

#define CURSOR_MAX 128

static const char worklist_sql[] =
	"WITH d AS ("
	" SELECT case_id,"
	"  MIN(CASE WHEN status = 'possible' THEN decision_day END) AS possible_day,"
	"  MAX(CASE WHEN status <> 'possible' THEN 1 ELSE 0 END) AS decided,"
	"  MAX(seq) AS top_seq,"
	"  MAX(CASE WHEN status = 'presumed' THEN seq END) AS presumed_seq"
	" FROM ident_decisions WHERE %s GROUP BY case_id),"
	" s AS ("
	" SELECT case_id, MIN(created_at) / 86400 AS screen_day FROM screenings"
	" WHERE case_id IS NOT NULL AND assessment = 'likely_victim' AND %s GROUP BY case_id),"
	" ids AS (SELECT case_id FROM d UNION SELECT case_id FROM s),"
	" k AS ("
	" SELECT c.ref AS ref, c.org_id AS org_id,"
	"  CASE WHEN d.possible_day IS NULL THEN s.screen_day"
	"   WHEN s.screen_day IS NULL THEN d.possible_day"
	"   WHEN s.screen_day < d.possible_day THEN s.screen_day"
	"   ELSE d.possible_day END AS start_day,"
	"  COALESCE(d.decided, 0) AS decided,"
	"  cur.status AS cur_status,"
	"  pr.decision_day AS presumed_day"
	" FROM ids JOIN cases c ON c.id = ids.case_id"
	" LEFT JOIN d ON d.case_id = c.id"
	" LEFT JOIN s ON s.case_id = c.id"
	" LEFT JOIN ident_decisions cur ON cur.case_id = c.id AND cur.seq = d.top_seq"
	" LEFT JOIN ident_decisions pr ON pr.case_id = c.id AND pr.seq = d.presumed_seq"
	" WHERE c.dek IS NOT NULL AND c.status NOT IN ('Closed', 'ClosedReferred', 'Erased') AND %s),"
	" due AS ("
	" SELECT ref, org_id, 1 AS what, start_day + ? AS due_day FROM k"
	"  WHERE start_day IS NOT NULL AND decided = 0"
	" UNION ALL"
	" SELECT ref, org_id, 2 AS what, presumed_day + ? AS due_day FROM k WHERE cur_status = 'presumed'"
	" UNION ALL"
	" SELECT ref, org_id, 3 AS what, presumed_day + ? AS due_day FROM k"
	"  WHERE presumed_day IS NOT NULL AND cur_status IN ('presumed', 'identified')),"
	" w AS ("
	" SELECT ref, org_id, due_day,"
	"  CASE WHEN what <> 3 AND due_day < ? THEN 0 ELSE 1 END AS grp,"
	"  CASE WHEN what = 3 THEN 'reflection_ending'"
	"   WHEN what = 1 AND due_day < ? THEN 'reasonable_grounds_overdue'"
	"   WHEN what = 1 THEN 'reasonable_grounds_due'"
	"   WHEN due_day < ? THEN 'conclusive_overdue'"
	"   ELSE 'conclusive_due' END AS kind"
	" FROM due"
	" WHERE (what <> 3 AND due_day <= ?) OR (what = 3 AND due_day >= ? AND due_day <= ?))"
	" SELECT kind, ref, org_id, due_day, grp, due_at, rid FROM ("
	" SELECT kind, ref, org_id, due_day, grp, due_day * 86400 AS due_at, '' AS rid FROM w"
	" UNION ALL"
	"  SELECT CASE WHEN r.state = 'sent' THEN"
	"   CASE WHEN r.next_due < ? THEN 'referral_ack_overdue' ELSE 'referral_ack_due' END"
	"   ELSE CASE WHEN r.next_due < ? THEN 'referral_answer_overdue' ELSE 'referral_answer_due' END END AS kind,"
	"  r.case_ref AS ref, r.to_org AS org_id, r.next_due / 86400 AS due_day,"
	"  CASE WHEN r.next_due < ? THEN 0 ELSE 1 END AS grp, r.next_due AS due_at, r.id AS rid"
	"  FROM (SELECT * FROM (%s) u ORDER BY next_due, id LIMIT %d) r"
	" ) x%s"
	" ORDER BY grp, due_at, rid, kind, ref LIMIT %d";

/*
 * The referrals in reach from referrals alone, in (next_due, id) order on
 * an index, each part with the cursor and its own LIMIT. The LIMITs are
 * written into the SQL (a number the caller checked), not bound: PostgreSQL
 * then plans the statement once per connection (a generic plan knows the
 * limit) instead of planning it again on each run.
 */
#define RSEL "SELECT * FROM (SELECT id, case_ref, to_org, state, next_due FROM referrals WHERE next_due < ?"
#define RCUR " AND next_due >= ? AND (next_due > ? OR id > ?) AND (? = 0 OR next_due >= ?)"
#define RTAIL " ORDER BY next_due, id LIMIT %d)"

static const char cursor_sql[] =
	" WHERE (grp > ? OR (grp = ? AND (due_at > ? OR (due_at = ? AND (rid > ? OR (rid = ? AND"
	" (kind > ? OR (kind = ? AND ref > ?))))))))";

struct cursor {
	long long grp, due_at;
	char kind[40];
	char ref[CASE_REF_MAX];
	char rid[ID_HEX_LEN + 1];   /* "" for an identification deadline */
};

/* One ':'-terminated part of s of the characters allowed into out; the rest after it, or NULL. */
static const char *cursor_part(const char *s, const char *allowed, bool may_be_empty, char *out, size_t size)
{
	size_t len = strcspn(s, ":");
	if ((len == 0 && !may_be_empty) || len >= size || strspn(s, allowed) < len)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return s[len] == ':' ? s + len + 1 : s + len;
}

/* "grp:due_at:kind:ref:rid" as ident_worklist writes it; ERR_INVALID otherwise. */
static int cursor_parse(const char *s, struct cursor *cur)
{
	char *end;
	memset(cur, 0, sizeof(*cur));
	if (strlen(s) >= CURSOR_MAX)
		return ERR_INVALID;
	cur->grp = strtoll(s, &end, 10);
	if (end == s || *end != ':' || (cur->grp != 0 && cur->grp != 1))
		return ERR_INVALID;
	s = end + 1;
	cur->due_at = strtoll(s, &end, 10);
	if (end == s || *end != ':')
		return ERR_INVALID;
	s = end + 1;
	s = cursor_part(s, "abcdefghijklmnopqrstuvwxyz_", false, cur->kind, sizeof(cur->kind));
	if (!s || s[-1] != ':')
		return ERR_INVALID;
	s = cursor_part(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", false, cur->ref, sizeof(cur->ref));
	if (!s || s[-1] != ':')
		return ERR_INVALID;
	s = cursor_part(s, "0123456789abcdef", true, cur->rid, sizeof(cur->rid));
	if (!s || *s || (cur->rid[0] && strlen(cur->rid) != ID_HEX_LEN))
		return ERR_INVALID;
	return 0;
}

static int bind_cursor(struct store_stmt *st, int k, const struct cursor *cur)
{
	store_bind_int64(st, k++, cur->grp);
	store_bind_int64(st, k++, cur->grp);
	store_bind_int64(st, k++, cur->due_at);
	store_bind_int64(st, k++, cur->due_at);
	store_bind_text(st, k++, cur->rid);
	store_bind_text(st, k++, cur->rid);
	store_bind_text(st, k++, cur->kind);
	store_bind_text(st, k++, cur->kind);
	store_bind_text(st, k++, cur->ref);
	return k;
}

/* One part of the referrals (RSEL ... RTAIL): its bounds and the cursor's. */
static int bind_part(struct store_stmt *st, int k, int64_t soon, const char *const *binds, int nb, bool has_cursor,
		     const struct cursor *cur, int64_t now)
{
	store_bind_int64(st, k++, soon);
	for (int i = 0; i < nb; i++)
		store_bind_text(st, k++, binds[i]);
	if (has_cursor) {
		store_bind_int64(st, k++, cur->due_at);
		store_bind_int64(st, k++, cur->due_at);
		store_bind_text(st, k++, cur->rid);
		store_bind_int64(st, k++, cur->grp);
		store_bind_int64(st, k++, now);
	}
	return k;
}

int ident_worklist(struct ctx *c, const char *cursor, int limit, json_t **items, char **next_cursor)
{
	*items = json_array();
	*next_cursor = NULL;
	enum scope sc = ctx_scope(c, PERM_WORKLIST);
	if (sc == SCOPE_NONE)
		return 0;
	struct cursor cur;
	bool has_cursor = cursor && *cursor;
	if (has_cursor && cursor_parse(cursor, &cur) < 0)
		return ERR_INVALID;
	/*
	 * Identification deadlines go to those who work on the cases (or see
	 * the whole country); a service provider's list holds its referrals only.
	 */
	bool ident = sc == SCOPE_ALL || ctx_scope(c, PERM_CASE_READ) != SCOPE_NONE;
	const char *reach = !ident ? "1 = 0" : sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "c.org_id = ?" :
			    "c.created_by = ?";
	const char *reach_bind = !ident ? NULL : sc == SCOPE_OWN_ORG ? c->actor.org_id :
				 sc == SCOPE_OWN ? c->actor.user_id : NULL;
	/* The same reach for the aggregates of decisions and screenings, by case id. */
	char reach_ids[128];
	if (reach_bind)
		snprintf(reach_ids, sizeof(reach_ids), "case_id IN (SELECT c.id FROM cases c WHERE %s)", reach);
	else
		snprintf(reach_ids, sizeof(reach_ids), "%s", reach);
	/*
	 * The referral parts: the country's on referrals_due; an organisation's
	 * received ones (referrals_to) and sent ones (referrals_from, not to
	 * itself); the caller's own.
	 */
	const char *cur_part = has_cursor ? RCUR : "";
	char parts[1024];
	if (limit < 1 || limit > 1000)
		return ERR_INVALID;
	if (sc == SCOPE_ALL)
		snprintf(parts, sizeof(parts), RSEL "%s" RTAIL " a", cur_part, limit + 1);
	else if (sc == SCOPE_OWN_ORG)
		snprintf(parts, sizeof(parts), RSEL " AND to_org = ?%s" RTAIL " a UNION ALL "
			 RSEL " AND from_org = ? AND to_org <> ?%s" RTAIL " b", cur_part, limit + 1, cur_part, limit + 1);
	else
		snprintf(parts, sizeof(parts), RSEL " AND created_by = ?%s" RTAIL " a", cur_part, limit + 1);
	char sql[sizeof(worklist_sql) + sizeof(parts) + sizeof(cursor_sql) + 2 * sizeof(reach_ids) + 128];
	snprintf(sql, sizeof(sql), worklist_sql, reach_ids, reach_ids, reach, parts, limit + 1,
		 has_cursor ? cursor_sql : "", limit + 1);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	const struct config *cfg = &c->app->cfg;
	int64_t today = ident_day_of(clock_now());
	int k = 1;
	for (int i = 0; reach_bind && i < 3; i++)   /* decisions, screenings, cases */
		store_bind_text(st, k++, reach_bind);
	store_bind_int64(st, k++, cfg->ident_reasonable_grounds_days);
	store_bind_int64(st, k++, cfg->ident_conclusive_days);
	store_bind_int64(st, k++, cfg->ident_reflection_days);
	store_bind_int64(st, k++, today);   /* grp */
	store_bind_int64(st, k++, today);   /* reasonable grounds overdue */
	store_bind_int64(st, k++, today);   /* conclusive overdue */
	store_bind_int64(st, k++, today + IDENT_DUE_SOON_DAYS);
	store_bind_int64(st, k++, today);
	store_bind_int64(st, k++, today + IDENT_DUE_SOON_DAYS);
	/* The referral part. */
	int64_t now = clock_now(), soon = now + (int64_t)IDENT_DUE_SOON_DAYS * 86400;
	store_bind_int64(st, k++, now);
	store_bind_int64(st, k++, now);
	store_bind_int64(st, k++, now);
	if (sc == SCOPE_OWN_ORG) {
		const char *to[] = { c->actor.org_id }, *from[] = { c->actor.org_id, c->actor.org_id };
		k = bind_part(st, k, soon, to, 1, has_cursor, &cur, now);
		k = bind_part(st, k, soon, from, 2, has_cursor, &cur, now);
	} else {
		const char *own[] = { c->actor.user_id };
		k = bind_part(st, k, soon, own, sc == SCOPE_OWN ? 1 : 0, has_cursor, &cur, now);
	}
	if (has_cursor)
		bind_cursor(st, k, &cur);
	int rc, got = 0;
	char last[CURSOR_MAX] = "";
	while ((rc = store_step(st)) == STORE_ROW) {
		if (got == limit) {
			*next_cursor = xstrdup(last);
			if (!*next_cursor)
				rc = ERR_NOMEM;
			break;
		}
		const char *kind = store_column_text(st, 0), *ref = store_column_text(st, 1);
		int64_t due_day = store_column_int64(st, 3), grp = store_column_int64(st, 4);
		int64_t due_at = store_column_int64(st, 5);
		const char *rid = store_column_text(st, 6);
		rid = rid ? rid : "";
		char due[11];
		if (ident_day_format(due_day, due) < 0) {
			rc = ERR_FAIL;
			break;
		}
		int64_t days = grp == 0 ? today - due_day : due_day - today;
		json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", kind, "ref", ref, "org_id",
					 store_column_text(st, 2), "due", due, "days", (json_int_t)days);
		if (rid[0]) {
			json_object_set_new(item, "referral_id", json_string(rid));
			json_object_set_new(item, "due_at", json_integer(due_at));
		}
		json_array_append_new(*items, item);
		snprintf(last, sizeof(last), "%lld:%lld:%s:%s:%s", (long long)grp, (long long)due_at, kind, ref, rid);
		got++;
	}
	store_finalize(st);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "worklist.read", "worklist", NULL, "ok");
	if (rc < 0) {
		free(*next_cursor);
		*next_cursor = NULL;
		return rc;
	}
	return 0;
}
