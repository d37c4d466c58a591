/*
 * import_parse.c: reading HTCDS files into a table of text cells: CSV
 * (RFC 4180), XLSX (libzip + expat: shared strings, inline strings, plain
 * cells) and XForm submission instances (expat; leaves by local name). Every
 * size a client controls is capped. Mapping the table to cases is import.c.
 */
#include "import.h"

#include <ctype.h>
#include <expat.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#include <zip.h>

#include "../../core/log.h"
/* ---- the table ---- */

void import_table_init(struct import_table *t)
{
	memset(t, 0, sizeof(*t));
	buf_init(&t->text, IMPORT_MAX_TEXT_BYTES);
}

void import_table_release(struct import_table *t)
{
	if (t->text.data)
		sodium_memzero(t->text.data, t->text.cap);
	buf_release(&t->text);
	free(t->offs);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

const char *import_cell(const struct import_table *t, size_t row, size_t col)
{
	if (row >= t->n_rows || col >= t->rows[row].n)
		return "";
	return t->text.data + t->offs[t->rows[row].first + col];
}

static int too_large(struct import_error *e, size_t line)
{
	e->code = "too_large";
	e->line = line;
	return ERR_TOO_LARGE;
}

static int bad(struct import_error *e, const char *code, size_t line)
{
	e->code = code;
	e->line = line;
	return ERR_INVALID;
}

static int table_push_off(struct import_table *t, size_t off, size_t line, struct import_error *e);

/* Close the cell that began at text offset `start` (its bytes already appended). */
static int table_cell_end(struct import_table *t, size_t start, size_t line, struct import_error *e)
{
	if (t->text.len - start > IMPORT_MAX_CELL_BYTES || t->n_offs - t->row_start >= IMPORT_MAX_COLS)
		return too_large(e, line);
	buf_putc(&t->text, '\0');
	if (buf_error(&t->text))
		return too_large(e, line);
	return table_push_off(t, start, line, e);
}

/* Append an offset to t->offs, growing it. */
static int table_push_off(struct import_table *t, size_t off, size_t line, struct import_error *e)
{
	if (t->n_offs == t->cap_offs) {
		if (t->n_offs >= IMPORT_MAX_CELLS)
			return too_large(e, line);
		size_t cap = t->cap_offs ? t->cap_offs * 2 : 256;
		size_t *offs = realloc(t->offs, cap * sizeof(*offs));
		if (!offs)
			return too_large(e, line);
		t->offs = offs;
		t->cap_offs = cap;
	}
	t->offs[t->n_offs++] = off;
	return 0;
}

static int table_cell(struct import_table *t, const char *text, size_t len, size_t line, struct import_error *e)
{
	size_t start = t->text.len;
	buf_append(&t->text, text, len);
	return table_cell_end(t, start, line, e);
}

/* Close the row being built (its cells are those since the last row). */
static int table_row_end(struct import_table *t, size_t line, struct import_error *e)
{
	if (t->n_rows > IMPORT_MAX_ROWS)   /* the header and IMPORT_MAX_ROWS rows are kept */
		return too_large(e, line);
	if (t->n_rows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
		struct import_row *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return too_large(e, line);
		t->rows = rows;
		t->cap_rows = cap;
	}
	t->rows[t->n_rows++] = (struct import_row){ line, t->row_start, t->n_offs - t->row_start };
	t->row_start = t->n_offs;
	return 0;
}

/* Drop the cells of the row being built (an empty line). */
static void table_row_drop(struct import_table *t)
{
	t->n_offs = t->row_start;
}

static bool utf8_valid(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t left = (utf8proc_ssize_t)len;
	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
		if (n <= 0 || cp <= 0)
			return false;   /* invalid, or a NUL */
		p += n;
		left -= n;
	}
	return true;
}

/* ---- CSV (RFC 4180) ---- */

int import_csv_parse(const char *data, size_t len, struct import_table *t, struct import_error *e)
{
	if (len > IMPORT_MAX_BYTES)
		return too_large(e, 0);
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		data += 3;
		len -= 3;
	}
	if (!utf8_valid(data, len))
		return bad(e, "bad_encoding", 0);
	size_t i = 0, line = 1, rec_line = 1;
	int rc;
	while (i < len) {
		/* One record: fields until an unquoted line end or the end of the data. */
		rec_line = line;
		bool only_empty = true;
		for (;;) {
			size_t start = t->text.len;
			if (i < len && data[i] == '"') {
				i++;
				for (;;) {
					if (i >= len)
						return bad(e, "bad_csv", rec_line);
					if (data[i] == '"') {
						if (i + 1 < len && data[i + 1] == '"') {
							buf_putc(&t->text, '"');
							i += 2;
							continue;
						}
						i++;
						break;
					}
					if (data[i] == '\n' || (data[i] == '\r' && !(i + 1 < len && data[i + 1] == '\n')))
						line++;
					buf_putc(&t->text, data[i++]);
				}
				if (i < len && data[i] != ',' && data[i] != '\r' && data[i] != '\n')
					return bad(e, "bad_csv", line);
				only_empty = false;
			} else {
				size_t j = i;
				while (j < len && data[j] != ',' && data[j] != '\r' && data[j] != '\n')
					j++;
				buf_append(&t->text, data + i, j - i);
				if (j > i)
					only_empty = false;
				i = j;
			}
			if ((rc = table_cell_end(t, start, rec_line, e)) < 0)
				return rc;
			if (i < len && data[i] == ',') {
				i++;
				only_empty = false;
				continue;
			}
			break;   /* a line end or the end */
		}
		if (i < len && data[i] == '\r')
			i++;
		if (i < len && data[i] == '\n')
			i++;
		line++;
		if (only_empty)
			table_row_drop(t);   /* an empty line */
		else if ((rc = table_row_end(t, rec_line, e)) < 0)
			return rc;
	}
	return 0;
}

/* ---- XML with expat: the common part ---- */

#define NS_SEP '\x01'

/* The local name of an expat name ("uri\x01local" or "local"). */
static const char *local_name(const char *name)
{
	const char *sep = strrchr(name, NS_SEP);
	return sep ? sep + 1 : name;
}

static void XMLCALL refuse_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
				   int has_internal)
{
	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	XML_StopParser((XML_Parser)ud, XML_FALSE);
}

static XML_Parser xml_parser(void *ud)
{
	XML_Parser p = XML_ParserCreateNS("UTF-8", NS_SEP);
	if (!p)
		return NULL;
	XML_SetUserData(p, ud);
	XML_UseParserAsHandlerArg(p);
	XML_SetStartDoctypeDeclHandler(p, refuse_doctype);
	return p;
}

/* ---- XForm instances ---- */

struct xform_state {
	XML_Parser parser;
	struct import_table *t;
	struct import_error *e;
	int rc;
	int depth;
	size_t line;
	struct buf names;           /* the header row, built beside the values */
	size_t *name_offs;          /* offsets into names, one per leaf */
	size_t n_leaves;
	size_t leaf_start;          /* text offset of the current element's text */
	bool has_child[IMPORT_MAX_XML_DEPTH + 1];
	char leaf_name[IMPORT_MAX_XML_DEPTH + 1][128];
};

static struct xform_state *xform_of(void *ud)
{
	return XML_GetUserData((XML_Parser)ud);
}

static void xform_fail(struct xform_state *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
	XML_StopParser(s->parser, XML_FALSE);
}

static void XMLCALL xform_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	(void)attrs;
	struct xform_state *s = xform_of(ud);
	if (s->rc)
		return;
	if (s->depth >= IMPORT_MAX_XML_DEPTH) {
		xform_fail(s, too_large(s->e, (size_t)XML_GetCurrentLineNumber(s->parser)));
		return;
	}
	if (s->depth == 0)
		s->line = 1;
	s->has_child[s->depth] = true;
	s->depth++;
	s->has_child[s->depth] = false;
	snprintf(s->leaf_name[s->depth], sizeof(s->leaf_name[0]), "%s", local_name(name));
	buf_reset(&s->names);   /* scratch for this element's text */
}

static void XMLCALL xform_text(void *ud, const XML_Char *text, int len)
{
	struct xform_state *s = xform_of(ud);
	if (s->rc || s->depth < 2 || s->has_child[s->depth])
		return;   /* text of the root or of a group: layout only */
	buf_append(&s->names, text, (size_t)len);
	if (s->names.len > IMPORT_MAX_CELL_BYTES || buf_error(&s->names))
		xform_fail(s, too_large(s->e, (size_t)XML_GetCurrentLineNumber(s->parser)));
}

static void XMLCALL xform_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct xform_state *s = xform_of(ud);
	if (s->rc)
		return;
	if (s->depth >= 2 && !s->has_child[s->depth]) {
		/* A leaf: its name to the header (kept in leaf_name order), its text to the values. */
		if (s->n_leaves >= IMPORT_MAX_COLS) {
			xform_fail(s, too_large(s->e, s->line));
			return;
		}
		int rc = table_cell(s->t, s->names.data ? s->names.data : "", s->names.len, s->line, s->e);
		if (rc < 0) {
			xform_fail(s, rc);
			return;
		}
		size_t *offs = realloc(s->name_offs, (s->n_leaves + 1) * sizeof(*offs));
		if (!offs) {
			xform_fail(s, too_large(s->e, s->line));
			return;
		}
		s->name_offs = offs;
		/* Names go to the table's text too; their offsets wait for the header row. */
		s->name_offs[s->n_leaves++] = s->t->text.len;
		buf_puts(&s->t->text, s->leaf_name[s->depth]);
		buf_putc(&s->t->text, '\0');
	}
	buf_reset(&s->names);
	s->depth--;
}

int import_xform_parse(const char *data, size_t len, struct import_table *t, struct import_error *e)
{
	if (len > IMPORT_MAX_BYTES)
		return too_large(e, 0);
	struct xform_state s;
	memset(&s, 0, sizeof(s));
	s.t = t;
	s.e = e;
	buf_init(&s.names, IMPORT_MAX_CELL_BYTES + 4096);
	s.parser = xml_parser(&s);
	if (!s.parser) {
		buf_release(&s.names);
		return too_large(e, 0);
	}
	XML_SetElementHandler(s.parser, xform_start, xform_end);
	XML_SetCharacterDataHandler(s.parser, xform_text);
	size_t values_start = t->n_offs;
	if (XML_Parse(s.parser, data, (int)len, XML_TRUE) == XML_STATUS_ERROR && !s.rc)
		s.rc = bad(e, "bad_xml", (size_t)XML_GetCurrentLineNumber(s.parser));
	XML_ParserFree(s.parser);
	if (s.names.data)
		sodium_memzero(s.names.data, s.names.cap);
	buf_release(&s.names);
	int rc = s.rc;
	if (rc == 0 && buf_error(&t->text))
		rc = too_large(e, 1);
	if (rc == 0) {
		/* The values were added as cells; now the header row first, then the values row. */
		size_t n = s.n_leaves;
		size_t *vals = malloc((n ? n : 1) * sizeof(*vals));
		if (!vals) {
			free(s.name_offs);
			return too_large(e, 1);
		}
		if (n)
			memcpy(vals, t->offs + values_start, n * sizeof(*vals));
		t->n_offs = values_start;
		t->row_start = values_start;
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = table_push_off(t, s.name_offs[i], 1, e);
		if (rc == 0)
			rc = table_row_end(t, 1, e);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = table_push_off(t, vals[i], 1, e);
		if (rc == 0)
			rc = table_row_end(t, 1, e);
		free(vals);
	}
	free(s.name_offs);
	return rc;
}

/* ---- XLSX ---- */

struct xlsx_state {
	XML_Parser parser;
	struct import_table *t;
	struct import_error *e;
	int rc;
	int depth;
	/* shared strings */
	struct buf *shared;         /* borrowed: strings end to end, NUL-terminated */
	size_t *shared_offs;        /* owned */
	size_t n_shared, cap_shared;
	bool in_t, in_rph;          /* inside <t>; inside a phonetic run (skipped) */
	size_t si_start;
	/* sheet */
	bool in_row, in_cell, in_value;
	size_t row_line, last_line;
	long col, next_col;
	char cell_type[16];
	struct buf cell;            /* the current cell's text */
};

static struct xlsx_state *xlsx_of(void *ud)
{
	return XML_GetUserData((XML_Parser)ud);
}

static void xlsx_fail(struct xlsx_state *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
	XML_StopParser(s->parser, XML_FALSE);
}

static const char *attr(const XML_Char **attrs, const char *name)
{
	for (size_t i = 0; attrs[i]; i += 2)
		if (!strcmp(local_name(attrs[i]), name))
			return attrs[i + 1];
	return NULL;
}

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	(void)attrs;
	struct xlsx_state *s = xlsx_of(ud);
	const char *n = local_name(name);
	if (++s->depth > IMPORT_MAX_XML_DEPTH) {
		xlsx_fail(s, too_large(s->e, 0));
		return;
	}
	if (!strcmp(n, "si"))
		s->si_start = s->shared->len;
	else if (!strcmp(n, "rPh"))
		s->in_rph = true;
	else if (!strcmp(n, "t"))
		s->in_t = true;
}

static void XMLCALL sst_text(void *ud, const XML_Char *text, int len)
{
	struct xlsx_state *s = xlsx_of(ud);
	if (s->in_t && !s->in_rph)
		buf_append(s->shared, text, (size_t)len);
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	struct xlsx_state *s = xlsx_of(ud);
	const char *n = local_name(name);
	s->depth--;
	if (!strcmp(n, "t")) {
		s->in_t = false;
	} else if (!strcmp(n, "rPh")) {
		s->in_rph = false;
	} else if (!strcmp(n, "si")) {
		if (s->n_shared >= IMPORT_MAX_SHARED || s->shared->len - s->si_start > IMPORT_MAX_CELL_BYTES) {
			xlsx_fail(s, too_large(s->e, 0));
			return;
		}
		buf_putc(s->shared, '\0');
		if (buf_error(s->shared)) {
			xlsx_fail(s, too_large(s->e, 0));
			return;
		}
		if (s->n_shared == s->cap_shared) {
			size_t cap = s->cap_shared ? s->cap_shared * 2 : 256;
			size_t *offs = realloc(s->shared_offs, cap * sizeof(*offs));
			if (!offs) {
				xlsx_fail(s, too_large(s->e, 0));
				return;
			}
			s->shared_offs = offs;
			s->cap_shared = cap;
		}
		s->shared_offs[s->n_shared++] = s->si_start;
	}
}

/* Column index (0-based) of a cell reference such as "AB12"; -1 when malformed. */
static long cell_col(const char *ref)
{
	long col = 0;
	int letters = 0;
	for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
		if (++letters > 3)
			return -1;
		col = col * 26 + (*ref - 'A' + 1);
	}
	return letters ? col - 1 : -1;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct xlsx_state *s = xlsx_of(ud);
	const char *n = local_name(name);
	if (++s->depth > IMPORT_MAX_XML_DEPTH) {
		xlsx_fail(s, too_large(s->e, s->last_line));
		return;
	}
	if (!strcmp(n, "row")) {
		const char *r = attr(attrs, "r");
		char *end = NULL;
		long line = r ? strtol(r, &end, 10) : 0;
		if (r && (*end || line < 1 || line > 1048576)) {
			xlsx_fail(s, bad(s->e, "bad_xlsx", s->last_line));
			return;
		}
		s->row_line = r ? (size_t)line : s->last_line + 1;
		s->last_line = s->row_line;
		s->in_row = true;
		s->next_col = 0;
	} else if (!strcmp(n, "c") && s->in_row) {
		const char *r = attr(attrs, "r");
		const char *ty = attr(attrs, "t");
		s->col = r ? cell_col(r) : s->next_col;
		if (s->col < 0 || s->col < s->next_col) {
			xlsx_fail(s, bad(s->e, "bad_xlsx", s->row_line));
			return;
		}
		if (s->col >= IMPORT_MAX_COLS) {
			xlsx_fail(s, too_large(s->e, s->row_line));
			return;
		}
		snprintf(s->cell_type, sizeof(s->cell_type), "%s", ty ? ty : "n");
		buf_reset(&s->cell);
		s->in_cell = true;
	} else if (s->in_cell && !strcmp(n, "rPh")) {
		s->in_rph = true;
	} else if (s->in_cell && (!strcmp(n, "v") || !strcmp(n, "t"))) {
		s->in_value = true;
	}
}

static void XMLCALL sheet_text(void *ud, const XML_Char *text, int len)
{
	struct xlsx_state *s = xlsx_of(ud);
	if (s->in_value && !s->in_rph) {
		buf_append(&s->cell, text, (size_t)len);
		if (s->cell.len > IMPORT_MAX_CELL_BYTES)
			xlsx_fail(s, too_large(s->e, s->row_line));
	}
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	struct xlsx_state *s = xlsx_of(ud);
	const char *n = local_name(name);
	int rc;
	s->depth--;
	if (s->rc)
		return;
	if (!strcmp(n, "v") || !strcmp(n, "t")) {
		s->in_value = false;
	} else if (!strcmp(n, "rPh")) {
		s->in_rph = false;
	} else if (!strcmp(n, "c") && s->in_cell) {
		s->in_cell = false;
		const char *text = s->cell.data ? s->cell.data : "";
		size_t len = s->cell.len;
		buf_putc(&s->cell, '\0');
		if (buf_error(&s->cell)) {
			xlsx_fail(s, too_large(s->e, s->row_line));
			return;
		}
		text = s->cell.data;
		if (!strcmp(s->cell_type, "s")) {
			char *end = NULL;
			unsigned long k = strtoul(text, &end, 10);
			if (!len || *end || k >= s->n_shared) {
				xlsx_fail(s, bad(s->e, "bad_xlsx", s->row_line));
				return;
			}
			text = s->shared->data + s->shared_offs[k];
			len = strlen(text);
		}
		/* Empty cells up to this column, then this one. */
		while (s->next_col < s->col) {
			if ((rc = table_cell(s->t, "", 0, s->row_line, s->e)) < 0) {
				xlsx_fail(s, rc);
				return;
			}
			s->next_col++;
		}
		if ((rc = table_cell(s->t, text, len, s->row_line, s->e)) < 0) {
			xlsx_fail(s, rc);
			return;
		}
		s->next_col = s->col + 1;
	} else if (!strcmp(n, "row") && s->in_row) {
		s->in_row = false;
		if (s->t->n_offs == s->t->row_start)
			return;   /* a row without cells */
		if ((rc = table_row_end(s->t, s->row_line, s->e)) < 0) {
			xlsx_fail(s, rc);
			return;
		}
	}
}

/* Stream one part of the zip through p; ERR_NOT_FOUND when the zip has no such part. */
static int xlsx_part(zip_t *z, const char *name, XML_Parser p, struct xlsx_state *s)
{
	zip_file_t *f = zip_fopen(z, name, 0);
	if (!f)
		return ERR_NOT_FOUND;
	char chunk[16384];
	size_t total = 0;
	int rc = 0;
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));
		if (n < 0) {
			rc = bad(s->e, "bad_xlsx", 0);
			break;
		}
		total += (size_t)n;
		if (total > IMPORT_MAX_XLSX_PART) {
			rc = too_large(s->e, 0);
			break;
		}
		if (XML_Parse(p, chunk, (int)n, n == 0) == XML_STATUS_ERROR) {
			rc = s->rc ? s->rc : bad(s->e, "bad_xlsx", 0);
			break;
		}
		if (n == 0)
			break;
	}
	zip_fclose(f);
	return rc ? rc : s->rc;
}

int import_xlsx_parse(const void *data, size_t len, struct import_table *t, struct import_error *e)
{
	if (len > IMPORT_MAX_BYTES)
		return too_large(e, 0);
	struct xlsx_state s;
	struct buf shared;
	memset(&s, 0, sizeof(s));
	s.t = t;
	s.e = e;
	buf_init(&shared, IMPORT_MAX_TEXT_BYTES);
	buf_init(&s.cell, IMPORT_MAX_CELL_BYTES + 4096);
	s.shared = &shared;
	int rc = 0;
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_t *z = NULL;
	zip_source_t *src = zip_source_buffer_create(len ? data : "", len, 0, &zerr);
	if (src) {
		z = zip_open_from_source(src, ZIP_RDONLY, &zerr);
		if (!z)
			zip_source_free(src);
	}
	if (!z) {
		rc = bad(e, "bad_xlsx", 0);
		goto out;
	}
	XML_Parser p = xml_parser(&s);
	if (!p) {
		rc = too_large(e, 0);
		goto out;
	}
	s.parser = p;
	XML_SetElementHandler(p, sst_start, sst_end);
	XML_SetCharacterDataHandler(p, sst_text);
	rc = xlsx_part(z, "xl/sharedStrings.xml", p, &s);
	XML_ParserFree(p);
	if (rc == ERR_NOT_FOUND)
		rc = 0;   /* a sheet of numbers and inline strings has none */
	if (rc < 0)
		goto out;
	s.depth = 0;
	p = xml_parser(&s);
	if (!p) {
		rc = too_large(e, 0);
		goto out;
	}
	s.parser = p;
	XML_SetElementHandler(p, sheet_start, sheet_end);
	XML_SetCharacterDataHandler(p, sheet_text);
	rc = xlsx_part(z, "xl/worksheets/sheet1.xml", p, &s);
	XML_ParserFree(p);
	if (rc == ERR_NOT_FOUND)
		rc = bad(e, "bad_xlsx", 0);
out:
	if (z)
		zip_discard(z);
	zip_error_fini(&zerr);
	free(s.shared_offs);
	if (shared.data)
		sodium_memzero(shared.data, shared.cap);
	buf_release(&shared);
	if (s.cell.data)
		sodium_memzero(s.cell.data, s.cell.cap);
	buf_release(&s.cell);
	return rc;
}

