/*
 * stats_int.h: what the files of src/domain/stats/ share and nobody else
 * needs: the derived dimensions, dates as day numbers, the row text's keys.
 */
#ifndef IHALA_STATS_INT_H
#define IHALA_STATS_INT_H

#include <stddef.h>
#include <stdint.h>
#include "stats.h"

/* Derived dimensions (stats_dim_at(i)->field == NULL), by what they read. */
enum stats_derived {
	SD_NONE,
	SD_REG_MONTH,        /* case.registration_month: "YYYY-MM" of the registration date */
	SD_IDN_YEAR,         /* case.identification_year */
	SD_IDN_MONTH,        /* case.identification_month */
	SD_REF_STATE,        /* referral.state (unit referrals) */
	SD_REF_SERVICE,      /* referral.service (unit referrals; several per referral) */
	SD_SVC_TYPE,         /* service.type (unit services) */
};

enum stats_derived stats_dim_derived(size_t i);
/* Fixed values of a dimension in their order (registry choices, referral states, services); n = 0 for open ones. */
const char *const *stats_dim_fixed(size_t i, size_t *n);

/* Days since 1970-01-01 of "YYYY-MM-DD" (or a longer ISO text); 0 when not a date. */
int32_t stats_day(const char *date);
/* "YYYY-MM-DD" of a day number. */
void stats_day_text(int32_t day, char out[11]);

/* The fingerprint of the statistical fields the rows are derived under. */
const char *stats_fields_fingerprint(void);

/* ---- dict.c: a string -> index map (open addressing, FNV-1a) and dictionaries of values ---- */

struct smap {
	char **keys;          /* owned */
	uint32_t *vals;
	size_t cap, n;        /* cap: a power of two, or 0 */
};

/* The index of key, or -1. */
int64_t smap_get(const struct smap *m, const char *key);
int smap_put(struct smap *m, const char *key, uint32_t val);
void smap_free(struct smap *m);

/* A dimension's values: code 0 is unknown, codes 1..n_fixed the fixed values in order. */
struct dict {
	struct smap map;
	const char **vals;    /* vals[code]; vals[0] = NULL (unknown); point into map keys */
	size_t n, cap;        /* n: codes in use, unknown included */
	size_t n_fixed;       /* codes 1..n_fixed are the fixed values */
};

/* The code of value, added when new (ERR_NOMEM past 65535 values). */
int dict_code(struct dict *d, const char *value, uint16_t *code);
int dict_init(struct dict *d, const char *const *fixed, size_t n);
void dict_free(struct dict *d);

#endif
