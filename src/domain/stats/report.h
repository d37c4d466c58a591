/*
 * report.h: the annual report: the tables a national committee sends every
 * year (national report, regional forum, international questionnaires),
 * each a statistics query (stats.h) bounded to one calendar year, with the
 * disclosure rules of the chosen view applied (docs/statistics.md, "The
 * annual report").
 *
 * A table is described by data (struct stats_report_def): a key, a title in
 * English and Arabic, a unit, up to three dimensions by name, at most one
 * filter, and which date puts a unit in the year. stats_report_tables is the
 * list the API and the command line serve; a committee that needs another
 * table adds a line there.
 *
 * Views. STATS_VIEW_INTERNAL: exact counts. STATS_VIEW_PUBLICATION: every
 * table goes through stats_suppress() with the installation's threshold
 * (stats_publication_threshold, default 11), each table on its own, as
 * statistical offices treat separate tables. No two tables of the list count
 * the same population over the same dimensions, but linked-table attacks
 * (a margin of one table equal to a margin of another) are not searched for:
 * keep that in mind when adding a table.
 *
 * Cost: one stats_run per table over the columns in memory
 * (bench/stats.sh measures the whole report on a million cases).
 */
#ifndef IHALA_STATS_REPORT_H
#define IHALA_STATS_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "../../core/banned.h"
#include "../../store/store.h"
#include "stats.h"

enum stats_view { STATS_VIEW_INTERNAL, STATS_VIEW_PUBLICATION };

#define STATS_REPORT_MIN_YEAR 1971   /* day 0 (1970-01-01) means "open" in a query */
#define STATS_REPORT_MAX_YEAR 2200   /* the last year stats_day() takes */
#define STATS_REPORT_MAX_FILTER_VALUES 4

struct stats_report_def {
	const char *key;                 /* "identified_persons", ...; stable, for clients */
	struct label title;              /* static strings */
	enum stats_unit unit;
	const char *dims[STATS_MAX_DIMS];               /* dimension names; NULL ends the list */
	const char *filter_dim;                         /* or NULL */
	const char *filter_values[STATS_REPORT_MAX_FILTER_VALUES];   /* NULL ends the list */
	enum stats_date date;            /* which date must fall in the year */
};

extern const struct stats_report_def stats_report_tables[];
extern const size_t stats_report_ntables;

/* "internal" | "publication" -> view; 0 or ERR_INVALID. */
int stats_view_parse(const char *name, enum stats_view *out);
const char *stats_view_name(enum stats_view v);

/*
 * The query of table d for year (STATS_REPORT_MIN_YEAR..MAX): its
 * dimensions, its filter and the year's first and last day on its date.
 * ERR_INVALID for a year out of range or a dimension this build does not
 * know (logged: the table list and the registry disagree).
 */
int stats_report_query(const struct stats_report_def *d, int year, struct stats_query *q);

/*
 * Count table d for year into out (release with stats_result_release), with
 * the view's disclosure rules applied to out->t (threshold: the publication
 * threshold; ignored for the internal view). rep, when not NULL, receives
 * the cells suppressed. 0 or a negative enum err.
 */
int stats_report_run(struct store *db, const struct stats_report_def *d, int year, enum stats_view view,
		     int64_t threshold, struct stats_result *out, struct stats_suppress_report *rep);

/*
 * The whole report as the API serves it (caller json_decref):
 * {"year", "view", "threshold": n (publication) | null (internal),
 *  "tables": [{"key", "title": {"en","ar"}, "unit",
 *              "suppression": {"primary": n, "secondary": n},
 *              "result": stats_result_json()}]}.
 * 0 or a negative enum err.
 */
int stats_report_json(struct store *db, const struct stats_report_def *defs, size_t ndefs, int year,
		      enum stats_view view, int64_t threshold, json_t **out);

#endif
