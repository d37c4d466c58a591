/*
 * clk.h: privacy-preserving linkage between installations with CLKs
 * (cryptographic long-term keys, Schnell et al. 2011; the scheme of
 * clkhash/anonlink). docs/linkage.md, "Linkage between installations
 * (CLK)", documents every parameter and the file format; this header is the
 * contract of the code.
 *
 * A CLK is a 1024-bit Bloom filter of one person. Each field value is cut
 * into tokens (padded bigrams of the normalised name tokens, the parts of
 * the birth date, the sex) and each token sets k bits (k per field) at
 * positions drawn from a keyed BLAKE2b of the token. The key comes from a
 * secret the two parties agree on, stretched with Argon2id; without it the
 * positions cannot be recomputed, so a filter reveals no value by itself.
 * Two CLKs of the same person share most of their bits; the Sørensen–Dice
 * coefficient 2|a&b| / (|a| + |b|) measures how many.
 *
 * Parts:
 *  - the comparison kernel (dice.c, dice_avx2.c, dice_avx512.c): popcounts
 *    of filters and of their intersection, with an AVX-512 (VPOPCNTDQ) and
 *    an AVX2 path chosen at run time and a portable path; all three give
 *    the same integers, and every score is computed from those integers by
 *    one scalar formula, so scores are bit-identical whatever the path;
 *  - the encoder and the encoding file (clk.c);
 *  - the encoding of a data folder's cases (clk_case.c);
 *  - matching two sets: candidate pairs above a threshold, skipping pairs
 *    whose popcounts cannot reach it, then a greedy one-to-one assignment,
 *    on several threads (match.c).
 */
#ifndef IHALA_LINK_CLK_H
#define IHALA_LINK_CLK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define CLK_BITS 1024
#define CLK_WORDS (CLK_BITS / 64)   /* 16 */
#define CLK_BYTES (CLK_BITS / 8)    /* 128 */
#define CLK_FORMAT_VERSION 1

/* ---- the comparison kernel (dice.c) ---- */

enum clk_kernel { CLK_KERNEL_PORTABLE = 0, CLK_KERNEL_AVX2, CLK_KERNEL_AVX512 };

/*
 * The kernel in use: the best this CPU runs (avx512 when it has AVX-512F,
 * AVX-512BW and VPOPCNTDQ; avx2 when it has AVX2 and POPCNT; else
 * portable), unless the environment variable IHALA_CLK_KERNEL names one
 * (portable, avx2 or avx512) that the CPU runs. Chosen once, at first use.
 */
const char *clk_kernel_name(void);
enum clk_kernel clk_kernel_current(void);
/* Can this CPU run kernel k? (portable: always.) */
bool clk_kernel_available(enum clk_kernel k);
/*
 * Use kernel k from now on (tests, benchmarks). ERR_INVALID when this CPU
 * cannot run it. Not to be called while other threads compare.
 */
int clk_kernel_force(enum clk_kernel k);
/* Parse "portable" / "avx2" / "avx512"; ERR_INVALID for anything else. */
int clk_kernel_parse(const char *name, enum clk_kernel *k);

/* Set bits of a filter; and of a & b. */
unsigned clk_popcount(const uint64_t a[CLK_WORDS]);
unsigned clk_and_popcount(const uint64_t a[CLK_WORDS], const uint64_t b[CLK_WORDS]);
/*
 * counts[i] = |a & b_i| for the n filters b (n * CLK_WORDS words, one
 * filter after the other; no alignment needed).
 */
void clk_and_popcount_many(const uint64_t a[CLK_WORDS], const uint64_t *b, size_t n, uint16_t *counts);

/*
 * The Dice score from the counts: 2 * both / (pop_a + pop_b) in IEEE double
 * (one exact product, one exact sum, one rounded division); 0 when both
 * filters are empty. Every score ihala reports comes from here.
 */
double clk_dice_counts(unsigned both, unsigned pop_a, unsigned pop_b);
double clk_dice(const uint64_t a[CLK_WORDS], const uint64_t b[CLK_WORDS]);

/*
 * A threshold T in (0, 1], prepared: need[s] is the least count c with
 * clk_dice_counts(c, x, y) >= T for x + y = s (CLK_NEVER when none), so a
 * pair passes exactly when |a & b| >= need[|a| + |b|]. Since |a & b| <=
 * min(|a|, |b|), a pair whose min(|a|, |b|) < need[|a| + |b|] cannot pass;
 * lo[p]..hi[p] are the popcounts of b that a filter of popcount p can meet
 * (an interval; lo > hi when none). at_least[s] is the least need[s'] for
 * any s' >= s: a count below it fails for every pair of sum s or more (a
 * quick first look over pairs in popcount order). All computed from
 * clk_dice_counts itself, so no bound drops a pair the exact test keeps.
 */
#define CLK_NEVER 0xFFFF
struct clk_threshold {
	double t;
	uint16_t need[2 * CLK_BITS + 1];
	uint16_t at_least[2 * CLK_BITS + 1];
	uint16_t lo[CLK_BITS + 1], hi[CLK_BITS + 1];
};
/* ERR_INVALID unless 0 < t <= 1. */
int clk_threshold_init(struct clk_threshold *th, double t);

/*
 * Compare a (popcount pop_a) with the n filters b (popcounts pop_b): the
 * filters whose popcount is outside th's lo..hi for pop_a are skipped
 * without being read; the others are compared by the kernel. Writes the
 * index and count of each filter that reaches the threshold into hits /
 * hit_counts (room for n) and returns how many. *compared (may be NULL)
 * gets the number of filters the kernel compared.
 */
size_t clk_dice_batch(const uint64_t a[CLK_WORDS], unsigned pop_a, const uint64_t *b, const uint16_t *pop_b,
		      size_t n, const struct clk_threshold *th, uint32_t *hits, uint16_t *hit_counts,
		      size_t *compared);

/* ---- encoding (clk.c) ---- */

#define CLK_SECRET_MIN 16      /* bytes */
#define CLK_SECRET_MAX 4096
#define CLK_REF_MAX 64         /* bytes of a record reference */
#define CLK_SPELLINGS 2        /* of one name: as recorded, and in Latin letters */
#define CLK_MAX_RECORDS 20000000

/* The keys derived from a shared secret; in guarded memory. */
struct clk_key;

/*
 * Derive the keys from the secret (at least CLK_SECRET_MIN bytes, at most
 * CLK_SECRET_MAX): Argon2id with fixed parameters (about 0.1 s, 64 MiB),
 * then one key per field and a check value. ERR_INVALID for a secret of
 * the wrong length; ERR_NOMEM.
 */
int clk_key_new(struct clk_key **key, const unsigned char *secret, size_t len) __attribute__((warn_unused_result));
/*
 * Read a secret file and derive the keys. The file must be a regular file
 * of the current user closed to group and others (chmod 600); its content,
 * less trailing CR and LF bytes, is the secret. ERR_INVALID with a reason
 * in err (no secret in it) when it cannot be used.
 */
int clk_key_from_file(struct clk_key **key, const char *path, char *err, size_t err_size)
	__attribute__((warn_unused_result));
void clk_key_free(struct clk_key *key);
/* The key check value as 16 hex characters (tells two secrets apart; reveals nothing else). */
void clk_key_check(const struct clk_key *key, char out[17]);

/*
 * The fields a CLK can hold, chosen per encoding file (the two parties
 * choose the same ones; a field one party lacks for a person lowers the
 * score of every true pair, so choose what both record well):
 *	names     given and family names (two separate keys), always
 *	birth     the birth date's year, month and day
 *	sex       the registry gender value
 *	document  an identity document number (names.h normal form)
 *	address   street, town, region and postal code
 * CLK_FIELDS_DEFAULT is what `ihala link encode` uses unless told.
 */
enum {
	CLK_F_NAMES = 1,
	CLK_F_BIRTH = 2,
	CLK_F_SEX = 4,
	CLK_F_DOCUMENT = 8,
	CLK_F_ADDRESS = 16,
};
#define CLK_FIELDS_ALL 31u
#define CLK_FIELDS_DEFAULT (CLK_F_NAMES | CLK_F_BIRTH | CLK_F_SEX)
#define CLK_FIELDS_TEXT_MAX 48
/*
 * A comma-separated list of field names ("names,birth,sex") into *fields;
 * names is added when missing. ERR_INVALID for an unknown or repeated name.
 */
int clk_fields_parse(const char *list, unsigned *fields);
/* The list of fields, in the order above, into out. */
void clk_fields_format(unsigned fields, char out[CLK_FIELDS_TEXT_MAX]);

/*
 * What is encoded of one person. Every member may be NULL or "".
 * given/family: the name as recorded and in Latin letters (either may be
 * in any script; both are normalised with names.h). birth_date: "YYYY",
 * "YYYY-MM" or "YYYY-MM-DD" (digits only checked, not the calendar).
 * sex: a registry gender value ("Feminine", ...); "NonSpecifiedUnknown"
 * counts as absent. document: an identity document number. address:
 * street, town, region, postal code (free text, normalised as names).
 */
#define CLK_ADDRESS_PARTS 4
struct clk_person {
	const char *given[CLK_SPELLINGS];
	const char *family[CLK_SPELLINGS];
	const char *birth_date;
	const char *sex;
	const char *document;
	const char *address[CLK_ADDRESS_PARTS];
};
/*
 * The CLK of the chosen fields of p into out. ERR_INVALID when a value
 * is not UTF-8 or too long (names.h) or the birth date is malformed;
 * ERR_NOT_FOUND when p has none of a name token, a birth date or a
 * document number among the chosen fields: such a filter would meet
 * nobody, or everybody of the same sex. out is all zeros on error.
 */
int clk_encode(const struct clk_key *key, unsigned fields, const struct clk_person *p, uint64_t out[CLK_WORDS])
	__attribute__((warn_unused_result));

/*
 * A hex digest of the encoding parameters for these fields (filter
 * length, key derivation, tokenisation and k of each field, the format
 * version): two files can be compared only when theirs are equal.
 */
void clk_params_digest(unsigned fields, char out[33]);

/*
 * A set of encodings: references and filters. Filters are 64-byte
 * aligned, CLK_WORDS words each; refs point into one owned arena.
 * A reference: 1 to CLK_REF_MAX bytes of [A-Za-z0-9._:-], beginning with a
 * letter or digit (so it needs no quoting in CSV and no spreadsheet reads
 * it as a formula); unique within a set.
 */
struct clk_set {
	size_t n, cap;
	uint64_t *filters;      /* owned */
	uint16_t *pops;         /* owned; popcount of each filter */
	uint32_t *ref_off;      /* owned; offset of each reference in ref_text */
	char *ref_text;         /* owned; NUL-terminated references */
	size_t text_len, text_cap;
	unsigned fields;        /* CLK_F_* encoded */
	char check[17];         /* the key check of the encoder, "" when unknown */
	void *index;            /* owned; references seen, for uniqueness */
};
void clk_set_init(struct clk_set *s);
void clk_set_release(struct clk_set *s);
static inline const char *clk_set_ref(const struct clk_set *s, size_t i)
{
	return s->ref_text + s->ref_off[i];
}
static inline const uint64_t *clk_set_filter(const struct clk_set *s, size_t i)
{
	return s->filters + i * CLK_WORDS;
}
/* Is ref a valid record reference? */
bool clk_ref_valid(const char *ref);
/*
 * Append a record. ERR_INVALID for a bad reference, ERR_CONFLICT for a
 * reference already in the set, ERR_TOO_LARGE past CLK_MAX_RECORDS, ERR_NOMEM.
 */
int clk_set_add(struct clk_set *s, const char *ref, const uint64_t filter[CLK_WORDS])
	__attribute__((warn_unused_result));

/*
 * The encoding file, version 1 (docs/linkage.md): UTF-8 text, LF line ends.
 * Line 1, the header:
 *	ihala-clk 1 bits=1024 fields=<list> params=<32 hex> check=<16 hex> records=<N>
 * then N lines "REF<TAB>BASE64", BASE64 the 128 bytes of the filter
 * (standard alphabet with padding, 172 characters; word i's bit j is bit
 * j % 8 of byte 8i + j / 8, i.e. the words little-endian). Nothing else.
 */
#define CLK_HEADER_MAX 160
/* The header of s (its fields; check from the key) into out. */
void clk_file_header(const struct clk_set *s, const char *check, char out[CLK_HEADER_MAX]);
/*
 * Write s to path atomically: path.partial (mode 0600, O_NOFOLLOW), fsync,
 * rename; nothing is left at path or path.partial on failure. check: the
 * key check of the encoder. 0 or ERR_FAIL (err says why).
 */
int clk_file_write(const char *path, const struct clk_set *s, const char *check, char *err, size_t err_size)
	__attribute__((warn_unused_result));

/*
 * Reading, from a file or from memory. A parser takes the text line by
 * line (without the LF; a final CR is dropped) and checks everything: the
 * header (magic, version, bits, a list of fields, params equal to
 * clk_params_digest() of those fields, a check of 16 hex, a record count), then each record line (a valid unique
 * reference, exactly 172 base64 characters of 128 bytes), and at the end
 * that the count matches. On error: ERR_INVALID (ERR_TOO_LARGE past
 * CLK_MAX_RECORDS) and err says which line and why, naming no value.
 */
struct clk_parser {
	struct clk_set *set;    /* borrowed; filled */
	size_t line;            /* lines seen */
	size_t expected;        /* the header's record count */
	char *err;              /* borrowed */
	size_t err_size;
};
void clk_parser_init(struct clk_parser *p, struct clk_set *set, char *err, size_t err_size);
int clk_parser_line(struct clk_parser *p, const char *line, size_t len) __attribute__((warn_unused_result));
int clk_parser_finish(struct clk_parser *p) __attribute__((warn_unused_result));
/* The whole of text (len bytes) into s. */
int clk_set_parse(struct clk_set *s, const char *text, size_t len, char *err, size_t err_size)
	__attribute__((warn_unused_result));
/* The file at path into s; ERR_FAIL (err says why) when it cannot be read. */
int clk_file_read(const char *path, struct clk_set *s, char *err, size_t err_size)
	__attribute__((warn_unused_result));

/* ---- the cases of a data folder (clk_case.c) ---- */

struct clk_case_selection {
	const char *status;     /* a case status, or NULL for any */
	size_t max;             /* at most this many cases (0: all) */
	unsigned fields;        /* CLK_F_*; 0: CLK_FIELDS_DEFAULT */
	enum perm reach;        /* whose scope bounds the cases; PERM_PUBLIC (0) means PERM_CASE_READ */
};
/*
 * Encode the person of every case in the caller's reach (sel->reach,
 * PERM_CASE_READ as export by default), newest first, into s, each under its case reference, with
 * the chosen fields of the person: names (given_name, given_name_latin;
 * family_name, family_name_latin), birth (birth_date), sex (gender),
 * document (document_number), address (street, city, state, postal_code).
 * s->fields is set. Erased cases are left out, and so are cases with
 * nothing to encode (clk_encode's ERR_NOT_FOUND) or a value the encoder
 * refuses (counted in *n_skipped). Audited in one transaction at the end: one "link.encode"
 * row, object "clk", id the number of encodings. ERR_FAIL / ERR_CRYPTO on
 * runtime failures (audited "failed" when the audit itself can be written).
 */
int clk_encode_cases(struct ctx *c, const struct clk_key *key, const struct clk_case_selection *sel,
		     struct clk_set *s, size_t *n_skipped) __attribute__((warn_unused_result));

/*
 * POST /api/v1/link/match: another installation's encoding file (text,
 * len bytes) against the cases in the caller's reach for PERM_LINK_MATCH,
 * encoded with the fields the file names and the secret of the
 * configuration's link_secret_file. *out (caller json_decref):
 *	{"pairs": [{"ref": THEIR REFERENCE, "case": OUR CASE REFERENCE,
 *	  "score": DICE}, ...] (best first), "records": N in the file,
 *	 "cases": N encoded here, "threshold": T}
 * Problems (pb): "invalid" on "encodings" (a file clk_set_parse refuses;
 * the reason is logged, without values) or on "threshold";
 * "link_other_secret" on "encodings" (the file's key check is not ours);
 * "link_not_configured" (no link_secret_file, or one that cannot be used:
 * logged). Audited "link.match", object "clk", id the number of pairs
 * (and the encoding of our cases as "link.encode"); a refused file is
 * audited "failed".
 */
int clk_match_cases(struct ctx *c, const char *text, size_t len, double threshold, json_t **out,
		    struct problem *pb) __attribute__((warn_unused_result));

/* ---- matching (match.c) ---- */

struct clk_match_opts {
	double threshold;       /* 0 < threshold <= 1 */
	unsigned threads;       /* 0: the online CPUs (at most 64) */
	unsigned per_record;    /* candidates kept per record of a (0: CLK_MATCH_PER_RECORD) */
};
#define CLK_MATCH_PER_RECORD 16
#define CLK_MATCH_THREADS_MAX 64

/* A pair: indices into a and b, and the Dice score. */
struct clk_pair {
	uint32_t a, b;
	double score;
};
struct clk_match_stats {
	uint64_t pairs;         /* |a| * |b| */
	uint64_t compared;      /* pairs the kernel compared (the others were skipped by popcount) */
	uint64_t candidates;    /* pairs at or above the threshold that were kept */
};
/*
 * Every pair (i of a, j of b) with Dice >= threshold, at most per_record
 * for each i (the best; among equal scores, a fixed pseudo-random choice
 * of j, so that a group of equal records keeps different samples of an
 * equal group of b), sorted by score descending,
 * then i, then j. *pairs (caller frees) may be NULL when none.
 * ERR_INVALID for a bad threshold; ERR_NOMEM; ERR_FAIL (a thread could
 * not start). The result does not depend on the number of threads.
 */
int clk_candidates(const struct clk_set *a, const struct clk_set *b, const struct clk_match_opts *o,
		   struct clk_pair **pairs, size_t *n_pairs, struct clk_match_stats *stats)
	__attribute__((warn_unused_result));
/*
 * clk_candidates, then the greedy one-to-one assignment: taking the
 * candidates best first, a pair is kept when neither of its records is in
 * a kept pair already. The kept pairs, best first.
 */
int clk_match(const struct clk_set *a, const struct clk_set *b, const struct clk_match_opts *o,
	      struct clk_pair **pairs, size_t *n_pairs, struct clk_match_stats *stats)
	__attribute__((warn_unused_result));

#endif
