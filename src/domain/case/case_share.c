/*
 * case_share.c: what the referral module needs of a case (case.h, "sharing
 * with other organisations"): the consent that stands for a purpose, the
 * values of a referral profile's fields, a look-up without a reach check
 * for a receiver the referral module has let in, and the change of owner of
 * a transfer.
 */
#include <stdio.h>
#include <string.h>

#include "../../core/clock.h"
#include "case_int.h"

int case_consent_state(struct ctx *c, const char *case_id, const char *purpose, enum case_consent *out)
{
	/*
	 * One row per consent item with its purpose, whether it was given,
	 * its legal basis and withdrawal date: all plain workflow facts.
	 */
	static const char sql[] =
		"SELECT p.item,"
		" (SELECT value FROM case_facts g WHERE g.case_id = p.case_id AND g.entity = 'consent'"
		"  AND g.item = p.item AND g.key = 'given'),"
		" (SELECT value FROM case_facts b WHERE b.case_id = p.case_id AND b.entity = 'consent'"
		"  AND b.item = p.item AND b.key = 'legal_basis'),"
		" (SELECT value FROM case_facts w WHERE w.case_id = p.case_id AND w.entity = 'consent'"
		"  AND w.item = p.item AND w.key = 'withdrawn_date')"
		" FROM case_facts p WHERE p.case_id = ? AND p.entity = 'consent' AND p.key = 'purpose'"
		" AND p.value = ?";
	struct store_stmt *st;
	*out = CASE_CONSENT_NONE;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	store_bind_text(st, 2, purpose);
	int rc;
	bool stands = false, ended = false;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *given = store_column_text(st, 1), *basis = store_column_text(st, 2),
			   *withdrawn = store_column_text(st, 3);
		bool yes = given && !strcmp(given, "true");
		if (withdrawn && *withdrawn)
			ended = true;
		else if (yes || (basis && *basis))
			stands = true;
		else
			ended = true;   /* refused */
	}
	store_finalize(st);
	if (rc < 0)
		return rc;
	*out = stands ? CASE_CONSENT_GIVEN : ended ? CASE_CONSENT_WITHDRAWN : CASE_CONSENT_NONE;
	return 0;
}

int case_lookup_unchecked(struct ctx *c, const char *id, struct case_handle *h)
{
	struct case_row cr;
	int rc = case_row_load(c->db, "id", id, &cr);
	if (rc < 0)
		return rc;
	if (!cr.has_dek)
		return ERR_NOT_FOUND;
	memset(h, 0, sizeof(*h));
	case_copy(h->id, sizeof(h->id), cr.id);
	case_copy(h->ref, sizeof(h->ref), cr.ref);
	case_copy(h->org_id, sizeof(h->org_id), cr.org_id);
	case_copy(h->created_by, sizeof(h->created_by), cr.created_by);
	case_copy(h->assigned_to, sizeof(h->assigned_to), cr.assigned_to);
	case_copy(h->status, sizeof(h->status), cr.status);
	h->created_at = cr.created_at;
	h->version = cr.version;
	return 0;
}

/* The case JSON's key for a registry entity ("event" -> "events"), or NULL. */
static const struct case_part *part_of(const char *entity)
{
	for (size_t i = 0; i < case_n_parts; i++) {
		if (!strcmp(case_parts[i].entity, entity))
			return &case_parts[i];
	}
	return NULL;
}

int case_share_path_check(const char *path)
{
	const struct registry *r = registry_get();
	if (!r)
		return ERR_FAIL;
	const char *dot = strchr(path, '.');
	if (!dot) {
		/* A whole list entity: "events". */
		for (size_t i = 0; i < case_n_parts; i++) {
			if (case_parts[i].many && !strcmp(case_parts[i].key, path) && strcmp(path, "consents"))
				return 0;
		}
		return ERR_INVALID;
	}
	char entity[32];
	size_t len = (size_t)(dot - path);
	if (len == 0 || len >= sizeof(entity))
		return ERR_INVALID;
	memcpy(entity, path, len);
	entity[len] = '\0';
	const struct case_part *part = part_of(entity);
	if (!part || part->many || !strcmp(entity, "case"))
		return ERR_INVALID;
	return registry_field(r, entity, dot + 1) ? 0 : ERR_INVALID;
}

int case_view_fields(struct ctx *c, const char *case_id, const char *const *paths, int n, json_t **out)
{
	const struct registry *r = registry_get();
	*out = NULL;
	if (!r)
		return ERR_FAIL;
	struct case_row cr;
	int rc = case_row_load(c->db, "id", case_id, &cr);
	if (rc < 0)
		return rc;
	if (!cr.has_dek)
		return ERR_NOT_FOUND;
	json_t *all = json_object();
	if ((rc = case_values_open(c, r, &cr, all)) < 0) {
		json_decref(all);
		return rc;
	}
	/* Copy out only what the paths name; everything else is dropped with all. */
	json_t *view = json_object();
	for (int i = 0; i < n; i++) {
		const char *dot = strchr(paths[i], '.');
		if (!dot) {
			json_t *list = json_object_get(all, paths[i]);
			if (list && case_share_path_check(paths[i]) == 0)
				json_object_set(view, paths[i], list);
			continue;
		}
		char entity[32];
		size_t len = (size_t)(dot - paths[i]);
		if (len >= sizeof(entity))
			continue;
		memcpy(entity, paths[i], len);
		entity[len] = '\0';
		const struct case_part *part = part_of(entity);
		if (!part || part->many)
			continue;
		json_t *src = json_object_get(all, part->key), *v = src ? json_object_get(src, dot + 1) : NULL;
		if (!v)
			continue;
		json_t *dst = json_object_get(view, part->key);
		if (!dst) {
			dst = json_object();
			json_object_set_new(view, part->key, dst);
		}
		json_object_set(dst, dot + 1, v);
	}
	json_decref(all);
	*out = view;
	return 0;
}

int case_set_owner_tx(struct ctx *c, const char *case_id, const char *org_id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "UPDATE cases SET org_id = ?, assigned_to = NULL, updated_at = ?,"
				      " version = version + 1 WHERE id = ? AND dek IS NOT NULL") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	store_bind_int64(st, 2, clock_now());
	store_bind_text(st, 3, case_id);
	int rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return changed == 1 ? 0 : ERR_NOT_FOUND;
}
