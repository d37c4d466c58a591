/*
 * plan_write.c: changing a plan (plan.h): the whole plan at once, one item
 * added, one item changed. Each change is one transaction: the plan's
 * version is checked and raised first (plan_bump), which serialises two
 * writers of the same plan on both backends (the second one's conditional
 * update finds the version moved), then the items are written, then the
 * audit row. Values are checked before the transaction; what needs the
 * database (organisations, item ids) inside it.
 */
#include "plan_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../directory/directory.h"

/* One item as the client sent it; strings borrowed from the body. */
struct item_in {
	const char *id;               /* NULL: a new item */
	const char *support_type;
	const char *goal;
	const char *action;           /* NULL: none */
	const char *responsible_org;
	const char *due_date;         /* NULL: none */
	const char *status;
};

/* One stored item, its texts opened (owned, wiped by items_release). */
struct item_cur {
	char id[ID_HEX_LEN + 1];
	char support_type[64];
	char *goal;
	char *action;                 /* NULL: none */
	char responsible_org[ID_HEX_LEN + 1];
	char due_date[PLAN_DATE_LEN + 1];     /* "" when none */
	char status[16];
	char completed_on[PLAN_DATE_LEN + 1]; /* "" when none */
	bool listed;                  /* named by the PUT */
};

static void field_name(char *out, size_t size, const char *prefix, const char *key)
{
	snprintf(out, size, "%s%s%s", prefix, *prefix && *key ? "." : "", key);
}

static int bad(struct problem *pb, const char *code, const char *prefix, const char *key)
{
	char field[64];
	field_name(field, sizeof(field), prefix, key);
	return problem_set(pb, ERR_INVALID, code, field);
}

/* A string value or absent (NULL; JSON null counts as absent). ERR_INVALID when another type. */
static int opt_string(const json_t *obj, const char *key, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ERR_INVALID;
	*out = json_string_value(v);
	return 0;
}

/*
 * Check one item of a PUT (allow_id) or a POST against the rules that need
 * no database. prefix names it in problems ("items[3]", or "" for a POST).
 */
static int item_parse(const json_t *obj, bool allow_id, const char *prefix, struct item_in *in,
		      struct problem *pb)
{
	static const char *const keys[] = { "id", "support_type", "goal", "action", "responsible_org",
					    "due_date", "status", NULL };
	memset(in, 0, sizeof(*in));
	if (!json_is_object(obj))
		return problem_set(pb, ERR_INVALID, "wrong_type", prefix);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		size_t k = allow_id ? 0 : 1;
		while (keys[k] && strcmp(keys[k], key))
			k++;
		if (!keys[k])
			return bad(pb, "unknown_field", prefix, key);
	}
	const char **slots[] = { &in->id, &in->support_type, &in->goal, &in->action, &in->responsible_org,
				 &in->due_date, &in->status };
	for (size_t k = 0; keys[k]; k++)
		if (opt_string(obj, keys[k], slots[k]) < 0)
			return bad(pb, "wrong_type", prefix, keys[k]);
	if (!in->support_type)
		return bad(pb, "missing_field", prefix, "support_type");
	if (!directory_service_find(in->support_type))
		return bad(pb, "invalid", prefix, "support_type");
	if (!in->goal)
		return bad(pb, "missing_field", prefix, "goal");
	const char *code = plan_text_problem(in->goal, PLAN_TEXT_MAX_CHARS);
	if (code)
		return bad(pb, code, prefix, "goal");
	if (in->action && strspn(in->action, " \t\r\n") == strlen(in->action))
		in->action = NULL;   /* blank is none */
	if (in->action && (code = plan_text_problem(in->action, PLAN_TEXT_MAX_CHARS)))
		return bad(pb, code, prefix, "action");
	if (!in->responsible_org)
		return bad(pb, "missing_field", prefix, "responsible_org");
	if (strlen(in->responsible_org) != ID_HEX_LEN)
		return bad(pb, "invalid", prefix, "responsible_org");
	if (in->due_date && !plan_date_ok(in->due_date))
		return bad(pb, "invalid", prefix, "due_date");
	if (!in->status)
		in->status = "planned";
	else if (!plan_status_ok(in->status))
		return bad(pb, "invalid", prefix, "status");
	if (in->id && strlen(in->id) != ID_HEX_LEN)
		return bad(pb, "invalid", prefix, "id");
	return 0;
}

/* 0 when the organisation exists, else a 400 on prefix.responsible_org. */
static int org_check(struct ctx *c, const char *org_id, const char *prefix, struct problem *pb)
{
	int rc = plan_org_exists(c, org_id);
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	return rc ? 0 : bad(pb, "invalid", prefix, "responsible_org");
}

/* When an item's status becomes status: the day it was done, kept while it stays done. */
static const char *completed_on(const char *status, const char *old_status, const char *old_completed,
				char today[PLAN_DATE_LEN + 1])
{
	if (strcmp(status, "done"))
		return NULL;
	if (old_status && !strcmp(old_status, "done") && old_completed && *old_completed)
		return old_completed;
	plan_today(today);
	return today;
}

static void items_release(struct item_cur *cur, size_t n)
{
	for (size_t i = 0; cur && i < n; i++) {
		if (cur[i].goal) {
			sodium_memzero(cur[i].goal, strlen(cur[i].goal));
			free(cur[i].goal);
		}
		if (cur[i].action) {
			sodium_memzero(cur[i].action, strlen(cur[i].action));
			free(cur[i].action);
		}
	}
	free(cur);
}

static int open_text(struct ctx *c, const struct case_handle *h, const char *column, const char *id,
		     struct store_stmt *st, int col, char **out)
{
	size_t len = 0, plain_len = 0;
	const unsigned char *sealed = store_column_blob(st, col, &len);
	*out = NULL;
	if (!sealed)
		return 0;
	unsigned char *plain;
	if (case_unseal(c, h, "plan_items", column, id, sealed, len, &plain, &plain_len) < 0) {
		log_error("plan text does not open", "row=%s", id);
		return ERR_CRYPTO;
	}
	*out = (char *)plain;
	return 0;
}

/* The case's stored items, texts opened: *cur (items_release) of *n. */
static int items_load(struct ctx *c, const struct case_handle *h, struct item_cur **cur, size_t *n)
{
	*cur = calloc(PLAN_ITEMS_MAX, sizeof(**cur));
	*n = 0;
	if (!*cur)
		return ERR_NOMEM;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT id, support_type, goal, action, responsible_org, due_date, status, "
				      "completed_on FROM plan_items WHERE case_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, h->id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		if (*n == PLAN_ITEMS_MAX) {
			rc = ERR_FAIL;   /* the cap is enforced on every write */
			break;
		}
		struct item_cur *it = &(*cur)[(*n)++];
		plan_copy(it->id, sizeof(it->id), store_column_text(st, 0));
		plan_copy(it->support_type, sizeof(it->support_type), store_column_text(st, 1));
		plan_copy(it->responsible_org, sizeof(it->responsible_org), store_column_text(st, 4));
		plan_copy(it->due_date, sizeof(it->due_date), store_column_text(st, 5));
		plan_copy(it->status, sizeof(it->status), store_column_text(st, 6));
		plan_copy(it->completed_on, sizeof(it->completed_on), store_column_text(st, 7));
		if ((rc = open_text(c, h, "goal", it->id, st, 2, &it->goal)) < 0 ||
		    (rc = open_text(c, h, "action", it->id, st, 3, &it->action)) < 0)
			break;
		if (!it->goal) {
			rc = ERR_CRYPTO;
			break;
		}
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool item_changed(const struct item_cur *cur, const struct item_in *in)
{
	return strcmp(cur->support_type, in->support_type) || !same_text(cur->goal, in->goal) ||
	       !same_text(cur->action, in->action) || strcmp(cur->responsible_org, in->responsible_org) ||
	       !same_text(*cur->due_date ? cur->due_date : NULL, in->due_date) || strcmp(cur->status, in->status);
}

/* Bind values 1..7 shared by the insert and the update: support type .. completed_on. */
static void bind_values(struct store_stmt *st, int first, const struct item_in *in, const unsigned char *goal,
			size_t goal_len, const unsigned char *action, size_t action_len, const char *done_on)
{
	store_bind_text(st, first, in->support_type);
	store_bind_blob(st, first + 1, goal, goal_len);
	if (action)
		store_bind_blob(st, first + 2, action, action_len);
	else
		store_bind_null(st, first + 2);
	store_bind_text(st, first + 3, in->responsible_org);
	store_bind_text(st, first + 4, in->due_date);
	store_bind_text(st, first + 5, in->status);
	store_bind_text(st, first + 6, done_on);
}

/*
 * Write one item of a PUT or a POST: insert a new one (cur NULL) or update
 * a listed one (its version raised only when a value changed).
 */
static int item_write(struct ctx *c, const struct case_handle *h, const struct item_in *in,
		      const struct item_cur *cur, int64_t position)
{
	struct store_stmt *st;
	if (cur && !item_changed(cur, in)) {
		if (store_prepare(c->db, &st, "UPDATE plan_items SET position = ? WHERE id = ?") < 0)
			return ERR_FAIL;
		store_bind_int64(st, 1, position);
		store_bind_text(st, 2, cur->id);
		int rc = store_step(st);
		store_finalize(st);
		return rc < 0 ? rc : 0;
	}
	char id[ID_HEX_LEN + 1], today[PLAN_DATE_LEN + 1];
	if (cur)
		plan_copy(id, sizeof(id), cur->id);
	else
		random_id(id);
	unsigned char *goal = NULL, *action = NULL;
	size_t goal_len = 0, action_len = 0;
	int rc = ERR_FAIL;
	if (plan_seal_text(c, h, "plan_items", "goal", id, in->goal, &goal, &goal_len) < 0 ||
	    plan_seal_text(c, h, "plan_items", "action", id, in->action, &action, &action_len) < 0)
		goto out;
	const char *done_on = completed_on(in->status, cur ? cur->status : NULL, cur ? cur->completed_on : NULL,
					   today);
	int64_t now = clock_now();
	if (cur) {
		if (store_prepare(c->db, &st, "UPDATE plan_items SET position = ?, support_type = ?, goal = ?, "
					      "action = ?, responsible_org = ?, due_date = ?, status = ?, "
					      "completed_on = ?, updated_by = ?, updated_at = ?, version = version + 1 "
					      "WHERE id = ?") < 0)
			goto out;
		store_bind_int64(st, 1, position);
		bind_values(st, 2, in, goal, goal_len, action, action_len, done_on);
		store_bind_text(st, 9, c->actor.user_id);
		store_bind_int64(st, 10, now);
		store_bind_text(st, 11, id);
	} else {
		if (store_prepare(c->db, &st, "INSERT INTO plan_items (id, case_id, position, support_type, goal, "
					      "action, responsible_org, due_date, status, completed_on, created_by, "
					      "created_at, updated_by, updated_at, version) "
					      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)") < 0)
			goto out;
		store_bind_text(st, 1, id);
		store_bind_text(st, 2, h->id);
		store_bind_int64(st, 3, position);
		bind_values(st, 4, in, goal, goal_len, action, action_len, done_on);
		store_bind_text(st, 11, c->actor.user_id);
		store_bind_int64(st, 12, now);
		store_bind_text(st, 13, c->actor.user_id);
		store_bind_int64(st, 14, now);
	}
	rc = store_step(st);
	store_finalize(st);
	rc = rc < 0 ? rc : 0;
out:
	free(goal);
	free(action);
	return rc;
}

/* How many services point at item id: *n. */
static int item_services(struct ctx *c, const char *id, int64_t *n)
{
	struct store_stmt *st;
	*n = 0;
	if (store_prepare(c->db, &st, "SELECT COUNT(*) FROM plan_services WHERE item_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		*n = store_column_int64(st, 0);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int item_delete(struct ctx *c, const char *id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "DELETE FROM plan_items WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Owner-side access for a change; a receiver is refused with 403. */
static int owner_access(struct ctx *c, const char *ref, struct plan_access *a, struct problem *pb)
{
	if (!c->actor.user_id[0])
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	int rc = plan_access_get(c, ref, true, a);
	if (rc < 0)
		return problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	if (a->view != PLAN_OWNER)
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	return 0;
}

/* After the commit: the plan as the caller sees it. */
static int read_back(struct ctx *c, const struct plan_access *a, json_t **out, struct problem *pb)
{
	if (plan_read(c, a, out) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);   /* committed, but not read back */
	return 0;
}

/* The PUT inside its transaction, after the version check. */
static int put_items(struct ctx *c, const struct case_handle *h, const struct item_in *ins, size_t n,
		     struct problem *pb)
{
	struct item_cur *cur = NULL;
	size_t n_cur = 0;
	int rc = items_load(c, h, &cur, &n_cur);
	if (rc < 0) {
		items_release(cur, n_cur);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	const struct item_cur **match = calloc(n ? n : 1, sizeof(*match));
	if (!match) {
		items_release(cur, n_cur);
		return problem_set(pb, ERR_NOMEM, "internal", NULL);
	}
	char prefix[32];
	for (size_t i = 0; i < n && rc == 0; i++) {
		snprintf(prefix, sizeof(prefix), "items[%zu]", i);
		if (ins[i].id) {
			size_t k = 0;
			while (k < n_cur && strcmp(cur[k].id, ins[i].id))
				k++;
			if (k == n_cur || cur[k].listed) {
				rc = bad(pb, "invalid", prefix, "id");
				break;
			}
			cur[k].listed = true;
			match[i] = &cur[k];
			if (!strcmp(cur[k].responsible_org, ins[i].responsible_org))
				continue;   /* unchanged: the organisation existed */
		}
		rc = org_check(c, ins[i].responsible_org, prefix, pb);
	}
	for (size_t k = 0; k < n_cur && rc == 0; k++) {
		if (cur[k].listed)
			continue;
		int64_t used = 0;
		if (item_services(c, cur[k].id, &used) < 0)
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		else if (used)
			rc = problem_set(pb, ERR_CONFLICT, "plan_item_in_use", "items");
		else if (item_delete(c, cur[k].id) < 0)
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (item_write(c, h, &ins[i], match[i], (int64_t)i) < 0)
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	free(match);
	items_release(cur, n_cur);
	return rc;
}

int plan_put(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	const json_t *v = json_object_get(body, "version");
	if (!json_is_integer(v))
		return problem_set(pb, ERR_INVALID, v ? "wrong_type" : "missing_field", "version");
	int64_t version = json_integer_value(v);
	if (version < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "version");
	const json_t *list = json_object_get(body, "items");
	if (!list || json_is_null(list))
		return problem_set(pb, ERR_INVALID, "missing_field", "items");
	if (!json_is_array(list))
		return problem_set(pb, ERR_INVALID, "wrong_type", "items");
	size_t n = json_array_size(list);
	if (n > PLAN_ITEMS_MAX)
		return problem_set(pb, ERR_INVALID, "too_long", "items");
	struct item_in *ins = calloc(n ? n : 1, sizeof(*ins));
	if (!ins)
		return problem_set(pb, ERR_NOMEM, "internal", NULL);
	int rc = 0;
	char prefix[32];
	for (size_t i = 0; i < n && rc == 0; i++) {
		snprintf(prefix, sizeof(prefix), "items[%zu]", i);
		rc = item_parse(json_array_get(list, i), true, prefix, &ins[i], pb);
	}
	struct plan_access a;
	if (rc == 0)
		rc = owner_access(c, ref, &a, pb);
	if (rc == 0 && store_begin(c->db) < 0)
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	if (rc == 0) {
		rc = plan_bump(c, a.h.id, version, pb);
		if (rc == 0)
			rc = put_items(c, &a.h, ins, n, pb);
		if (rc == 0 && (ctx_audit(c, "plan.update", "case", a.h.id, "ok") < 0 || store_commit(c->db) < 0))
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		if (rc < 0)
			store_rollback(c->db);
	}
	free(ins);
	return rc < 0 ? rc : read_back(c, &a, out, pb);
}

/* The number of items of the case and the next free position. */
static int items_count(struct ctx *c, const char *case_id, int64_t *n, int64_t *next_position)
{
	struct store_stmt *st;
	*n = 0;
	*next_position = 0;
	if (store_prepare(c->db, &st, "SELECT COUNT(*), MAX(position) FROM plan_items WHERE case_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		*n = store_column_int64(st, 0);
		if (!store_column_is_null(st, 1))
			*next_position = store_column_int64(st, 1) + 1;
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int plan_item_add(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	struct item_in in;
	struct plan_access a;
	int rc = item_parse(body, false, "", &in, pb);
	if (rc == 0)
		rc = owner_access(c, ref, &a, pb);
	if (rc < 0)
		return rc;
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int64_t n = 0, position = 0;
	if (items_count(c, a.h.id, &n, &position) < 0)
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	else if (n >= PLAN_ITEMS_MAX)
		rc = problem_set(pb, ERR_INVALID, "too_long", "items");
	if (rc == 0)
		rc = org_check(c, in.responsible_org, "", pb);
	if (rc == 0)
		rc = plan_bump(c, a.h.id, -1, pb);
	if (rc == 0 && item_write(c, &a.h, &in, NULL, position) < 0)
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	if (rc == 0 && (ctx_audit(c, "plan.item.add", "case", a.h.id, "ok") < 0 || store_commit(c->db) < 0))
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	if (rc < 0) {
		store_rollback(c->db);
		return rc;
	}
	return read_back(c, &a, out, pb);
}

/* A PATCH as sent: which keys, and their values (strings borrowed). */
struct item_patch {
	int64_t version;
	const char *support_type, *goal, *responsible_org, *status;
	bool action_set, due_set;      /* sent, possibly null (cleared) */
	const char *action, *due_date;
};

static int patch_parse(const json_t *body, bool receiver, struct item_patch *p, struct problem *pb)
{
	static const char *const keys[] = { "version", "support_type", "goal", "action", "responsible_org",
					    "due_date", "status", NULL };
	memset(p, 0, sizeof(*p));
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)body, key, v) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], key))
			k++;
		if (!keys[k])
			return problem_set(pb, ERR_INVALID, "unknown_field", key);
		if (k > 0 && !json_is_null(v) && !json_is_string(v))
			return problem_set(pb, ERR_INVALID, "wrong_type", key);
	}
	v = json_object_get(body, "version");
	if (!json_is_integer(v))
		return problem_set(pb, ERR_INVALID, v ? "wrong_type" : "missing_field", "version");
	p->version = json_integer_value(v);
	opt_string(body, "support_type", &p->support_type);
	opt_string(body, "goal", &p->goal);
	opt_string(body, "responsible_org", &p->responsible_org);
	opt_string(body, "status", &p->status);
	p->action_set = json_object_get(body, "action") != NULL;
	opt_string(body, "action", &p->action);
	p->due_set = json_object_get(body, "due_date") != NULL;
	opt_string(body, "due_date", &p->due_date);
	if (receiver) {
		/* A receiver sets the status of its own items, nothing else. */
		const char *only[] = { p->support_type ? "support_type" : NULL, p->goal ? "goal" : NULL,
				       p->action_set ? "action" : NULL, p->responsible_org ? "responsible_org" : NULL,
				       p->due_set ? "due_date" : NULL };
		for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
			if (only[i])
				return problem_set(pb, ERR_DENIED, "forbidden", only[i]);
	}
	const char *code;
	if (p->support_type && !directory_service_find(p->support_type))
		return problem_set(pb, ERR_INVALID, "invalid", "support_type");
	if (p->goal && (code = plan_text_problem(p->goal, PLAN_TEXT_MAX_CHARS)))
		return problem_set(pb, ERR_INVALID, code, "goal");
	if (p->action && strspn(p->action, " \t\r\n") == strlen(p->action))
		p->action = NULL;
	if (p->action && (code = plan_text_problem(p->action, PLAN_TEXT_MAX_CHARS)))
		return problem_set(pb, ERR_INVALID, code, "action");
	if (p->responsible_org && strlen(p->responsible_org) != ID_HEX_LEN)
		return problem_set(pb, ERR_INVALID, "invalid", "responsible_org");
	if (p->due_date && !plan_date_ok(p->due_date))
		return problem_set(pb, ERR_INVALID, "invalid", "due_date");
	if (p->status && !plan_status_ok(p->status))
		return problem_set(pb, ERR_INVALID, "invalid", "status");
	return 0;
}

/* The item as stored now, for a PATCH: what it may be compared and merged with. */
struct item_row {
	int64_t version;
	char status[16];
	char completed_on[PLAN_DATE_LEN + 1];
};

/* Inside the transaction: the item (the receiver: only its own), its version checked. */
static int patch_target(struct ctx *c, const struct plan_access *a, const char *item_id, int64_t version,
			struct item_row *row, struct problem *pb)
{
	struct store_stmt *st;
	const char *sql = a->view == PLAN_RECEIVER
				  ? "SELECT version, status, completed_on FROM plan_items WHERE id = ? AND case_id = ? "
				    "AND responsible_org = ?"
				  : "SELECT version, status, completed_on FROM plan_items WHERE id = ? AND case_id = ?";
	if (store_prepare(c->db, &st, sql) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	store_bind_text(st, 1, item_id);
	store_bind_text(st, 2, a->h.id);
	if (a->view == PLAN_RECEIVER)
		store_bind_text(st, 3, c->actor.org_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		row->version = store_column_int64(st, 0);
		plan_copy(row->status, sizeof(row->status), store_column_text(st, 1));
		plan_copy(row->completed_on, sizeof(row->completed_on), store_column_text(st, 2));
	}
	store_finalize(st);
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (rc != STORE_ROW)
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	if (row->version != version) {
		pb->current_version = row->version;
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	return 0;
}

/* The conditional update of a PATCH: unsent values stay as they are. */
static int patch_write(struct ctx *c, const struct plan_access *a, const char *item_id, const struct item_patch *p,
		       const struct item_row *row, struct problem *pb)
{
	unsigned char *goal = NULL, *action = NULL;
	size_t goal_len = 0, action_len = 0;
	char today[PLAN_DATE_LEN + 1];
	const char *status = p->status ? p->status : row->status;
	const char *done_on = completed_on(status, row->status, row->completed_on, today);
	int rc = ERR_FAIL;
	struct store_stmt *st = NULL;
	if (plan_seal_text(c, &a->h, "plan_items", "goal", item_id, p->goal, &goal, &goal_len) < 0 ||
	    plan_seal_text(c, &a->h, "plan_items", "action", item_id, p->action, &action, &action_len) < 0 ||
	    store_prepare(c->db, &st, "UPDATE plan_items SET support_type = COALESCE(?, support_type), "
				      "goal = COALESCE(?, goal), action = CASE WHEN ? = 1 THEN ? ELSE action END, "
				      "responsible_org = COALESCE(?, responsible_org), "
				      "due_date = CASE WHEN ? = 1 THEN ? ELSE due_date END, status = ?, completed_on = ?, "
				      "updated_by = ?, updated_at = ?, version = version + 1 "
				      "WHERE id = ? AND version = ?") < 0)
		goto out;
	store_bind_text(st, 1, p->support_type);
	if (goal)
		store_bind_blob(st, 2, goal, goal_len);
	else
		store_bind_null(st, 2);
	store_bind_int64(st, 3, p->action_set);
	if (action)
		store_bind_blob(st, 4, action, action_len);
	else
		store_bind_null(st, 4);
	store_bind_text(st, 5, p->responsible_org);
	store_bind_int64(st, 6, p->due_set);
	store_bind_text(st, 7, p->due_date);
	store_bind_text(st, 8, status);
	store_bind_text(st, 9, done_on);
	store_bind_text(st, 10, c->actor.user_id);
	store_bind_int64(st, 11, clock_now());
	store_bind_text(st, 12, item_id);
	store_bind_int64(st, 13, p->version);
	rc = store_step(st);
	if (rc == STORE_DONE && store_changes(st) != 1)
		rc = ERR_CONFLICT;
	else if (rc == STORE_DONE)
		rc = 0;
out:
	store_finalize(st);
	free(goal);
	free(action);
	if (rc == ERR_CONFLICT) {
		pb->current_version = row->version + 1;   /* changed at this very moment */
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	return rc < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
}

int plan_item_patch(struct ctx *c, const char *ref, const char *item_id, const json_t *body, json_t **out,
		    struct problem *pb)
{
	*out = NULL;
	if (!c->actor.user_id[0])
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	struct plan_access a;
	int rc = plan_access_get(c, ref, true, &a);
	if (rc < 0)
		return problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	struct item_patch p;
	if ((rc = patch_parse(body, a.view == PLAN_RECEIVER, &p, pb)) < 0)
		return rc;
	if (!item_id || strlen(item_id) != ID_HEX_LEN)
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct item_row row;
	rc = patch_target(c, &a, item_id, p.version, &row, pb);
	if (rc == 0 && p.responsible_org)
		rc = org_check(c, p.responsible_org, "", pb);
	if (rc == 0)
		rc = plan_bump(c, a.h.id, -1, pb);
	if (rc == 0)
		rc = patch_write(c, &a, item_id, &p, &row, pb);
	if (rc == 0 && (ctx_audit(c, "plan.item.update", "case", a.h.id, "ok") < 0 || store_commit(c->db) < 0))
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	if (rc < 0) {
		store_rollback(c->db);
		return rc;
	}
	return read_back(c, &a, out, pb);
}
