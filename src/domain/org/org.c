/* org.c: organisations; see org.h. */
#include "org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../../core/text.h"
#include "../ref/ref.h"

/* HTCDS 2.0 org_Type, plus InternationalOrganisation for IOM, UNODC, UNHCR (an ihala extension). */
const char *const org_types[] = {
	"NGO", "LawEnforcement", "HealthServiceOrganisation", "CentralGovernmentOrganisation",
	"LocalGovernmentOrganisation", "ImmigrationService", "LegalService", "CorporateBusiness",
	"SchoolOrCollege", "InternationalOrganisation", NULL,
};

#define ORG_COLS "id, name_ar, name_en, org_type, country, created_at, updated_at, version"

int org_check_type(const char *type)
{
	for (int i = 0; type && org_types[i]; i++)
		if (!strcmp(type, org_types[i]))
			return 0;
	return ERR_INVALID;
}

static int check_name(const char *name)
{
	return text_check_name(name, ORG_NAME_MAX / 4);
}

/* Validate the fields that are present; for create, all must be. */
static int check_fields(const struct org_fields *f, bool create, struct problem *pb)
{
	if ((create || f->name_ar) && check_name(f->name_ar) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "name_ar");
	if ((create || f->name_en) && check_name(f->name_en) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "name_en");
	if ((create || f->type) && org_check_type(f->type) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "type");
	if ((create || f->country) && !ref_country_valid(f->country))
		return problem_set(pb, ERR_INVALID, "invalid", "country");
	return 0;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void row_to_org(struct store_stmt *st, struct org *o)
{
	memset(o, 0, sizeof(*o));
	copy(o->id, sizeof(o->id), store_column_text(st, 0));
	copy(o->name_ar, sizeof(o->name_ar), store_column_text(st, 1));
	copy(o->name_en, sizeof(o->name_en), store_column_text(st, 2));
	copy(o->type, sizeof(o->type), store_column_text(st, 3));
	copy(o->country, sizeof(o->country), store_column_text(st, 4));
	o->created_at = store_column_int64(st, 5);
	o->updated_at = store_column_int64(st, 6);
	o->version = store_column_int64(st, 7);
}

static int load(struct store *db, const char *where, const char *value, struct org *out)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT " ORG_COLS " FROM orgs WHERE %s = ?", where);
	struct store_stmt *st;
	if (store_prepare(db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, value);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		row_to_org(st, out);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 0 : ERR_NOT_FOUND;
}

int org_create(struct ctx *c, const struct org_fields *f, struct org *out, struct problem *pb)
{
	if (ctx_scope(c, PERM_ORG_WRITE) != SCOPE_ALL)
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	int rc = check_fields(f, true, pb);
	if (rc < 0)
		return rc;
	char id[ID_HEX_LEN + 1];
	random_id(id);
	int64_t now = clock_now();
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO orgs (id, name_ar, name_en, org_type, country, created_at, updated_at, version) "
			  "VALUES (?, ?, ?, ?, ?, ?, ?, 1)") < 0)
		goto fail;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, f->name_ar);
	store_bind_text(st, 3, f->name_en);
	store_bind_text(st, 4, f->type);
	store_bind_text(st, 5, f->country);
	store_bind_int64(st, 6, now);
	store_bind_int64(st, 7, now);
	rc = store_step(st);
	store_finalize(st);
	if (rc < 0 || ctx_audit(c, "org.create", "org", id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	return load(c->db, "id", id, out) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
fail:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int org_get(struct ctx *c, const char *id, struct org *out)
{
	if (!ctx_in_scope(c, PERM_ORG_READ, id))
		return ERR_NOT_FOUND;
	return load(c->db, "id", id, out);
}

int org_find_by_name(struct store *db, const char *name_en, struct org *out)
{
	return load(db, "name_en", name_en, out);
}

int org_list(struct ctx *c, const char *cursor, int limit, struct org **items, int *n_items,
	     char next_cursor[ID_HEX_LEN + 1])
{
	*items = NULL;
	*n_items = 0;
	next_cursor[0] = '\0';
	enum scope sc = ctx_scope(c, PERM_ORG_READ);
	if (sc == SCOPE_NONE)
		return 0;
	struct org *list = xcalloc((size_t)limit + 1, sizeof(*list));
	if (!list)
		return ERR_NOMEM;
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  sc == SCOPE_ALL ? "SELECT " ORG_COLS " FROM orgs WHERE id > ? ORDER BY id LIMIT ?"
					  : "SELECT " ORG_COLS " FROM orgs WHERE id > ? AND id = ? ORDER BY id LIMIT ?") < 0) {
		free(list);
		return ERR_FAIL;
	}
	int i = 1, rc, n = 0;
	store_bind_text(st, i++, cursor ? cursor : "");
	if (sc != SCOPE_ALL)
		store_bind_text(st, i++, c->actor.org_id);
	store_bind_int64(st, i, limit + 1);
	while ((rc = store_step(st)) == STORE_ROW && n <= limit)
		row_to_org(st, &list[n++]);
	store_finalize(st);
	if (rc < 0) {
		free(list);
		return rc;
	}
	if (n > limit) {
		n = limit;
		copy(next_cursor, ID_HEX_LEN + 1, list[n - 1].id);
	}
	*items = list;
	*n_items = n;
	return 0;
}

int org_update(struct ctx *c, const char *id, const struct org_fields *f, struct org *out,
	       struct problem *pb)
{
	struct org cur;
	if (!ctx_in_scope(c, PERM_ORG_READ, id))
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	int rc = load(c->db, "id", id, &cur);
	if (rc == ERR_NOT_FOUND)
		return problem_set(pb, rc, "not_found", NULL);
	if (rc < 0)
		return problem_set(pb, rc, "internal", NULL);
	if (!ctx_in_scope(c, PERM_ORG_WRITE, id))
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	rc = check_fields(f, false, pb);
	if (rc < 0)
		return rc;
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "UPDATE orgs SET name_ar = ?, name_en = ?, org_type = ?, country = ?, updated_at = ?, "
			  "version = version + 1 WHERE id = ? AND (? = 0 OR version = ?)") < 0)
		goto fail;
	store_bind_text(st, 1, f->name_ar ? f->name_ar : cur.name_ar);
	store_bind_text(st, 2, f->name_en ? f->name_en : cur.name_en);
	store_bind_text(st, 3, f->type ? f->type : cur.type);
	store_bind_text(st, 4, f->country ? f->country : cur.country);
	store_bind_int64(st, 5, clock_now());
	store_bind_text(st, 6, id);
	store_bind_int64(st, 7, f->version);
	store_bind_int64(st, 8, f->version);
	rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (changed == 0) {
		store_rollback(c->db);
		pb->current_version = cur.version;
		return problem_set(pb, ERR_CONFLICT, "stale_version", "version");
	}
	if (ctx_audit(c, "org.update", "org", id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	return load(c->db, "id", id, out) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
fail:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}
