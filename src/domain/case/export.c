/* export.c: cases as an HTCDS table in CSV or XLSX; see export.h. */
#include "export.h"
#include "case_int.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../../auth/user.h"
#include "../../core/log.h"
#include "../../crypto/password.h"
#include "../registry/registry.h"

/* ---- cells ---- */

bool export_is_formula(const char *text)
{
	if (!text)
		return false;
	switch (text[0]) {
	case '=':
	case '+':
	case '-':
	case '@':
	case '\t':
	case '\r':
		return true;
	default:
		return false;
	}
}

static bool csv_needs_quotes(const char *text)
{
	return strpbrk(text, ",\"\r\n") != NULL;
}

void export_csv_field(struct buf *b, const char *text)
{
	if (!text)
		text = "";
	bool quote = csv_needs_quotes(text);
	if (quote)
		buf_putc(b, '"');
	if (export_is_formula(text))
		buf_putc(b, '\'');
	for (const char *p = text; *p; p++) {
		const char *q = strchr(p, '"');
		if (!q) {
			buf_puts(b, p);
			break;
		}
		buf_append(b, p, (size_t)(q - p));
		buf_puts(b, "\"\"");
		p = q;
	}
	if (quote)
		buf_putc(b, '"');
}

/* ---- writers ---- */

struct export_writer {
	enum export_format fmt;
	struct buf *out;            /* borrowed */
	size_t rows;                /* rows written, the header included */
	/* XLSX only. */
	lxw_workbook *wb;           /* owned until workbook_close */
	lxw_worksheet *ws;          /* owned by wb */
	lxw_format *bold;           /* owned by wb */
	char dir[256];              /* the private folder, "" when none */
	char path[300];             /* the file in it */
	struct buf cell;            /* scratch for a neutralised or cut cell */
};

static int out_error(const struct buf *b)
{
	int err = buf_error(b);
	return err == ERR_TOO_LARGE ? ERR_TOO_LARGE : err ? ERR_FAIL : 0;
}

/* Remove the folder and whatever is in it (only our file, normally). */
static void remove_dir(struct export_writer *w)
{
	if (!w->dir[0])
		return;
	DIR *d = opendir(w->dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (unlinkat(dirfd(d), e->d_name, 0) < 0)
				log_error("export temporary file not removed", "errno=%d", errno);
		}
		closedir(d);
	}
	if (rmdir(w->dir) < 0)
		log_error("export temporary folder not removed", "errno=%d", errno);
	w->dir[0] = '\0';
}

static int xlsx_open(struct export_writer *w)
{
	const char *base = getenv("TMPDIR");
	if (!base || base[0] != '/')
		base = "/tmp";
	int n = snprintf(w->dir, sizeof(w->dir), "%s/ihala-export-XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(w->dir)) {
		w->dir[0] = '\0';
		log_error("export temporary folder name too long", "len=%d", n);
		return ERR_FAIL;
	}
	if (!mkdtemp(w->dir)) {   /* mode 0700 */
		log_error("export temporary folder not created", "errno=%d", errno);
		w->dir[0] = '\0';
		return ERR_FAIL;
	}
	snprintf(w->path, sizeof(w->path), "%s/cases.xlsx", w->dir);
	lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = w->dir, .use_zip64 = LXW_FALSE };
	w->wb = workbook_new_opt(w->path, &opts);
	if (!w->wb) {
		log_error("xlsx workbook not created", "errno=%d", errno);
		return ERR_FAIL;
	}
	w->ws = workbook_add_worksheet(w->wb, "cases");
	w->bold = workbook_add_format(w->wb);
	if (!w->ws || !w->bold) {
		log_error("xlsx worksheet not created", "rows=%d", 0);
		return ERR_FAIL;
	}
	format_set_bold(w->bold);
	return 0;
}

int export_writer_open(struct export_writer **out_w, enum export_format fmt, struct buf *out)
{
	assert(out_w && out);
	struct export_writer *w = calloc(1, sizeof(*w));
	*out_w = NULL;
	if (!w)
		return ERR_NOMEM;
	w->fmt = fmt;
	w->out = out;
	buf_init(&w->cell, (size_t)EXPORT_XLSX_CELL_MAX * 4 + 2);
	if (fmt == EXPORT_CSV) {
		buf_puts(out, "\xEF\xBB\xBF");   /* UTF-8 byte order mark */
	} else if (xlsx_open(w) < 0) {
		export_writer_free(w);
		return ERR_FAIL;
	}
	*out_w = w;
	return 0;
}

/* Bytes of the first max_chars UTF-8 characters of s. */
static size_t utf8_prefix(const char *s, size_t max_chars)
{
	size_t i = 0, chars = 0;
	while (s[i] && chars < max_chars) {
		i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	return i;
}

static int xlsx_cell(struct export_writer *w, lxw_col_t col, const char *text)
{
	bool header = w->rows == 0;
	if (!text || !*text)
		return 0;   /* an empty cell is no cell */
	bool formula = export_is_formula(text);
	size_t room = EXPORT_XLSX_CELL_MAX - (formula ? 1 : 0);
	size_t keep = utf8_prefix(text, room);
	if (formula || text[keep]) {
		buf_reset(&w->cell);
		if (formula)
			buf_putc(&w->cell, '\'');
		buf_append(&w->cell, text, keep);
		if (buf_error(&w->cell))
			return ERR_FAIL;
		text = w->cell.data;
	}
	lxw_error e = worksheet_write_string(w->ws, (lxw_row_t)w->rows, col, text, header ? w->bold : NULL);
	if (e != LXW_NO_ERROR) {
		log_error("xlsx cell not written", "error=%s", lxw_strerror(e));
		return ERR_FAIL;
	}
	return 0;
}

int export_writer_row(struct export_writer *w, const char *const *cells, size_t n)
{
	assert(w);
	if (w->fmt == EXPORT_CSV) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(w->out, ',');
			export_csv_field(w->out, cells[i]);
		}
		buf_puts(w->out, "\r\n");
		w->rows++;
		return out_error(w->out);
	}
	if (w->rows >= LXW_ROW_MAX || n > LXW_COL_MAX)
		return ERR_TOO_LARGE;
	for (size_t i = 0; i < n; i++)
		if (xlsx_cell(w, (lxw_col_t)i, cells[i]) < 0)
			return ERR_FAIL;
	w->rows++;
	return 0;
}

/* Read the finished file into w->out, within its cap. */
static int xlsx_read_back(struct export_writer *w)
{
	int fd = open(w->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_error("xlsx file not opened", "errno=%d", errno);
		return ERR_FAIL;
	}
	int rc = 0;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("xlsx file not a file", "errno=%d", errno);
		rc = ERR_FAIL;
	} else if ((uint64_t)st.st_size + w->out->len > w->out->max) {
		rc = ERR_TOO_LARGE;
	}
	char chunk[65536];
	while (rc == 0) {
		ssize_t got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			log_error("xlsx file not read", "errno=%d", errno);
			rc = ERR_FAIL;
			break;
		}
		if (got == 0)
			break;
		buf_append(w->out, chunk, (size_t)got);
		rc = out_error(w->out);
	}
	close(fd);
	return rc;
}

int export_writer_finish(struct export_writer *w)
{
	assert(w);
	int rc = out_error(w->out);
	if (w->fmt == EXPORT_XLSX) {
		lxw_error e = workbook_close(w->wb);
		w->wb = NULL;
		if (e != LXW_NO_ERROR) {
			log_error("xlsx workbook not written", "error=%s", lxw_strerror(e));
			rc = ERR_FAIL;
		}
		if (rc == 0)
			rc = xlsx_read_back(w);
	}
	export_writer_free(w);
	return rc;
}

void export_writer_free(struct export_writer *w)
{
	if (!w)
		return;
	if (w->wb) {
		/* Closing writes the file; it is deleted just below. */
		workbook_close(w->wb);
		w->wb = NULL;
	}
	remove_dir(w);
	if (w->cell.data)
		sodium_memzero(w->cell.data, w->cell.cap);
	buf_release(&w->cell);
	free(w);
}

/* ---- recent authentication ---- */

int export_check_password(struct ctx *c, const char *password)
{
	struct user u;
	char hash[PASSWORD_HASH_MAX];
	if (!c->actor.user_id[0] || user_load_by_name(c->db, c->actor.username, &u, hash, sizeof(hash)) < 0)
		return ERR_FAIL;
	bool rehash = false;
	int rc = 0;
	if (!password || strlen(password) > PASSWORD_MAX_LEN || password_verify(hash, password, &rehash) < 0) {
		if (ctx_audit_tx(c, "case.export", "export", NULL, "failed") < 0)
			log_error("audit append failed", "action=%s", "case.export");
		rc = ERR_UNAUTH;
	}
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* ---- the table of cases ---- */

/* The HTCDS columns: the fields of each case part in order; both from the registry. */
struct columns {
	const struct field **fields;   /* owned array of borrowed fields */
	const struct case_part **parts; /* owned array: the part each field comes from */
	size_t n;
};

static int columns_build(const struct registry *r, struct columns *cols)
{
	size_t n = 0;
	for (size_t i = 0; i < case_n_parts; i++) {
		const struct entity *e = registry_entity(r, case_parts[i].entity);
		n += e ? e->n_fields : 0;
	}
	cols->fields = calloc(n ? n : 1, sizeof(*cols->fields));
	cols->parts = calloc(n ? n : 1, sizeof(*cols->parts));
	cols->n = 0;
	if (!cols->fields || !cols->parts)
		return ERR_NOMEM;
	for (size_t i = 0; i < case_n_parts; i++) {
		const struct entity *e = registry_entity(r, case_parts[i].entity);
		for (size_t j = 0; e && j < e->n_fields; j++) {
			cols->fields[cols->n] = &e->fields[j];
			cols->parts[cols->n] = &case_parts[i];
			cols->n++;
		}
	}
	return 0;
}

static void columns_release(struct columns *cols)
{
	free(cols->fields);
	free(cols->parts);
	memset(cols, 0, sizeof(*cols));
}

/* One JSON value as cell text, appended to b: lists joined with ";". */
static void value_text(struct buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_append(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		buf_printf(b, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	case JSON_ARRAY: {
		size_t i;
		const json_t *item;
		json_array_foreach(v, i, item) {
			if (i)
				buf_putc(b, ';');
			value_text(b, item);
		}
		break;
	}
	default:
		break;   /* null, objects: empty */
	}
}

/* The object a part of the case holds: the entity object, or the first of a list. */
static const json_t *part_obj(const json_t *kase, const struct case_part *part)
{
	const json_t *v = json_object_get(kase, part->key);
	if (part->many)
		v = json_array_get(v, 0);
	return json_is_object(v) ? v : NULL;
}

/*
 * The row of one case into cells[0..2 + n): text laid end to end in text
 * (NUL-separated), so cells point into it only after text stops growing.
 */
static int case_row_cells(const json_t *kase, const struct columns *cols, struct buf *text,
			  size_t *offsets, const char **cells)
{
	size_t n = 2 + cols->n;
	buf_reset(text);
	for (size_t i = 0; i < n; i++) {
		offsets[i] = text->len;
		const json_t *v;
		if (i == 0) {
			v = json_object_get(kase, "ref");
		} else if (i == 1) {
			v = json_object_get(kase, "external_ref");
		} else {
			const struct field *f = cols->fields[i - 2];
			const struct case_part *part = cols->parts[i - 2];
			/* The lifecycle status lives on the case row itself. */
			if (!strcmp(part->entity, "case") && !strcmp(f->key, "status"))
				v = json_object_get(kase, "status");
			else
				v = json_object_get(part_obj(kase, part), f->key);
		}
		if (v)
			value_text(text, v);
		buf_putc(text, '\0');
	}
	if (buf_error(text))
		return buf_error(text) == ERR_TOO_LARGE ? ERR_TOO_LARGE : ERR_FAIL;
	for (size_t i = 0; i < n; i++)
		cells[i] = text->data + offsets[i];
	return 0;
}

/*
 * One export being written: the columns, the writer, the scratch cells, the
 * ids of the cases written (audited together at the end), and where the file
 * goes: out, drained into sink as it grows when there is a sink.
 */
struct exporter {
	struct ctx *c;
	struct columns cols;
	struct export_writer *w;
	struct buf text;
	struct buf *out;
	const struct export_sink *sink;
	size_t *offsets;
	const char **cells;
	char (*ids)[ID_HEX_LEN + 1];
	size_t n_ids, cap_ids;
};

#define SINK_CHUNK ((size_t)1 << 20)

static int exporter_open(struct exporter *ex, struct ctx *c, enum export_format fmt, struct buf *out,
			 const struct export_sink *sink)
{
	const struct registry *r = registry_get();
	memset(ex, 0, sizeof(*ex));
	ex->c = c;
	ex->out = out;
	ex->sink = sink;
	buf_init(&ex->text, EXPORT_MAX_BYTES);
	if (!r)
		return ERR_FAIL;
	int rc = columns_build(r, &ex->cols);
	if (rc < 0)
		return rc;
	size_t n = 2 + ex->cols.n;
	ex->offsets = calloc(n, sizeof(*ex->offsets));
	ex->cells = calloc(n, sizeof(*ex->cells));
	if (!ex->offsets || !ex->cells)
		return ERR_NOMEM;
	rc = export_writer_open(&ex->w, fmt, out);
	if (rc < 0)
		return rc;
	ex->cells[0] = "ihala_Ref";
	ex->cells[1] = "ihala_ExternalRef";
	for (size_t i = 0; i < ex->cols.n; i++)
		ex->cells[2 + i] = ex->cols.fields[i]->htcds;
	return export_writer_row(ex->w, ex->cells, n);
}

/* Hand what out holds to the sink, then wipe it (it is personal data). */
static int exporter_drain(struct exporter *ex)
{
	if (!ex->sink || ex->out->len == 0)
		return 0;
	int rc = ex->sink->write(ex->sink->arg, ex->out->data, ex->out->len);
	sodium_memzero(ex->out->data, ex->out->len);
	buf_reset(ex->out);
	return rc < 0 ? ERR_FAIL : 0;
}

/* Write one case (already read and checked) as a row. */
static int exporter_case(struct exporter *ex, const char *id, const json_t *kase)
{
	if (ex->n_ids == ex->cap_ids) {
		size_t cap = ex->cap_ids ? ex->cap_ids * 2 : 256;
		void *ids = realloc(ex->ids, cap * sizeof(*ex->ids));
		if (!ids)
			return ERR_NOMEM;
		ex->ids = ids;
		ex->cap_ids = cap;
	}
	int rc = case_row_cells(kase, &ex->cols, &ex->text, ex->offsets, ex->cells);
	if (rc == 0)
		rc = export_writer_row(ex->w, ex->cells, 2 + ex->cols.n);
	if (rc == 0) {
		case_copy(ex->ids[ex->n_ids], sizeof(ex->ids[0]), id);
		ex->n_ids++;
		if (ex->out->len >= SINK_CHUNK)
			rc = exporter_drain(ex);
	}
	return rc;
}

/*
 * Complete the file and audit in one transaction: one "case.export" row per
 * case written (object the case), then the count (object "export").
 */
static int exporter_finish(struct exporter *ex)
{
	int rc = export_writer_finish(ex->w);
	ex->w = NULL;
	if (rc == 0)
		rc = exporter_drain(ex);
	if (rc < 0)
		return rc;
	struct ctx *c = ex->c;
	char count[32];
	snprintf(count, sizeof(count), "%zu", ex->n_ids);
	if (store_begin(c->db) < 0)
		return ERR_FAIL;
	for (size_t i = 0; i < ex->n_ids; i++)
		if (ctx_audit(c, "case.export", "case", ex->ids[i], "ok") < 0)
			goto fail;
	if (ctx_audit(c, "case.export", "export", count, "ok") < 0 || store_commit(c->db) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(c->db);
	return ERR_FAIL;
}

static void exporter_close(struct exporter *ex, int rc)
{
	if (rc == ERR_TOO_LARGE && ctx_audit_tx(ex->c, "case.export", "export", NULL, "failed") < 0)
		log_error("audit append failed", "action=%s", "case.export");
	export_writer_free(ex->w);
	/* The table held personal data: wipe the scratch copies before freeing. */
	if (ex->text.data)
		sodium_memzero(ex->text.data, ex->text.cap);
	buf_release(&ex->text);
	free(ex->offsets);
	free(ex->cells);
	free(ex->ids);
	columns_release(&ex->cols);
}

int case_export(struct ctx *c, const char *const *refs, size_t n_refs, enum export_format fmt,
		struct buf *out, size_t *n_exported)
{
	struct exporter ex;
	json_t *seen = json_object();
	*n_exported = 0;
	int rc = seen ? exporter_open(&ex, c, fmt, out, NULL) : ERR_NOMEM;
	for (size_t i = 0; rc == 0 && i < n_refs; i++) {
		if (!refs[i] || json_object_get(seen, refs[i]))
			continue;
		json_object_set_new(seen, refs[i], json_true());
		struct case_row cr;
		json_t *kase = NULL;
		int got = case_row_load(c->db, "ref", refs[i], &cr);
		if (got == 0)
			got = case_read_row(c, &cr, &kase);
		if (got == ERR_NOT_FOUND)
			continue;   /* out of reach: not exported, and not said */
		rc = got < 0 ? got : exporter_case(&ex, cr.id, kase);
		json_decref(kase);
	}
	if (rc == 0)
		rc = exporter_finish(&ex);
	if (rc == 0)
		*n_exported = ex.n_ids;
	if (seen)
		exporter_close(&ex, rc);
	json_decref(seen);
	return rc;
}

int case_export_all(struct ctx *c, const struct export_selection *sel, enum export_format fmt,
		    const struct export_sink *sink, size_t *n_exported)
{
	struct exporter ex;
	struct buf out;
	*n_exported = 0;
	/* With a sink, out only holds what was not drained yet (the whole file for XLSX). */
	buf_init(&out, EXPORT_MAX_BYTES);
	int rc = exporter_open(&ex, c, fmt, &out, sink);
	enum scope sc = ctx_scope(c, PERM_CASE_READ);
	const char *reach = sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "org_id = ?" : "created_by = ?";
	const char *reach_bind = sc == SCOPE_OWN_ORG ? c->actor.org_id : sc == SCOPE_OWN ? c->actor.user_id : NULL;
	enum { PAGE = 500 };
	struct case_row *rows = calloc(PAGE, sizeof(*rows));
	int64_t cur_at = INT64_MAX;
	char cur_id[ID_HEX_LEN + 1] = "~";   /* sorts after every hex id */
	if (rc == 0 && !rows)
		rc = ERR_NOMEM;
	while (rc == 0 && sc != SCOPE_NONE && (!sel->max || ex.n_ids < sel->max)) {
		char sql[512];
		snprintf(sql, sizeof(sql),
			 "SELECT " CASE_COLS " FROM cases WHERE dek IS NOT NULL AND %s%s AND "
			 "(created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?",
			 reach, sel->status ? " AND status = ?" : "");
		struct store_stmt *st;
		if (store_prepare(c->db, &st, sql) < 0) {
			rc = ERR_FAIL;
			break;
		}
		int k = 1;
		if (reach_bind)
			store_bind_text(st, k++, reach_bind);
		if (sel->status)
			store_bind_text(st, k++, sel->status);
		store_bind_int64(st, k++, cur_at);
		store_bind_int64(st, k++, cur_at);
		store_bind_text(st, k++, cur_id);
		store_bind_int64(st, k, PAGE);
		int got = 0, src;
		while ((src = store_step(st)) == STORE_ROW && got < PAGE)
			case_row_read(st, &rows[got++]);
		store_finalize(st);
		if (src < 0) {
			rc = src;
			break;
		}
		for (int i = 0; rc == 0 && i < got && (!sel->max || ex.n_ids < sel->max); i++) {
			json_t *kase = NULL;
			rc = case_read_row(c, &rows[i], &kase);
			if (rc == 0)
				rc = exporter_case(&ex, rows[i].id, kase);
			json_decref(kase);
		}
		if (got < PAGE)
			break;
		cur_at = rows[got - 1].created_at;
		case_copy(cur_id, sizeof(cur_id), rows[got - 1].id);
	}
	free(rows);
	if (rc == 0)
		rc = exporter_finish(&ex);
	if (rc == 0)
		*n_exported = ex.n_ids;
	exporter_close(&ex, rc);
	if (out.data)
		sodium_memzero(out.data, out.cap);
	buf_release(&out);
	return rc;
}
