/*
 * referral.c: reading a referral as the caller's side sees it, and lists
 * (referral.h). The receiver's view of the person is here; sending (with
 * the consent rule) is in send.c, moves in transition.c.
 */
#include "referral_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/buf.h"
#include "../../core/clock.h"
#include "../directory/directory.h"

#define ROW_COLS "r.id, r.case_id, r.case_ref, r.from_org, r.to_org, fo.name_en, fo.name_ar, o.name_en, o.name_ar," \
		 " r.created_by, r.urgency, r.services, r.profile, r.fields, r.consent, r.override_by, r.state," \
		 " r.planned_start, r.decline_reason, r.outcome, r.created_at, r.ack_due, r.answer_due, r.next_due," \
		 " r.updated_at, r.version"
#define ROW_FROM " FROM referrals r JOIN orgs fo ON fo.id = r.from_org" \
		 " JOIN orgs o ON o.id = r.to_org"

void referral_copy(char *dst, size_t size, const char *src)
{
	/* snprintf's "%s" without the formatting machinery: a list page copies ~1,300 columns. */
	size_t n = src ? strnlen(src, size - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void row_read(struct store_stmt *st, struct referral_row *r)
{
	memset(r, 0, sizeof(*r));
	referral_copy(r->id, sizeof(r->id), store_column_text(st, 0));
	referral_copy(r->case_id, sizeof(r->case_id), store_column_text(st, 1));
	referral_copy(r->case_ref, sizeof(r->case_ref), store_column_text(st, 2));
	referral_copy(r->from_org, sizeof(r->from_org), store_column_text(st, 3));
	referral_copy(r->to_org, sizeof(r->to_org), store_column_text(st, 4));
	referral_copy(r->from_name_en, sizeof(r->from_name_en), store_column_text(st, 5));
	referral_copy(r->from_name_ar, sizeof(r->from_name_ar), store_column_text(st, 6));
	referral_copy(r->to_name_en, sizeof(r->to_name_en), store_column_text(st, 7));
	referral_copy(r->to_name_ar, sizeof(r->to_name_ar), store_column_text(st, 8));
	referral_copy(r->created_by, sizeof(r->created_by), store_column_text(st, 9));
	referral_copy(r->urgency, sizeof(r->urgency), store_column_text(st, 10));
	referral_copy(r->services, sizeof(r->services), store_column_text(st, 11));
	referral_copy(r->profile, sizeof(r->profile), store_column_text(st, 12));
	referral_copy(r->fields, sizeof(r->fields), store_column_text(st, 13));
	referral_copy(r->consent, sizeof(r->consent), store_column_text(st, 14));
	referral_copy(r->override_by, sizeof(r->override_by), store_column_text(st, 15));
	if (referral_state_parse(store_column_text(st, 16), &r->state) < 0)
		r->state = RS_WITHDRAWN;   /* unknown: treated as final, shares nothing */
	referral_copy(r->planned_start, sizeof(r->planned_start), store_column_text(st, 17));
	referral_copy(r->decline_reason, sizeof(r->decline_reason), store_column_text(st, 18));
	referral_copy(r->outcome, sizeof(r->outcome), store_column_text(st, 19));
	r->created_at = store_column_int64(st, 20);
	r->ack_due = store_column_int64(st, 21);
	r->answer_due = store_column_int64(st, 22);
	r->has_next_due = !store_column_is_null(st, 23);
	r->next_due = store_column_int64(st, 23);
	r->updated_at = store_column_int64(st, 24);
	r->version = store_column_int64(st, 25);
}

int referral_row_load(struct ctx *c, const char *id, struct referral_row *r)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT " ROW_COLS ROW_FROM " WHERE r.id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		row_read(st, r);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : ERR_NOT_FOUND;
}

enum referral_side referral_side_of(const struct ctx *c, const struct referral_row *r, bool *visible)
{
	enum scope sc = ctx_scope(c, PERM_REFERRAL_READ);
	bool mine = !strcmp(c->actor.user_id, r->created_by);
	bool from = !strcmp(c->actor.org_id, r->from_org), to = !strcmp(c->actor.org_id, r->to_org);
	*visible = sc == SCOPE_ALL || (sc == SCOPE_OWN_ORG && (from || to)) || (sc == SCOPE_OWN && mine);
	if (!*visible)
		return SIDE_NONE;
	if (to && !(sc == SCOPE_OWN))
		return SIDE_RECEIVER;
	if (from || mine)
		return SIDE_SENDER;
	return SIDE_NONE;
}

int referral_sharing(struct ctx *c, const struct referral_row *r, bool *shared)
{
	*shared = false;
	if (!referral_state_open(r->state))
		return 0;
	enum case_consent cs;
	int rc = case_consent_state(c, r->case_id, "domestic_referral", &cs);
	if (rc < 0)
		return rc;
	*shared = cs == CASE_CONSENT_GIVEN || (cs == CASE_CONSENT_NONE && !strcmp(r->consent, "override"));
	return 0;
}

int referral_check_text(const char *text, size_t max_chars, const char *field, struct problem *pb)
{
	size_t chars = 0;
	bool blank = true;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f)
			return problem_set(pb, ERR_INVALID, "invalid", field);
		if ((*p & 0xc0) != 0x80)
			chars++;
		if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
			blank = false;
	}
	if (blank)
		return problem_set(pb, ERR_INVALID, "missing_field", field);
	if (chars > max_chars)
		return problem_set(pb, ERR_INVALID, "too_long", field);
	return 0;
}

int referral_org_exists(struct ctx *c, const char *id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT 1 FROM orgs WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : rc == STORE_ROW;
}

int referral_seal(struct ctx *c, const char *case_id, const char *table, const char *column, const char *row,
		  const char *text, unsigned char **out, size_t *len)
{
	struct case_handle h;
	int rc = case_lookup_unchecked(c, case_id, &h);
	if (rc < 0)
		return rc;
	return case_seal(c, &h, table, column, row, text, strlen(text), out, len);
}

int referral_unseal(struct ctx *c, const char *case_id, const char *table, const char *column, const char *row,
		    const unsigned char *sealed, size_t len, char **text)
{
	*text = NULL;
	if (!sealed)
		return 0;
	struct case_handle h;
	int rc = case_lookup_unchecked(c, case_id, &h);
	if (rc < 0)
		return rc;
	unsigned char *plain;
	size_t plain_len;
	rc = case_unseal(c, &h, table, column, row, sealed, len, &plain, &plain_len);
	if (rc < 0)
		return rc;
	*text = (char *)plain;
	return 0;
}

static json_t *text_json_wipe(char *text)
{
	if (!text)
		return json_null();
	json_t *v = json_string(text);
	sodium_memzero(text, strlen(text));
	free(text);
	return v ? v : json_null();
}

/* "a b c" -> ["a","b","c"] */
static json_t *words(const char *s)
{
	json_t *arr = json_array();
	while (*s) {
		size_t n = strcspn(s, " ");
		if (n > 0)
			json_array_append_new(arr, json_stringn(s, n));
		s += n;
		while (*s == ' ')
			s++;
	}
	return arr;
}

static json_t *org_json(const char *id, const char *en, const char *ar)
{
	return json_pack("{s:s, s:s, s:s}", "id", id, "name_en", en, "name_ar", ar);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* A user's display name, or "" (the command line, a removed user). */
static void user_name(struct ctx *c, const char *id, char *out, size_t size)
{
	struct store_stmt *st;
	out[0] = '\0';
	if (!id || !*id || store_prepare(c->db, &st, "SELECT display_name FROM users WHERE id = ?") < 0)
		return;
	store_bind_text(st, 1, id);
	if (store_step(st) == STORE_ROW)
		referral_copy(out, size, store_column_text(st, 0));
	store_finalize(st);
}

static const char *side_name(enum referral_side s)
{
	return s == SIDE_SENDER ? "sender" : s == SIDE_RECEIVER ? "receiver" : "overview";
}

/*
 * The items of one list share the JSON of equal organisations, service lists
 * and field lists (jansson counts references; nothing changes them after):
 * a page of 50 referrals made about 2,500 allocations, most of them copies
 * of a few profiles' field lists. Up to MEMO_MAX values per kind.
 */
#define MEMO_MAX 16

struct memo_kind {
	int n;
	char *key[MEMO_MAX];
	json_t *val[MEMO_MAX];
};

struct list_memo {
	struct memo_kind orgs, services, fields, overrides;   /* overrides: by user, with the name (a query) */
};

/* A new reference to the value kept for key, or NULL. */
static json_t *memo_find(const struct memo_kind *m, const char *key)
{
	for (int i = 0; m && i < m->n; i++)
		if (!strcmp(m->key[i], key))
			return json_incref(m->val[i]);
	return NULL;
}

/* v, also kept for key while there is room. */
static json_t *memo_keep(struct memo_kind *m, const char *key, json_t *v)
{
	if (m && v && m->n < MEMO_MAX && (m->key[m->n] = xstrdup(key)))
		m->val[m->n++] = json_incref(v);
	return v;
}

static void memo_release(struct list_memo *lm)
{
	struct memo_kind *kinds[] = { &lm->orgs, &lm->services, &lm->fields, &lm->overrides };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (int i = 0; i < kinds[k]->n; i++) {
			free(kinds[k]->key[i]);
			json_decref(kinds[k]->val[i]);
		}
}

/* m: the kind's memo, or NULL (nothing shared). */
static json_t *shared_org(struct memo_kind *m, const char *id, const char *en, const char *ar)
{
	json_t *v = memo_find(m, id);
	return v ? v : memo_keep(m, id, org_json(id, en, ar));
}

static json_t *shared_words(struct memo_kind *m, const char *s)
{
	json_t *v = memo_find(m, s);
	return v ? v : memo_keep(m, s, words(s));
}

/* lm: the list's memo, or NULL for a single referral. */
static json_t *summary_json(const struct referral_row *r, enum referral_side side, int64_t now,
			    struct list_memo *lm)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "case_ref", json_string(r->case_ref));
	json_object_set_new(o, "side", json_string(side_name(side)));
	struct memo_kind *orgs = lm ? &lm->orgs : NULL;
	json_object_set_new(o, "from_org", shared_org(orgs, r->from_org, r->from_name_en, r->from_name_ar));
	json_object_set_new(o, "to_org", shared_org(orgs, r->to_org, r->to_name_en, r->to_name_ar));
	json_object_set_new(o, "services", shared_words(lm ? &lm->services : NULL, r->services));
	json_object_set_new(o, "urgency", json_string(r->urgency));
	json_object_set_new(o, "profile", json_string(r->profile));
	json_object_set_new(o, "fields", shared_words(lm ? &lm->fields : NULL, r->fields));
	json_object_set_new(o, "consent", json_string(r->consent));
	json_object_set_new(o, "state", json_string(referral_state_name(r->state)));
	json_object_set_new(o, "created_by", json_string(r->created_by));
	json_object_set_new(o, "created_at", json_integer(r->created_at));
	json_object_set_new(o, "ack_due", json_integer(r->ack_due));
	json_object_set_new(o, "answer_due", json_integer(r->answer_due));
	json_object_set_new(o, "next_due", r->has_next_due ? json_integer(r->next_due) : json_null());
	json_object_set_new(o, "overdue", json_boolean(r->has_next_due && r->next_due < now));
	json_object_set_new(o, "planned_start", str_or_null(r->planned_start));
	json_object_set_new(o, "decline_reason", str_or_null(r->decline_reason));
	json_object_set_new(o, "outcome", str_or_null(r->outcome));
	json_object_set_new(o, "updated_at", json_integer(r->updated_at));
	json_object_set_new(o, "version", json_integer(r->version));
	return o;
}

static int transitions_json(struct ctx *c, const struct referral_row *r, bool notes, json_t **out)
{
	struct store_stmt *st;
	*out = json_array();
	if (store_prepare(c->db, &st, "SELECT t.seq, t.from_state, t.to_state, t.by_user, t.by_org, t.at, t.note,"
				      " u.display_name FROM referral_transitions t LEFT JOIN users u ON u.id = t.by_user"
				      " WHERE t.referral_id = ? ORDER BY t.seq") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, r->id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t seq = store_column_int64(st, 0);
		json_t *note = json_null();
		size_t len = 0;
		const unsigned char *sealed = store_column_blob(st, 6, &len);
		if (notes && sealed) {
			char row[ID_HEX_LEN + 24], *text;
			snprintf(row, sizeof(row), "%s:%lld", r->id, (long long)seq);
			if ((rc = referral_unseal(c, r->case_id, "referral_transitions", "note", row, sealed, len, &text)) < 0)
				break;
			note = text_json_wipe(text);
		}
		const char *name = store_column_text(st, 7);
		json_array_append_new(*out, json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:I, s:o}", "seq", (json_int_t)seq,
						      "from", str_or_null(store_column_text(st, 1)), "to",
						      store_column_text(st, 2), "by", store_column_text(st, 3),
						      "by_name", name ? name : "", "by_org", store_column_text(st, 4),
						      "at", (json_int_t)store_column_int64(st, 5), "note", note));
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The sealed reason and override reason of a referral. */
static int reasons_read(struct ctx *c, const struct referral_row *r, bool override, json_t **reason,
			json_t **override_reason)
{
	struct store_stmt *st;
	*reason = json_null();
	*override_reason = json_null();
	if (store_prepare(c->db, &st, "SELECT reason, override_reason FROM referrals WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, r->id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		size_t len = 0;
		const unsigned char *sealed = store_column_blob(st, 0, &len);
		char *text;
		rc = referral_unseal(c, r->case_id, "referrals", "reason", r->id, sealed, len, &text);
		if (rc == 0) {
			*reason = text_json_wipe(text);
			sealed = store_column_blob(st, 1, &len);
			if (override && sealed) {
				rc = referral_unseal(c, r->case_id, "referrals", "override_reason", r->id, sealed, len,
						     &text);
				if (rc == 0)
					*override_reason = text_json_wipe(text);
			}
		}
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int referral_json(struct ctx *c, const struct referral_row *r, bool full, json_t **out, bool *viewed)
{
	bool visible;
	enum referral_side side = referral_side_of(c, r, &visible);
	*out = NULL;
	*viewed = false;
	if (!visible)
		return ERR_NOT_FOUND;
	json_t *o = summary_json(r, side, clock_now(), NULL);
	bool shared = false;
	int rc = referral_sharing(c, r, &shared);
	if (rc < 0)
		goto fail;
	json_object_set_new(o, "shared", json_boolean(shared));
	char name[256];
	user_name(c, r->created_by, name, sizeof(name));
	json_object_set_new(o, "created_by_name", json_string(name));
	json_t *override = json_null();
	if (!strcmp(r->consent, "override")) {
		user_name(c, r->override_by, name, sizeof(name));
		override = json_pack("{s:s, s:s}", "by", r->override_by, "by_name", name);
	}
	if (!full) {
		json_object_set_new(o, "override", override);
		*out = o;
		return 0;
	}
	/* The reason and the notes: the sender always, the receiver while shared, the coordinator never. */
	bool texts = side == SIDE_SENDER || (side == SIDE_RECEIVER && shared);
	json_t *reason = json_null(), *override_reason = json_null(), *trans = NULL;
	if (texts && (rc = reasons_read(c, r, side == SIDE_SENDER, &reason, &override_reason)) < 0) {
		json_decref(override);
		goto fail;
	}
	if (json_is_object(override) && side == SIDE_SENDER)
		json_object_set_new(override, "reason", override_reason);
	else
		json_decref(override_reason);
	json_object_set_new(o, "override", override);
	json_object_set_new(o, "reason", reason);
	if ((rc = transitions_json(c, r, texts, &trans)) < 0) {
		json_decref(trans);
		goto fail;
	}
	json_object_set_new(o, "transitions", trans);
	if (side == SIDE_RECEIVER && shared) {
		const char *paths[REFERRAL_FIELDS_MAX];
		char buf[sizeof(r->fields)];
		int n = 0;
		referral_copy(buf, sizeof(buf), r->fields);
		for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && n < REFERRAL_FIELDS_MAX;
		     t = strtok_r(NULL, " ", &save))
			paths[n++] = t;
		json_t *person;
		if ((rc = case_view_fields(c, r->case_id, paths, n, &person)) < 0)
			goto fail;
		json_object_set_new(o, "person", person);
		*viewed = true;
	}
	*out = o;
	return 0;
fail:
	json_decref(o);
	return rc;
}

int referral_get(struct ctx *c, const char *id, json_t **out)
{
	struct referral_row r;
	bool viewed = false;
	*out = NULL;
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	int rc = referral_row_load(c, id, &r);
	if (rc == 0)
		rc = referral_json(c, &r, true, out, &viewed);
	store_rollback(c->db);
	if (rc < 0)
		return rc;
	/* A receiver's view of the person is a read of the case's data, and audited as such. */
	if ((rc = ctx_audit_tx(c, viewed ? "referral.view" : "referral.read", "referral", r.id, "ok")) < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- lists ---- */

#define CURSOR_MAX 64

int referral_list(struct ctx *c, const struct referral_filter *f, int limit, json_t **items, char **next_cursor,
		  struct problem *pb)
{
	*items = json_array();
	*next_cursor = NULL;
	enum scope sc = ctx_scope(c, PERM_REFERRAL_READ);
	if (sc == SCOPE_NONE)
		return 0;
	enum referral_state state;
	if (f->state && referral_state_parse(f->state, &state) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "state");
	if (f->role && strcmp(f->role, "sent") && strcmp(f->role, "received"))
		return problem_set(pb, ERR_INVALID, "invalid", "role");
	if (f->service && !directory_service_find(f->service))
		return problem_set(pb, ERR_INVALID, "invalid", "service");
	long long cur_at = 0;
	char cur_id[ID_HEX_LEN + 1] = "";
	if (f->cursor && *f->cursor) {
		char *end;
		cur_at = strtoll(f->cursor, &end, 10);
		if (end == f->cursor || *end != ':' || strlen(end + 1) != ID_HEX_LEN ||
		    strspn(end + 1, "0123456789abcdef") != ID_HEX_LEN)
			return problem_set(pb, ERR_INVALID, "invalid", "cursor");
		referral_copy(cur_id, sizeof(cur_id), end + 1);
	}
	struct buf sql;
	buf_init(&sql, 4096);
	buf_puts(&sql, "SELECT " ROW_COLS ROW_FROM " WHERE ");
	const char *binds[12];
	int nb = 0;
	if (sc == SCOPE_OWN_ORG && !f->role) {   /* with a role, its clause on the caller's organisation is narrower */
		buf_puts(&sql, "(r.from_org = ? OR r.to_org = ?)");
		binds[nb++] = c->actor.org_id;
		binds[nb++] = c->actor.org_id;
	} else if (sc == SCOPE_OWN) {
		buf_puts(&sql, "r.created_by = ?");
		binds[nb++] = c->actor.user_id;
	} else {
		buf_puts(&sql, "1 = 1");
	}
	if (f->role) {
		buf_puts(&sql, !strcmp(f->role, "sent") ? " AND r.from_org = ?" : " AND r.to_org = ?");
		binds[nb++] = c->actor.org_id;
	}
	if (f->state) {
		buf_puts(&sql, " AND r.state = ?");
		binds[nb++] = referral_state_name(state);
	}
	if (f->case_ref) {
		buf_puts(&sql, " AND r.case_id IN (SELECT id FROM cases WHERE ref = ?)");
		binds[nb++] = f->case_ref;
	}
	if (f->org) {
		buf_puts(&sql, " AND (r.from_org = ? OR r.to_org = ?)");
		binds[nb++] = f->org;
		binds[nb++] = f->org;
	}
	if (f->service) {
		buf_puts(&sql, " AND EXISTS (SELECT 1 FROM referral_services s WHERE s.referral_id = r.id AND s.service = ?)");
		binds[nb++] = f->service;
	}
	/*
	 * One side's overdue referrals: walk its open ones newest first
	 * (referrals_open_to / _from) and stop at the page's end, instead of
	 * fetching all its overdue ones by deadline and sorting them. On SQLite
	 * the unary + keeps the planner (no statistics) off the next_due range;
	 * PostgreSQL needs no such hint, and with it would fetch every row to
	 * test next_due instead of reading it from the index (4th column).
	 */
	if (f->overdue)
		buf_puts(&sql, f->role && store_backend(c->db) == STORE_SQLITE ? " AND +r.next_due < ?"
									     : " AND r.next_due < ?");
	if (cur_id[0])
		buf_puts(&sql, " AND (r.created_at < ? OR (r.created_at = ? AND r.id < ?))");
	/* The LIMIT is written, not bound, so PostgreSQL keeps one plan for it (worklist.c says why). */
	buf_printf(&sql, " ORDER BY r.created_at DESC, r.id DESC LIMIT %d", limit + 1);
	struct store_stmt *st;
	int rc = buf_error(&sql) ? ERR_NOMEM : store_prepare(c->db, &st, sql.data);
	buf_release(&sql);
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int k = 1;
	for (int i = 0; i < nb; i++)
		store_bind_text(st, k++, binds[i]);
	int64_t now = clock_now();
	if (f->overdue)
		store_bind_int64(st, k++, now);
	if (cur_id[0]) {
		store_bind_int64(st, k++, cur_at);
		store_bind_int64(st, k++, cur_at);
		store_bind_text(st, k++, cur_id);
	}
	int got = 0;
	struct referral_row r;
	struct list_memo lm;
	memset(&lm, 0, sizeof(lm));
	char last[CURSOR_MAX] = "";
	while ((rc = store_step(st)) == STORE_ROW) {
		if (got == limit) {
			*next_cursor = xstrdup(last);
			if (!*next_cursor)
				rc = ERR_NOMEM;
			break;
		}
		row_read(st, &r);
		bool visible;
		enum referral_side side = referral_side_of(c, &r, &visible);
		json_t *item = summary_json(&r, side, now, &lm);
		json_t *override = json_null();
		if (!strcmp(r.consent, "override") && !(override = memo_find(&lm.overrides, r.override_by))) {
			char name[256];
			user_name(c, r.override_by, name, sizeof(name));
			override = memo_keep(&lm.overrides, r.override_by,
					     json_pack("{s:s, s:s}", "by", r.override_by, "by_name", name));
		}
		json_object_set_new(item, "override", override);
		json_array_append_new(*items, item);
		snprintf(last, sizeof(last), "%lld:%s", (long long)r.created_at, r.id);
		got++;
	}
	store_finalize(st);
	memo_release(&lm);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "referral.list", "referral", NULL, "ok");
	if (rc < 0) {
		free(*next_cursor);
		*next_cursor = NULL;
		return problem_set(pb, rc, "internal", NULL);
	}
	return 0;
}
