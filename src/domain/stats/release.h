/*
 * release.h: differentially private releases of statistics, and the ledger
 * that keeps them within a yearly privacy budget (docs/statistics.md,
 * "Differentially private releases").
 *
 * A release is one table of counts (the question of GET /api/v1/stats: a
 * unit, 0 to 3 dimensions, filters, a date range) published with
 * two-sided geometric noise on every cell (stats_dp_noise), so that the
 * table is epsilon-differentially private for one unit: adding or removing
 * one person (unit persons), case, referral or service changes what can be
 * seen by a factor of at most exp(epsilon). A person with several cases,
 * referrals or services is protected by k * epsilon for k of them.
 *
 * The cells. Which cells a release has must not depend on the data (a
 * column that appears only when someone has that nationality gives that
 * person away). Along each dimension the values are: the filter's values
 * when the request filters that dimension, else the dimension's fixed
 * values (registry choices, ISIC sections, referral states, services)
 * followed by "unknown". A dimension without fixed values (countries,
 * years, months) must be filtered: 400 release_values_required, field
 * "filters.<dimension>". Every value keeps its cell, zero or not; the
 * margin of each dimension is the engine's (a unit counted once).
 *
 * Sensitivity: one unit changes, along a single-valued dimension, one value
 * and the margin (2 cells); along a multi-valued one at most m values and
 * the margin (m + 1), m being the number of the release's values of that
 * dimension (the engine counts every value a unit has: no smaller cap
 * applies). A table's cells are products of those choices, so the
 * sensitivity is the product over the dimensions of 2 or m + 1 (1 for a
 * table without dimension). The noise's scale is sensitivity / epsilon.
 *
 * The ledger. Epsilons are kept in thousandths. The budget of a year
 * (config stats_dp_budget, default 4.0) is what all releases made in that
 * calendar year (UTC) may spend together; one release spends at most
 * stats_dp_max_epsilon_per_release (default 1.0). A release is written in
 * one transaction with its audit row ("stats.release", object
 * "stats_release"): the year's row of stats_dp_budget is raised by a
 * conditional UPDATE that fails when the sum would pass the budget, so two
 * releases made at once cannot overspend on either backend. A refusal is
 * audited too (outcome "denied") and nothing of its table is kept or shown.
 *
 * JSON of a release: the table as stats_result_json shapes it (unit,
 * dimensions, cells with noisy counts, total) plus
 *	"id", "year", "epsilon", "sensitivity", "created_at", "created_by",
 *	"query": {"unit", "dims", "filters", "date", "from", "to"},
 *	"noise": {"mechanism": "geometric", "epsilon", "sensitivity"},
 *	"budget": {"year", "budget", "spent", "left"} (now, when served).
 */
#ifndef IHALA_STATS_RELEASE_H
#define IHALA_STATS_RELEASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"
#include "stats.h"

/* The year's budget after a release, or when one was refused. */
struct stats_budget {
	int year;
	int64_t budget_milli;    /* configured */
	int64_t spent_milli;
	int64_t left_milli;      /* budget - spent, at least 0 */
};

/*
 * Make a release from a request body (already checked for its field types):
 *	{"unit", "dims": [names], "filters": {name: [values]}, "date", "from",
 *	 "to", "epsilon": number}
 * On success *out is the release's JSON (201) and *b the year's budget.
 * Errors: 400 (pb: invalid epsilon, or what stats_query_parse reports, or
 * release_values_required); 409 budget_exhausted (pb, field "epsilon"; *b
 * says what is left); ERR_FAIL / ERR_NOMEM.
 */
int stats_release_create(struct ctx *c, const json_t *body, json_t **out, struct stats_budget *b,
			 struct problem *pb);

/*
 * Releases newest first, a page of at most limit after cursor (from the
 * previous page's next), without their tables; and every year's budget
 * (the current year always included). 400 invalid cursor.
 */
int stats_release_list(struct ctx *c, const char *cursor, int limit, json_t **items, char **next,
		       json_t **budgets, struct problem *pb);

/* One release with its table; ERR_NOT_FOUND for an unknown id. */
int stats_release_get(struct ctx *c, const char *id, json_t **out);

/* ---- pure parts, for tests ---- */

/* A JSON number as thousandths: 0 < e, at most three decimals; ERR_INVALID otherwise. */
int stats_release_epsilon(const json_t *value, int64_t *milli);
/*
 * The sensitivity of a table whose dimension d has n_values[d] values
 * (unknown included), has_unknown[d] when one of them is the unknown, and
 * is multi-valued when multi[d].
 */
int64_t stats_release_sensitivity(int ndims, const size_t *n_values, const bool *has_unknown, const bool *multi);

#endif
