/*
 * profile.c: referral profiles (referral.h): the built-in ones and an
 * organisation's own. A profile is a list of field paths; a referral keeps
 * a copy of its profile's list when sent, so changing a profile later never
 * widens or narrows what an earlier referral shared.
 */
#include "referral_int.h"

#include <stdio.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/text.h"

static json_t *fields_json(const char *s)
{
	json_t *arr = json_array();
	char buf[2048];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		json_array_append_new(arr, json_string(t));
	return arr;
}

int referral_profiles_list(struct ctx *c, json_t **items)
{
	*items = json_array();
	for (int i = 0; i < referral_builtin_count; i++) {
		const struct referral_builtin *b = &referral_builtins[i];
		json_t *f = json_array();
		for (int k = 0; b->fields[k]; k++)
			json_array_append_new(f, json_string(b->fields[k]));
		json_array_append_new(*items, json_pack("{s:s, s:b, s:n, s:s, s:s, s:o, s:I}", "id", b->key, "builtin", 1,
							"org_id", "name_en", b->name_en, "name_ar", b->name_ar,
							"fields", f, "version", (json_int_t)1));
	}
	bool all = ctx_scope(c, PERM_REFERRAL_READ) == SCOPE_ALL;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, all ? "SELECT id, org_id, name_en, name_ar, fields, version FROM referral_profiles"
					    " ORDER BY name_en, id"
					  : "SELECT id, org_id, name_en, name_ar, fields, version FROM referral_profiles"
					    " WHERE org_id = ? ORDER BY name_en, id") < 0)
		return ERR_FAIL;
	if (!all)
		store_bind_text(st, 1, c->actor.org_id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW)
		json_array_append_new(*items, json_pack("{s:s, s:b, s:s, s:s, s:s, s:o, s:I}", "id",
							store_column_text(st, 0), "builtin", 0, "org_id",
							store_column_text(st, 1), "name_en", store_column_text(st, 2),
							"name_ar", store_column_text(st, 3), "fields",
							fields_json(store_column_text(st, 4)), "version",
							(json_int_t)store_column_int64(st, 5)));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

static int profile_json(struct ctx *c, const char *id, json_t **out)
{
	json_t *items;
	int rc = referral_profiles_list(c, &items);
	size_t i;
	json_t *v;
	*out = NULL;
	if (rc == 0) {
		json_array_foreach(items, i, v) {
			if (!strcmp(json_string_value(json_object_get(v, "id")), id))
				*out = json_incref(v);
		}
	}
	json_decref(items);
	return rc < 0 ? rc : *out ? 0 : ERR_NOT_FOUND;
}

int referral_profile_put(struct ctx *c, const char *id, const json_t *body, json_t **out, struct problem *pb)
{
	*out = NULL;
	const char *en = json_string_value(json_object_get(body, "name_en"));
	const char *ar = json_string_value(json_object_get(body, "name_ar"));
	const json_t *fields = json_object_get(body, "fields");
	const json_t *jv = json_object_get(body, "version");
	if (!en || text_check_name(en, 100) < 0)
		return problem_set(pb, ERR_INVALID, en ? "invalid" : "missing_field", "name_en");
	if (!ar || text_check_name(ar, 100) < 0)
		return problem_set(pb, ERR_INVALID, ar ? "invalid" : "missing_field", "name_ar");
	if (!json_is_array(fields) || json_array_size(fields) == 0)
		return problem_set(pb, ERR_INVALID, "missing_field", "fields");
	if (json_array_size(fields) > REFERRAL_FIELDS_MAX)
		return problem_set(pb, ERR_INVALID, "invalid", "fields");
	char list[2048] = "";
	size_t i;
	json_t *v;
	json_array_foreach(fields, i, v) {
		char field[32], padded[140], have[2100];
		snprintf(field, sizeof(field), "fields[%zu]", i);
		const char *path = json_string_value(v);
		if (!path || strlen(path) > 120 || case_share_path_check(path) < 0)
			return problem_set(pb, ERR_INVALID, "invalid", field);
		snprintf(padded, sizeof(padded), " %s ", path);
		snprintf(have, sizeof(have), " %s ", list);
		if (strstr(have, padded))
			return problem_set(pb, ERR_INVALID, "invalid", field);
		size_t len = strlen(list);
		if (len + strlen(path) + 2 > sizeof(list))
			return problem_set(pb, ERR_INVALID, "too_long", "fields");
		snprintf(list + len, sizeof(list) - len, "%s%s", len ? " " : "", path);
	}
	if (id && !json_is_integer(jv))
		return problem_set(pb, ERR_INVALID, "missing_field", "version");
	char new_id[ID_HEX_LEN + 1];
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	int rc;
	int64_t now = clock_now();
	if (!id) {
		random_id(new_id);
		id = new_id;
		rc = store_prepare(c->db, &st, "INSERT INTO referral_profiles (id, org_id, name_en, name_ar, fields,"
					       " created_by, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)");
		if (rc == 0) {
			store_bind_text(st, 1, id);
			store_bind_text(st, 2, c->actor.org_id);
			store_bind_text(st, 3, en);
			store_bind_text(st, 4, ar);
			store_bind_text(st, 5, list);
			store_bind_text(st, 6, c->actor.user_id);
			store_bind_int64(st, 7, now);
			store_bind_int64(st, 8, now);
			rc = store_step(st);
			store_finalize(st);
		}
	} else {
		/* The profile must be the caller's organisation's (or any, for the coordinator). */
		int64_t version = 0;
		rc = store_prepare(c->db, &st, "SELECT org_id, version FROM referral_profiles WHERE id = ?");
		if (rc == 0) {
			store_bind_text(st, 1, id);
			rc = store_step(st);
			if (rc == STORE_ROW && ctx_in_scope(c, PERM_PROFILE_WRITE, store_column_text(st, 0)))
				version = store_column_int64(st, 1);
			else if (rc >= 0)
				rc = ERR_NOT_FOUND;
			store_finalize(st);
		}
		if (rc == ERR_NOT_FOUND) {
			store_rollback(c->db);
			return problem_set(pb, rc, "not_found", NULL);
		}
		if (rc >= 0 && version != json_integer_value(jv)) {
			store_rollback(c->db);
			pb->current_version = version;
			return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
		}
		if (rc >= 0 && (rc = store_prepare(c->db, &st, "UPDATE referral_profiles SET name_en = ?, name_ar = ?,"
							       " fields = ?, updated_at = ?, version = version + 1"
							       " WHERE id = ?")) == 0) {
			store_bind_text(st, 1, en);
			store_bind_text(st, 2, ar);
			store_bind_text(st, 3, list);
			store_bind_int64(st, 4, now);
			store_bind_text(st, 5, id);
			rc = store_step(st);
			store_finalize(st);
		}
	}
	if (rc < 0 || ctx_audit(c, "referral.profile", "referral_profile", id, "ok") < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	rc = profile_json(c, id, out);
	return rc < 0 ? problem_set(pb, rc, "internal", NULL) : 0;
}
