/*
 * dedup_int.h: private to the duplicate modules of src/domain/link/
 * (dedup.c, dedup_run.c, review.c, merge.c): storing pairs, and the reach
 * rule of the review queue.
 */
#ifndef IHALA_DEDUP_INT_H
#define IHALA_DEDUP_INT_H

#include "dedup.h"

/*
 * Insert a pair (case_a < case_b by id), or rescore it when it is already
 * there and still open; a decided pair is left alone. *inserted (may be
 * NULL) tells whether it is new.
 */
int dedup_pair_store(struct ctx *c, const char *case_a, const char *case_b, double score, const char *class_name,
		     const signed char v[DF_COUNT], int64_t now, bool *inserted);
/* The class of a score under the options' weights ("likely" / "review"), NULL below review. */
const char *dedup_class_of(double score, double review_weight, double likely_weight);
/* Is a pair of cases of these organisations in the caller's review reach? */
bool dedup_in_reach(const struct ctx *c, const char *org_a, const char *org_b);
/* A pair row as the API shows it (review.c); NULL on failure. */
struct store_stmt;
json_t *dedup_pair_json(struct store_stmt *st);
/* The SELECT list that dedup_pair_json reads, FROM link_pairs lp and the joins it needs. */
#define DEDUP_PAIR_SELECT \
	"SELECT lp.id, lp.score, lp.class, lp.status, lp.version, lp.found_at, lp.decided_by, lp.decided_at, " \
	"lp.merge_id, lp.levels, ca.ref, ca.org_id, pa.person_id, cb.ref, cb.org_id, pb.person_id, " \
	"lp.case_a, lp.case_b " \
	"FROM link_pairs lp JOIN cases ca ON ca.id = lp.case_a JOIN cases cb ON cb.id = lp.case_b " \
	"LEFT JOIN link_cases pa ON pa.case_id = lp.case_a LEFT JOIN link_cases pb ON pb.case_id = lp.case_b "
/* Load one pair by id (the columns of DEDUP_PAIR_SELECT) and check reach: ERR_NOT_FOUND when out of it. */
struct dedup_pair_row {
	char id[ID_HEX_LEN + 1];
	char case_a[ID_HEX_LEN + 1], case_b[ID_HEX_LEN + 1];
	char org_a[ID_HEX_LEN + 1], org_b[ID_HEX_LEN + 1];
	char person_a[ID_HEX_LEN + 1], person_b[ID_HEX_LEN + 1];
	char status[16];
	int64_t version;
};
int dedup_pair_load(struct ctx *c, const char *pair_id, struct dedup_pair_row *row, json_t **json);

#endif
