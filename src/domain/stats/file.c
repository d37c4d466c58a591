/*
 * file.c: a result as a file (CSV or XLSX): one row per cell, margins
 * included, the dimensions' values then the count; a suppressed cell has an
 * empty count and "suppressed" in the last column. The same rows serve the
 * API's format=csv|xlsx and the command line's --format csv.
 */
#include <stdio.h>
#include <string.h>

#include "stats.h"

int stats_result_file(const struct stats_result *r, enum export_format fmt, bool arabic, struct buf *out)
{
	struct export_writer *w;
	if (export_writer_open(&w, fmt, out) < 0)
		return ERR_FAIL;
	const char *head[STATS_MAX_DIMS + 2];
	int n = 0;
	for (int d = 0; d < r->ndims; d++)
		head[n++] = stats_dim_at((size_t)r->dim[d])->name;
	head[n++] = "count";
	head[n++] = "suppressed";
	int rc = export_writer_row(w, head, (size_t)n);
	size_t cells = stats_table_cells(&r->t), idx[STATS_MAX_DIMS];
	char num[32];
	for (size_t i = 0; i < cells && rc >= 0; i++) {
		stats_table_coords(&r->t, i, idx);
		const char *row[STATS_MAX_DIMS + 2];
		n = 0;
		for (int d = 0; d < r->ndims; d++) {
			if (idx[d] == r->t.n[d]) {
				row[n++] = arabic ? "المجموع" : "Total";
			} else {
				const char *v = r->values[d][idx[d]];
				struct label l = stats_value_label(r->dim[d], v);
				row[n++] = arabic ? l.ar : l.en;
			}
		}
		bool hidden = r->t.flag && r->t.flag[i] != STATS_SHOWN;
		snprintf(num, sizeof(num), "%lld", (long long)r->t.count[i]);
		row[n++] = hidden ? "" : num;
		row[n++] = hidden ? "suppressed" : "";
		rc = export_writer_row(w, row, (size_t)n);
	}
	if (rc < 0) {
		export_writer_free(w);
		return rc;
	}
	return export_writer_finish(w);
}
