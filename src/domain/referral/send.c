/*
 * send.c: sending a referral (referral.h): the checks of the receiver's
 * directory entry and of the profile, the consent rule shared with
 * transfers, and the rows a referral starts with.
 */
#include "referral_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../directory/directory.h"
#include "../notify/notify.h"
#include "../stats/stats.h"

int referral_consent_check(struct ctx *c, const struct case_handle *h, const json_t *override, const char **consent,
			   struct problem *pb)
{
	enum case_consent cs;
	int rc = case_consent_state(c, h->id, "domestic_referral", &cs);
	if (rc < 0)
		return rc;
	if (cs == CASE_CONSENT_GIVEN) {
		*consent = "given";
		return 0;
	}
	if (cs == CASE_CONSENT_WITHDRAWN)
		return problem_set(pb, ERR_CONFLICT, "consent_withdrawn", "consent");
	if (!json_is_object(override))
		return problem_set(pb, ERR_CONFLICT, "consent_required", "consent_override");
	if (!ctx_in_scope(c, PERM_CONSENT_OVERRIDE, h->org_id))
		return problem_set(pb, ERR_DENIED, "forbidden", "consent_override");
	const json_t *reason = json_object_get(override, "reason");
	if (!json_is_string(reason))
		return problem_set(pb, ERR_INVALID, "missing_field", "consent_override.reason");
	if (referral_check_text(json_string_value(reason), REFERRAL_REASON_MAX_CHARS, "consent_override.reason", pb) < 0)
		return ERR_INVALID;
	*consent = "override";
	return 0;
}

/* The services asked for: known codes, no repeats, offered by the receiver when it lists any. */
static int services_check(struct ctx *c, const json_t *services, const char *to_org, char *out, size_t size,
			  struct problem *pb)
{
	if (!json_is_array(services) || json_array_size(services) == 0)
		return problem_set(pb, ERR_INVALID, "missing_field", "services");
	if (json_array_size(services) > REFERRAL_SERVICES_MAX)
		return problem_set(pb, ERR_INVALID, "invalid", "services");
	struct directory_entry e;
	bool listed = directory_get(c, to_org, &e) == 0;
	int rc = 0;
	size_t i;
	json_t *v;
	char field[32];
	out[0] = '\0';
	json_array_foreach(services, i, v) {
		snprintf(field, sizeof(field), "services[%zu]", i);
		const char *code = json_string_value(v);
		const struct directory_service *s = code ? directory_service_find(code) : NULL;
		if (!s) {
			rc = problem_set(pb, ERR_INVALID, "invalid", field);
			break;
		}
		char padded[64];
		snprintf(padded, sizeof(padded), " %s ", s->code);
		char have[300];
		snprintf(have, sizeof(have), " %s ", out);
		if (strstr(have, padded)) {
			rc = problem_set(pb, ERR_INVALID, "invalid", field);
			break;
		}
		if (listed) {
			bool offered = false;
			for (int k = 0; k < e.n_services; k++)
				offered = offered || !strcmp(e.services[k], s->code);
			if (!offered) {
				rc = problem_set(pb, ERR_INVALID, "service_not_offered", field);
				break;
			}
		}
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? " " : "", s->code);
	}
	if (rc == 0 && listed && !e.accepting)
		rc = problem_set(pb, ERR_CONFLICT, "not_accepting", "to_org");
	if (listed)
		directory_entry_release(&e);
	return rc;
}

/* The profile's field list: a built-in key, or a custom profile of the case's or the caller's organisation. */
static int profile_fields(struct ctx *c, const char *profile, const char *case_org, char *out, size_t size,
			  struct problem *pb)
{
	const struct referral_builtin *b = referral_builtin_find(profile);
	out[0] = '\0';
	if (b) {
		for (int i = 0; b->fields[i]; i++) {
			size_t len = strlen(out);
			snprintf(out + len, size - len, "%s%s", i ? " " : "", b->fields[i]);
		}
		return 0;
	}
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT fields FROM referral_profiles WHERE id = ? AND (org_id = ? OR org_id = ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, profile);
	store_bind_text(st, 2, case_org);
	store_bind_text(st, 3, c->actor.org_id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		referral_copy(out, size, store_column_text(st, 0));
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : problem_set(pb, ERR_INVALID, "invalid", "profile");
}

static int insert_transition(struct ctx *c, const struct referral_row *r, int64_t seq, const char *from,
			     const char *to, const char *note)
{
	unsigned char *sealed = NULL;
	size_t len = 0;
	char row[ID_HEX_LEN + 24];
	snprintf(row, sizeof(row), "%s:%lld", r->id, (long long)seq);
	if (note && referral_seal(c, r->case_id, "referral_transitions", "note", row, note, &sealed, &len) < 0)
		return ERR_FAIL;
	struct store_stmt *st;
	int rc = ERR_FAIL;
	if (store_prepare(c->db, &st, "INSERT INTO referral_transitions (referral_id, seq, from_state, to_state,"
				      " by_user, by_org, at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)") == 0) {
		store_bind_text(st, 1, r->id);
		store_bind_int64(st, 2, seq);
		if (from)
			store_bind_text(st, 3, from);
		else
			store_bind_null(st, 3);
		store_bind_text(st, 4, to);
		store_bind_text(st, 5, c->actor.user_id);
		store_bind_text(st, 6, c->actor.org_id);
		store_bind_int64(st, 7, clock_now());
		if (sealed)
			store_bind_blob(st, 8, sealed, len);
		else
			store_bind_null(st, 8);
		rc = store_step(st);
		store_finalize(st);
	}
	free(sealed);
	return rc < 0 ? rc : 0;
}

int referral_transition_insert(struct ctx *c, const struct referral_row *r, int64_t seq, const char *from,
			       const char *to, const char *note)
{
	return insert_transition(c, r, seq, from, to, note);
}

static int insert_referral(struct ctx *c, const struct referral_row *r, const char *reason, const char *override)
{
	unsigned char *sealed = NULL, *osealed = NULL;
	size_t len = 0, olen = 0;
	int rc = referral_seal(c, r->case_id, "referrals", "reason", r->id, reason, &sealed, &len);
	if (rc == 0 && override)
		rc = referral_seal(c, r->case_id, "referrals", "override_reason", r->id, override, &osealed, &olen);
	struct store_stmt *st;
	if (rc == 0 && (rc = store_prepare(c->db, &st,
					   "INSERT INTO referrals (id, case_id, case_ref, from_org, to_org, created_by,"
					   " created_at, urgency, services, profile, fields, reason, consent,"
					   " override_reason, override_by, state, ack_due, answer_due, next_due, updated_at,"
					   " version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?,"
					   " 1)")) == 0) {
		int k = 1;
		store_bind_text(st, k++, r->id);
		store_bind_text(st, k++, r->case_id);
		store_bind_text(st, k++, r->case_ref);
		store_bind_text(st, k++, r->from_org);
		store_bind_text(st, k++, r->to_org);
		store_bind_text(st, k++, r->created_by);
		store_bind_int64(st, k++, r->created_at);
		store_bind_text(st, k++, r->urgency);
		store_bind_text(st, k++, r->services);
		store_bind_text(st, k++, r->profile);
		store_bind_text(st, k++, r->fields);
		store_bind_blob(st, k++, sealed, len);
		store_bind_text(st, k++, r->consent);
		if (osealed)
			store_bind_blob(st, k++, osealed, olen);
		else
			store_bind_null(st, k++);
		if (override)
			store_bind_text(st, k++, r->override_by);
		else
			store_bind_null(st, k++);
		store_bind_int64(st, k++, r->ack_due);
		store_bind_int64(st, k++, r->answer_due);
		store_bind_int64(st, k++, r->ack_due);
		store_bind_int64(st, k++, r->created_at);
		rc = store_step(st);
		store_finalize(st);
	}
	free(sealed);
	free(osealed);
	if (rc < 0)
		return rc;
	/* One row per service, for the overview and the service filter. */
	char buf[sizeof(r->services)];
	referral_copy(buf, sizeof(buf), r->services);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (store_prepare(c->db, &st, "INSERT INTO referral_services (referral_id, service) VALUES (?, ?)") < 0)
			return ERR_FAIL;
		store_bind_text(st, 1, r->id);
		store_bind_text(st, 2, t);
		rc = store_step(st);
		store_finalize(st);
		if (rc < 0)
			return rc;
	}
	return insert_transition(c, r, 1, NULL, "sent", NULL);
}

int referral_create(struct ctx *c, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	const char *ref = json_string_value(json_object_get(body, "case"));
	const char *to_org = json_string_value(json_object_get(body, "to_org"));
	const char *urgency = json_string_value(json_object_get(body, "urgency"));
	const char *reason = json_string_value(json_object_get(body, "reason"));
	const char *profile = json_string_value(json_object_get(body, "profile"));
	const json_t *override = json_object_get(body, "consent_override");
	if (!ref)
		return problem_set(pb, ERR_INVALID, "missing_field", "case");
	if (!to_org)
		return problem_set(pb, ERR_INVALID, "missing_field", "to_org");
	if (!urgency)
		return problem_set(pb, ERR_INVALID, "missing_field", "urgency");
	int u = referral_urgency_index(urgency);
	if (u < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "urgency");
	if (!reason)
		return problem_set(pb, ERR_INVALID, "missing_field", "reason");
	if (referral_check_text(reason, REFERRAL_REASON_MAX_CHARS, "reason", pb) < 0)
		return ERR_INVALID;
	if (!profile)
		return problem_set(pb, ERR_INVALID, "missing_field", "profile");
	if (override && !json_is_object(override) && !json_is_null(override))
		return problem_set(pb, ERR_INVALID, "invalid", "consent_override");

	struct referral_row r;
	memset(&r, 0, sizeof(r));
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct case_handle h;
	int rc = case_lookup(c, ref, PERM_REFER, &h);
	if (rc < 0) {
		problem_set(pb, rc, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
		goto fail;
	}
	if (!strcmp(h.status, "Closed") || !strcmp(h.status, "ClosedReferred")) {
		rc = problem_set(pb, ERR_CONFLICT, "case_closed", "case");
		goto fail;
	}
	rc = referral_org_exists(c, to_org);
	if (rc <= 0 || !strcmp(to_org, h.org_id)) {
		rc = rc < 0 ? problem_set(pb, rc, "internal", NULL) : problem_set(pb, ERR_INVALID, "invalid", "to_org");
		goto fail;
	}
	if ((rc = services_check(c, json_object_get(body, "services"), to_org, r.services, sizeof(r.services), pb)) < 0)
		goto fail;
	if ((rc = profile_fields(c, profile, h.org_id, r.fields, sizeof(r.fields), pb)) < 0) {
		if (!pb->code)
			problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	const char *consent;
	if ((rc = referral_consent_check(c, &h, override, &consent, pb)) < 0) {
		if (!pb->code)
			problem_set(pb, rc, "internal", NULL);
		goto fail;
	}
	random_id(r.id);
	referral_copy(r.case_id, sizeof(r.case_id), h.id);
	referral_copy(r.case_ref, sizeof(r.case_ref), h.ref);
	referral_copy(r.from_org, sizeof(r.from_org), h.org_id);
	referral_copy(r.to_org, sizeof(r.to_org), to_org);
	referral_copy(r.created_by, sizeof(r.created_by), c->actor.user_id);
	referral_copy(r.urgency, sizeof(r.urgency), urgency);
	referral_copy(r.profile, sizeof(r.profile), profile);
	referral_copy(r.consent, sizeof(r.consent), consent);
	bool overridden = !strcmp(consent, "override");
	if (overridden)
		referral_copy(r.override_by, sizeof(r.override_by), c->actor.user_id);
	r.created_at = clock_now();
	referral_deadlines(&c->app->cfg, u, r.created_at, &r.ack_due, &r.answer_due);
	const char *override_text = overridden ? json_string_value(json_object_get(override, "reason")) : NULL;
	if ((rc = insert_referral(c, &r, reason, override_text)) < 0 ||
	    (rc = stats_touch(c->db, h.id)) < 0 ||
	    (rc = notify_org(c, to_org, "referral.sent", "referral", r.id, h.ref)) < 0 ||
	    (rc = ctx_audit(c, "referral.send", "referral", r.id, "ok")) < 0 ||
	    (overridden && (rc = ctx_audit(c, "referral.consent_override", "case", h.id, "ok")) < 0) ||
	    (rc = store_commit(c->db)) < 0) {
		problem_set(pb, ERR_FAIL, "internal", NULL);
		goto fail;
	}
	bool viewed;
	if (store_begin_read(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	rc = referral_row_load(c, r.id, &r);
	if (rc == 0)
		rc = referral_json(c, &r, true, out, &viewed);
	store_rollback(c->db);
	return rc < 0 ? problem_set(pb, rc, "internal", NULL) : 0;
fail:
	store_rollback(c->db);
	return rc < 0 ? rc : ERR_FAIL;
}
