/*
 * ctdc.h: the CTDC-format microdata export, k-anonymous
 * (docs/statistics.md, section "CTDC export").
 *
 * CTDC (the Counter Trafficking Data Collaborative) publishes one row per
 * victim, with the columns and codes of its data dictionary. This module
 * writes the persons of the installation in that shape:
 *
 * 1. The row (ctdc.c, pure). Each person's statistical values (the engine's
 *    microdata, stats_each_person: a merged person once) are mapped to the
 *    CTDC columns: yearOfRegistration, Datasource (CTDC_DATASOURCE: ihala is
 *    a case management system), gender, ageBroad, majorityStatus,
 *    majorityStatusAtExploit, majorityEntry, citizenship, the
 *    meansOfControl* flags, the is* exploitation flags, typeOfLabour*,
 *    typeOfSex*, isAbduction, RecruiterRelationship, CountryOfExploitation
 *    and the recruiterRelation* flags, in the dictionary's order. CTDC's
 *    *Concatenated columns (the same flags joined as text) are left out.
 *    A missing value is an empty cell; flags are 1 or 0, and empty when the
 *    fact they detail is not recorded. The mapping table, choice by choice,
 *    is in docs/statistics.md.
 *
 * 2. k-anonymity (kanon.h). The quasi-identifiers are CTDC's: gender,
 *    ageBroad, majorityStatus, citizenship, CountryOfExploitation and
 *    yearOfRegistration. Every combination of their cells in the file, an
 *    empty cell counting as a value, is shared by at least k rows: values are
 *    blanked locally, and as a last resort (fewer than k rows) whole rows are
 *    left out. majorityStatusAtExploit is derived from ageBroad and
 *    yearOfRegistration; it is left empty in a row where either was blanked,
 *    so it never gives back what suppression took.
 *
 * 3. The export (ctdc_export.c): select the persons (by registration date,
 *    optional), build the rows, make them k-anonymous, check the result
 *    (every group >= k) and only then write the file (CSV or XLSX through
 *    domain/case/export.h: byte order mark, formula neutralisation) and
 *    audit it: one row "stats.export_ctdc", object "ctdc", id
 *    "k<k>-n<rows>-r<rows dropped>-v<values blanked>", no personal value.
 */
#ifndef IHALA_CTDC_H
#define IHALA_CTDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../case/export.h"
#include "kanon.h"

/* The data source of every row: CTDC's "Case Management" (the other value is "Hotline"). */
#define CTDC_DATASOURCE "Case Management"
#define CTDC_K_MIN 2
#define CTDC_K_MAX 1000

/* ---- the row ---- */

/* The statistical values a row is made of, each an engine dimension (ctdc_source_dim). */
enum ctdc_source {
	CTDC_SRC_YEAR,            /* case.registration_year */
	CTDC_SRC_GENDER,          /* person.gender */
	CTDC_SRC_AGE,             /* person.age_band */
	CTDC_SRC_CITIZENSHIP,     /* person.citizenship (the first listed) */
	CTDC_SRC_COUNTRY,         /* victim.exploitation_country */
	CTDC_SRC_EXPLOIT_YEAR,    /* victim.exploitation_start_year */
	CTDC_SRC_MEANS,           /* victim.means_of_control */
	CTDC_SRC_TYPES,           /* victim.exploitation_types */
	CTDC_SRC_SEX_TYPES,       /* victim.sexual_exploitation_types */
	CTDC_SRC_SECTOR,          /* victim.labour_sector (ISIC section letter) */
	CTDC_SRC_RECRUITER,       /* victim.recruiter_relation */
	CTDC_SRC_COUNT
};
const char *ctdc_source_dim(enum ctdc_source s);

/* The quasi-identifiers, in the order of the codes kanon works on. */
enum ctdc_qi { CTDC_QI_GENDER, CTDC_QI_AGE, CTDC_QI_MAJORITY, CTDC_QI_CITIZENSHIP, CTDC_QI_COUNTRY,
	       CTDC_QI_YEAR, CTDC_QI_COUNT };

/* One person, coded (a few dozen bytes: a million fit in memory). */
struct ctdc_row {
	uint16_t qi[CTDC_QI_COUNT];   /* KANON_MISSING: empty */
	uint8_t at_exploit;           /* majorityStatusAtExploit: 0 empty, 1 Minor, 2 Adult */
	uint8_t recruiter;            /* 0 empty, else 1 + index into the RecruiterRelationship values */
	bool means_known, exploit_known;
	uint32_t means;               /* bit i: meansOfControl column i */
	uint16_t exploit;             /* bit i: is* column i */
	uint16_t labour;              /* bit i: typeOfLabour column i (read when isForcedLabour) */
	uint8_t sex;                  /* bit i: typeOfSex column i (read when isSexualExploit) */
};

/*
 * Fill row from a person's values: get(ud, source, out, max) puts up to max
 * values of that source into out and returns how many (0 = unknown), like
 * stats_rec_values. Values that are not in the mapping (a registry choice
 * added later) go to the Other column of their group.
 */
void ctdc_row_build(struct ctdc_row *row, int (*get)(void *ud, enum ctdc_source s, const char **out, int max),
		    void *ud);

/* The columns of the file, in order. */
size_t ctdc_column_count(void);
const char *ctdc_column_name(size_t i);

/* The cells of one row: cell[i] for column i, each "" when empty; text owns the scratch. */
struct ctdc_cells {
	const char **cell;            /* ctdc_column_count() entries; owned */
	char year[8], citizenship[3], country[3];
};
int ctdc_cells_init(struct ctdc_cells *c) __attribute__((warn_unused_result));
void ctdc_cells_release(struct ctdc_cells *c);
/* Fill c from row (its qi already made k-anonymous). Pointers stay valid until the next call. */
void ctdc_cells_fill(struct ctdc_cells *c, const struct ctdc_row *row);

/* The code of a two-letter country (ISO 3166 alpha-2, upper case), or KANON_MISSING. */
uint16_t ctdc_country_code(const char *iso2);

/* ---- the export ---- */

struct ctdc_request {
	size_t k;                     /* CTDC_K_MIN..CTDC_K_MAX */
	enum export_format fmt;
	int32_t from_day, to_day;     /* registration dates (days since 1970-01-01), inclusive; 0 = open */
};

struct ctdc_result {
	size_t persons;               /* persons selected */
	size_t records;               /* rows written (persons - suppressed_records) */
	size_t suppressed_records;    /* rows left out */
	size_t suppressed_values;     /* quasi-identifier cells blanked */
};

/*
 * Write the export into out (its cap bounds the file) and audit it (see
 * above). The caller checked the permission (stats.export). ERR_INVALID for
 * a k out of range, ERR_TOO_LARGE when the file would pass out's cap (audited
 * "failed"), ERR_NOMEM, ERR_FAIL.
 */
int stats_ctdc_export(struct ctx *c, const struct ctdc_request *rq, struct buf *out, struct ctdc_result *res)
	__attribute__((warn_unused_result));

#endif
