/*
 * case_edit.c: changing a case (optimistic versions: a write based on an old
 * version is refused with the current one), consents, comments. Every change
 * opens the case's data key, merges, validates the whole result, and writes
 * the case's items again in one transaction with its audit row.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/user.h"
#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../core/text.h"
#include "../stats/stats.h"
#include "case.h"
#include "case_int.h"

#define COMMENT_MAX_CHARS 10000

/* The case, reachable for p, with its values and its data key opened. */
struct open_case {
	struct case_row row;
	unsigned char dek[DEK_BYTES];
	json_t *doc;   /* owned: the values (case.h's shape) */
};

static int open_case(struct ctx *c, const char *ref, enum perm p, struct open_case *oc)
{
	const struct registry *r = registry_get();
	memset(oc, 0, sizeof(*oc));
	if (!r)
		return ERR_FAIL;
	int rc = case_row_load(c->db, "ref", ref, &oc->row);
	if (rc < 0)
		return rc;
	if (!oc->row.has_dek || !case_reaches(c, p, oc->row.org_id, oc->row.created_by))
		return ERR_NOT_FOUND;
	if (case_dek_open(c, &oc->row, oc->dek) < 0)
		return ERR_CRYPTO;
	oc->doc = json_object();
	rc = case_values_read(c, r, &oc->row, oc->dek, oc->doc);
	if (rc < 0) {
		sodium_memzero(oc->dek, sizeof(oc->dek));
		json_decref(oc->doc);
		oc->doc = NULL;
	}
	return rc;
}

static void close_case(struct open_case *oc)
{
	sodium_memzero(oc->dek, sizeof(oc->dek));
	json_decref(oc->doc);
	oc->doc = NULL;
}

static int map_err(int rc, struct problem *pb)
{
	if (rc == ERR_NOT_FOUND)
		return problem_set(pb, rc, "not_found", NULL);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

/*
 * Write doc as the case's new content: bump the version if it is still
 * `version`, set status and assignee, rewrite the items, audit. In one
 * transaction.
 */
static int save(struct ctx *c, struct open_case *oc, int64_t version, const char *assigned_to,
		const char *action, struct problem *pb)
{
	const struct registry *r = registry_get();
	const json_t *case_part = json_object_get(oc->doc, "case");
	const char *status = json_string_value(json_object_get(case_part, "status"));
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "UPDATE cases SET status = ?, assigned_to = ?, updated_at = ?, version = version + 1 "
			  "WHERE id = ? AND version = ? AND dek IS NOT NULL") < 0)
		goto fail;
	store_bind_text(st, 1, status ? status : oc->row.status);
	store_bind_text(st, 2, assigned_to && *assigned_to ? assigned_to : NULL);
	store_bind_int64(st, 3, clock_now());
	store_bind_text(st, 4, oc->row.id);
	store_bind_int64(st, 5, version);
	int rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (changed == 0) {
		store_rollback(c->db);
		pb->current_version = oc->row.version;
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	if (case_items_rewrite(c, r, oc->row.id, oc->dek, oc->doc) < 0 ||
	    case_doc_put(c, r, oc->row.id, oc->dek) < 0 || stats_touch(c->db, oc->row.id) < 0 ||
	    ctx_audit(c, action, "case", oc->row.id, "ok") < 0)
		goto fail;
	return 0;   /* the caller may add to the transaction, then commits */
fail:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

static int commit(struct ctx *c, struct problem *pb)
{
	if (store_commit(c->db) < 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	return 0;
}

/* An assignee must be an enabled user of the case's organisation who may write cases. */
static int check_assignee(struct ctx *c, const char *user_id, const char *org_id)
{
	struct user u;
	if (user_load(c->db, user_id, &u) < 0 || u.disabled || strcmp(u.org_id, org_id) ||
	    !perm_allowed(u.roles, PERM_CASE_WRITE))
		return ERR_INVALID;
	return 0;
}

int case_update(struct ctx *c, const char *ref, const json_t *body, struct problem *pb)
{
	const struct registry *r = registry_get();
	json_t *version = json_object_get(body, "version");
	if (!json_is_integer(version))
		return problem_set(pb, ERR_INVALID, version ? "wrong_type" : "missing_field", "version");
	struct open_case oc;
	int rc = open_case(c, ref, PERM_CASE_WRITE, &oc);
	if (rc < 0)
		return map_err(rc, pb);
	const char *key;
	json_t *v;
	const char *assigned = oc.row.assigned_to;
	json_object_foreach((json_t *)body, key, v) {
		if (!strcmp(key, "version"))
			continue;
		if (!strcmp(key, "assigned_to")) {
			if (!json_is_string(v) && !json_is_null(v)) {
				rc = problem_set(pb, ERR_INVALID, "wrong_type", key);
				goto out;
			}
			assigned = json_string_value(v);
			if (assigned && check_assignee(c, assigned, oc.row.org_id) < 0) {
				rc = problem_set(pb, ERR_INVALID, "invalid", key);
				goto out;
			}
			continue;
		}
		if (!strcmp(key, "events")) {
			json_object_set(oc.doc, key, v);   /* validated with the whole case below */
			continue;
		}
		const struct case_part *part = NULL;
		for (size_t i = 0; i < case_n_parts; i++)
			if (!case_parts[i].many && !strcmp(key, case_parts[i].key))
				part = &case_parts[i];
		if (!part) {
			rc = problem_set(pb, ERR_INVALID, "unknown_field", key);
			goto out;
		}
		if (!json_is_object(v)) {
			rc = problem_set(pb, ERR_INVALID, "wrong_type", key);
			goto out;
		}
		json_t *cur = json_object_get(oc.doc, key);
		if (!cur) {
			cur = json_object();
			json_object_set_new(oc.doc, key, cur);
		}
		const char *k2;
		json_t *v2;
		json_object_foreach(v, k2, v2) {
			if (json_is_null(v2))
				json_object_del(cur, k2);
			else
				json_object_set(cur, k2, v2);
		}
	}
	rc = case_validate(r, oc.doc, pb);
	if (rc < 0)
		goto out;
	rc = save(c, &oc, json_integer_value(version), assigned, "case.update", pb);
	if (rc == 0)
		rc = commit(c, pb);
out:
	close_case(&oc);
	return rc;
}

int case_set_values_begin(struct ctx *c, const char *ref, enum perm p, const char *entity, const json_t *values,
			  const char *action, struct problem *pb)
{
	const struct registry *r = registry_get();
	const struct case_part *part = NULL;
	for (size_t i = 0; i < case_n_parts; i++)
		if (!strcmp(case_parts[i].entity, entity) && !case_parts[i].many)
			part = &case_parts[i];
	if (!r || !part || !json_is_object(values))
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct open_case oc;
	int rc = open_case(c, ref, p, &oc);
	if (rc < 0)
		return map_err(rc, pb);
	json_t *cur = json_object_get(oc.doc, part->key);
	if (!cur) {
		cur = json_object();
		json_object_set_new(oc.doc, part->key, cur);
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)values, k, v) {
		if (json_is_null(v))
			json_object_del(cur, k);
		else
			json_object_set(cur, k, v);
	}
	if (registry_validate(r, entity, cur, true, pb) < 0)
		rc = ERR_INVALID;
	else
		rc = save(c, &oc, oc.row.version, oc.row.assigned_to, action, pb);
	close_case(&oc);
	return rc;
}

int case_consent_add(struct ctx *c, const char *ref, const json_t *consent, struct problem *pb)
{
	const struct registry *r = registry_get();
	if (!json_is_object(consent))
		return problem_set(pb, ERR_INVALID, "not_object", NULL);
	if (registry_validate(r, "consent", consent, true, pb) < 0)
		return ERR_INVALID;
	struct open_case oc;
	int rc = open_case(c, ref, PERM_CASE_WRITE, &oc);
	if (rc < 0)
		return map_err(rc, pb);
	json_t *list = json_object_get(oc.doc, "consents");
	if (!list) {
		list = json_array();
		json_object_set_new(oc.doc, "consents", list);
	}
	int item = (int)json_array_size(list);
	if (item >= MAX_ITEMS) {
		close_case(&oc);
		return problem_set(pb, ERR_INVALID, "too_long", "consents");
	}
	json_array_append(list, (json_t *)consent);
	rc = save(c, &oc, oc.row.version, oc.row.assigned_to, "case.consent", pb);
	/* Who recorded it is part of the read copy save() made: make it again. */
	if (rc == 0 && (case_item_meta_put(c, oc.row.id, "consent", item) < 0 ||
			case_doc_put(c, r, oc.row.id, oc.dek) < 0)) {
		store_rollback(c->db);
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	if (rc == 0)
		rc = commit(c, pb);
	close_case(&oc);
	return rc;
}

int case_consent_withdraw(struct ctx *c, const char *ref, int n, const char *date, struct problem *pb)
{
	const struct registry *r = registry_get();
	struct open_case oc;
	int rc = open_case(c, ref, PERM_CASE_WRITE, &oc);
	if (rc < 0)
		return map_err(rc, pb);
	json_t *item = json_array_get(json_object_get(oc.doc, "consents"), n < 0 ? (size_t)-1 : (size_t)n);
	if (!item) {
		close_case(&oc);
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	}
	json_t *patch = json_pack("{s:s}", "withdrawn_date", date ? date : "");
	json_object_update(item, patch);
	json_decref(patch);
	if (registry_validate(r, "consent", item, true, pb) < 0) {
		close_case(&oc);
		return ERR_INVALID;
	}
	rc = save(c, &oc, oc.row.version, oc.row.assigned_to, "case.consent", pb);
	if (rc == 0)
		rc = commit(c, pb);
	close_case(&oc);
	return rc;
}

/* ---- comments ---- */

static struct seal_ad comment_ad(const char *comment_id)
{
	struct seal_ad ad = { "case_comments", "text", comment_id };
	return ad;
}

static json_t *comment_json(struct ctx *c, const char *id, const char *author_id, int64_t at, const char *text)
{
	struct user u;
	const char *name = user_load(c->db, author_id, &u) == 0 ? u.display_name : "";
	return json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", id, "author_id", author_id, "author_name", name,
			 "at", (json_int_t)at, "text", text);
}

int case_comment_add(struct ctx *c, const char *ref, const char *text, json_t **comment, struct problem *pb)
{
	*comment = NULL;
	if (!text || strlen(text) > 4 * COMMENT_MAX_CHARS)
		return problem_set(pb, ERR_INVALID, text ? "too_long" : "missing_field", "text");
	/* A comment may hold line breaks; nothing else below a space. */
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			return problem_set(pb, ERR_INVALID, "invalid", "text");
	if (strspn(text, " \n") == strlen(text))
		return problem_set(pb, ERR_INVALID, "invalid", "text");
	struct case_row cr;
	int rc = case_row_load(c->db, "ref", ref, &cr);
	if (rc == 0 && (!cr.has_dek || !case_reaches(c, PERM_CASE_WRITE, cr.org_id, cr.created_by)))
		rc = ERR_NOT_FOUND;
	if (rc < 0)
		return map_err(rc, pb);
	unsigned char dek[DEK_BYTES];
	if (case_dek_open(c, &cr, dek) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	char id[ID_HEX_LEN + 1];
	random_id(id);
	size_t len = strlen(text);
	unsigned char *sealed = malloc(seal_len(len));
	struct seal_ad ad = comment_ad(id);
	int64_t now = clock_now();
	rc = sealed ? seal_encrypt(sealed, (const unsigned char *)text, len, &ad, keyring_version(c->app->kr), dek)
		    : ERR_NOMEM;
	sodium_memzero(dek, sizeof(dek));
	if (rc < 0 || store_begin(c->db) < 0) {
		free(sealed);
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	}
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "INSERT INTO case_comments (id, case_id, author_id, at, sealed) "
				      "VALUES (?, ?, ?, ?, ?)") < 0)
		goto fail;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, cr.id);
	store_bind_text(st, 3, c->actor.user_id);
	store_bind_int64(st, 4, now);
	store_bind_blob(st, 5, sealed, seal_len(len));
	rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || ctx_audit(c, "case.comment", "case", cr.id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	free(sealed);
	*comment = comment_json(c, id, c->actor.user_id, now, text);
	return 0;
fail:
	store_rollback(c->db);
	free(sealed);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int case_comments_list(struct ctx *c, const char *ref, json_t **items)
{
	*items = json_array();
	struct case_row cr;
	int rc = case_row_load(c->db, "ref", ref, &cr);
	if (rc == 0 && (!cr.has_dek || !case_reaches(c, PERM_CASE_READ, cr.org_id, cr.created_by)))
		rc = ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	unsigned char dek[DEK_BYTES];
	if (case_dek_open(c, &cr, dek) < 0)
		return ERR_CRYPTO;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT id, author_id, at, sealed FROM case_comments WHERE case_id = ? "
				      "ORDER BY at, id") < 0) {
		sodium_memzero(dek, sizeof(dek));
		return ERR_FAIL;
	}
	store_bind_text(st, 1, cr.id);
	/* Collect first: comment_json queries users, and this statement is still open. */
	json_t *raw = json_array();
	while ((rc = store_step(st)) == STORE_ROW) {
		size_t len = 0;
		const unsigned char *sealed = store_column_blob(st, 3, &len);
		const char *id = store_column_text(st, 0);
		char *plain = sealed && len >= SEAL_OVERHEAD ? malloc(len + 1) : NULL;
		size_t plain_len = 0;
		struct seal_ad ad = comment_ad(id);
		if (!plain || seal_decrypt((unsigned char *)plain, &plain_len, sealed, len, &ad,
					   seal_key_version(sealed, len), dek) < 0) {
			free(plain);
			rc = ERR_CRYPTO;
			break;
		}
		plain[plain_len] = '\0';
		json_array_append_new(raw, json_pack("{s:s, s:s, s:I, s:s}", "id", id, "author_id",
						     store_column_text(st, 1), "at",
						     (json_int_t)store_column_int64(st, 2), "text", plain));
		sodium_memzero(plain, plain_len);
		free(plain);
	}
	store_finalize(st);
	sodium_memzero(dek, sizeof(dek));
	size_t i;
	json_t *v;
	json_array_foreach(raw, i, v) {
		if (rc < 0)
			break;
		json_array_append_new(*items, comment_json(c, json_string_value(json_object_get(v, "id")),
							   json_string_value(json_object_get(v, "author_id")),
							   json_integer_value(json_object_get(v, "at")),
							   json_string_value(json_object_get(v, "text"))));
	}
	json_decref(raw);
	if (rc >= 0)
		rc = ctx_audit_tx(c, "case.read", "case", cr.id, "ok");
	return rc < 0 ? rc : 0;
}

/* ---- assignment ---- */

int case_assignees(struct ctx *c, const char *ref, json_t **items)
{
	*items = json_array();
	struct case_row cr;
	int rc = case_row_load(c->db, "ref", ref, &cr);
	if (rc == 0 && (!cr.has_dek || !case_reaches(c, PERM_CASE_WRITE, cr.org_id, cr.created_by)))
		rc = ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	struct user *users;
	int n;
	if (user_list_enabled_in_org(c->db, cr.org_id, &users, &n) < 0)
		return ERR_FAIL;
	for (int i = 0; i < n; i++)
		if (perm_allowed(users[i].roles, PERM_CASE_WRITE))
			json_array_append_new(*items, json_pack("{s:s, s:s, s:s}", "id", users[i].id, "username",
								 users[i].username, "display_name",
								 users[i].display_name));
	free(users);
	return 0;
}
