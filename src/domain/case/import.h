/*
 * import.h: cases from HTCDS files: CSV, XLSX and XForm submissions.
 *
 * A file becomes a table of text (a header row of column names, then data
 * rows), each data row one case body (case.h's JSON shape), every body
 * checked against the registry before anything is written.
 *
 * Formats
 *  - CSV: RFC 4180 (quoted fields with "" for a quote, commas, CR and LF
 *    inside quotes), UTF-8 with or without a byte order mark, CRLF, LF or
 *    CR line ends. The first record is the header. The line of a row is the
 *    physical line its record starts on (the header is line 1).
 *  - XLSX: the first worksheet (xl/worksheets/sheet1.xml) with its shared
 *    strings (xl/sharedStrings.xml); shared, inline and plain cells, numbers
 *    as their text. The first row present is the header; a row's line is
 *    its spreadsheet row number.
 *  - XForm: one submission instance (the XML ODK Collect or KoboToolbox
 *    produce from htcds_xform.xml): the leaf elements under the root, at
 *    any depth of groups, by local name (namespaces and groups flattened).
 *    One data row, line 1.
 * A document type declaration (DTD) is refused in XML: neither format uses one.
 *
 * Columns (header names; for CSV/XLSX a "group/name" path counts as "name")
 *  - a registry field by its HTCDS name or another spelling
 *    (registry_field_by_htcds: prs_FirstName and prs_First_Name alike);
 *  - the source record id, kept as the case's external_ref: for CSV and
 *    XLSX the first non-empty of "ihala_ExternalRef", "id", "cas_CaseId",
 *    "_id", "_uuid", "instanceID" (in that order); for XForm meta/instanceID;
 *  - ignored: "ihala_Ref" (our export's reference: a new one is given),
 *    form metadata ("start", "end", "today", "deviceid", "subscriberid",
 *    "simserial", "phonenumber", "username", "audit", "instanceName",
 *    "deprecatedID", "uuid", "__version__") and any name beginning with "_"
 *    (KoboToolbox's submission columns); a column with an empty name as
 *    long as its cells are empty;
 *  - anything else, or a field of an entity a case body does not hold
 *    (comments), is a file error "unknown_column <name>"; two columns for
 *    one field are "duplicate_column <name>".
 *
 * Values: empty cells are absent; text is trimmed of surrounding spaces.
 * Each field goes to the object of its registry entity: person, victim,
 * case, the one trafficking event (hte_) and the one consent (con_). Lists
 * (multichoice, countries, languages) are split on ";" (CSV, XLSX) or on
 * spaces (XForm select_multiple); numbers are integers ("12.0" reads 12);
 * booleans true/false/yes/no/1/0 in any case; an ISIC sector is its letter
 * or its HTCDS value (ref_isic_by_htcds); dates stay YYYY-MM-DD. A case
 * object without cas_Status gets "Active". Then the registry decides.
 *
 * A bad row is reported as {"line": N, "reason": "<code> <column>"} with
 * the registry's code (missing_field, wrong_type, invalid, too_long,
 * unknown_field) or unknown_column (a cell under a column without a name
 * or past the header). A row whose cells are all empty is skipped.
 */
#ifndef IHALA_IMPORT_H
#define IHALA_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../registry/registry.h"

#define IMPORT_MAX_BYTES ((size_t)8 * 1024 * 1024)    /* the file as uploaded */
#define IMPORT_MAX_ROWS 10000                          /* data rows, the header not counted */
#define IMPORT_MAX_COLS 512                            /* columns of a row */
#define IMPORT_MAX_CELLS ((size_t)1000000)             /* cells in the whole table */
#define IMPORT_MAX_CELL_BYTES ((size_t)64 * 1024)      /* one cell */
#define IMPORT_MAX_TEXT_BYTES ((size_t)32 * 1024 * 1024) /* all cells together */
#define IMPORT_MAX_XML_DEPTH 32
#define IMPORT_MAX_XLSX_PART ((size_t)32 * 1024 * 1024) /* one part of an XLSX, uncompressed */
#define IMPORT_MAX_SHARED ((size_t)1000000)            /* shared strings of an XLSX */
#define IMPORT_EXTERNAL_REF_MAX 127                    /* bytes of a source record id */

enum import_format { IMPORT_CSV, IMPORT_XLSX, IMPORT_XFORM };

/* One row: cells offs[first .. first + n) of its table, from file line `line`. */
struct import_row {
	size_t line;
	size_t first;
	size_t n;
};

/* A table of text. All cells lie NUL-terminated in text; offs index them. */
struct import_table {
	struct buf text;            /* owned; wiped on release (it holds personal data) */
	size_t *offs;               /* owned */
	size_t n_offs, cap_offs;
	struct import_row *rows;    /* owned; rows[0] is the header */
	size_t n_rows, cap_rows;
	size_t row_start;           /* first cell of the row being built */
};

/* Why a file could not be read: a static code and the line (0: unknown). */
struct import_error {
	const char *code;           /* "bad_csv", "bad_encoding", "bad_xlsx", "bad_xml", "too_large" */
	size_t line;
};

void import_table_init(struct import_table *t);
void import_table_release(struct import_table *t);
/* The text of cell col of row (both from 0); "" past the row's end. */
const char *import_cell(const struct import_table *t, size_t row, size_t col);

/*
 * Parsers: fill an initialised table. 0; ERR_INVALID with e set when the file
 * is malformed; ERR_TOO_LARGE (e->code "too_large") when a cap above is passed.
 */
int import_csv_parse(const char *data, size_t len, struct import_table *t, struct import_error *e)
	__attribute__((warn_unused_result));
int import_xlsx_parse(const void *data, size_t len, struct import_table *t, struct import_error *e)
	__attribute__((warn_unused_result));
int import_xform_parse(const char *data, size_t len, struct import_table *t, struct import_error *e)
	__attribute__((warn_unused_result));

/*
 * Values the person importing gives for what a file's rows leave out (XForm
 * submissions of htcds_xform.xml carry no purpose of processing, and no
 * purpose or date for their consent). NULL members, or a NULL struct: none.
 * Applied to a row before the registry checks it:
 *  - purpose: cas_PurposeOfProcessing of every row without one (the row
 *    gets a case object, with status Active, when it had none);
 *  - consent_purpose / consent_date: con_Purpose / con_Date of a row's
 *    consent when it has one without them.
 */
struct import_defaults {
	const char *purpose;
	const char *consent_purpose;
	const char *consent_date;
};

/*
 * The case bodies of a parsed table, without writing (exposed for tests).
 * *bodies: an array of {"line", "body", "external_ref"?} for the good rows;
 * *bad: an array of {"line", "reason"} (a file error is the one entry, and
 * then *bodies is empty). 0, or ERR_NOMEM.
 */
int import_map(const struct registry *r, const struct import_table *t, enum import_format fmt,
	       json_t **bodies, json_t **bad) __attribute__((warn_unused_result));
/* import_map with defaults (def may be NULL). */
int import_map_ext(const struct registry *r, const struct import_table *t, enum import_format fmt,
		   const struct import_defaults *def, json_t **bodies, json_t **bad) __attribute__((warn_unused_result));

/* The answer of case_import. */
struct import_result {
	size_t n_imported;
	json_t *refs;               /* owned: references of the created cases, in file order */
	json_t *rows;               /* owned: the bad rows, [{"line","reason"}] */
};

/*
 * Import a file: parse, map and check every row (with def, which may be
 * NULL), then create the cases of the good rows in the caller's
 * organisation, all in one transaction, each with its source record id as
 * external_ref. A source record id seen twice in the file is a bad row
 * "duplicate_external_ref <id>" (the second and later); one that a case of
 * the caller's organisation already carries (not erased) is a bad row
 * "already_imported <id>": importing the same file twice creates nothing
 * twice. When a row is bad and
 * skip_bad_rows is false, or the file itself is bad, nothing is written and
 * the answer is ERR_INVALID with res->rows saying why. ERR_TOO_LARGE over a
 * cap (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ...), ERR_DENIED without case
 * write permission, ERR_FAIL on runtime failures (nothing written).
 * Audits "case.import" once, object "import" with the count as id ("failed"
 * when rejected), beside each case's own "case.create".
 * The caller releases res with import_result_release, whatever the answer.
 */
int case_import(struct ctx *c, enum import_format fmt, const void *data, size_t len, bool skip_bad_rows,
		const struct import_defaults *def, struct import_result *res) __attribute__((warn_unused_result));
void import_result_release(struct import_result *res);

#endif
