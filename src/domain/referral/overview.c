/*
 * overview.c: the national coordinator's overview of referrals
 * (referral.h): counts over plain workflow columns only, no key opened, no
 * case reference given. Open and overdue referrals are counted against the
 * receiving organisation, where the work waits.
 */
#include "referral_int.h"

#include "../../core/clock.h"

#define OPEN_STATES "('sent', 'acknowledged', 'accepted', 'in_service')"

static int by_state(struct ctx *c, json_t *out)
{
	struct store_stmt *st;
	json_t *o = json_object();
	for (int s = 0; s < RS_COUNT; s++)
		json_object_set_new(o, referral_state_name((enum referral_state)s), json_integer(0));
	json_object_set_new(out, "by_state", o);
	if (store_prepare(c->db, &st, "SELECT state, COUNT(*) FROM referrals GROUP BY state") < 0)
		return ERR_FAIL;
	int rc;
	int64_t total = 0;
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t n = store_column_int64(st, 1);
		json_object_set_new(o, store_column_text(st, 0), json_integer(n));
		total += n;
	}
	store_finalize(st);
	json_object_set_new(out, "total", json_integer(total));
	return rc < 0 ? rc : 0;
}

static int by_age(struct ctx *c, int64_t now, json_t *out)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "SELECT SUM(CASE WHEN created_at > ? THEN 1 ELSE 0 END),"
			  " SUM(CASE WHEN created_at <= ? AND created_at > ? THEN 1 ELSE 0 END),"
			  " SUM(CASE WHEN created_at <= ? AND created_at > ? THEN 1 ELSE 0 END),"
			  " SUM(CASE WHEN created_at <= ? THEN 1 ELSE 0 END),"
			  " SUM(CASE WHEN next_due < ? THEN 1 ELSE 0 END), COUNT(*)"
			  " FROM referrals WHERE state IN " OPEN_STATES) < 0)
		return ERR_FAIL;
	int64_t d1 = now - 86400, d7 = now - 7 * 86400, d30 = now - 30 * 86400;
	store_bind_int64(st, 1, d1);
	store_bind_int64(st, 2, d1);
	store_bind_int64(st, 3, d7);
	store_bind_int64(st, 4, d7);
	store_bind_int64(st, 5, d30);
	store_bind_int64(st, 6, d30);
	store_bind_int64(st, 7, now);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		json_object_set_new(out, "open_by_age",
				    json_pack("{s:I, s:I, s:I, s:I}", "under_1d", (json_int_t)store_column_int64(st, 0),
					      "1_7d", (json_int_t)store_column_int64(st, 1), "7_30d",
					      (json_int_t)store_column_int64(st, 2), "over_30d",
					      (json_int_t)store_column_int64(st, 3)));
		json_object_set_new(out, "overdue", json_integer(store_column_int64(st, 4)));
		json_object_set_new(out, "open", json_integer(store_column_int64(st, 5)));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int by_org(struct ctx *c, int64_t now, json_t *out)
{
	struct store_stmt *st;
	json_t *arr = json_array();
	json_object_set_new(out, "by_org", arr);
	if (store_prepare(c->db, &st,
			  "SELECT o.id, o.name_en, o.name_ar, SUM(x.sent), SUM(x.received), SUM(x.open), SUM(x.overdue)"
			  " FROM (SELECT from_org AS org_id, 1 AS sent, 0 AS received, 0 AS open, 0 AS overdue FROM referrals"
			  " UNION ALL SELECT to_org, 0, 1,"
			  "  CASE WHEN state IN " OPEN_STATES " THEN 1 ELSE 0 END,"
			  "  CASE WHEN next_due < ? THEN 1 ELSE 0 END FROM referrals) x"
			  " JOIN orgs o ON o.id = x.org_id GROUP BY o.id, o.name_en, o.name_ar"
			  " ORDER BY SUM(x.overdue) DESC, SUM(x.open) DESC, o.name_en") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, now);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "org_id",
						     store_column_text(st, 0), "name_en", store_column_text(st, 1),
						     "name_ar", store_column_text(st, 2), "sent",
						     (json_int_t)store_column_int64(st, 3), "received",
						     (json_int_t)store_column_int64(st, 4), "open",
						     (json_int_t)store_column_int64(st, 5), "overdue",
						     (json_int_t)store_column_int64(st, 6)));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int by_service(struct ctx *c, int64_t now, json_t *out)
{
	struct store_stmt *st;
	json_t *arr = json_array();
	json_object_set_new(out, "by_service", arr);
	if (store_prepare(c->db, &st,
			  "SELECT s.service, COUNT(*), SUM(CASE WHEN r.state IN " OPEN_STATES " THEN 1 ELSE 0 END),"
			  " SUM(CASE WHEN r.next_due < ? THEN 1 ELSE 0 END)"
			  " FROM referral_services s JOIN referrals r ON r.id = s.referral_id"
			  " GROUP BY s.service ORDER BY COUNT(*) DESC, s.service") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, now);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:I}", "service", store_column_text(st, 0), "all",
						     (json_int_t)store_column_int64(st, 1), "open",
						     (json_int_t)store_column_int64(st, 2), "overdue",
						     (json_int_t)store_column_int64(st, 3)));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int referral_overview(struct ctx *c, json_t **out)
{
	*out = NULL;
	if (ctx_scope(c, PERM_REFERRAL_OVERVIEW) != SCOPE_ALL)
		return ERR_NOT_FOUND;
	int64_t now = clock_now();
	json_t *o = json_object();
	int rc = by_state(c, o);
	if (rc == 0)
		rc = by_age(c, now, o);
	if (rc == 0)
		rc = by_org(c, now, o);
	if (rc == 0)
		rc = by_service(c, now, o);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "at", json_integer(now));
	*out = o;
	return 0;
}
