/*
 * import.c: cases from HTCDS CSV, XLSX and XForm files: the columns mapped
 * through the field registry, every row checked before anything is written,
 * the good rows written in one transaction; see import.h. Reading the files
 * is import_parse.c.
 */
#include "import.h"
#include "case_int.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "../../core/log.h"
#include "../link/dedup.h"
#include "../ref/ref.h"
/* ---- from a table to case bodies ---- */

enum col_kind { COL_IGNORE, COL_EMPTY, COL_FIELD, COL_EXTREF };

struct col_plan {
	enum col_kind kind;
	const struct field *f;          /* COL_FIELD */
	const struct case_part *part;   /* COL_FIELD */
	int rank;                       /* COL_EXTREF: lower wins */
	const char *name;               /* the header text (borrowed from the table) */
};

static const char *const extref_table[] = { "ihala_ExternalRef", "id", "cas_CaseId", "_id", "_uuid", "instanceID" };
static const char *const ignored_names[] = {
	"ihala_Ref", "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
	"username", "audit", "instanceName", "deprecatedID", "uuid", "__version__",
};

static json_t *reason_row(size_t line, const char *code, const char *name)
{
	char reason[256];
	snprintf(reason, sizeof(reason), "%s%s%s", code, name ? " " : "", name ? name : "");
	json_t *s = json_string(reason);
	if (!s)   /* a name that is not UTF-8: the code alone */
		s = json_string(code);
	return json_pack("{s:I, s:o}", "line", (json_int_t)line, "reason", s);
}

static const struct case_part *part_of(const char *entity)
{
	for (size_t i = 0; i < case_n_parts; i++)
		if (!strcmp(case_parts[i].entity, entity))
			return &case_parts[i];
	return NULL;
}

/* The plan of each header column; a file error appended to bad returns ERR_INVALID. */
static int plan_columns(const struct registry *r, const struct import_table *t, enum import_format fmt,
			struct col_plan *plan, size_t n, json_t *bad_rows)
{
	size_t line = t->rows[0].line;
	for (size_t i = 0; i < n; i++) {
		const char *name = import_cell(t, 0, i);
		if (fmt != IMPORT_XFORM && strrchr(name, '/'))
			name = strrchr(name, '/') + 1;   /* "group/field" of KoboToolbox */
		plan[i] = (struct col_plan){ COL_IGNORE, NULL, NULL, 0, name };
		if (!name[0]) {
			plan[i].kind = COL_EMPTY;
			continue;
		}
		bool done = false;
		for (size_t k = 0; !done && k < sizeof(extref_table) / sizeof(extref_table[0]); k++) {
			if (fmt == IMPORT_XFORM ? strcmp(name, "instanceID") : strcmp(name, extref_table[k]))
				continue;
			plan[i].kind = COL_EXTREF;
			plan[i].rank = (int)k;
			done = true;
		}
		for (size_t k = 0; !done && k < sizeof(ignored_names) / sizeof(ignored_names[0]); k++)
			done = !strcmp(name, ignored_names[k]);
		if (done)
			continue;
		const struct field *f = registry_field_by_htcds(r, name);
		const struct case_part *part = f ? part_of(f->entity) : NULL;
		if (!part) {
			bool used = false;
			for (size_t row = 1; !used && row < t->n_rows; row++)
				used = strspn(import_cell(t, row, i), " \t\r\n") != strlen(import_cell(t, row, i));
			if (name[0] == '_' || !used)
				continue;   /* KoboToolbox's _submission_time, ...; a column nobody filled */
			json_array_append_new(bad_rows, reason_row(line, "unknown_column", name));
			return ERR_INVALID;
		}
		for (size_t k = 0; k < i; k++) {
			if (plan[k].kind == COL_FIELD && plan[k].f == f) {
				json_array_append_new(bad_rows, reason_row(line, "duplicate_column", name));
				return ERR_INVALID;
			}
		}
		plan[i].kind = COL_FIELD;
		plan[i].f = f;
		plan[i].part = part;
	}
	return 0;
}

/* text without surrounding ASCII spaces into out (size > strlen(text)). */
static void trim_into(char *out, const char *text)
{
	while (*text && isspace((unsigned char)*text))
		text++;
	size_t len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	memcpy(out, text, len);
	out[len] = '\0';
}

static bool ieq(const char *a, const char *b)
{
	return !strcasecmp(a, b);
}

/* One value as the registry wants it; NULL when not representable (invalid UTF-8). */
static json_t *scalar_value(const struct field *f, char *text)
{
	switch (f->type) {
	case FT_NUMBER: {
		char *end = NULL;
		long long n = strtoll(text, &end, 10);
		if (end != text && (*end == '\0' || (*end == '.' && end[1 + strspn(end + 1, "0")] == '\0')))
			return json_integer(n);
		return json_string(text);   /* the registry says wrong_type */
	}
	case FT_BOOLEAN:
		if (ieq(text, "true") || ieq(text, "yes") || !strcmp(text, "1"))
			return json_true();
		if (ieq(text, "false") || ieq(text, "no") || !strcmp(text, "0"))
			return json_false();
		return json_string(text);
	case FT_ISIC: {
		const struct ref_isic_section *sec = ref_isic_by_htcds(text);
		return json_string(sec ? sec->code : text);
	}
	default:
		return json_string(text);
	}
}

static bool is_list(enum field_type ty)
{
	return ty == FT_MULTICHOICE || ty == FT_COUNTRIES || ty == FT_LANGUAGES;
}

static json_t *cell_value(const struct field *f, char *text, enum import_format fmt)
{
	if (!is_list(f->type))
		return scalar_value(f, text);
	json_t *arr = json_array();
	const char *seps = fmt == IMPORT_XFORM ? " \t\r\n" : ";";
	char *p = text;
	while (arr && *p) {
		size_t n = strcspn(p, seps);
		char save = p[n];
		p[n] = '\0';
		char *item = malloc(n + 1);
		if (!item) {
			json_decref(arr);
			return NULL;
		}
		trim_into(item, p);
		if (item[0]) {
			json_t *v = json_string(item);
			if (!v) {
				free(item);
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
		}
		free(item);
		p[n] = save;
		p += n + (save ? 1 : 0);
	}
	return arr;
}

/* The object of part in body, created on first use. */
static json_t *part_obj(json_t *body, const struct case_part *part)
{
	json_t *v = json_object_get(body, part->key);
	if (!v) {
		v = part->many ? json_array() : json_object();
		json_object_set_new(body, part->key, v);
		if (part->many)
			json_array_append_new(v, json_object());
	}
	return part->many ? json_array_get(v, 0) : v;
}

/* The column name to report for (entity, key): the file's own, else the HTCDS name. */
static const char *column_name(const struct registry *r, const struct col_plan *plan, size_t n,
			       const char *entity, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (plan[i].kind == COL_FIELD && !strcmp(plan[i].f->entity, entity) && !strcmp(plan[i].f->key, key))
			return plan[i].name;
	const struct field *f = registry_field(r, entity, key);
	return f ? f->htcds : key;
}

/*
 * One data row into *body and ext (the source record id, "" if none). 1 for
 * an empty row, 0 for a good one, ERR_INVALID with a row appended to bad_rows.
 */
static int map_row(const struct registry *r, const struct import_table *t, size_t row, enum import_format fmt,
		   const struct col_plan *plan, size_t n_cols, const struct import_defaults *def,
		   json_t **body_out, char *ext, char *text, json_t *bad_rows)
{
	const struct import_row *ir = &t->rows[row];
	size_t line = ir->line;
	int ext_rank = 1 << 20;
	json_t *body = json_object();
	int rc = 1;
	ext[0] = '\0';
	*body_out = NULL;
	if (!body) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ir->n; i++) {
		trim_into(text, import_cell(t, row, i));
		if (!text[0])
			continue;
		if (rc == 1)
			rc = 0;
		if (i >= n_cols || plan[i].kind == COL_EMPTY) {
			char col[32];
			snprintf(col, sizeof(col), "column_%zu", i + 1);
			json_array_append_new(bad_rows, reason_row(line, "unknown_column", col));
			rc = ERR_INVALID;
			goto out;
		}
		if (plan[i].kind == COL_EXTREF) {
			if (plan[i].rank >= ext_rank)
				continue;
			bool ctl = false;
			for (const char *p = text; *p; p++)
				ctl |= (unsigned char)*p < 0x20 || *p == 0x7f;
			if (strlen(text) > IMPORT_EXTERNAL_REF_MAX || ctl) {
				json_array_append_new(bad_rows, reason_row(line, ctl ? "invalid" : "too_long", plan[i].name));
				rc = ERR_INVALID;
				goto out;
			}
			snprintf(ext, IMPORT_EXTERNAL_REF_MAX + 1, "%s", text);
			ext_rank = plan[i].rank;
			continue;
		}
		if (plan[i].kind != COL_FIELD)
			continue;
		json_t *v = cell_value(plan[i].f, text, fmt);
		if (!v) {
			json_array_append_new(bad_rows, reason_row(line, "invalid", plan[i].name));
			rc = ERR_INVALID;
			goto out;
		}
		json_object_set_new(part_obj(body, plan[i].part), plan[i].f->key, v);
	}
	if (rc == 1)
		goto out;   /* nothing in this row */
	json_t *kase = json_object_get(body, "case");
	if (!kase && def && def->purpose) {
		kase = json_object();
		json_object_set_new(body, "case", kase);
	}
	if (kase && !json_object_get(kase, "status"))
		json_object_set_new(kase, "status", json_string("Active"));
	if (kase && def && def->purpose && !json_object_get(kase, "purpose"))
		json_object_set_new(kase, "purpose", json_string(def->purpose));
	json_t *consent = json_array_get(json_object_get(body, "consents"), 0);
	if (consent && def && def->consent_purpose && !json_object_get(consent, "purpose"))
		json_object_set_new(consent, "purpose", json_string(def->consent_purpose));
	if (consent && def && def->consent_date && !json_object_get(consent, "date"))
		json_object_set_new(consent, "date", json_string(def->consent_date));
	/* Entity by entity, so that a failing key names its column. */
	struct problem pb;
	for (size_t k = 0; k < case_n_parts; k++) {
		json_t *obj = json_object_get(body, case_parts[k].key);
		if (!obj)
			continue;
		if (case_parts[k].many)
			obj = json_array_get(obj, 0);
		memset(&pb, 0, sizeof(pb));
		if (registry_validate(r, case_parts[k].entity, obj, true, &pb) < 0) {
			json_array_append_new(bad_rows, reason_row(line, pb.code ? pb.code : "invalid",
								   column_name(r, plan, n_cols, case_parts[k].entity, pb.field)));
			rc = ERR_INVALID;
			goto out;
		}
	}
	memset(&pb, 0, sizeof(pb));
	if (case_validate(r, body, &pb) < 0) {
		json_array_append_new(bad_rows, reason_row(line, pb.code ? pb.code : "invalid", pb.field));
		rc = ERR_INVALID;
		goto out;
	}
	*body_out = body;
	body = NULL;
out:
	json_decref(body);
	return rc;
}

int import_map(const struct registry *r, const struct import_table *t, enum import_format fmt,
	       json_t **bodies, json_t **bad_rows)
{
	return import_map_ext(r, t, fmt, NULL, bodies, bad_rows);
}

int import_map_ext(const struct registry *r, const struct import_table *t, enum import_format fmt,
		   const struct import_defaults *def, json_t **bodies, json_t **bad_rows)
{
	*bodies = json_array();
	*bad_rows = json_array();
	if (!*bodies || !*bad_rows)
		goto nomem;
	if (t->n_rows == 0) {
		json_array_append_new(*bad_rows, reason_row(0, "no_rows", NULL));
		return 0;
	}
	size_t n_cols = t->rows[0].n;
	struct col_plan *plan = calloc(n_cols ? n_cols : 1, sizeof(*plan));
	if (!plan)
		goto nomem;
	if (plan_columns(r, t, fmt, plan, n_cols, *bad_rows) < 0) {
		free(plan);
		return 0;
	}
	char ext[IMPORT_EXTERNAL_REF_MAX + 1];
	char *text = malloc(IMPORT_MAX_CELL_BYTES + 1);   /* one trimmed cell */
	if (!text) {
		free(plan);
		goto nomem;
	}
	int rc = 0;
	for (size_t row = 1; rc != ERR_NOMEM && row < t->n_rows; row++) {
		json_t *body = NULL;
		rc = map_row(r, t, row, fmt, plan, n_cols, def, &body, ext, text, *bad_rows);
		if (rc != 0)
			continue;
		json_t *good = json_pack("{s:I, s:o}", "line", (json_int_t)t->rows[row].line, "body", body);
		if (good && ext[0])
			json_object_set_new(good, "external_ref", json_string(ext));
		if (!good || json_array_append_new(*bodies, good) < 0)
			rc = ERR_NOMEM;
	}
	sodium_memzero(text, IMPORT_MAX_CELL_BYTES + 1);
	free(text);
	free(plan);
	if (rc == ERR_NOMEM)
		goto nomem;
	if (json_array_size(*bodies) == 0 && json_array_size(*bad_rows) == 0)   /* a header, then nothing */
		json_array_append_new(*bad_rows, reason_row(t->rows[0].line, "no_rows", NULL));
	return 0;
nomem:
	json_decref(*bodies);
	json_decref(*bad_rows);
	*bodies = *bad_rows = NULL;
	return ERR_NOMEM;
}

/* ---- the whole import ---- */

void import_result_release(struct import_result *res)
{
	json_decref(res->refs);
	json_decref(res->rows);
	memset(res, 0, sizeof(*res));
}

static void audit_failed(struct ctx *c)
{
	if (ctx_audit_tx(c, "case.import", "import", NULL, "failed") < 0)
		log_error("audit append failed", "action=%s", "case.import");
}

/* Is ext the source record id of a case of the caller's organisation (not erased)? */
static int already_imported(struct ctx *c, const char *ext)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT 1 FROM cases WHERE org_id = ? AND external_ref = ? AND dek IS NOT NULL") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, c->actor.org_id);
	store_bind_text(st, 2, ext);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : rc == STORE_ROW;
}

/*
 * Move the rows whose source record id repeats one earlier in the file, or
 * one already imported, from bodies to bad_rows (kept in line order).
 */
static int drop_duplicates(struct ctx *c, json_t *bodies, json_t *bad_rows)
{
	json_t *seen = json_object();
	int rc = seen ? 0 : ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < json_array_size(bodies);) {
		json_t *good = json_array_get(bodies, i);
		const char *ext = json_string_value(json_object_get(good, "external_ref"));
		const char *why = NULL;
		if (ext && json_object_get(seen, ext)) {
			why = "duplicate_external_ref";
		} else if (ext) {
			json_object_set_new(seen, ext, json_true());
			rc = already_imported(c, ext);
			if (rc > 0)
				why = "already_imported";
		}
		if (rc < 0)
			break;
		rc = 0;
		if (!why) {
			i++;
			continue;
		}
		char reason[IMPORT_EXTERNAL_REF_MAX + 64];
		snprintf(reason, sizeof(reason), "%s %s", why, ext);
		json_array_append_new(bad_rows, json_pack("{s:O, s:s}", "line", json_object_get(good, "line"),
							  "reason", reason));
		json_array_remove(bodies, i);
	}
	json_decref(seen);
	if (rc == 0) {
		/* Keep the bad rows in the order of the file. */
		size_t n = json_array_size(bad_rows);
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0; b--) {
				json_t *x = json_array_get(bad_rows, b - 1), *y = json_array_get(bad_rows, b);
				if (json_integer_value(json_object_get(x, "line")) <=
				    json_integer_value(json_object_get(y, "line")))
					break;
				json_incref(x);
				json_array_set(bad_rows, b - 1, y);
				json_array_set_new(bad_rows, b, x);
			}
	}
	return rc;
}

int case_import(struct ctx *c, enum import_format fmt, const void *data, size_t len, bool skip_bad_rows,
		const struct import_defaults *def, struct import_result *res)
{
	const struct registry *r = registry_get();
	struct import_table t;
	struct import_error e = { "bad_file", 0 };
	json_t *bodies = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	res->refs = json_array();
	res->rows = json_array();
	if (!r || !res->refs || !res->rows)
		return ERR_FAIL;
	if (ctx_scope(c, PERM_CASE_WRITE) == SCOPE_NONE || !c->actor.user_id[0])
		return ERR_DENIED;
	if (len > IMPORT_MAX_BYTES)
		return ERR_TOO_LARGE;

	import_table_init(&t);
	switch (fmt) {
	case IMPORT_CSV:
		rc = import_csv_parse(data, len, &t, &e);
		break;
	case IMPORT_XLSX:
		rc = import_xlsx_parse(data, len, &t, &e);
		break;
	default:
		rc = import_xform_parse(data, len, &t, &e);
		break;
	}
	if (rc == ERR_TOO_LARGE)
		goto out;
	if (rc < 0) {
		json_array_append_new(res->rows, reason_row(e.line, e.code, NULL));
		audit_failed(c);
		rc = ERR_INVALID;
		goto out;
	}
	json_t *bad_rows = NULL;
	if (import_map_ext(r, &t, fmt, def, &bodies, &bad_rows) < 0) {
		rc = ERR_FAIL;
		goto out;
	}
	json_decref(res->rows);
	res->rows = bad_rows;
	if (drop_duplicates(c, bodies, bad_rows) < 0) {
		rc = ERR_FAIL;
		goto out;
	}
	/* A file error, or a bad row while the file is all-or-nothing: nothing is written. */
	if (json_array_size(bad_rows) && (!skip_bad_rows || json_array_size(bodies) == 0)) {
		audit_failed(c);
		rc = ERR_INVALID;
		goto out;
	}

	/* Every case of the file in one transaction: all are written, or none. */
	if (store_begin(c->db) < 0) {
		rc = ERR_FAIL;
		goto out;
	}
	size_t i;
	json_t *good;
	json_array_foreach(bodies, i, good) {
		char ref[CASE_REF_MAX];
		struct problem pb;
		memset(&pb, 0, sizeof(pb));
		if (case_create_ext(c, json_object_get(good, "body"),
				    json_string_value(json_object_get(good, "external_ref")), false, ref, &pb) < 0) {
			log_error("import: a case was not created", "row=%zu", i);
			rc = ERR_FAIL;
			break;
		}
		json_array_append_new(res->refs, json_string(ref));
	}
	char count[32];
	snprintf(count, sizeof(count), "%zu", json_array_size(bodies));
	if (rc >= 0 && (ctx_audit(c, "case.import", "import", count, "ok") < 0 || store_commit(c->db) < 0))
		rc = ERR_FAIL;
	if (rc < 0) {
		store_rollback(c->db);
		json_array_clear(res->refs);
		goto out;
	}
	res->n_imported = json_array_size(bodies);
	/* Duplicates of the new cases, once they are committed (src/domain/link/dedup.h). */
	dedup_cases_saved(c, res->refs);
	rc = 0;
out:
	json_decref(bodies);
	import_table_release(&t);
	return rc;
}
