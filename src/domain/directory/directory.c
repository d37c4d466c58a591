/* directory.c: the service directory; see directory.h. */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../../core/alloc.h"
#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../core/text.h"
#include "../notify/mail.h"
#include "../ref/ref.h"

/*
 * HTCDS 2.0 spl_Type (support plan type) values, and the support types of
 * the referral mechanism that HTCDS has no value for (htcds false).
 */
const struct directory_service directory_services[] = {
	{ "Accommodation", false, { "Accommodation / shelter", "الإيواء / المأوى" } },
	{ "Health", true, { "Health", "الرعاية الصحية" } },
	{ "Psychological", false, { "Psychological support", "الدعم النفسي" } },
	{ "Legal", true, { "Legal", "المساعدة القانونية" } },
	{ "Interpretation", false, { "Interpretation", "الترجمة الشفوية" } },
	{ "Livelihood", true, { "Livelihood", "سبل العيش" } },
	{ "Education", true, { "Education", "التعليم" } },
	{ "FamilyTracing", false, { "Family tracing", "البحث عن الأسرة" } },
	{ "ReturnAndReintegration", false, { "Return and reintegration", "العودة وإعادة الإدماج" } },
	{ "ProtectionAndSafety", false, { "Protection and safety", "الحماية والسلامة" } },
	{ "Financial", true, { "Financial", "الدعم المالي" } },
	{ "SocialCare", true, { "Social care", "الرعاية الاجتماعية" } },
	{ "RightsBasedTraining", true, { "Rights-based training", "التدريب القائم على الحقوق" } },
	{ "LabourExploitationRehabilitation", true,
	  { "Labour exploitation rehabilitation", "إعادة التأهيل من الاستغلال في العمل" } },
	{ "SexualExploitationRehabilitation", true,
	  { "Sexual exploitation rehabilitation", "إعادة التأهيل من الاستغلال الجنسي" } },
};
const size_t directory_service_count = sizeof(directory_services) / sizeof(directory_services[0]);

const char *const directory_accepts[] = { "women", "men", "children", "families", NULL };

#define ENTRY_COLS                                                                                 \
	"e.org_id, o.name_en, o.name_ar, o.org_type, e.accepting, e.capacity_total, e.capacity_free, " \
	"e.note, e.updated_at, e.version, e.notify_email"

const struct directory_service *directory_service_find(const char *code)
{
	for (size_t i = 0; code && i < directory_service_count; i++)
		if (!strcmp(code, directory_services[i].code))
			return &directory_services[i];
	return NULL;
}

static const char *accepts_find(const char *code)
{
	for (int i = 0; code && directory_accepts[i]; i++)
		if (!strcmp(code, directory_accepts[i]))
			return directory_accepts[i];
	return NULL;
}

void directory_entry_release(struct directory_entry *e)
{
	for (int i = 0; i < e->n_regions; i++)
		free(e->regions[i]);
	e->n_regions = 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Case-folded, NFC copy of s for comparisons (caller frees), or NULL. */
static char *fold(const char *s)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
					  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
						  UTF8PROC_CASEFOLD);
	if (n < 0)
		return NULL;
	return (char *)out;
}

static int field_at(struct problem *pb, int err, const char *code, const char *list, int i)
{
	char field[64];
	snprintf(field, sizeof(field), "%s[%d]", list, i);
	return problem_set(pb, err, code, field);
}

/* Note: at most DIRECTORY_NOTE_CHARS, no control characters but line breaks and tabs. */
static int check_note(const char *note, struct problem *pb)
{
	if (!note)
		return 0;
	if (utf8_chars(note) > DIRECTORY_NOTE_CHARS)
		return problem_set(pb, ERR_INVALID, "too_long", "note");
	for (const unsigned char *p = (const unsigned char *)note; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f)
			return problem_set(pb, ERR_INVALID, "invalid", "note");
	return 0;
}

/* A list of codes: each known (find != NULL), none twice. */
static int check_codes(const char *const *vals, int n, int max, const char *list,
		       bool (*known)(const char *), struct problem *pb)
{
	if (n > max)
		return problem_set(pb, ERR_INVALID, "too_long", list);
	for (int i = 0; i < n; i++) {
		if (!known(vals[i]))
			return field_at(pb, ERR_INVALID, "invalid", list, i);
		for (int j = 0; j < i; j++)
			if (!strcmp(vals[i], vals[j]))
				return field_at(pb, ERR_INVALID, "invalid", list, i);
	}
	return 0;
}

static bool service_known(const char *s)
{
	return directory_service_find(s) != NULL;
}

static bool accepts_known(const char *s)
{
	return accepts_find(s) != NULL;
}

static int check_input(const struct directory_input *in, struct problem *pb)
{
	int rc;
	if (in->n_services < 1)
		return problem_set(pb, ERR_INVALID, "invalid", "services");
	if ((rc = check_codes(in->services, in->n_services, DIRECTORY_SERVICES_MAX, "services", service_known, pb)) < 0)
		return rc;
	if (in->n_regions > DIRECTORY_REGIONS_MAX)
		return problem_set(pb, ERR_INVALID, "too_long", "regions");
	for (int i = 0; i < in->n_regions; i++) {
		if (utf8_chars(in->regions[i]) > DIRECTORY_REGION_CHARS)
			return field_at(pb, ERR_INVALID, "too_long", "regions", i);
		if (text_check_name(in->regions[i], DIRECTORY_REGION_CHARS) < 0)
			return field_at(pb, ERR_INVALID, "invalid", "regions", i);
		char *key = fold(in->regions[i]);
		if (!key)
			return field_at(pb, ERR_INVALID, "invalid", "regions", i);
		bool dup = false;
		for (int j = 0; j < i && !dup; j++) {
			char *other = fold(in->regions[j]);
			dup = other && !strcmp(key, other);
			free(other);
		}
		free(key);
		if (dup)
			return field_at(pb, ERR_INVALID, "invalid", "regions", i);
	}
	if ((rc = check_codes(in->languages, in->n_languages, DIRECTORY_LANGUAGES_MAX, "languages",
			      ref_language_valid, pb)) < 0)
		return rc;
	if ((rc = check_codes(in->accepts, in->n_accepts, DIRECTORY_ACCEPTS_MAX, "accepts", accepts_known, pb)) < 0)
		return rc;
	if (in->has_capacity) {
		bool shelter = false;
		for (int i = 0; i < in->n_services; i++)
			shelter = shelter || !strcmp(in->services[i], DIRECTORY_SHELTER);
		if (!shelter)
			return problem_set(pb, ERR_INVALID, "invalid", "capacity");
		if (in->capacity_total < 0 || in->capacity_total > DIRECTORY_CAPACITY_MAX)
			return problem_set(pb, ERR_INVALID, "invalid", "capacity.total");
		if (in->capacity_free < 0 || in->capacity_free > in->capacity_total)
			return problem_set(pb, ERR_INVALID, "invalid", "capacity.free");
	}
	if (in->notify_email && in->notify_email[0] &&
	    (strlen(in->notify_email) > DIRECTORY_EMAIL_MAX || !mail_address_valid(in->notify_email)))
		return problem_set(pb, ERR_INVALID, "invalid", "notify_email");
	return check_note(in->note, pb);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void row_to_entry(struct store_stmt *st, struct directory_entry *e)
{
	memset(e, 0, sizeof(*e));
	copy(e->org_id, sizeof(e->org_id), store_column_text(st, 0));
	copy(e->org_name_en, sizeof(e->org_name_en), store_column_text(st, 1));
	copy(e->org_name_ar, sizeof(e->org_name_ar), store_column_text(st, 2));
	copy(e->org_type, sizeof(e->org_type), store_column_text(st, 3));
	e->accepting = store_column_int64(st, 4) != 0;
	e->has_capacity = !store_column_is_null(st, 5);
	e->capacity_total = e->has_capacity ? store_column_int64(st, 5) : 0;
	e->capacity_free = e->has_capacity ? store_column_int64(st, 6) : 0;
	copy(e->note, sizeof(e->note), store_column_text(st, 7));
	e->updated_at = store_column_int64(st, 8);
	e->version = store_column_int64(st, 9);
	copy(e->notify_email, sizeof(e->notify_email), store_column_text(st, 10));
	e->notify_email_shown = true;
}

/* The notification address is the organisation's own business: blank it for those who may not change it. */
static void mask_email(struct ctx *c, struct directory_entry *e)
{
	if (!ctx_in_scope(c, PERM_DIRECTORY_WRITE, e->org_id)) {
		e->notify_email[0] = '\0';
		e->notify_email_shown = false;
	}
}

/* Fill e's lists from directory_items with the prepared statement st (one parameter: org id). */
static int load_items(struct store_stmt *st, struct directory_entry *e)
{
	if (store_reset(st) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, e->org_id);
	int rc;
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *kind = store_column_text(st, 0);
		const char *value = store_column_text(st, 1);
		if (!kind || !value)
			continue;
		if (!strcmp(kind, "service")) {
			const struct directory_service *s = directory_service_find(value);
			if (s && e->n_services < DIRECTORY_SERVICES_MAX)
				e->services[e->n_services++] = s->code;
		} else if (!strcmp(kind, "region")) {
			if (e->n_regions < DIRECTORY_REGIONS_MAX) {
				char *r = xstrdup(value);
				if (!r)
					return ERR_NOMEM;
				e->regions[e->n_regions++] = r;
			}
		} else if (!strcmp(kind, "language")) {
			if (e->n_languages < DIRECTORY_LANGUAGES_MAX)
				copy(e->languages[e->n_languages++], 3, value);
		} else if (!strcmp(kind, "accepts")) {
			const char *a = accepts_find(value);
			if (a && e->n_accepts < DIRECTORY_ACCEPTS_MAX)
				e->accepts[e->n_accepts++] = a;
		}
	}
	return rc < 0 ? rc : 0;
}

static int prepare_items(struct store *db, struct store_stmt **st)
{
	return store_prepare(db, st,
			     "SELECT kind, value FROM directory_items WHERE org_id = ? ORDER BY kind, position");
}

static int load(struct store *db, const char *org_id, struct directory_entry *out)
{
	struct store_stmt *st;
	if (store_prepare(db, &st,
			  "SELECT " ENTRY_COLS " FROM directory_entries e JOIN orgs o ON o.id = e.org_id "
			  "WHERE e.org_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		row_to_entry(st, out);
	store_finalize(st);
	if (rc < 0)
		return rc;
	if (rc != STORE_ROW)
		return ERR_NOT_FOUND;
	if (prepare_items(db, &st) < 0)
		return ERR_FAIL;
	rc = load_items(st, out);
	store_finalize(st);
	if (rc < 0)
		directory_entry_release(out);
	return rc;
}

int directory_get(struct ctx *c, const char *org_id, struct directory_entry *out)
{
	memset(out, 0, sizeof(*out));
	if (ctx_scope(c, PERM_ORG_READ) == SCOPE_NONE)
		return ERR_NOT_FOUND;
	int rc = load(c->db, org_id, out);
	if (rc == 0)
		mask_email(c, out);
	return rc;
}

int directory_notify_email(struct store *db, const char *org_id, char *out, size_t out_size)
{
	out[0] = '\0';
	struct store_stmt *st;
	if (store_prepare(db, &st, "SELECT notify_email FROM directory_entries WHERE org_id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		copy(out, out_size, store_column_text(st, 0));
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Build the search statement: only the filters given, values bound. */
#define ITEM_FILTER " AND EXISTS (SELECT 1 FROM directory_items i WHERE i.org_id = e.org_id AND i.kind = ? AND i.value_key = ?)"

int directory_search(struct ctx *c, const struct directory_filter *f, struct directory_entry **items,
		     int *n_items, struct problem *pb)
{
	*items = NULL;
	*n_items = 0;
	if (f->service && !directory_service_find(f->service))
		return problem_set(pb, ERR_INVALID, "invalid", "service");
	if (f->region && text_check_name(f->region, DIRECTORY_REGION_CHARS) < 0)
		return problem_set(pb, ERR_INVALID, "invalid", "region");
	if (f->language && !ref_language_valid(f->language))
		return problem_set(pb, ERR_INVALID, "invalid", "language");
	if (f->accepts && !accepts_find(f->accepts))
		return problem_set(pb, ERR_INVALID, "invalid", "accepts");
	if (ctx_scope(c, PERM_ORG_READ) == SCOPE_NONE)
		return 0;
	char *region_key = f->region ? fold(f->region) : NULL;
	if (f->region && !region_key)
		return problem_set(pb, ERR_INVALID, "invalid", "region");

	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "SELECT " ENTRY_COLS " FROM directory_entries e JOIN orgs o ON o.id = e.org_id WHERE 1 = 1%s%s%s%s%s%s "
		 "ORDER BY o.name_en, e.org_id",
		 f->service ? ITEM_FILTER : "", region_key ? ITEM_FILTER : "", f->language ? ITEM_FILTER : "",
		 f->accepts ? ITEM_FILTER : "", f->free_only ? " AND e.capacity_free > 0" : "",
		 f->accepting_only ? " AND e.accepting = 1" : "");
	struct store_stmt *st = NULL, *items_st = NULL;
	struct directory_entry *list = NULL;
	int n = 0, cap = 0, rc = ERR_FAIL;
	if (store_prepare(c->db, &st, sql) < 0)
		goto out;
	int k = 1;
	const char *kinds[] = { "service", "region", "language", "accepts" };
	const char *vals[] = { f->service, region_key, f->language, f->accepts };
	for (int i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		store_bind_text(st, k++, kinds[i]);
		store_bind_text(st, k++, vals[i]);
	}
	while ((rc = store_step(st)) == STORE_ROW) {
		if (n == cap) {
			int ncap = cap ? cap * 2 : 16;
			struct directory_entry *grown = realloc(list, (size_t)ncap * sizeof(*list));
			if (!grown) {
				rc = ERR_NOMEM;
				goto out;
			}
			list = grown;
			cap = ncap;
		}
		row_to_entry(st, &list[n++]);
	}
	if (rc < 0)
		goto out;
	if (prepare_items(c->db, &items_st) < 0) {
		rc = ERR_FAIL;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if ((rc = load_items(items_st, &list[i])) < 0)
			goto out;
		mask_email(c, &list[i]);
	}
	rc = 0;
out:
	store_finalize(items_st);
	store_finalize(st);
	free(region_key);
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			directory_entry_release(&list[i]);
		free(list);
		return problem_set(pb, rc, "internal", NULL);
	}
	*items = list;
	*n_items = n;
	return 0;
}

/* The organisation must exist and be within the actor's PERM_DIRECTORY_WRITE. */
static int check_target(struct ctx *c, const char *org_id, struct problem *pb)
{
	if (!ctx_in_scope(c, PERM_DIRECTORY_WRITE, org_id))
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	struct org o;
	int rc = org_get(c, org_id, &o);
	if (rc == ERR_NOT_FOUND)
		return problem_set(pb, rc, "not_found", NULL);
	return rc < 0 ? problem_set(pb, rc, "internal", NULL) : 0;
}

static int insert_item(struct store_stmt *st, const char *org_id, const char *kind, const char *value,
		       const char *key, int position)
{
	if (store_reset(st) < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, org_id);
	store_bind_text(st, 2, kind);
	store_bind_text(st, 3, value);
	store_bind_text(st, 4, key);
	store_bind_int64(st, 5, position);
	int rc = store_step(st);
	return rc < 0 ? rc : 0;
}

static int insert_list(struct store_stmt *st, const char *org_id, const char *kind,
		       const char *const *vals, int n, bool folded)
{
	for (int i = 0; i < n; i++) {
		char *key = folded ? fold(vals[i]) : NULL;
		if (folded && !key)
			return ERR_NOMEM;
		int rc = insert_item(st, org_id, kind, vals[i], folded ? key : vals[i], i);
		free(key);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int directory_put(struct ctx *c, const char *org_id, const struct directory_input *in,
		  struct directory_entry *out, struct problem *pb)
{
	memset(out, 0, sizeof(*out));
	int rc = check_target(c, org_id, pb);
	if (rc < 0)
		return rc;
	if ((rc = check_input(in, pb)) < 0)
		return rc;
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st = NULL;
	if (store_prepare(c->db, &st,
			  "INSERT INTO directory_entries (org_id, accepting, capacity_total, capacity_free, note, "
			  "updated_at, updated_by, version, notify_email) VALUES (?, ?, ?, ?, ?, ?, ?, 1, COALESCE(?, '')) "
			  "ON CONFLICT (org_id) DO UPDATE SET accepting = excluded.accepting, "
			  "notify_email = COALESCE(?, directory_entries.notify_email), "
			  "capacity_total = excluded.capacity_total, capacity_free = excluded.capacity_free, "
			  "note = excluded.note, updated_at = excluded.updated_at, updated_by = excluded.updated_by, "
			  "version = directory_entries.version + 1") < 0)
		goto fail;
	store_bind_text(st, 1, org_id);
	store_bind_int64(st, 2, in->accepting ? 1 : 0);
	if (in->has_capacity) {
		store_bind_int64(st, 3, in->capacity_total);
		store_bind_int64(st, 4, in->capacity_free);
	} else {
		store_bind_null(st, 3);
		store_bind_null(st, 4);
	}
	store_bind_text(st, 5, in->note ? in->note : "");
	store_bind_int64(st, 6, clock_now());
	store_bind_text(st, 7, c->actor.user_id);
	store_bind_text(st, 8, in->notify_email);   /* NULL keeps the stored address */
	store_bind_text(st, 9, in->notify_email);
	rc = store_step(st);
	store_finalize(st);
	st = NULL;
	if (rc < 0 || store_prepare(c->db, &st, "DELETE FROM directory_items WHERE org_id = ?") < 0)
		goto fail;
	store_bind_text(st, 1, org_id);
	rc = store_step(st);
	store_finalize(st);
	st = NULL;
	if (rc < 0 ||
	    store_prepare(c->db, &st,
			  "INSERT INTO directory_items (org_id, kind, value, value_key, position) VALUES (?, ?, ?, ?, ?)") < 0)
		goto fail;
	if (insert_list(st, org_id, "service", in->services, in->n_services, false) < 0 ||
	    insert_list(st, org_id, "region", in->regions, in->n_regions, true) < 0 ||
	    insert_list(st, org_id, "language", in->languages, in->n_languages, false) < 0 ||
	    insert_list(st, org_id, "accepts", in->accepts, in->n_accepts, false) < 0)
		goto fail;
	store_finalize(st);
	st = NULL;
	if (ctx_audit(c, "directory.update", "org", org_id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	return load(c->db, org_id, out) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
fail:
	store_finalize(st);
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}

int directory_set_free(struct ctx *c, const char *org_id, int64_t free_places,
		       struct directory_entry *out, struct problem *pb)
{
	memset(out, 0, sizeof(*out));
	int rc = check_target(c, org_id, pb);
	if (rc < 0)
		return rc;
	if (free_places < 0 || free_places > DIRECTORY_CAPACITY_MAX)
		return problem_set(pb, ERR_INVALID, "invalid", "free");
	if (store_begin(c->db) < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT capacity_total FROM directory_entries WHERE org_id = ?") < 0)
		goto fail;
	store_bind_text(st, 1, org_id);
	rc = store_step(st);
	bool has_capacity = rc == STORE_ROW && !store_column_is_null(st, 0);
	int64_t total = has_capacity ? store_column_int64(st, 0) : 0;
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (rc != STORE_ROW) {
		store_rollback(c->db);
		return problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
	}
	if (!has_capacity || free_places > total) {
		store_rollback(c->db);
		return problem_set(pb, ERR_INVALID, "invalid", "free");
	}
	/* The total is re-checked in the update: a concurrent PUT may have lowered it. */
	if (store_prepare(c->db, &st,
			  "UPDATE directory_entries SET capacity_free = ?, updated_at = ?, updated_by = ?, "
			  "version = version + 1 WHERE org_id = ? AND capacity_total IS NOT NULL AND capacity_total >= ?") < 0)
		goto fail;
	store_bind_int64(st, 1, free_places);
	store_bind_int64(st, 2, clock_now());
	store_bind_text(st, 3, c->actor.user_id);
	store_bind_text(st, 4, org_id);
	store_bind_int64(st, 5, free_places);
	rc = store_step(st);
	int64_t changed = store_changes(st);
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (changed == 0) {
		store_rollback(c->db);
		return problem_set(pb, ERR_INVALID, "invalid", "free");
	}
	if (ctx_audit(c, "directory.capacity", "org", org_id, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	return load(c->db, org_id, out) < 0 ? problem_set(pb, ERR_FAIL, "internal", NULL) : 0;
fail:
	store_rollback(c->db);
	return problem_set(pb, ERR_FAIL, "internal", NULL);
}
