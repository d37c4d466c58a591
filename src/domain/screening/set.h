/*
 * set.h: indicator sets for screening, and the rule that turns answers into
 * a result. A set is a text file (format in docs/screening.md and
 * src/domain/screening/sets/README.md); the four ILO/European Commission
 * 2009 lists ship embedded (sets/KEY.set), and a committee may import its own
 * national list and rule with `ihala screening import-set DIR FILE`.
 * Sets are versioned per key: a new import of a key adds a version, the
 * highest version is the one new screenings use, and a screening keeps the
 * version it used.
 *
 * The rule is data too, in a small language that can only say monotone
 * things (counts compared with >=, and, or, parentheses), so that unknown
 * answers are handled exactly: a dimension is "present" when the rule holds
 * counting only "yes" answers, "unknown" when it fails on them but would hold
 * if the unknown answers were "yes", "absent" otherwise; the victim rule is
 * evaluated the same way over the dimensions.
 *
 *	rule dimension: strong >= 2 or (strong >= 1 and medium + weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)
 *	rule victim: (deceptive_recruitment or coercive_recruitment or vulnerability_recruitment) and exploitation and (coercion_destination or vulnerability_destination)
 */
#ifndef IHALA_SCREENING_SET_H
#define IHALA_SCREENING_SET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

/* The six dimensions of the ILO lists; keys are the contract's. */
enum screen_dim {
	DIM_DECEPTIVE_RECRUITMENT = 0,     /* "deceptive_recruitment" */
	DIM_COERCIVE_RECRUITMENT,          /* "coercive_recruitment" */
	DIM_VULNERABILITY_RECRUITMENT,     /* "vulnerability_recruitment" */
	DIM_EXPLOITATION,                  /* "exploitation" */
	DIM_COERCION_DESTINATION,          /* "coercion_destination" */
	DIM_VULNERABILITY_DESTINATION,     /* "vulnerability_destination" */
	DIM_COUNT
};
enum screen_grade { GRADE_STRONG = 0, GRADE_MEDIUM, GRADE_WEAK, GRADE_COUNT };   /* "strong" "medium" "weak" */
enum screen_answer { ANSWER_UNKNOWN = 0, ANSWER_YES, ANSWER_NO };              /* "unknown" "yes" "no" */
enum screen_result { RESULT_ABSENT = 0, RESULT_UNKNOWN, RESULT_PRESENT };       /* "absent" "unknown" "present" */
enum screen_assessment {
	ASSESS_NOT_ESTABLISHED = 0,        /* "not_established" */
	ASSESS_INSUFFICIENT,               /* "insufficient_information" */
	ASSESS_LIKELY_VICTIM,              /* "likely_victim" */
};

const char *screen_dim_key(enum screen_dim d);
int screen_dim_parse(const char *key, enum screen_dim *out);   /* 0 or ERR_INVALID */
const char *screen_grade_key(enum screen_grade g);
const char *screen_answer_key(enum screen_answer a);
int screen_answer_parse(const char *key, enum screen_answer *out);
const char *screen_result_key(enum screen_result r);
const char *screen_assessment_key(enum screen_assessment a);

#define SCREEN_ID_MAX 32      /* indicator id: [A-Za-z0-9._-], 1..31 bytes */
#define SCREEN_KEY_MAX 64     /* set key: [a-z0-9-], 1..63 bytes */

struct screen_text {
	char *en, *ar;        /* owned, both non-empty */
};

struct screen_indicator {
	char id[SCREEN_ID_MAX];
	enum screen_dim dim;
	enum screen_grade grade;
	struct screen_text text;   /* the question put to the person, in plain words */
};

struct screen_rule;   /* a parsed rule (rule.c) */

struct screen_set {
	char key[SCREEN_KEY_MAX];          /* "adult-labour" */
	int version;                       /* >= 1 */
	bool child;                        /* population child (else adult) */
	char exploitation[16];             /* "labour" or "sexual" */
	struct screen_text title, source;
	struct screen_text dim_title[DIM_COUNT];
	char countries[16][3];             /* ISO alpha-2; n_countries == 0: every organisation may use it */
	int n_countries;
	struct screen_indicator *ind;      /* owned, n_ind, in file order */
	size_t n_ind;
	char *dim_rule_text[DIM_COUNT];    /* owned: the dimension rule as written (per dimension) */
	char *victim_rule_text;            /* owned */
	struct screen_rule *dim_rule[DIM_COUNT], *victim_rule;   /* owned */
	char *source_text;                 /* owned: the file as imported */
	size_t source_len;
};

/*
 * Parse and check a set file. On failure returns ERR_INVALID, fills pb
 * (code "invalid_set"; field a short reason such as "unknown dimension
 * 'x'") and *line (1-based; 0 when the fault is not on one line, e.g. a
 * missing translation of a dimension title). Refused: unknown or missing
 * keywords, an unknown dimension or grade, a duplicate indicator id, a
 * missing or empty translation, a rule that does not parse or names an
 * unknown variable, a dimension with no indicator, more than 1000 indicators,
 * lines over 4096 bytes, invalid UTF-8.
 */
int screen_set_parse(const char *text, size_t len, struct screen_set **out, struct problem *pb, int *line);
void screen_set_free(struct screen_set *s);
/* Index of an indicator id in s->ind, or -1. */
int screen_set_find(const struct screen_set *s, const char *id);

/*
 * The set as served by GET /api/v1/screening/sets/{key} (new reference):
 * {"key","version","population":"adult"|"child","exploitation","title":{"en","ar"},
 *  "source":{"en","ar"},"countries":[...],
 *  "rule":{"dimension":{dim_key: text, ...},"victim": text},
 *  "dimensions":[{"key","title":{"en","ar"}}],
 *  "indicators":[{"id","dimension","grade","text":{"en","ar"}}]}
 * With full false, the summary for the list: no "rule", "dimensions",
 * "indicators", but "indicator_count".
 */
json_t *screen_set_to_json(const struct screen_set *s, bool full);

/* Result of evaluating answers against a set. */
struct screen_outcome {
	enum screen_result dim[DIM_COUNT];
	enum screen_assessment assessment;
};
/*
 * answers[i] is the answer to s->ind[i] (ANSWER_UNKNOWN for an indicator not
 * answered). Never fails on a parsed set.
 */
void screen_evaluate(const struct screen_set *s, const enum screen_answer *answers, struct screen_outcome *out);

/* ---- stored sets (set_store.c) ---- */

/*
 * Add the embedded sets to the database where the key has no version yet
 * (called when the server and the CLI open a data folder). 0 or negative.
 */
int screen_sets_seed(struct store *db);
/*
 * Import a set file (CLI; the system actor). Refused with ERR_INVALID as
 * screen_set_parse does; ERR_CONFLICT (pb code "version_exists") when this
 * key already has this version with a different content; the same content
 * again is accepted and changes nothing (*created false). Audited
 * "screening.set.import". Nothing is written when it fails.
 */
int screen_set_import(struct ctx *c, const char *text, size_t len, struct problem *pb, int *line,
		      int *version, bool *created);
/*
 * The set key at version (0: the newest) for the caller: ERR_NOT_FOUND when
 * there is none; ERR_DENIED when the set is restricted to countries other
 * than the caller's organisation's. *out is the caller's (screen_set_free).
 */
int screen_set_load(struct ctx *c, const char *key, int version, struct screen_set **out);
/* The newest version of each set the caller may use, as summaries, sorted by key. */
int screen_sets_list(struct ctx *c, json_t **items);
/*
 * Every stored version of the sets the caller may use (`ihala screening
 * list-sets`): summaries sorted by key, newest version first, each with
 * "source" ("builtin" | "import"), "imported_at" (Unix seconds) and
 * "in_use" (true for the newest version of its key).
 */
int screen_sets_history(struct ctx *c, json_t **items);

#endif
