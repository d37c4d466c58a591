/*
 * export.h: a selection of cases as one HTCDS table, in CSV or XLSX.
 *
 * One row per case. Columns: "ihala_Ref" and "ihala_ExternalRef" first,
 * then every field of the registry entities person, victim, case, event and
 * consent, in the registry's order, named by their HTCDS name
 * (field->htcds). A case has one person, victim and case object; of its
 * trafficking events and consents, the first of each fills the hte_ and
 * con_ columns (the others are in the case itself, not in the export).
 * cas_Status is the case's lifecycle status. Multi-valued fields
 * (multichoice, countries, languages) are joined with ";"; booleans are
 * "true"/"false"; an absent value is an empty cell.
 *
 * Formula neutralisation: a cell whose text begins with = + - @, a tab or a
 * carriage return would be run by a spreadsheet as a formula (CSV
 * injection). Such text is prefixed with a single quote ' in both formats;
 * in XLSX every cell is also written as a string, never as a formula, and
 * the quote keeps a later "save as CSV" safe.
 *
 * CSV: RFC 4180 (a field holding , " CR or LF is quoted, quotes doubled),
 * UTF-8 with a byte order mark (Excel then reads Arabic right), CRLF line
 * ends. XLSX: libxlsxwriter, one sheet "cases", bold header row, written to
 * a file in a private (0700) temporary folder, read back and deleted.
 */
#ifndef IHALA_EXPORT_H
#define IHALA_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/buf.h"
#include "../../core/err.h"

#define EXPORT_MAX_REFS 10000
#define EXPORT_MAX_BYTES ((size_t)64 * 1024 * 1024)   /* the file, whatever its format */
#define EXPORT_XLSX_CELL_MAX 32767                    /* characters in one XLSX cell (Excel's limit) */

enum export_format { EXPORT_CSV, EXPORT_XLSX };

/* True when a spreadsheet would read text as a formula: it begins with = + - @, tab or CR. */
bool export_is_formula(const char *text);

/* Append one CSV field to b: neutralised, then quoted when RFC 4180 asks for it. */
void export_csv_field(struct buf *b, const char *text);

/*
 * A table being written: open, one header row, data rows, finish. Rows are
 * arrays of n NUL-terminated cells (NULL counts as empty). The result is
 * appended to out, whose cap (and sticky error) bounds the file.
 */
struct export_writer;

int export_writer_open(struct export_writer **w, enum export_format fmt, struct buf *out)
	__attribute__((warn_unused_result));
/* 0, ERR_TOO_LARGE when out's cap is reached, ERR_FAIL otherwise (logged). */
int export_writer_row(struct export_writer *w, const char *const *cells, size_t n)
	__attribute__((warn_unused_result));
/* Complete the file into out and free w (also on failure). 0, ERR_TOO_LARGE or ERR_FAIL. */
int export_writer_finish(struct export_writer *w) __attribute__((warn_unused_result));
/* Free w without completing (after an error); removes any temporary file. NULL is fine. */
void export_writer_free(struct export_writer *w);

/*
 * Recent authentication: check the signed-in actor's password again. 0 when
 * it matches; ERR_UNAUTH when not (audited as "case.export" "failed");
 * ERR_FAIL when the check could not run.
 */
int export_check_password(struct ctx *c, const char *password);

/*
 * Write the cases refs[0..n_refs) the caller may read into out as one file
 * (see above). Each case is checked as a read (PERM_CASE_READ reach); a
 * reference out of reach (or unknown, or erased) is skipped without a trace
 * in the file, and a repeated one is exported once. *n_exported counts the
 * rows written. Audited in one transaction after the file is complete: a
 * "case.export" row per case written (object the case) and one with object
 * "export" and the count as id. ERR_TOO_LARGE when the file would pass out's
 * cap (audited "failed"); ERR_FAIL / ERR_CRYPTO on runtime failures.
 */
int case_export(struct ctx *c, const char *const *refs, size_t n_refs, enum export_format fmt,
		struct buf *out, size_t *n_exported) __attribute__((warn_unused_result));

/* Where a long export goes as it is written: write returns 0 or negative. */
struct export_sink {
	int (*write)(void *arg, const void *data, size_t len);
	void *arg;
};
/* Every case in the caller's reach, newest first, optionally one status, at most max (0: all). */
struct export_selection {
	const char *status;
	size_t max;
};
/*
 * The same table for a selection instead of a list of references, streamed
 * into sink (CSV in chunks of about 1 MiB; XLSX at the end, within the
 * EXPORT_MAX_BYTES cap): for `ihala export` and large exports. Audited as
 * case_export. On failure the sink may have received part of the file: the
 * caller writes to a temporary file and keeps it only on success.
 */
int case_export_all(struct ctx *c, const struct export_selection *sel, enum export_format fmt,
		    const struct export_sink *sink, size_t *n_exported) __attribute__((warn_unused_result));

#endif
