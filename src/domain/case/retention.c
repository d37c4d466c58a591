/* retention.c: retention periods and a person's own data; see retention.h. */
#include "retention.h"
#include "case.h"
#include "case_int.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/seal.h"
#include "../registry/registry.h"

#define SECONDS_PER_DAY 86400
#define PAGE 256   /* candidates read per query */

void retention_policy_from_config(const struct config *cfg, struct retention_policy *pol)
{
	pol->closed_days = cfg->retention_closed_days;
	pol->closed_referred_days = cfg->retention_closed_referred_days;
	pol->active_days = cfg->retention_active_days;
}

/* The period for status, in days; 0 for never (or a status that is not kept by period). */
static long period_days(const struct retention_policy *pol, const char *status)
{
	if (!strcmp(status, "Closed"))
		return pol->closed_days;
	if (!strcmp(status, "ClosedReferred"))
		return pol->closed_referred_days;
	if (!strcmp(status, "Active") || !strcmp(status, "FollowUp"))
		return pol->active_days;
	return 0;
}

bool retention_due(const struct retention_policy *pol, const char *status, int64_t updated_at,
		   const char *closed_date, int64_t now)
{
	assert(pol && status);
	long days = period_days(pol, status);
	if (days <= 0)
		return false;
	int64_t start = updated_at;
	int64_t closed;
	if (!strncmp(status, "Closed", 6) && closed_date && strlen(closed_date) == 10 &&
	    clock_parse_iso(closed_date, &closed) == 0)
		start = closed;
	return now - start >= (int64_t)days * SECONDS_PER_DAY;
}

/* ---- the run ---- */

struct candidate {
	char ref[CASE_REF_MAX];
	char status[32];
	int64_t updated_at;
	char closed_date[16];
	bool has_closed_date;
};

/*
 * Up to PAGE candidates after `after` (by reference) among the statuses that
 * have a period: not erased, status listed. *n the number read.
 */
static int read_page(struct ctx *c, const char *const *statuses, size_t n_statuses, const char *after,
		     struct candidate *page, size_t *n)
{
	char sql[512];
	int len = snprintf(sql, sizeof(sql),
			   "SELECT c.ref, c.status, c.updated_at, f.value FROM cases c LEFT JOIN case_facts f "
			   "ON f.case_id = c.id AND f.entity = 'case' AND f.item = 0 AND f.key = 'closed_date' "
			   "WHERE c.dek IS NOT NULL AND c.ref > ? AND c.status IN (");
	for (size_t i = 0; i < n_statuses; i++)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, i ? ", ?" : "?");
	snprintf(sql + len, sizeof(sql) - (size_t)len, ") ORDER BY c.ref LIMIT %d", PAGE);
	assert((size_t)len < sizeof(sql) - 40);
	*n = 0;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, sql) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, after);
	for (size_t i = 0; i < n_statuses; i++)
		store_bind_text(st, (int)i + 2, statuses[i]);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW && *n < PAGE) {
		struct candidate *cd = &page[(*n)++];
		case_copy(cd->ref, sizeof(cd->ref), store_column_text(st, 0));
		case_copy(cd->status, sizeof(cd->status), store_column_text(st, 1));
		cd->updated_at = store_column_int64(st, 2);
		const char *closed = store_column_text(st, 3);
		cd->has_closed_date = closed != NULL;
		case_copy(cd->closed_date, sizeof(cd->closed_date), closed);
	}
	store_finalize(st);
	return rc < 0 ? ERR_FAIL : 0;
}

/*
 * Is the case still as it was when found due? A change in between (reopened,
 * edited) leaves it for the next run rather than erase what a user just touched.
 */
static bool unchanged(struct ctx *c, const struct candidate *cd)
{
	struct case_row cr;
	return case_row_load(c->db, "ref", cd->ref, &cr) == 0 && cr.has_dek && !strcmp(cr.status, cd->status) &&
	       cr.updated_at == cd->updated_at;
}

int retention_run(struct ctx *c, const struct retention_policy *pol, bool dry_run,
		  retention_report_fn report, void *arg, struct retention_result *res)
{
	assert(c && pol && res);
	assert(!c->actor.user_id[0]);   /* the command line's system actor */
	memset(res, 0, sizeof(*res));
	static const char *const all[] = { "Closed", "ClosedReferred", "Active", "FollowUp" };
	const char *statuses[4];
	size_t n_statuses = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (period_days(pol, all[i]) > 0)
			statuses[n_statuses++] = all[i];

	int64_t now = clock_now();
	int rc = 0;
	struct candidate *page = n_statuses ? calloc(PAGE, sizeof(*page)) : NULL;
	if (n_statuses && !page)
		return ERR_NOMEM;
	char after[CASE_REF_MAX] = "";
	while (n_statuses) {
		size_t n;
		if (read_page(c, statuses, n_statuses, after, page, &n) < 0) {
			log_error("retention: reading the cases failed", "after=%s", after);
			rc = ERR_FAIL;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			const struct candidate *cd = &page[i];
			if (!retention_due(pol, cd->status, cd->updated_at,
					   cd->has_closed_date ? cd->closed_date : NULL, now))
				continue;
			res->n_due++;
			bool erased = false;
			if (!dry_run) {
				if (!unchanged(c, cd)) {
					res->n_skipped++;
					continue;
				}
				int erc = case_erase(c, cd->ref);
				if (erc == 0) {
					res->n_erased++;
					erased = true;
				} else if (erc == ERR_NOT_FOUND) {
					res->n_skipped++;   /* erased by hand meanwhile */
					continue;
				} else {
					log_error("retention: erasure failed", "ref=%s rc=%s", cd->ref, err_name(erc));
					res->n_failed++;
				}
			}
			if (report)
				report(cd->ref, cd->status, erased, arg);
		}
		if (n < PAGE)
			break;
		case_copy(after, sizeof(after), page[n - 1].ref);
	}
	free(page);
	if (rc == 0 && !dry_run) {
		char count[32];
		snprintf(count, sizeof(count), "%ld", res->n_erased);
		if (ctx_audit_tx(c, "retention.run", "retention", count, res->n_failed ? "failed" : "ok") < 0) {
			log_error("audit append failed", "action=%s", "retention.run");
			rc = ERR_FAIL;
		}
	}
	return rc;
}

/* ---- a person's own data ---- */

static json_t *label_json(const struct label *l)
{
	return json_pack("{s:s, s:s}", "en", l->en ? l->en : "", "ar", l->ar ? l->ar : "");
}

static json_t *value_label(const struct field *f, const json_t *v)
{
	static const struct label yes = { "Yes", "نعم" }, no = { "No", "لا" };
	if (f->type == FT_BOOLEAN && json_is_boolean(v))
		return label_json(json_is_true(v) ? &yes : &no);
	if (f->type == FT_CHOICE && json_is_string(v)) {
		const struct choice *ch = field_choice(f, json_string_value(v));
		return ch ? label_json(&ch->label) : NULL;
	}
	if (f->type == FT_MULTICHOICE && json_is_array(v)) {
		json_t *labels = json_array();
		size_t i;
		json_t *one;
		json_array_foreach(v, i, one) {
			const struct choice *ch = json_is_string(one) ? field_choice(f, json_string_value(one)) : NULL;
			json_array_append_new(labels, ch ? label_json(&ch->label) : json_null());
		}
		return labels;
	}
	return NULL;
}

/* The values of one entity item as a labelled list, in registry order. */
static json_t *labelled(const struct registry *r, const char *entity, const json_t *values)
{
	json_t *list = json_array();
	const struct entity *e = registry_entity(r, entity);
	if (!e || !json_is_object(values))
		return list;
	for (size_t i = 0; i < e->n_fields; i++) {
		const struct field *f = &e->fields[i];
		json_t *v = json_object_get(values, f->key);
		if (!v || json_is_null(v))
			continue;
		json_t *item = json_pack("{s:s, s:o, s:O}", "key", f->key, "label", label_json(&f->label), "value", v);
		json_t *vl = value_label(f, v);
		if (vl)
			json_object_set_new(item, "value_label", vl);
		json_array_append_new(list, item);
	}
	return list;
}

static json_t *iso_time(int64_t t)
{
	char iso[32];
	return clock_format_iso(t, iso, sizeof(iso)) == 0 ? json_string(iso) : json_null();
}

/* The case's comments, oldest first, as [{"at","text"}]: no author. */
static int comments_read(struct ctx *c, const struct case_row *cr, const unsigned char dek[DEK_BYTES],
			 json_t *out)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT id, at, sealed FROM case_comments WHERE case_id = ? "
				      "ORDER BY at, id") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, cr->id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		size_t len = 0;
		const unsigned char *sealed = store_column_blob(st, 2, &len);
		char *plain = sealed && len >= SEAL_OVERHEAD ? malloc(len + 1) : NULL;
		size_t plain_len = 0;
		/* The additional data case_edit.c seals comments with. */
		struct seal_ad ad = { "case_comments", "text", store_column_text(st, 0) };
		if (!plain || seal_decrypt((unsigned char *)plain, &plain_len, sealed, len, &ad,
					   seal_key_version(sealed, len), dek) < 0) {
			free(plain);
			log_error("case comment does not open", "case=%s", cr->id);
			rc = ERR_CRYPTO;
			break;
		}
		plain[plain_len] = '\0';
		json_array_append_new(out, json_pack("{s:o, s:s}", "at", iso_time(store_column_int64(st, 1)),
						     "text", plain));
		sodium_memzero(plain, plain_len);
		free(plain);
	}
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int case_subject_export(struct ctx *c, const char *ref, json_t **out)
{
	const struct registry *r = registry_get();
	*out = NULL;
	if (!r)
		return ERR_FAIL;
	struct case_row cr;
	int rc = case_row_load(c->db, "ref", ref, &cr);
	if (rc < 0)
		return rc;
	if (!cr.has_dek || !case_reaches(c, PERM_CASE_READ, cr.org_id, cr.created_by))
		return ERR_NOT_FOUND;
	unsigned char dek[DEK_BYTES];
	if (case_dek_open(c, &cr, dek) < 0)
		return ERR_CRYPTO;
	json_t *values = json_object(), *comments = json_array();
	rc = case_values_read(c, r, &cr, dek, values);
	if (rc == 0)
		rc = comments_read(c, &cr, dek, comments);
	sodium_memzero(dek, sizeof(dek));
	json_t *doc = NULL;
	if (rc == 0) {
		json_t *labels = json_object();
		static const char *const entities[] = { "person", "victim", "case", "event", "consent", "comment" };
		for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
			const struct entity *e = registry_entity(r, entities[i]);
			if (e)
				json_object_set_new(labels, entities[i], label_json(&e->label));
		}
		doc = json_pack("{s:o, s:s, s:o}", "generated_at", iso_time(clock_now()), "ref", cr.ref, "labels",
				labels);
		for (size_t i = 0; i < case_n_parts; i++) {
			const struct case_part *p = &case_parts[i];
			const json_t *v = json_object_get(values, p->key);
			if (!p->many) {
				json_object_set_new(doc, p->key, labelled(r, p->entity, v));
				continue;
			}
			json_t *items = json_array();
			size_t k;
			json_t *item;
			json_array_foreach(v, k, item)
				json_array_append_new(items, labelled(r, p->entity, item));
			json_object_set_new(doc, p->key, items);
		}
		json_object_set(doc, "comments", comments);
		rc = ctx_audit_tx(c, "case.subject_export", "case", cr.id, "ok");
	}
	json_decref(values);
	json_decref(comments);
	if (rc < 0) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}
