/*
 * dedup.h: likely duplicates among the cases of one installation, found
 * without decrypting a record, and the review queue that decides them
 * (docs/linkage.md, "Duplicates inside one installation").
 *
 * 1. Signature. When a case's person is written (case_index.c), a short
 *    comparison signature is stored beside the blind index (table
 *    link_cases): 64-bit keyed hashes (SipHash-2-4 under a key derived from
 *    KEY_BLIND, the blind-index key) of
 *      - the name tokens (names.h) of the given names, of the family names
 *        and of the other names (middle and other names), each in its part;
 *      - their one-letter variants (each token of 4 or more letters with one
 *        letter left out), so that one typing error (a letter wrong, missing,
 *        added, or two swapped) still meets;
 *      - their cross-script keys (xscript.h), where محمد meets Mohammed;
 *      - the birth date (YYYYMMDD), its one-digit variants and its year;
 *      - the document number (normalised), its one-character variants;
 *      - sex and each citizenship (plain facts, hashed for uniformity).
 *    A signature never holds a name: only who holds the key can test a guess.
 *
 * 2. Comparison vector of two signatures, one level per field (or missing
 *    when a side has no value): given and family name: exact, close (one
 *    edit), sound (a cross-script key), other_field (found among the other
 *    side's other names: swapped given and family names), differ; birth
 *    date: exact, close (one digit), year, differ; document: exact, close,
 *    differ; sex: same, differ; citizenship: shared (one in common), differ.
 *
 * 3. Fellegi-Sunter score: the sum over present fields of log2(m/u) of the
 *    field's level, m and u estimated from the candidate pairs by EM
 *    (dedup_em). Pairs at or above cfg.link_review_weight are kept for
 *    review; at or above cfg.link_likely_weight they are "likely".
 *
 * 4. Candidate pairs (blocking): cases sharing a name token, a pair of name
 *    tokens, a cross-script key, a document number, or a birth date together
 *    with a name hash. A block with more than cfg.link_block_max cases (a
 *    very common name) gives no pairs; the rarer blocks still do.
 *
 * 5. Persons: every case belongs to one person (link_cases.person_id). "Same person"
 *    folds the two cases' persons into one; the cases and their histories
 *    are not touched; the fold is recorded so that it can be undone exactly.
 *    Statistics count persons, not cases.
 *
 * Access: PERM_LINK_REVIEW. A pair is in the caller's reach when both of its
 * cases are: SCOPE_OWN_ORG, both cases belong to the caller's organisation;
 * SCOPE_ALL (the coordinator), every pair. The values of a case are shown
 * only when the caller may also read the case (PERM_CASE_READ). Out of
 * reach is ERR_NOT_FOUND.
 */
#ifndef IHALA_DEDUP_H
#define IHALA_DEDUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

/* ---- signatures ---- */

enum dedup_part {
	DP_GIVEN, DP_GIVEN_CLOSE, DP_GIVEN_KEY,
	DP_FAMILY, DP_FAMILY_CLOSE, DP_FAMILY_KEY,
	DP_OTHER, DP_OTHER_CLOSE,
	DP_BIRTH, DP_BIRTH_CLOSE, DP_BIRTH_YEAR,
	DP_DOC, DP_DOC_CLOSE,
	DP_SEX, DP_CITIZENSHIP,
	DP_COUNT
};
#define DEDUP_SIG_VERSION 1
#define DEDUP_PART_MAX 64   /* hashes in one part at most; more are left out */

/* A decoded signature: part[p] points at n[p] sorted, distinct hashes (borrowed). */
struct dedup_sig {
	const uint64_t *part[DP_COUNT];
	unsigned n[DP_COUNT];
};

/*
 * The signature of a person (a registry "person" object, all values in
 * clear) under key: *out (caller frees) of *len bytes. 0 or ERR_NOMEM /
 * ERR_INVALID (a name that is not UTF-8 is skipped, not an error).
 */
int dedup_sig_build(const unsigned char key[32], const json_t *person, unsigned char **out, size_t *len);
/* Check a stored signature: the number of hashes it holds, or ERR_INVALID when malformed. */
int dedup_sig_count(const unsigned char *buf, size_t len);
/* Decode a checked signature: its hashes into pool (dedup_sig_count of them), s pointing there. */
void dedup_sig_decode(const unsigned char *buf, uint64_t *pool, struct dedup_sig *s);
/*
 * Store the signature of the case's person (upsert into link_cases); a case
 * new there gets a person of its own (a random id). Called by the blind index of
 * cases (case_index.c) inside the case's write transaction.
 */
int dedup_sig_put(struct ctx *c, const char *case_id, const json_t *person);

/* ---- comparison and score ---- */

enum dedup_field { DF_GIVEN, DF_FAMILY, DF_BIRTH, DF_DOC, DF_SEX, DF_CITIZENSHIP, DF_COUNT };
#define DEDUP_LEVELS_MAX 5
#define DEDUP_MISSING (-1)
/* (DEDUP_LEVELS_MAX + 1)^DF_COUNT: a comparison vector as one number (dedup_pattern). */
#define DEDUP_PATTERNS 46656

/* Levels of a field, from full agreement to disagreement. */
int dedup_levels(enum dedup_field f);
const char *dedup_field_name(enum dedup_field f);   /* "given", ... */
const char *dedup_level_name(enum dedup_field f, int level);   /* "exact", ...; "missing" for DEDUP_MISSING */

/* The comparison vector of two signatures. */
void dedup_compare(const struct dedup_sig *a, const struct dedup_sig *b, signed char v[DF_COUNT]);
/* A vector as a number below DEDUP_PATTERNS, and back. */
unsigned dedup_pattern(const signed char v[DF_COUNT]);
void dedup_pattern_vector(unsigned pattern, signed char v[DF_COUNT]);
/* A vector as stored in link_pairs.levels (DF_COUNT characters + NUL), and back (ERR_INVALID). */
void dedup_levels_text(const signed char v[DF_COUNT], char out[DF_COUNT + 1]);
int dedup_levels_parse(const char *text, signed char v[DF_COUNT]);

/* m and u of every level of every field; lambda: the share of matches among the candidates. */
struct dedup_model {
	double m[DF_COUNT][DEDUP_LEVELS_MAX];
	double u[DF_COUNT][DEDUP_LEVELS_MAX];
	double lambda;
	int iterations;     /* EM iterations of the last fit (0: the defaults) */
	int64_t n_pairs;    /* candidate pairs it was fitted on */
};
/* The starting values of EM, also used before any fit (docs/linkage.md). */
void dedup_model_default(struct dedup_model *m);
/* The match weight of a vector: sum over present fields of log2(m/u). */
double dedup_weight(const struct dedup_model *m, const signed char v[DF_COUNT]);
/*
 * Fit m, u and lambda by EM from counts[DEDUP_PATTERNS] (candidate pairs per
 * comparison vector), starting from *m's values, which also act as a prior
 * worth DEDUP_EM_PRIOR pairs; every m and u is kept within [DEDUP_EM_FLOOR,
 * 1 - DEDUP_EM_FLOOR] so that no level becomes impossible (a typing error in
 * one document number must not veto a pair). Stops when no probability
 * moves by more than 1e-7, or after max_iter iterations. 0, or ERR_INVALID
 * when there are no pairs.
 */
#define DEDUP_EM_PRIOR 100.0
#define DEDUP_EM_FLOOR 0.005
#define DEDUP_EM_U_FLOOR 1e-6
int dedup_em(struct dedup_model *m, const uint64_t *counts, int max_iter);
/* log2(x) for x > 0 (without libm). */
double dedup_log2(double x);
/* The model as JSON (new reference) and back; ERR_INVALID when malformed. */
json_t *dedup_model_to_json(const struct dedup_model *m);
int dedup_model_from_json(const json_t *j, struct dedup_model *m);
/* The stored model (link_model), or the defaults when none was fitted. */
int dedup_model_load(struct ctx *c, struct dedup_model *m);

/* ---- checking ---- */

/*
 * Inside an open write transaction, after a case was written: find the
 * cases the new one may duplicate (blocks of its blind index entries of
 * kinds doc, name2 and xkey2, each capped), score them with the stored
 * model and store the pairs at or above the review weight.
 */
int dedup_case_created(struct ctx *c, const char *case_id);
/*
 * The same in a transaction of its own, right after the case's creation
 * was committed (case_create), so that the check does not lengthen the
 * creating transaction. A failure is logged, not returned: the case exists,
 * and the next full check (dedup_run) finds its pairs.
 */
void dedup_case_saved(struct ctx *c, const char *case_id);
/* The same for the cases of an import (a JSON array of references), in one transaction. */
void dedup_cases_saved(struct ctx *c, const json_t *refs);

/* A pair found by dedup_run, for the caller's report. */
struct dedup_found {
	const char *ref_a, *ref_b;             /* borrowed for the callback's duration */
	const char *external_ref_a, *external_ref_b;   /* "" when none */
	double score;
	const char *class_name;                /* "likely" or "review" */
};

struct dedup_options {
	double review_weight, likely_weight;   /* from the configuration unless changed */
	int block_max;
	bool dry_run;                          /* score and report, store nothing */
	/* Called for each pair at or above review_weight, best first; non-zero stops. */
	int (*found)(void *arg, const struct dedup_found *p);
	void *arg;
};
void dedup_options_init(struct dedup_options *o, const struct config *cfg);

struct dedup_report {
	int64_t n_cases, n_candidates, n_likely, n_review, n_new, n_removed, n_decided_kept;
	struct dedup_model model;
};

/*
 * Check every case (not erased) against every other: blocking, EM on the
 * candidate pairs, scoring. Unless dry_run, in one transaction: the model
 * is stored, open pairs are inserted or rescored, open pairs no longer found
 * are removed, pairs decided "different" and cases already one person are
 * left alone; audited "link.dedup" with the number of pairs as id.
 */
int dedup_run(struct ctx *c, const struct dedup_options *o, struct dedup_report *rep);

/* ---- the review queue (review.c) and persons (merge.c) ---- */

struct dedup_filter {
	const char *status;   /* "open" (NULL), "same", "different" */
	const char *class_name;   /* NULL, "likely", "review" */
	const char *cursor;   /* from a previous page, or NULL */
};
/*
 * The pairs in the caller's reach, best score first: *items an array of
 * {"id","score","class","status","version","found_at","decided_by",
 * "decided_at","merge_id","comparison":{field: level},"cases":[{"ref",
 * "org_id","person_id"}, {...}]}; open pairs whose cases are already one
 * person are left out. *next_cursor (caller frees) NULL on the last page.
 * ERR_INVALID with pb's field for a bad status, class or cursor.
 */
int dedup_pairs_list(struct ctx *c, const struct dedup_filter *f, int limit, json_t **items, char **next_cursor,
		     struct problem *pb);
/*
 * One pair with its two records side by side: each case adds "external_ref",
 * "status", "created_at", "readable", and, when the caller may read the case,
 * "person" (the registry person fields it holds). Each case shown with its
 * values is audited "case.read".
 */
int dedup_pair_get(struct ctx *c, const char *pair_id, json_t **out);
/*
 * Decide an open pair: "same" folds the two persons into one (a merge,
 * audited "link.merge"), "different" remembers it (audited
 * "link.different"); version must be the pair's. *out: the pair as listed.
 * Problems: not_found; stale_version; already_decided (not open);
 * same_person ("different" for two cases already one person).
 */
int dedup_pair_decide(struct ctx *c, const char *pair_id, const char *decision, int64_t version, json_t **out,
		      struct problem *pb);
/*
 * Undo a merge: exactly the cases it moved get their person back, the pair
 * is open again; audited "link.unmerge". Problems: not_found; merge_undone;
 * merge_not_last (a later merge of the same person is still in force: undo
 * that one first). *out: {"merge_id", "pair": pair as listed}.
 */
int dedup_merge_undo(struct ctx *c, const char *merge_id, json_t **out, struct problem *pb);

#endif
