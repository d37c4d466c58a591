/*
 * cube_int.h: the statistical rows in memory (cube.c keeps them, count.c
 * counts them), shared by those two files only. The layout is described at
 * the top of cube.c.
 */
#ifndef IHALA_STATS_CUBE_INT_H
#define IHALA_STATS_CUBE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "stats_int.h"

#define SLOTS 4
#define DEAD UINT32_MAX

/* ---- the cube ---- */

enum kind { K_NONE, K_SINGLE, K_MASK, K_SLOTS };

struct col {
	enum kind kind;
	struct dict dict;
	uint16_t *u16;        /* SINGLE: [rows]; SLOTS: [rows * SLOTS] */
	uint64_t *mask;       /* MASK: [rows], bit c for code c (1..63) */
};

struct cube {
	char token[40];
	int64_t seq;
	size_t ndims;
	struct col *cols;     /* one per dimension; referral/service dimensions: dictionary only */
	/* rows */
	size_t rows, cap;
	struct smap cases;    /* case id -> row */
	uint8_t *alive, *rep, *rank;
	uint32_t *person;
	int32_t *reg, *idn;
	uint32_t *ref_first, *ref_n, *svc_first, *svc_n;
	/* persons */
	struct smap persons;  /* person id -> index */
	size_t npersons;
	bool reps_dirty;
	/* referrals and services */
	uint32_t *ref_row;
	uint16_t *ref_state;
	uint64_t *ref_svc;
	int32_t *ref_day;
	size_t refs, refs_cap, refs_dead;
	uint32_t *svc_row;
	uint16_t *svc_type;
	int32_t *svc_day;
	size_t svcs, svcs_cap, svcs_dead;
	int d_state, d_service, d_svctype, d_status;   /* dimension indexes, -1 if none */
};

/* The one cube of the process; cube.c's lock covers every use. */
extern struct cube stats_cube;

struct stats_rec {
	uint32_t row;
};

/* Count q into out from the cube as it is; the caller holds the lock and brought it up to date. */
int cube_count(const struct stats_query *q, struct stats_result *out);

#endif
