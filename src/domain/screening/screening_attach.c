/*
 * screening_attach.c: from a result to a case: create the case (or take an
 * existing one), record the urgent needs the screening revealed, and attach
 * the screening, re-sealing its answers and notes with the case's data key,
 * all in one transaction (screening.h, screening_attach).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"
#include "../../crypto/seal.h"
#include "../case/case.h"
#include "../registry/registry.h"
#include "screening.h"
#include "screening_int.h"
#include "set.h"

/* ---- attaching to a case ---- */

/* Add the values of add (strings) not yet in arr; returns how many were added. */
static int union_into(json_t *arr, const json_t *add)
{
	int n = 0;
	size_t i, j;
	json_t *v, *w;
	json_array_foreach((json_t *)add, i, v) {
		bool seen = false;
		json_array_foreach(arr, j, w)
			seen = seen || json_equal(v, w);
		if (!seen) {
			json_array_append(arr, v);
			n++;
		}
	}
	return n;
}

/* The urgent needs to record: the given ones (checked against the registry) and, for a child, ChildProtection. */
static int needs_from(const struct scr_row *r, const json_t *given, json_t **needs, struct problem *pb)
{
	const struct registry *reg = registry_get();
	const struct field *f = reg ? registry_field(reg, "victim", "urgent_needs") : NULL;
	*needs = NULL;
	if (!f)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	json_t *list = json_array();
	size_t i;
	json_t *v;
	if (given && !json_is_array(given)) {
		json_decref(list);
		return problem_set(pb, ERR_INVALID, "wrong_type", "urgent_needs");
	}
	json_array_foreach((json_t *)given, i, v) {
		if (!json_is_string(v) || !field_choice(f, json_string_value(v))) {
			json_decref(list);
			return problem_set(pb, ERR_INVALID, "invalid", "urgent_needs");
		}
	}
	if (given)
		union_into(list, given);
	if (r->child && field_choice(f, SCR_URGENT_CHILD)) {
		json_t *one = json_pack("[s]", SCR_URGENT_CHILD);
		union_into(list, one);
		json_decref(one);
	}
	*needs = list;
	return 0;
}

/* A trafficking status for a victim record that has none: "possible" until someone decides. */
static const char *possible_status(void)
{
	const struct registry *reg = registry_get();
	const struct field *f = reg ? registry_field(reg, "victim", "trafficking_status") : NULL;
	if (!f || f->n_choices == 0)
		return NULL;
	for (size_t i = 0; i < f->n_choices; i++)
		if (!strncmp(f->choices[i].value, "Possible", 8))
			return f->choices[i].value;
	return f->choices[0].value;
}

/*
 * Values to set on victim: the union of the recorded urgent needs and needs,
 * and a trafficking status when the record has none. NULL when nothing changes.
 */
static json_t *victim_values(const json_t *victim, const json_t *needs)
{
	const json_t *cur = json_object_get(victim, "urgent_needs");
	json_t *all = json_is_array(cur) ? json_copy((json_t *)cur) : json_array();
	int added = union_into(all, needs);
	if (added == 0) {
		json_decref(all);
		return NULL;
	}
	json_t *values = json_pack("{s:o}", "urgent_needs", all);
	const char *status = possible_status();
	if (values && !json_object_get(victim, "trafficking_status") && status)
		json_object_set_new(values, "trafficking_status", json_string(status));
	return values;
}

/* The case body to create, with the urgent needs in its victim object. Caller's. */
static json_t *case_body_with(const json_t *body, const json_t *needs)
{
	json_t *copy = json_deep_copy(body);
	if (!copy || json_array_size(needs) == 0)
		return copy;
	json_t *victim = json_object_get(copy, "victim");
	if (victim && !json_is_object(victim))
		return copy;   /* case_create_tx refuses it with its own field */
	if (!victim) {
		victim = json_object();
		json_object_set_new(copy, "victim", victim);
	}
	json_t *cur = json_object_get(victim, "urgent_needs");
	if (cur && !json_is_array(cur))
		return copy;
	json_t *values = victim_values(victim, needs);
	if (values)
		json_object_update(victim, values);
	json_decref(values);
	return copy;
}

/* Prefix the field of a problem found in the case body with "case.". */
static void prefix_case(struct problem *pb)
{
	if (!pb->field[0])
		return;
	char field[sizeof(pb->field)];
	if ((size_t)snprintf(field, sizeof(field), "case.%s", pb->field) < sizeof(field))
		scr_copy(pb->field, sizeof(pb->field), field);
}

/*
 * Inside the open transaction: re-seal the screening's answers with the
 * case's key, drop its own key, audit. ERR_CONFLICT when it was attached
 * meanwhile.
 */
static int attach_tx(struct ctx *c, const char *id, const char *ref, struct scr_row *r)
{
	struct case_handle h;
	unsigned char *plain = NULL, *sealed = NULL;
	size_t plain_len = 0, sealed_len = 0;
	int rc = case_lookup(c, ref, PERM_CASE_WRITE, &h);
	if (rc < 0)
		return rc;
	scr_row_release(r);
	rc = scr_row_load(c, id, r);   /* again, inside the transaction */
	if (rc < 0)
		return rc;
	if (r->case_id[0])
		return ERR_CONFLICT;
	rc = scr_own_open(c, r, &plain, &plain_len);
	if (rc == 0)
		rc = case_seal(c, &h, SCR_TABLE, "sealed", r->id, plain, plain_len, &sealed, &sealed_len);
	scr_wipe_free(plain, plain_len);
	if (rc < 0)
		return rc;
	struct store_stmt *st;
	rc = store_prepare(c->db, &st,
			   "UPDATE screenings SET case_id = ?, dek = NULL, sealed = ? WHERE id = ? AND case_id IS NULL");
	if (rc == 0) {
		store_bind_text(st, 1, h.id);
		store_bind_blob(st, 2, sealed, sealed_len);
		store_bind_text(st, 3, r->id);
		rc = store_step(st);
		if (rc >= 0)
			rc = store_changes(st) == 1 ? 0 : ERR_CONFLICT;
		store_finalize(st);
	}
	free(sealed);
	if (rc == 0)
		rc = ctx_audit(c, "screening.attach", "screening", r->id, "ok");
	if (rc == 0) {
		scr_copy(r->case_id, sizeof(r->case_id), h.id);
		scr_copy(r->case_ref, sizeof(r->case_ref), h.ref);
	}
	return rc;
}

static int attach_problem(int rc, struct problem *pb)
{
	if (rc == ERR_NOT_FOUND)
		return problem_set(pb, rc, "not_found", NULL);
	if (rc == ERR_CONFLICT)
		return problem_set(pb, rc, "already_attached", NULL);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int screening_attach(struct ctx *c, const char *id, const struct screening_attach *a, json_t **out,
		     struct problem *pb)
{
	struct scr_row r;
	json_t *needs = NULL, *body = NULL, *values = NULL;
	char ref[CASE_REF_MAX] = "";
	*out = NULL;
	int rc = scr_row_load(c, id, &r);
	if (rc == 0 && !scr_in_scope(c, &r))
		rc = ERR_NOT_FOUND;
	if (rc < 0) {
		scr_row_release(&r);
		return attach_problem(rc, pb);
	}
	if (!a->case_body && !a->ref) {
		rc = problem_set(pb, ERR_INVALID, "missing_field", "case");
		goto out;
	}
	if (a->case_body && a->ref) {
		rc = problem_set(pb, ERR_INVALID, "invalid", "ref");
		goto out;
	}
	rc = needs_from(&r, a->urgent_needs, &needs, pb);
	if (rc < 0)
		goto out;
	if (r.case_id[0]) {
		rc = attach_problem(ERR_CONFLICT, pb);
		goto out;
	}

	if (a->case_body) {
		body = case_body_with(a->case_body, needs);
		if (!body) {
			rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
			goto out;
		}
		if (store_begin(c->db) < 0) {
			rc = problem_set(pb, ERR_FAIL, "internal", NULL);
			goto out;
		}
		rc = case_create_tx(c, body, ref, pb);
		if (rc < 0) {
			store_rollback(c->db);
			prefix_case(pb);
			goto out;
		}
	} else {
		struct case_handle h;
		rc = case_lookup(c, a->ref, PERM_CASE_WRITE, &h);
		if (rc < 0) {
			rc = attach_problem(rc, pb);
			goto out;
		}
		scr_copy(ref, sizeof(ref), h.ref);
		if (json_array_size(needs) > 0) {
			/* Add to the needs already recorded (case.read audited: the values are read). */
			json_t *doc = NULL;
			rc = case_get(c, ref, &doc);
			if (rc < 0) {
				rc = attach_problem(rc, pb);
				goto out;
			}
			values = victim_values(json_object_get(doc, "victim"), needs);
			json_decref(doc);
		}
		if (values)
			rc = case_set_values_begin(c, ref, PERM_CASE_WRITE, "victim", values, "case.update", pb);
		else
			rc = store_begin(c->db) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
		if (rc < 0)
			goto out;   /* rolled back; pb says why */
	}
	rc = attach_tx(c, id, ref, &r);
	if (rc == 0 && store_commit(c->db) < 0)
		rc = ERR_FAIL;
	if (rc < 0) {
		store_rollback(c->db);
		rc = attach_problem(rc, pb);
		goto out;
	}
	*out = json_pack("{s:s, s:s, s:o}", "ref", ref, "screening", r.id, "next_steps",
			 scr_next_steps(r.assessment, r.child, true));
	rc = *out ? 0 : problem_set(pb, ERR_NOMEM, "internal", NULL);
out:
	json_decref(needs);
	json_decref(body);
	json_decref(values);
	scr_row_release(&r);
	return rc;
}
