/*
 * services.c: services delivered to the person, logged by the organisation
 * that delivers them (plan.h). A service is written once and never
 * changed; its note is sealed with the case's data key. Lists are pages,
 * the latest delivery first (by the day delivered, then the time logged),
 * with a cursor of (service_date, logged_at, id) of a page's last row.
 */
#include "plan_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../directory/directory.h"
#include "../stats/stats.h"

static const char service_cols[] =
	"s.id, s.item_id, s.support_type, s.service_date, s.org_id, o.name_en, o.name_ar, s.referral_id, s.note, "
	"s.logged_by, u.display_name, s.logged_at";
static const char service_from[] =
	"FROM plan_services s JOIN orgs o ON o.id = s.org_id LEFT JOIN users u ON u.id = s.logged_by";

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* One service row (service_cols) as JSON, its note opened. */
static int service_json(struct ctx *c, const struct case_handle *h, struct store_stmt *st, json_t **out)
{
	const char *id = store_column_text(st, 0);
	size_t len = 0;
	const void *sealed = store_column_blob(st, 8, &len);
	json_t *note;
	int rc = plan_open_text(c, h, "plan_services", "note", id, sealed, len, &note);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s, s:o, s:s, s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:s, s:o, s:I}", "id", id, "item",
			 text_or_null(store_column_text(st, 1)), "support_type", store_column_text(st, 2), "date",
			 store_column_text(st, 3), "org", "id", store_column_text(st, 4), "name_en",
			 store_column_text(st, 5), "name_ar", store_column_text(st, 6), "referral",
			 text_or_null(store_column_text(st, 7)), "note", note, "logged_by",
			 store_column_text(st, 9), "logged_by_name", text_or_null(store_column_text(st, 10)),
			 "logged_at", (json_int_t)store_column_int64(st, 11));
	return *out ? 0 : ERR_NOMEM;
}

/* Where a page ended: "<service_date>.<logged_at>.<id>" of its last service. */
struct page_end {
	char date[PLAN_DATE_LEN + 1];
	int64_t at;
	char id[ID_HEX_LEN + 1];
};

static int cursor_parse(const char *cursor, struct page_end *e)
{
	if (strlen(cursor) < PLAN_DATE_LEN + 1 || cursor[PLAN_DATE_LEN] != '.')
		return ERR_INVALID;
	memcpy(e->date, cursor, PLAN_DATE_LEN);
	e->date[PLAN_DATE_LEN] = '\0';
	if (!plan_date_ok(e->date))
		return ERR_INVALID;
	const char *at = cursor + PLAN_DATE_LEN + 1, *dot = strchr(at, '.');
	if (!dot || dot == at || dot - at > 18 || strspn(at, "0123456789") != (size_t)(dot - at))
		return ERR_INVALID;
	const char *hex = dot + 1;
	if (strlen(hex) != ID_HEX_LEN || strspn(hex, "0123456789abcdef") != ID_HEX_LEN)
		return ERR_INVALID;
	e->at = strtoll(at, NULL, 10);
	memcpy(e->id, hex, ID_HEX_LEN + 1);
	return 0;
}

static int list_rows(struct ctx *c, const struct plan_access *a, const char *cursor, int limit, json_t *items,
		     char **next_cursor)
{
	struct page_end after;
	if (cursor && cursor_parse(cursor, &after) < 0)
		return ERR_INVALID;
	bool receiver = a->view == PLAN_RECEIVER;
	char sql[768];
	snprintf(sql, sizeof(sql),
		 "SELECT %s %s WHERE s.case_id = ?%s%s ORDER BY s.service_date DESC, s.logged_at DESC, s.id DESC LIMIT ?",
		 service_cols, service_from, receiver ? " AND s.org_id = ?" : "",
		 cursor ? " AND (s.service_date < ? OR (s.service_date = ? AND (s.logged_at < ? OR "
			  "(s.logged_at = ? AND s.id < ?))))" : "");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	int k = 1;
	store_bind_text(st, k++, a->h.id);
	if (receiver)
		store_bind_text(st, k++, c->actor.org_id);
	if (cursor) {
		store_bind_text(st, k++, after.date);
		store_bind_text(st, k++, after.date);
		store_bind_int64(st, k++, after.at);
		store_bind_int64(st, k++, after.at);
		store_bind_text(st, k++, after.id);
	}
	store_bind_int64(st, k, limit + 1);
	int rc, n = 0;
	struct page_end last;
	memset(&last, 0, sizeof(last));
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n == limit) {
			size_t size = PLAN_DATE_LEN + 24 + ID_HEX_LEN;
			char *next = malloc(size);
			if (!next) {
				rc = ERR_NOMEM;
				break;
			}
			snprintf(next, size, "%s.%" PRId64 ".%s", last.date, last.at, last.id);
			*next_cursor = next;
			rc = STORE_DONE;
			break;
		}
		json_t *s;
		if ((rc = service_json(c, &a->h, st, &s)) < 0)
			break;
		json_array_append_new(items, s);
		plan_copy(last.date, sizeof(last.date), store_column_text(st, 3));
		last.at = store_column_int64(st, 11);
		plan_copy(last.id, sizeof(last.id), store_column_text(st, 0));
		n++;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int plan_services_list(struct ctx *c, const char *ref, const char *cursor, int limit, json_t **items,
		       char **next_cursor, struct problem *pb)
{
	*items = json_array();
	*next_cursor = NULL;
	if (!*items)
		return problem_set(pb, ERR_NOMEM, "internal", NULL);
	struct plan_access a;
	if (store_begin_read(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int rc = plan_access_get(c, ref, false, &a);
	if (rc == 0)
		rc = list_rows(c, &a, cursor, limit, *items, next_cursor);
	store_rollback(c->db);
	if (rc == 0)
		rc = ctx_audit_tx(c, "service.read", "case", a.h.id, "ok");
	if (rc < 0) {
		free(*next_cursor);
		*next_cursor = NULL;
		if (rc == ERR_INVALID)
			return problem_set(pb, rc, "invalid", "cursor");
		return problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	}
	return 0;
}

/* A string value or absent (JSON null counts as absent); ERR_INVALID when another type. */
static int opt_string(const json_t *obj, const char *key, const char **out, struct problem *pb)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return problem_set(pb, ERR_INVALID, "wrong_type", key);
	*out = json_string_value(v);
	return 0;
}

struct service_in {
	const char *date, *support_type, *item, *referral, *note;
};

/* The checks that need no database. */
static int service_parse(const json_t *body, struct service_in *in, struct problem *pb)
{
	static const char *const keys[] = { "date", "support_type", "item", "referral", "note", NULL };
	memset(in, 0, sizeof(*in));
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], key))
			k++;
		if (!keys[k])
			return problem_set(pb, ERR_INVALID, "unknown_field", key);
	}
	if (opt_string(body, "date", &in->date, pb) < 0 || opt_string(body, "support_type", &in->support_type, pb) < 0 ||
	    opt_string(body, "item", &in->item, pb) < 0 || opt_string(body, "referral", &in->referral, pb) < 0 ||
	    opt_string(body, "note", &in->note, pb) < 0)
		return ERR_INVALID;
	if (!in->date)
		return problem_set(pb, ERR_INVALID, "missing_field", "date");
	if (!plan_date_ok(in->date))
		return problem_set(pb, ERR_INVALID, "invalid", "date");
	char today[PLAN_DATE_LEN + 1];
	plan_today(today);
	if (strcmp(in->date, today) > 0)
		return problem_set(pb, ERR_INVALID, "future_date", "date");
	if (in->support_type && !directory_service_find(in->support_type))
		return problem_set(pb, ERR_INVALID, "invalid", "support_type");
	if (!in->support_type && !in->item)
		return problem_set(pb, ERR_INVALID, "missing_field", "support_type");
	if (in->item && strlen(in->item) != ID_HEX_LEN)
		return problem_set(pb, ERR_INVALID, "invalid", "item");
	if (in->referral && strlen(in->referral) != ID_HEX_LEN)
		return problem_set(pb, ERR_INVALID, "invalid", "referral");
	if (in->note && strspn(in->note, " \t\r\n") == strlen(in->note))
		in->note = NULL;   /* blank is none */
	const char *code = in->note ? plan_text_problem(in->note, PLAN_TEXT_MAX_CHARS) : NULL;
	if (code)
		return problem_set(pb, ERR_INVALID, code, "note");
	return 0;
}

/*
 * The item served: one of the case's, and for a receiver one it is
 * responsible for. Its support type into type (the default).
 */
static int item_check(struct ctx *c, const struct plan_access *a, const char *item, char *type, size_t size,
		      struct problem *pb)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT support_type, responsible_org FROM plan_items WHERE id = ? AND case_id = ?") < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	store_bind_text(st, 1, item);
	store_bind_text(st, 2, a->h.id);
	int rc = store_step(st);
	bool ok = false;
	if (rc == STORE_ROW) {
		snprintf(type, size, "%s", store_column_text(st, 0));
		ok = a->view == PLAN_OWNER || !strcmp(store_column_text(st, 1), c->actor.org_id);
	}
	store_finalize(st);
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	return ok ? 0 : problem_set(pb, ERR_INVALID, "invalid", "item");
}

/* The referral it came through: one of the case's, to the caller's organisation, accepted or later. */
static int referral_check(struct ctx *c, const struct plan_access *a, const char *referral, struct problem *pb)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT 1 FROM referrals WHERE id = ? AND case_id = ? AND to_org = ? "
				      "AND state IN ('accepted', 'in_service', 'completed')") < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	store_bind_text(st, 1, referral);
	store_bind_text(st, 2, a->h.id);
	store_bind_text(st, 3, c->actor.org_id);
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	return rc == STORE_ROW ? 0 : problem_set(pb, ERR_INVALID, "invalid", "referral");
}

static int service_insert(struct ctx *c, const struct plan_access *a, const char *id, const struct service_in *in,
			  const char *type, struct problem *pb)
{
	unsigned char *note = NULL;
	size_t note_len = 0;
	struct store_stmt *st = NULL;
	int rc = ERR_FAIL;
	if (plan_seal_text(c, &a->h, "plan_services", "note", id, in->note, &note, &note_len) < 0 ||
	    store_prepare(c->db, &st, "INSERT INTO plan_services (id, case_id, item_id, support_type, service_date, "
				      "org_id, referral_id, note, logged_by, logged_at) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") < 0)
		goto out;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, a->h.id);
	store_bind_text(st, 3, in->item);
	store_bind_text(st, 4, type);
	store_bind_text(st, 5, in->date);
	store_bind_text(st, 6, c->actor.org_id);
	store_bind_text(st, 7, in->referral);
	if (note)
		store_bind_blob(st, 8, note, note_len);
	else
		store_bind_null(st, 8);
	store_bind_text(st, 9, c->actor.user_id);
	store_bind_int64(st, 10, clock_now());
	rc = store_step(st);
	rc = rc < 0 ? rc : 0;
out:
	store_finalize(st);
	free(note);
	return rc < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
}

/* One service by id, as JSON. */
static int service_read(struct ctx *c, const struct plan_access *a, const char *id, json_t **out)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT %s %s WHERE s.id = ? AND s.case_id = ?", service_cols, service_from);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, a->h.id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		rc = service_json(c, &a->h, st, out);
	else if (rc == STORE_DONE)
		rc = ERR_NOT_FOUND;
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int plan_service_log(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	if (!c->actor.user_id[0] || !c->actor.org_id[0])
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	struct service_in in;
	int rc = service_parse(body, &in, pb);
	if (rc < 0)
		return rc;
	struct plan_access a;
	rc = plan_access_get(c, ref, true, &a);
	if (rc < 0)
		return problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	char type[64] = "";
	if (in.item)
		rc = item_check(c, &a, in.item, type, sizeof(type), pb);
	if (rc == 0 && in.support_type)
		snprintf(type, sizeof(type), "%s", in.support_type);
	if (rc == 0 && in.referral)
		rc = referral_check(c, &a, in.referral, pb);
	char id[ID_HEX_LEN + 1];
	random_id(id);
	if (rc == 0)
		rc = service_insert(c, &a, id, &in, type, pb);
	if (rc == 0 && (stats_touch(c->db, a.h.id) < 0 || ctx_audit(c, "service.log", "case", a.h.id, "ok") < 0 ||
			store_commit(c->db) < 0))
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	if (rc < 0) {
		store_rollback(c->db);
		return rc;
	}
	if (service_read(c, &a, id, out) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);   /* committed, but not read back */
	return 0;
}
