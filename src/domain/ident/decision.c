/*
 * decision.c: recording and reading identification decisions; see
 * decision.h. A decision row is written once, in the transaction that
 * case_set_values_begin() leaves open after setting the case's victim
 * values, so the case and its decision never disagree. The case's version
 * check in that transaction serialises two deciders: the second one's write
 * finds the version moved and fails, and the current decision is read again
 * inside the transaction before the transition is judged.
 */
#include "decision.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../../core/log.h"
#include "../case/case.h"
#include "../registry/registry.h"
#include "rules.h"

#define SCREENINGS_TEXT_MAX (IDENT_MAX_SCREENINGS * (ID_HEX_LEN + 1) + 1)

static const char decision_cols[] =
	"d.id, d.seq, d.status, d.org_id, o.name_en, o.name_ar, d.decided_by_type, d.decision_date, "
	"d.decision_day, d.reasons, d.screenings, d.recorded_by, u.display_name, d.recorded_at, d.supersedes";

struct current {
	char id[ID_HEX_LEN + 1];   /* "" when the case has no decision */
	enum ident_status status;
	int64_t seq;
	int64_t day;
};

static bool is_hex_id(const char *s)
{
	return s && strlen(s) == ID_HEX_LEN && strspn(s, "0123456789abcdef") == ID_HEX_LEN;
}

/* The case's current decision (the highest seq), or cur->id "" when none. */
static int current_read(struct ctx *c, const char *case_id, struct current *cur)
{
	memset(cur, 0, sizeof(*cur));
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT id, status, seq, decision_day FROM ident_decisions "
				      "WHERE case_id = ? ORDER BY seq DESC LIMIT 1") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	if (rc == STORE_ROW) {
		snprintf(cur->id, sizeof(cur->id), "%s", store_column_text(st, 0));
		if (ident_status_parse(store_column_text(st, 1), &cur->status) < 0)
			rc = ERR_FAIL;
		cur->seq = store_column_int64(st, 2);
		cur->day = store_column_int64(st, 3);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Reasons: line breaks and tabs allowed, no other control character. */
static int check_reasons(const char *text, struct problem *pb)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f)
			return problem_set(pb, ERR_INVALID, "invalid", "reasons");
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars > IDENT_REASONS_MAX_CHARS)
		return problem_set(pb, ERR_INVALID, "too_long", "reasons");
	return 0;
}

/*
 * The screenings relied on: distinct ids of screenings attached to this
 * case, joined by spaces into out. Anything else is 400 on "screenings".
 */
static int check_screenings(struct ctx *c, const struct case_handle *h, const json_t *list, char *out,
			    size_t size, struct problem *pb)
{
	out[0] = '\0';
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return problem_set(pb, ERR_INVALID, "wrong_type", "screenings");
	if (json_array_size(list) > IDENT_MAX_SCREENINGS)
		return problem_set(pb, ERR_INVALID, "too_long", "screenings");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT case_id FROM screenings WHERE id = ?") < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	size_t n = 0, i;
	json_t *v;
	int rc = 0;
	json_array_foreach(list, i, v) {
		const char *id = json_string_value(v);
		if (!is_hex_id(id) || strstr(out, id)) {
			rc = problem_set(pb, ERR_INVALID, "invalid", "screenings");
			break;
		}
		store_reset(st);
		store_bind_text(st, 1, id);
		int step = store_step(st);
		if (step < 0) {
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
			break;
		}
		const char *case_id = step == STORE_ROW ? store_column_text(st, 0) : NULL;
		if (!case_id || strcmp(case_id, h->id)) {
			rc = problem_set(pb, ERR_INVALID, "invalid", "screenings");
			break;
		}
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", id);
	}
	store_finalize(st);
	return rc;
}

static json_t *date_or_null(int64_t day)
{
	char date[11];
	return day != IDENT_NO_DAY && ident_day_format(day, date) == 0 ? json_string(date) : json_null();
}

static json_t *screenings_json(const char *text)
{
	json_t *arr = json_array();
	for (const char *p = text ? text : ""; *p;) {
		size_t len = strcspn(p, " ");
		if (len)
			json_array_append_new(arr, json_stringn(p, len));
		p += len;
		p += *p == ' ';
	}
	return arr;
}

/* One decision row (decision_cols) as JSON, its reasons opened. */
static json_t *decision_json(struct ctx *c, const struct case_handle *h, struct store_stmt *st, bool superseded)
{
	const char *id = store_column_text(st, 0);
	json_t *reasons = json_null();
	size_t sealed_len = 0;
	const unsigned char *sealed = store_column_blob(st, 9, &sealed_len);
	if (sealed) {
		unsigned char *plain = NULL;
		size_t plain_len = 0;
		if (case_unseal(c, h, "ident_decisions", "reasons", id, sealed, sealed_len, &plain, &plain_len) < 0) {
			log_error("decision reasons do not open", "decision=%s", id);
			return NULL;
		}
		reasons = json_stringn((const char *)plain, plain_len);
		sodium_memzero(plain, plain_len);
		free(plain);
		if (!reasons)
			return NULL;
	}
	const char *supersedes = store_column_text(st, 14);
	const char *recorder = store_column_text(st, 12);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:I, s:o, s:b}",
			 "id", id, "status", store_column_text(st, 2), "org_id", store_column_text(st, 3),
			 "org_name", store_column_text(st, 4), "org_name_ar", store_column_text(st, 5),
			 "decided_by_type", store_column_text(st, 6), "date", store_column_text(st, 7),
			 "reasons", reasons, "screenings", screenings_json(store_column_text(st, 10)),
			 "recorded_by", store_column_text(st, 11),
			 "recorded_by_name", recorder ? json_string(recorder) : json_null(),
			 "recorded_at", (json_int_t)store_column_int64(st, 13),
			 "supersedes", supersedes && *supersedes ? json_string(supersedes) : json_null(),
			 "superseded", superseded);
}

/*
 * The case's decisions, newest first, into items; with ev (may be NULL) the
 * same as events oldest first (*ev caller frees). only_id: just that one.
 */
static int decisions_read(struct ctx *c, const struct case_handle *h, const char *only_id, json_t *items,
			  struct ident_event **ev, size_t *n_ev)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM ident_decisions d JOIN orgs o ON o.id = d.org_id "
		 "LEFT JOIN users u ON u.id = d.recorded_by WHERE d.case_id = ?%s ORDER BY d.seq DESC",
		 decision_cols, only_id ? " AND d.id = ?" : "");
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, h->id);
	if (only_id)
		store_bind_text(st, 2, only_id);
	struct ident_event *events = NULL;
	size_t n = 0;
	int64_t top_seq = -1;
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		int64_t seq = store_column_int64(st, 1);
		if (top_seq < 0)
			top_seq = seq;
		bool superseded = seq != top_seq;
		if (only_id)
			superseded = false;   /* decided just now: it is the current one */
		json_t *d = decision_json(c, h, st, superseded);
		if (!d) {
			rc = ERR_FAIL;
			break;
		}
		json_array_append_new(items, d);
		if (ev) {
			struct ident_event *grown = xreallocarray(events, n + 1, sizeof(*events));
			if (!grown) {
				rc = ERR_NOMEM;
				break;
			}
			events = grown;
			if (ident_status_parse(store_column_text(st, 2), &events[n].status) < 0)
				events[n].status = IDENT_NONE;
			events[n++].day = store_column_int64(st, 8);
		}
	}
	store_finalize(st);
	if (rc < 0) {
		free(events);
		return rc;
	}
	if (ev) {
		for (size_t i = 0; i < n / 2; i++) {   /* newest first -> oldest first */
			struct ident_event t = events[i];
			events[i] = events[n - 1 - i];
			events[n - 1 - i] = t;
		}
		*ev = events;
		*n_ev = n;
	}
	return 0;
}

/* The org_Type of the caller's organisation into out. */
static int caller_org_type(struct ctx *c, char *out, size_t size)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT org_type FROM orgs WHERE id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, c->actor.org_id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		snprintf(out, size, "%s", store_column_text(st, 0));
	store_finalize(st);
	return rc == STORE_ROW ? 0 : ERR_FAIL;
}

/* Checks of the body that need no case: status, date, reasons, decided_by_type. */
static int check_body(struct ctx *c, const json_t *body, enum ident_status *status, int64_t *day,
		      const char **reasons, const char **decider, struct problem *pb)
{
	const char *s = json_string_value(json_object_get(body, "status"));
	if (!s)
		return problem_set(pb, ERR_INVALID, "missing_field", "status");
	if (ident_status_parse(s, status) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "status");
	const char *date = json_string_value(json_object_get(body, "date"));
	if (!date)
		return problem_set(pb, ERR_INVALID, "missing_field", "date");
	if (ident_day_parse(date, day) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "date");
	if (*day > ident_day_of(clock_now()))
		return problem_set(pb, ERR_INVALID, "future_date", "date");
	*reasons = json_string_value(json_object_get(body, "reasons"));
	if (*reasons && strspn(*reasons, " \t\r\n") == strlen(*reasons))
		*reasons = NULL;   /* blank is none */
	if (!*reasons && ident_needs_reasons(*status))
		return problem_set(pb, ERR_INVALID, "missing_field", "reasons");
	if (*reasons && check_reasons(*reasons, pb) < 0)
		return ERR_INVALID;
	*decider = json_string_value(json_object_get(body, "decided_by_type"));
	if (*decider) {
		const struct registry *r = registry_get();
		const struct field *f = r ? registry_field(r, "victim", "status_decided_by") : NULL;
		if (!f)
			return problem_set(pb, ERR_FAIL, "internal", NULL);
		if (!field_choice(f, *decider))
			return problem_set(pb, ERR_INVALID, "invalid", "decided_by_type");
	} else {
		char org_type[48];
		if (caller_org_type(c, org_type, sizeof(org_type)) < 0)
			return problem_set(pb, ERR_FAIL, "internal", NULL);
		*decider = ident_decider_for_org_type(org_type);
	}
	return 0;
}

/* Inside the open transaction: judge against the current decision, write the row. */
static int insert_decision(struct ctx *c, const struct case_handle *h, const char *id, enum ident_status status,
			   int64_t day, const char *date, const char *decider, const unsigned char *sealed,
			   size_t sealed_len, const char *screenings, const char *supersedes, struct problem *pb)
{
	struct current cur;
	if (current_read(c, h->id, &cur) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	if (supersedes && strcmp(supersedes, cur.id))
		return problem_set(pb, ERR_CONFLICT, "stale_decision", "supersedes");
	if (!ident_transition_allowed(cur.status, status))
		return problem_set(pb, ERR_CONFLICT, "illegal_transition", "status");
	if (cur.id[0] && day < cur.day)
		return problem_set(pb, ERR_INVALID, "date_before_previous", "date");
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO ident_decisions (id, case_id, seq, status, org_id, decided_by_type, "
			  "decision_date, decision_day, reasons, screenings, recorded_by, recorded_at, supersedes) "
			  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, h->id);
	store_bind_int64(st, 3, cur.seq + 1);
	store_bind_text(st, 4, ident_status_key(status));
	store_bind_text(st, 5, c->actor.org_id);
	store_bind_text(st, 6, decider);
	store_bind_text(st, 7, date);
	store_bind_int64(st, 8, day);
	if (sealed)
		store_bind_blob(st, 9, sealed, sealed_len);
	else
		store_bind_null(st, 9);
	store_bind_text(st, 10, screenings);
	store_bind_text(st, 11, c->actor.user_id);
	store_bind_int64(st, 12, clock_now());
	store_bind_text(st, 13, cur.id[0] ? cur.id : NULL);
	int rc = store_step(st);
	store_finalize(st);
	if (rc == ERR_CONFLICT)   /* another decision took this place in the history */
		return problem_set(pb, ERR_CONFLICT, "stale_decision", "supersedes");
	return rc < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
}

int ident_decide(struct ctx *c, const char *ref, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	if (!c->actor.user_id[0])
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	enum ident_status status;
	int64_t day;
	const char *decider = NULL, *reasons = NULL;
	int rc = check_body(c, body, &status, &day, &reasons, &decider, pb);
	if (rc < 0)
		return rc;
	const json_t *sup = json_object_get(body, "supersedes");
	if (sup && !json_is_null(sup) && !json_is_string(sup))
		return problem_set(pb, ERR_INVALID, "wrong_type", "supersedes");
	const char *supersedes = json_string_value(sup);
	struct case_handle h;
	rc = case_lookup(c, ref, PERM_DECIDE, &h);
	if (rc < 0)
		return problem_set(pb, rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_FAIL,
				   rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
	char screenings[SCREENINGS_TEXT_MAX];
	rc = check_screenings(c, &h, json_object_get(body, "screenings"), screenings, sizeof(screenings), pb);
	if (rc < 0)
		return rc;

	char id[ID_HEX_LEN + 1];
	random_id(id);
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	if (reasons && case_seal(c, &h, "ident_decisions", "reasons", id, reasons, strlen(reasons), &sealed,
				 &sealed_len) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);

	const char *date = json_string_value(json_object_get(body, "date"));
	json_t *values = json_pack("{s:s, s:s, s:s}", "trafficking_status", ident_htcds_status(status),
				   "status_decided_by", decider, "status_decision_date", date);
	rc = values ? case_set_values_begin(c, h.ref, PERM_DECIDE, "victim", values, "identification.decide", pb)
		    : problem_set(pb, ERR_NOMEM, "internal", NULL);
	json_decref(values);
	if (rc == 0) {
		rc = insert_decision(c, &h, id, status, day, date, decider, sealed, sealed_len, screenings,
				     supersedes, pb);
		if (rc == 0 && store_commit(c->db) < 0)
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		if (rc < 0)
			store_rollback(c->db);
	}
	free(sealed);
	if (rc < 0)
		return rc;

	json_t *items = json_array();
	if (decisions_read(c, &h, id, items, NULL, NULL) < 0 || json_array_size(items) != 1) {
		json_decref(items);
		return problem_set(pb, ERR_FAIL, "internal", NULL);   /* committed, but not read back */
	}
	*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return 0;
}

/* The day the case's first attached likely_victim screening was recorded, or IDENT_NO_DAY. */
static int first_screening_day(struct ctx *c, const char *case_id, int64_t *day)
{
	*day = IDENT_NO_DAY;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT MIN(created_at) FROM screenings "
				      "WHERE case_id = ? AND assessment = 'likely_victim'") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	int rc = store_step(st);
	if (rc == STORE_ROW && !store_column_is_null(st, 0))
		*day = ident_day_of(store_column_int64(st, 0));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int ident_list(struct ctx *c, const char *ref, json_t **out)
{
	*out = NULL;
	struct case_handle h;
	int rc = case_lookup(c, ref, PERM_CASE_READ, &h);
	if (rc < 0)
		return rc;
	json_t *items = json_array();
	struct ident_event *ev = NULL;
	size_t n = 0;
	int64_t screened = IDENT_NO_DAY;
	rc = decisions_read(c, &h, NULL, items, &ev, &n);
	if (rc == 0)
		rc = first_screening_day(c, h.id, &screened);
	if (rc == 0)
		rc = ctx_audit_tx(c, "case.read", "case", h.id, "ok");
	if (rc < 0) {
		free(ev);
		json_decref(items);
		return rc;
	}
	const struct config *cfg = &c->app->cfg;
	const struct ident_periods p = { cfg->ident_reasonable_grounds_days, cfg->ident_conclusive_days,
					 cfg->ident_reflection_days };
	struct ident_deadlines dl;
	ident_deadlines_compute(&p, ev, n, screened, ident_day_of(clock_now()), &dl);
	free(ev);
	json_t *overdue = json_array();
	if (dl.reasonable_grounds_overdue)
		json_array_append_new(overdue, json_string("reasonable_grounds"));
	if (dl.conclusive_overdue)
		json_array_append_new(overdue, json_string("conclusive"));
	json_t *current = json_array_size(items) ? json_incref(json_array_get(items, 0)) : json_null();
	*out = json_pack("{s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}}", "items", items, "current", current,
			 "deadlines", "clock_start", date_or_null(dl.clock_start), "reasonable_grounds_due",
			 date_or_null(dl.reasonable_grounds_due), "conclusive_due", date_or_null(dl.conclusive_due),
			 "reflection_ends", date_or_null(dl.reflection_ends), "overdue", overdue);
	return *out ? 0 : ERR_NOMEM;
}
