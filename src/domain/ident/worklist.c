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
 * Order: overdue before due (grp 0, 1), then by due day (so the most overdue
 * and the soonest due come first), then reference and kind: a total order,
 * so that the cursor "grp:due_day:ref:kind" pages without gaps or repeats.
 */
#include "decision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../case/case.h"
#include "rules.h"

#define CURSOR_MAX 96

static const char worklist_sql[] =
	"WITH d AS ("
	" SELECT case_id,"
	"  MIN(CASE WHEN status = 'possible' THEN decision_day END) AS possible_day,"
	"  MAX(CASE WHEN status <> 'possible' THEN 1 ELSE 0 END) AS decided,"
	"  MAX(seq) AS top_seq,"
	"  MAX(CASE WHEN status = 'presumed' THEN seq END) AS presumed_seq"
	" FROM ident_decisions GROUP BY case_id),"
	" s AS ("
	" SELECT case_id, MIN(created_at) / 86400 AS screen_day FROM screenings"
	" WHERE case_id IS NOT NULL AND assessment = 'likely_victim' GROUP BY case_id),"
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
	" SELECT kind, ref, org_id, due_day, grp FROM w%s"
	" ORDER BY grp, due_day, ref, kind LIMIT ?";

static const char cursor_sql[] =
	" WHERE (grp > ? OR (grp = ? AND (due_day > ? OR (due_day = ? AND (ref > ? OR (ref = ? AND kind > ?))))))";

struct cursor {
	long long grp, due_day;
	char ref[CASE_REF_MAX];
	char kind[40];
};

/* "grp:due_day:ref:kind" as ident_worklist writes it; ERR_INVALID otherwise. */
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
	cur->due_day = strtoll(s, &end, 10);
	if (end == s || *end != ':')
		return ERR_INVALID;
	s = end + 1;
	size_t len = strcspn(s, ":");
	if (len == 0 || len >= sizeof(cur->ref) || s[len] != ':' ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != len)
		return ERR_INVALID;
	memcpy(cur->ref, s, len);
	s += len + 1;
	len = strlen(s);
	if (len == 0 || len >= sizeof(cur->kind) || strspn(s, "abcdefghijklmnopqrstuvwxyz_") != len)
		return ERR_INVALID;
	memcpy(cur->kind, s, len + 1);
	return 0;
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
	const char *reach = sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "c.org_id = ?" : "c.created_by = ?";
	const char *reach_bind = sc == SCOPE_OWN_ORG ? c->actor.org_id : sc == SCOPE_OWN ? c->actor.user_id : NULL;
	char sql[sizeof(worklist_sql) + sizeof(cursor_sql) + 64];
	snprintf(sql, sizeof(sql), worklist_sql, reach, has_cursor ? cursor_sql : "");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	const struct config *cfg = &c->app->cfg;
	int64_t today = ident_day_of(clock_now());
	int k = 1;
	if (reach_bind)
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
	if (has_cursor) {
		store_bind_int64(st, k++, cur.grp);
		store_bind_int64(st, k++, cur.grp);
		store_bind_int64(st, k++, cur.due_day);
		store_bind_int64(st, k++, cur.due_day);
		store_bind_text(st, k++, cur.ref);
		store_bind_text(st, k++, cur.ref);
		store_bind_text(st, k++, cur.kind);
	}
	store_bind_int64(st, k, limit + 1);
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
		char due[11];
		if (ident_day_format(due_day, due) < 0) {
			rc = ERR_FAIL;
			break;
		}
		int64_t days = grp == 0 ? today - due_day : due_day - today;
		json_array_append_new(*items, json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", kind, "ref", ref,
							"org_id", store_column_text(st, 2), "due", due,
							"days", (json_int_t)days));
		snprintf(last, sizeof(last), "%lld:%lld:%s:%s", (long long)grp, (long long)due_day, ref, kind);
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
