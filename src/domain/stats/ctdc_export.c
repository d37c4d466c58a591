/*
 * ctdc_export.c: the k-anonymous CTDC file (ctdc.h): select the persons,
 * code their rows, suppress, check, sort, write, audit.
 */
#include "ctdc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/log.h"
#include "stats.h"

#define CTDC_MAX_PERSONS ((size_t)50 * 1000 * 1000)

struct collect {
	int dim[CTDC_SRC_COUNT];      /* engine dimensions; -1 when the registry has none */
	int32_t from_day, to_day;     /* registration days, inclusive; 0 = open */
	const struct stats_rec *rec;  /* the person being read */
	struct ctdc_row *rows;        /* owned */
	size_t n, cap;
};

static int get_values(void *ud, enum ctdc_source s, const char **out, int max)
{
	const struct collect *cl = ud;
	return cl->dim[s] < 0 ? 0 : stats_rec_values(cl->rec, cl->dim[s], out, max);
}

static int on_person(void *ud, const struct stats_rec *r)
{
	struct collect *cl = ud;
	if (cl->from_day || cl->to_day) {
		int32_t day = stats_rec_day(r, STATS_DATE_REGISTRATION);
		if (!day || (cl->from_day && day < cl->from_day) || (cl->to_day && day > cl->to_day))
			return 0;
	}
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 1024;
		if (cap > CTDC_MAX_PERSONS)
			return ERR_TOO_LARGE;
		struct ctdc_row *rows = realloc(cl->rows, cap * sizeof(*rows));
		if (!rows)
			return ERR_NOMEM;
		cl->rows = rows;
		cl->cap = cap;
	}
	cl->rec = r;
	ctdc_row_build(&cl->rows[cl->n++], get_values, cl);
	cl->rec = NULL;
	return 0;
}

/* Rows in the order of their values: the file's order says nothing of when a person was registered. */
static int cmp_rows(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ctdc_row));
}

static void audit_id(char *out, size_t size, const struct ctdc_request *rq, const struct ctdc_result *res)
{
	snprintf(out, size, "k%zu-n%zu-r%zu-v%zu", rq->k, res->records, res->suppressed_records,
		 res->suppressed_values);
}

/* Make the rows k-anonymous over their QIs; keeps the rows kept at the front, *n_kept of them. */
static int anonymise(struct ctdc_row *rows, size_t n, size_t k, size_t *n_kept, struct ctdc_result *res)
{
	int rc = ERR_NOMEM;
	uint16_t *codes = malloc((n ? n : 1) * CTDC_QI_COUNT * sizeof(*codes));
	unsigned char *dropped = malloc(n ? n : 1);
	if (!codes || !dropped)
		goto out;
	for (size_t i = 0; i < n; i++)
		memcpy(codes + i * CTDC_QI_COUNT, rows[i].qi, sizeof(rows[i].qi));
	struct kanon_report rep;
	if ((rc = kanon_apply(codes, n, CTDC_QI_COUNT, k, dropped, &rep)) < 0)
		goto out;
	/* Checked again, independently of how it was reached, before anything is written. */
	size_t smallest = 0;
	if ((rc = kanon_smallest_group(codes, n, CTDC_QI_COUNT, dropped, &smallest, NULL)) < 0)
		goto out;
	if (smallest != 0 && smallest < k) {
		log_error("ctdc export not k-anonymous", "k=%zu smallest=%zu", k, smallest);
		rc = ERR_FAIL;
		goto out;
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (dropped[i])
			continue;
		if (kept != i)
			memcpy(&rows[kept], &rows[i], sizeof(rows[i]));   /* padding too: rows are compared bytewise */
		memcpy(rows[kept].qi, codes + i * CTDC_QI_COUNT, sizeof(rows[kept].qi));
		kept++;
	}
	*n_kept = kept;
	res->suppressed_records = rep.suppressed_records;
	res->suppressed_values = rep.suppressed_values;
	rc = 0;
out:
	free(codes);
	free(dropped);
	return rc;
}

static int write_rows(const struct ctdc_row *rows, size_t n, enum export_format fmt, struct buf *out)
{
	struct export_writer *w = NULL;
	struct ctdc_cells cells;
	size_t n_cols = ctdc_column_count();
	if (ctdc_cells_init(&cells) < 0)
		return ERR_NOMEM;
	int rc = export_writer_open(&w, fmt, out);
	for (size_t i = 0; rc == 0 && i < n_cols; i++)
		cells.cell[i] = ctdc_column_name(i);
	if (rc == 0)
		rc = export_writer_row(w, cells.cell, n_cols);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		ctdc_cells_fill(&cells, &rows[i]);
		rc = export_writer_row(w, cells.cell, n_cols);
	}
	if (rc == 0) {
		rc = export_writer_finish(w);   /* frees w */
		w = NULL;
	}
	export_writer_free(w);
	ctdc_cells_release(&cells);
	return rc;
}

int stats_ctdc_export(struct ctx *c, const struct ctdc_request *rq, struct buf *out, struct ctdc_result *res)
{
	memset(res, 0, sizeof(*res));
	if (rq->k < CTDC_K_MIN || rq->k > CTDC_K_MAX)
		return ERR_INVALID;
	struct collect cl;
	memset(&cl, 0, sizeof(cl));
	for (int s = 0; s < CTDC_SRC_COUNT; s++)
		cl.dim[s] = stats_dim_find(ctdc_source_dim((enum ctdc_source)s));
	cl.from_day = rq->from_day;
	cl.to_day = rq->to_day;

	int rc = stats_each_person(c->db, on_person, &cl);
	if (rc < 0)
		goto out;
	res->persons = cl.n;
	size_t kept = 0;
	if ((rc = anonymise(cl.rows, cl.n, rq->k, &kept, res)) < 0)
		goto out;
	res->records = kept;
	if (kept)
		qsort(cl.rows, kept, sizeof(*cl.rows), cmp_rows);
	rc = write_rows(cl.rows, kept, rq->fmt, out);
	if (rc < 0)
		goto out;
	char id[96];
	audit_id(id, sizeof(id), rq, res);
	if (ctx_audit_tx(c, "stats.export_ctdc", "ctdc", id, "ok") < 0) {
		rc = ERR_FAIL;   /* not audited: not handed out */
		goto out;
	}
out:
	if (rc == ERR_TOO_LARGE && ctx_audit_tx(c, "stats.export_ctdc", "ctdc", NULL, "failed") < 0)
		log_error("audit append failed", "action=%s", "stats.export_ctdc");
	free(cl.rows);
	return rc;
}
