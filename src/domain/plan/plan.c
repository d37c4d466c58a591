/*
 * plan.c: who reaches a case's plan, the checks of values, and reading the
 * plan; see plan.h. Changes are in plan_write.c, services in services.c.
 *
 * The receiver side is found only after the owner side failed: the case is
 * looked up without a reach check and allowed when the caller's
 * organisation serves it through a referral now. Every way of failing
 * (unknown reference, erased case, no reach, no referral) ends in the same
 * ERR_NOT_FOUND, so the answer tells nothing about the case.
 */
#include "plan_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../referral/referral.h"

static const char *const statuses[] = { "planned", "in_progress", "done", "cancelled", NULL };

bool plan_status_ok(const char *s)
{
	for (size_t i = 0; s && statuses[i]; i++)
		if (!strcmp(s, statuses[i]))
			return true;
	return false;
}

void plan_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

bool plan_date_ok(const char *s)
{
	int64_t t;
	return s && strlen(s) == PLAN_DATE_LEN && clock_parse_iso(s, &t) == 0;
}

void plan_today(char out[PLAN_DATE_LEN + 1])
{
	char iso[24];
	if (clock_format_iso(clock_now(), iso, sizeof(iso)) < 0)
		snprintf(iso, sizeof(iso), "1970-01-01");
	memcpy(out, iso, PLAN_DATE_LEN);
	out[PLAN_DATE_LEN] = '\0';
}

const char *plan_text_problem(const char *s, size_t max_chars)
{
	size_t chars = 0;
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f)
			return "invalid";
		if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			blank = false;
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (blank)
		return "invalid";
	return chars > max_chars ? "too_long" : NULL;
}

int plan_org_exists(struct ctx *c, const char *org_id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT 1 FROM orgs WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : rc == STORE_ROW;
}

/* The internal id of the case with reference ref, without a reach check. */
static int case_id_of(struct ctx *c, const char *ref, char id[ID_HEX_LEN + 1])
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT id FROM cases WHERE ref = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, ref);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		snprintf(id, ID_HEX_LEN + 1, "%s", store_column_text(st, 0));
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : ERR_NOT_FOUND;
}

int plan_access_get(struct ctx *c, const char *ref, bool write, struct plan_access *a)
{
	memset(a, 0, sizeof(*a));
	if (!ref || !*ref || strlen(ref) >= CASE_REF_MAX)
		return ERR_NOT_FOUND;
	int rc = case_lookup(c, ref, write ? PERM_CASE_WRITE : PERM_CASE_READ, &a->h);
	if (rc == 0) {
		a->view = PLAN_OWNER;
		return 0;
	}
	if (rc != ERR_NOT_FOUND || !c->actor.user_id[0] || !c->actor.org_id[0])
		return rc;
	char id[ID_HEX_LEN + 1];
	if ((rc = case_id_of(c, ref, id)) < 0 || (rc = case_lookup_unchecked(c, id, &a->h)) < 0)
		goto denied;
	rc = referral_serving(c, a->h.id, c->actor.org_id);
	if (rc < 0)
		goto denied;
	if (rc == 0) {
		rc = ERR_NOT_FOUND;
		goto denied;
	}
	a->view = PLAN_RECEIVER;
	return 0;
denied:
	memset(a, 0, sizeof(*a));
	return rc;
}

int plan_seal_text(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
		   const char *row_id, const char *text, unsigned char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (!text)
		return 0;
	return case_seal(c, h, table, column, row_id, text, strlen(text), out, out_len);
}

int plan_open_text(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
		   const char *row_id, const void *sealed, size_t len, json_t **out)
{
	*out = NULL;
	if (!sealed) {
		*out = json_null();
		return 0;
	}
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	if (case_unseal(c, h, table, column, row_id, sealed, len, &plain, &plain_len) < 0) {
		log_error("plan text does not open", "table=%s row=%s", table, row_id);
		return ERR_CRYPTO;
	}
	*out = json_stringn((const char *)plain, plain_len);
	sodium_memzero(plain, plain_len);
	free(plain);
	return *out ? 0 : ERR_NOMEM;
}

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char item_cols[] =
	"i.id, i.support_type, i.goal, i.action, i.responsible_org, o.name_en, o.name_ar, i.due_date, i.status, "
	"i.completed_on, i.created_by, i.created_at, i.updated_by, u.display_name, i.updated_at, i.version";

/* One item row (item_cols) as JSON, its texts opened. */
static int item_json(struct ctx *c, const struct case_handle *h, struct store_stmt *st, const char *today,
		     json_t **out)
{
	const char *id = store_column_text(st, 0);
	json_t *goal = NULL, *action = NULL;
	size_t len = 0;
	const void *sealed = store_column_blob(st, 2, &len);
	if (!sealed || plan_open_text(c, h, "plan_items", "goal", id, sealed, len, &goal) < 0)
		return ERR_CRYPTO;
	sealed = store_column_blob(st, 3, &len);
	if (plan_open_text(c, h, "plan_items", "action", id, sealed, len, &action) < 0) {
		json_decref(goal);
		return ERR_CRYPTO;
	}
	const char *due = store_column_text(st, 7), *status = store_column_text(st, 8);
	bool open = status && (!strcmp(status, "planned") || !strcmp(status, "in_progress"));
	bool overdue = open && due && strcmp(due, today) < 0;
	*out = json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:s, s:s}, s:o, s:b, s:s, s:o, s:s, s:I, s:s, s:o, s:I, s:I}",
			 "id", id, "support_type", store_column_text(st, 1), "goal", goal, "action", action,
			 "responsible_org", "id", store_column_text(st, 4), "name_en", store_column_text(st, 5),
			 "name_ar", store_column_text(st, 6), "due_date", text_or_null(due), "overdue", overdue,
			 "status", status, "completed_on", text_or_null(store_column_text(st, 9)),
			 "created_by", store_column_text(st, 10), "created_at", (json_int_t)store_column_int64(st, 11),
			 "updated_by", store_column_text(st, 12),
			 "updated_by_name", text_or_null(store_column_text(st, 13)),
			 "updated_at", (json_int_t)store_column_int64(st, 14),
			 "version", (json_int_t)store_column_int64(st, 15));
	return *out ? 0 : ERR_NOMEM;
}

/* The plan row's version and last change into plan (owner side). */
static int plan_head(struct ctx *c, const char *case_id, json_t *plan)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT p.version, p.updated_at, p.updated_by, u.display_name FROM plans p "
				      "LEFT JOIN users u ON u.id = p.updated_by WHERE p.case_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		json_object_set_new(plan, "version", json_integer(store_column_int64(st, 0)));
		json_object_set_new(plan, "updated_at", json_integer(store_column_int64(st, 1)));
		json_object_set_new(plan, "updated_by", text_or_null(store_column_text(st, 2)));
		json_object_set_new(plan, "updated_by_name", text_or_null(store_column_text(st, 3)));
	} else if (rc == STORE_DONE) {
		json_object_set_new(plan, "version", json_integer(0));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int plan_read(struct ctx *c, const struct plan_access *a, json_t **out)
{
	*out = NULL;
	bool receiver = a->view == PLAN_RECEIVER;
	json_t *plan = json_pack("{s:s, s:s, s:n, s:n, s:n, s:n}", "case_ref", a->h.ref, "view",
				 receiver ? "receiver" : "owner", "version", "updated_at", "updated_by",
				 "updated_by_name");
	json_t *items = json_array();
	if (!plan || !items) {
		json_decref(plan);
		json_decref(items);
		return ERR_NOMEM;
	}
	json_object_set_new(plan, "items", items);
	int rc = receiver ? 0 : plan_head(c, a->h.id, plan);
	char sql[640];
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM plan_items i JOIN orgs o ON o.id = i.responsible_org "
		 "LEFT JOIN users u ON u.id = i.updated_by WHERE i.case_id = ?%s ORDER BY i.position, i.id",
		 item_cols, receiver ? " AND i.responsible_org = ?" : "");
	struct store_stmt *st = NULL;
	if (rc == 0 && store_prepare(c->db, &st, sql) < 0)
		rc = ERR_FAIL;
	if (rc == 0) {
		char today[PLAN_DATE_LEN + 1];
		plan_today(today);
		store_bind_text(st, 1, a->h.id);
		if (receiver)
			store_bind_text(st, 2, c->actor.org_id);
		while ((rc = store_step(st)) == STORE_ROW) {
			json_t *item;
			if ((rc = item_json(c, &a->h, st, today, &item)) < 0)
				break;
			json_array_append_new(items, item);
		}
		if (rc == STORE_DONE)
			rc = 0;
	}
	store_finalize(st);
	if (rc < 0) {
		json_decref(plan);
		return rc;
	}
	*out = plan;
	return 0;
}

int plan_get(struct ctx *c, const char *ref, json_t **out)
{
	*out = NULL;
	struct plan_access a;
	/* The reads in one snapshot; ended before the audit row is written. */
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	int rc = plan_access_get(c, ref, false, &a);
	if (rc == 0)
		rc = plan_read(c, &a, out);
	store_rollback(c->db);
	if (rc == 0 && (rc = ctx_audit_tx(c, "plan.read", "case", a.h.id, "ok")) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* The plan's current version (0: none) into *version. */
static int plan_version(struct ctx *c, const char *case_id, int64_t *version)
{
	struct store_stmt *st;
	*version = 0;
	if (store_prepare(c->db, &st, "SELECT version FROM plans WHERE case_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		*version = store_column_int64(st, 0);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int stale(struct ctx *c, const char *case_id, struct problem *pb)
{
	int64_t current = 0;
	if (plan_version(c, case_id, &current) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	pb->current_version = current;
	return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
}

int plan_bump(struct ctx *c, const char *case_id, int64_t expect, struct problem *pb)
{
	int64_t now = clock_now();
	struct store_stmt *st;
	const char *sql;
	if (expect >= 0) {
		/* Checked first: on PostgreSQL a failed insert would end the transaction. */
		int64_t current = 0;
		if (plan_version(c, case_id, &current) < 0)
			return problem_set(pb, ERR_FAIL, "internal", NULL);
		if (current != expect) {
			pb->current_version = current;
			return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
		}
	}
	if (expect < 0)
		sql = "INSERT INTO plans (case_id, created_by, created_at, updated_by, updated_at, version) "
		      "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (case_id) DO UPDATE SET version = plans.version + 1, "
		      "updated_by = excluded.updated_by, updated_at = excluded.updated_at";
	else if (expect == 0)
		sql = "INSERT INTO plans (case_id, created_by, created_at, updated_by, updated_at, version) "
		      "VALUES (?, ?, ?, ?, ?, 1)";
	else
		sql = "UPDATE plans SET version = version + 1, updated_by = ?, updated_at = ? "
		      "WHERE case_id = ? AND version = ?";
	if (store_prepare(c->db, &st, sql) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (expect <= 0) {
		store_bind_text(st, 1, case_id);
		store_bind_text(st, 2, c->actor.user_id);
		store_bind_int64(st, 3, now);
		store_bind_text(st, 4, c->actor.user_id);
		store_bind_int64(st, 5, now);
	} else {
		store_bind_text(st, 1, c->actor.user_id);
		store_bind_int64(st, 2, now);
		store_bind_text(st, 3, case_id);
		store_bind_int64(st, 4, expect);
	}
	int rc = store_step(st);
	int64_t changed = rc == STORE_DONE ? store_changes(st) : 0;
	store_finalize(st);
	if (rc == ERR_CONFLICT && expect == 0) {
		pb->current_version = 1;   /* a plan was made meanwhile; the transaction is spent */
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (expect > 0 && changed == 0)
		return stale(c, case_id, pb);
	return 0;
}
