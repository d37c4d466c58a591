/*
 * kanon.h: k-anonymity of microdata by local suppression. Pure: an array of
 * small integer codes in, the same array with some codes suppressed out; no
 * database, no I/O, no global state.
 *
 * The data. n records of n_qi quasi-identifiers (1..KANON_MAX_QI), each a
 * code 0..65534, row-major: codes[i * n_qi + j] is QI j of record i. The
 * code KANON_MISSING (65535) means "no value": missing in the source or
 * suppressed here. When records are grouped by their QI tuple, a missing
 * value is a value like any other (it is an empty cell in the file, and a
 * reader grouping the file's columns puts all empty cells together): it is
 * not a wildcard that matches everything. So after kanon_apply every tuple
 * of codes, KANON_MISSING included, is shared by at least k of the records
 * kept.
 *
 * The method: greedy local suppression, weighted like set cover.
 *  1. Group the records by tuple (a hash table of 128-bit keys: 8 QIs of
 *     16 bits, exact, no collision can merge two tuples). A record in a
 *     group smaller than k is "at risk".
 *  2. For every mask M (a non-empty subset of the QIs, at most 255), set the
 *     QIs of M to missing in the at-risk records (only there: the records
 *     already safe are never touched) and count, for each masked tuple, the
 *     at-risk records that would carry it plus the safe records already
 *     carrying it. The at-risk records whose masked tuple reaches k are the
 *     gain of M; the values that would really change (a value already missing
 *     costs nothing) are its cost.
 *  3. Apply the mask with the best gain per value suppressed (ties: the
 *     larger gain, then the smaller mask) to exactly the at-risk records of
 *     its gain, and go back to 1 with the records still at risk. A mask of
 *     one QI costs one value a record, so single QIs are tried before pairs,
 *     pairs before triples, unless a wider mask protects many more records
 *     per value (it then also costs fewer values in all).
 *  4. When no mask helps any more, even all QIs missing at once, the records
 *     still at risk are fewer than k (the all-missing tuple would otherwise
 *     hold k of them): they are dropped whole, the last resort.
 *  5. Give values back: a step blanks a QI in whole groups at once, and
 *     after later steps some of those records can have it back. Records of
 *     one tuple blanked at the same QI with the same original value move
 *     back together when their tuple keeps k records (or none) and the tuple
 *     they move to then holds k or more. Every group stays at k or more; a
 *     few passes, until nothing moves.
 * Each step makes at least one record safe and a safe record stays safe (its
 * group only grows), so the loop ends; in practice after a few dozen steps.
 * Cost of a step: one hash operation per at-risk group and mask tried;
 * masks are tried fewest QIs first, and a mask whose best possible gain per
 * value (one over the fewest values it must blank in any at-risk record) is
 * below the best found is skipped, which changes no choice. 1,000,000
 * records of six QIs: about 2 s shaped like a national installation's, 8 s
 * when almost every record is unique (docs/benchmarks.md).
 *
 * Why local suppression and not global recoding (whole columns removed or
 * coarsened): the rare combinations are a small part of real data (a common
 * citizenship with a common country of exploitation is most records), and
 * local suppression blanks a value only in the few records that need it.
 * The tests check that a skewed input loses far fewer values than the
 * cheapest set of whole columns that would make it k-anonymous.
 */
#ifndef IHALA_KANON_H
#define IHALA_KANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../core/banned.h"
#include "../../core/err.h"

#define KANON_MAX_QI 8
#define KANON_MISSING UINT16_MAX
#define KANON_DEFAULT_K 11

struct kanon_report {
	size_t suppressed_values;    /* codes changed from a value to KANON_MISSING */
	size_t suppressed_records;   /* records dropped whole (dropped[i] = 1) */
	size_t steps;                /* masks applied */
	size_t restored_values;      /* blanked by a step, then given back (not in suppressed_values) */
	size_t masks_tried;          /* masks evaluated over all steps (the cost; for the benchmark) */
};

/*
 * Make the records k-anonymous over their n_qi QIs (see above), in place.
 * dropped: n bytes, written: 1 for a record dropped whole, else 0. k >= 1
 * (k == 1 changes nothing). An input already k-anonymous comes back
 * untouched (no step, nothing suppressed). Returns 0, ERR_INVALID (n_qi out
 * of range, k == 0, n >= 2^32 - 1) or ERR_NOMEM (codes may then be partly
 * suppressed: the caller discards them).
 */
int kanon_apply(uint16_t *codes, size_t n, size_t n_qi, size_t k, unsigned char *dropped, struct kanon_report *rep)
	__attribute__((warn_unused_result));

/*
 * The smallest group among the records kept (dropped may be NULL: none), in
 * *smallest (0 when no record is kept), and the number of groups in
 * *n_groups (may be NULL). 0 or ERR_NOMEM / ERR_INVALID. The export checks
 * its result with it before anything is written.
 */
int kanon_smallest_group(const uint16_t *codes, size_t n, size_t n_qi, const unsigned char *dropped,
			 size_t *smallest, size_t *n_groups) __attribute__((warn_unused_result));

#endif
