/*
 * test_screening_set.c: indicator sets (src/domain/screening/set.h): the
 * names of the enums; parsing a small set; every refusal of a bad file with
 * its line and reason; the rule language; the ILO rule on its boundaries,
 * on sets written here and on each embedded list (indicators picked by
 * dimension and grade from the loaded set); exactness of the unknown
 * bounds against every completion of the unknown answers; the served JSON;
 * and stored sets (seed, import, versions, country restriction) on SQLite
 * and, when IHALA_TEST_PG holds a conninfo, on PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/ctx.h"
#include "core/embedded.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "domain/screening/rule.h"
#include "domain/screening/set.h"
#include "store/store.h"

#define ILO_DIM_RULE "strong >= 2 or (strong >= 1 and medium + weak >= 1) or medium >= 3 or (medium >= 2 and weak >= 1)"
#define ADULT_VICTIM "(deceptive_recruitment or coercive_recruitment or vulnerability_recruitment) and exploitation " \
		     "and (coercion_destination or vulnerability_destination)"
#define CHILD_VICTIM "(deceptive_recruitment or coercive_recruitment or vulnerability_recruitment) and exploitation"

/*
 * A small adult set, one line per array entry (line numbers = index + 1).
 * Every dimension has strong, medium (three) and weak (two) indicators, so
 * every boundary can be tested on it.
 */
static const char *const base_lines[] = {
	/*  1 */ "# a set written for the tests",
	/*  2 */ "set test-adult",
	/*  3 */ "version 1",
	/*  4 */ "population adult   # adult | child",
	/*  5 */ "exploitation labour",
	/*  6 */ "title | Test adults | اختبار البالغين",
	/*  7 */ "source | Written for the unit tests | كُتب لاختبارات الوحدة",
	/*  8 */ "dimension deceptive_recruitment | Deceptive recruitment | التجنيد بالخداع",
	/*  9 */ "dimension coercive_recruitment | Coercive recruitment | التجنيد بالإكراه",
	/* 10 */ "dimension vulnerability_recruitment | Recruitment by abuse of vulnerability | التجنيد باستغلال الضعف",
	/* 11 */ "dimension exploitation | Exploitative conditions | ظروف استغلالية",
	/* 12 */ "dimension coercion_destination | Coercion at destination | الإكراه في مكان الوصول",
	/* 13 */ "dimension vulnerability_destination | Abuse of vulnerability at destination | استغلال الضعف في مكان الوصول",
	/* 14 */ "rule dimension: " ILO_DIM_RULE,
	/* 15 */ "rule victim: " ADULT_VICTIM,
	/* 16 */ "",
};
#define N_BASE (sizeof(base_lines) / sizeof(base_lines[0]))
static const char *const dim_abbr[DIM_COUNT] = { "DR", "CR", "VR", "EX", "CD", "VD" };
/* Per dimension: S1 S2 M1 M2 M3 W1 W2 (7 indicators), lines 17.. in dimension order. */
static const char *const ind_suffix[] = { "S1", "S2", "M1", "M2", "M3", "W1", "W2" };
#define IND_PER_DIM 7

/* The whole base text, with line `replace_at` (1-based; 0 none) replaced by `with` (NULL: removed). */
static char *set_text_with(const char *population, int replace_at, const char *with)
{
	size_t cap = 64 * 1024, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	int lineno = 0;
	char line[600];
#define EMIT(str)                                                                              \
	do {                                                                                   \
		lineno++;                                                                      \
		const char *l_ = (lineno == replace_at) ? with : (str);                        \
		if (l_) {                                                                      \
			size_t n_ = strlen(l_);                                                \
			assert_true(len + n_ + 2 < cap);                                       \
			memcpy(out + len, l_, n_);                                             \
			len += n_;                                                             \
		}                                                                              \
		out[len++] = '\n';                                                             \
	} while (0)
	for (size_t i = 0; i < N_BASE; i++) {
		if (i == 3 && population) {
			snprintf(line, sizeof(line), "population %s", population);
			EMIT(line);
		} else if (i == 14 && population && !strcmp(population, "child")) {
			EMIT("rule victim: " CHILD_VICTIM);
		} else {
			EMIT(base_lines[i]);
		}
	}
	for (int d = 0; d < DIM_COUNT; d++) {
		for (int k = 0; k < IND_PER_DIM; k++) {
			const char *grade = k < 2 ? "strong" : k < 5 ? "medium" : "weak";
			snprintf(line, sizeof(line), "indicator T-%s-%s | %s | %s | Question %s %s? | سؤال %s %s؟",
				 dim_abbr[d], ind_suffix[k], screen_dim_key((enum screen_dim)d), grade, dim_abbr[d],
				 ind_suffix[k], dim_abbr[d], ind_suffix[k]);
			EMIT(line);
		}
	}
#undef EMIT
	out[len] = '\0';
	return out;
}

/* Line number of indicator T-<dim>-<suffix> in the base text. */
static int ind_line(int d, int k)
{
	return (int)N_BASE + 1 + d * IND_PER_DIM + k;
}

static struct screen_set *parse_ok(const char *text)
{
	struct screen_set *s = NULL;
	struct problem pb = { 0 };
	int line = -1;
	int rc = screen_set_parse(text, strlen(text), &s, &pb, &line);
	if (rc != 0)
		fail_msg("parse failed at line %d: %s", line, pb.field);
	return s;
}

/* ---- names ------------------------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	static const char *const dims[] = { "deceptive_recruitment", "coercive_recruitment", "vulnerability_recruitment",
					    "exploitation", "coercion_destination", "vulnerability_destination" };
	for (int d = 0; d < DIM_COUNT; d++) {
		enum screen_dim back;
		assert_string_equal(screen_dim_key((enum screen_dim)d), dims[d]);
		assert_int_equal(screen_dim_parse(dims[d], &back), 0);
		assert_int_equal(back, d);
	}
	enum screen_dim dd;
	assert_int_equal(screen_dim_parse("Exploitation", &dd), ERR_INVALID);
	assert_int_equal(screen_dim_parse("", &dd), ERR_INVALID);
	assert_string_equal(screen_grade_key(GRADE_STRONG), "strong");
	assert_string_equal(screen_grade_key(GRADE_MEDIUM), "medium");
	assert_string_equal(screen_grade_key(GRADE_WEAK), "weak");
	enum screen_answer a;
	assert_int_equal(screen_answer_parse("yes", &a), 0);
	assert_int_equal(a, ANSWER_YES);
	assert_int_equal(screen_answer_parse("no", &a), 0);
	assert_int_equal(a, ANSWER_NO);
	assert_int_equal(screen_answer_parse("unknown", &a), 0);
	assert_int_equal(a, ANSWER_UNKNOWN);
	assert_int_equal(screen_answer_parse("maybe", &a), ERR_INVALID);
	assert_int_equal(screen_answer_parse("YES", &a), ERR_INVALID);
	assert_string_equal(screen_answer_key(ANSWER_UNKNOWN), "unknown");
	assert_string_equal(screen_result_key(RESULT_PRESENT), "present");
	assert_string_equal(screen_result_key(RESULT_ABSENT), "absent");
	assert_string_equal(screen_result_key(RESULT_UNKNOWN), "unknown");
	assert_string_equal(screen_assessment_key(ASSESS_LIKELY_VICTIM), "likely_victim");
	assert_string_equal(screen_assessment_key(ASSESS_NOT_ESTABLISHED), "not_established");
	assert_string_equal(screen_assessment_key(ASSESS_INSUFFICIENT), "insufficient_information");
}

/* ---- parsing a good set ------------------------------------------------------- */

static void test_parse_small_set(void **state)
{
	(void)state;
	char *text = set_text_with(NULL, 0, NULL);
	struct screen_set *s = parse_ok(text);
	assert_string_equal(s->key, "test-adult");
	assert_int_equal(s->version, 1);
	assert_false(s->child);
	assert_string_equal(s->exploitation, "labour");
	assert_string_equal(s->title.en, "Test adults");
	assert_string_equal(s->title.ar, "اختبار البالغين");
	assert_string_equal(s->source.en, "Written for the unit tests");
	assert_string_equal(s->dim_title[DIM_EXPLOITATION].ar, "ظروف استغلالية");
	assert_int_equal(s->n_countries, 0);
	assert_int_equal(s->n_ind, DIM_COUNT * IND_PER_DIM);
	assert_string_equal(s->ind[0].id, "T-DR-S1");
	assert_int_equal(s->ind[0].dim, DIM_DECEPTIVE_RECRUITMENT);
	assert_int_equal(s->ind[0].grade, GRADE_STRONG);
	assert_string_equal(s->ind[0].text.en, "Question DR S1?");
	assert_string_equal(s->ind[0].text.ar, "سؤال DR S1؟");
	assert_int_equal(screen_set_find(s, "T-EX-W2"), 3 * IND_PER_DIM + 6);
	assert_int_equal(screen_set_find(s, "T-EX-W3"), -1);
	for (int d = 0; d < DIM_COUNT; d++)
		assert_string_equal(s->dim_rule_text[d], ILO_DIM_RULE);
	assert_string_equal(s->victim_rule_text, ADULT_VICTIM);
	assert_int_equal(s->source_len, strlen(text));
	assert_memory_equal(s->source_text, text, strlen(text));
	screen_set_free(s);
	free(text);

	/* Countries, CRLF line ends, a byte-order mark, and a rule of its own for one dimension. */
	const char *extra = "\xef\xbb\xbfset x-1\r\nversion 12\r\n";
	char *body = set_text_with("child", 2, "country BH\ncountry EG # two of them\n"
				   "rule dimension.exploitation: strong >= 1 or medium + weak >= 2");
	char *both = malloc(strlen(extra) + strlen(body) + 1);
	assert_non_null(both);
	snprintf(both, strlen(extra) + strlen(body) + 1, "%s%s", extra, body);
	/* The base text's own "set"/"version" lines were replaced above; drop the "version 1" one too. */
	char *v1 = strstr(both, "\nversion 1\n");
	assert_non_null(v1);
	memcpy(v1 + 1, "# v1 gone", 9);
	s = parse_ok(both);
	assert_string_equal(s->key, "x-1");
	assert_int_equal(s->version, 12);
	assert_true(s->child);
	assert_int_equal(s->n_countries, 2);
	assert_string_equal(s->countries[0], "BH");
	assert_string_equal(s->countries[1], "EG");
	assert_string_equal(s->dim_rule_text[DIM_EXPLOITATION], "strong >= 1 or medium + weak >= 2");
	assert_string_equal(s->dim_rule_text[DIM_DECEPTIVE_RECRUITMENT], ILO_DIM_RULE);
	assert_string_equal(s->victim_rule_text, CHILD_VICTIM);
	screen_set_free(s);
	free(both);
	free(body);
}

/* ---- refusals ------------------------------------------------------------------ */

struct bad_case {
	int replace_at;        /* 1-based line of the base text; 0: append at the end (line after the last) */
	const char *with;      /* NULL: the line is removed */
	int want_line;
	const char *want_reason;   /* a substring of the reason */
};

static void check_refused(const char *text, size_t len, int want_line, const char *want_reason, const char *label)
{
	struct screen_set *s = (struct screen_set *)1;
	struct problem pb = { 0 };
	int line = -1;
	int rc = screen_set_parse(text, len, &s, &pb, &line);
	if (rc != ERR_INVALID)
		fail_msg("%s: parse returned %d, expected ERR_INVALID", label, rc);
	assert_null(s);
	assert_non_null(pb.code);
	assert_string_equal(pb.code, "invalid_set");
	if (line != want_line || !strstr(pb.field, want_reason))
		fail_msg("%s: got line %d \"%s\", expected line %d \"...%s...\"", label, line, pb.field, want_line,
			 want_reason);
}

static void test_refusals(void **state)
{
	(void)state;
	const int dr_s1 = ind_line(0, 0), ex_w1 = ind_line(3, 5);
	const struct bad_case cases[] = {
		/* unknown dimension, unknown grade, duplicate id */
		{ dr_s1, "indicator T-1 | deceptive | strong | Q? | س؟", dr_s1, "unknown dimension 'deceptive'" },
		{ 9, "dimension coercive | Coercive | قسري", 9, "unknown dimension 'coercive'" },
		{ dr_s1, "indicator T-1 | exploitation | strongest | Q? | س؟", dr_s1, "unknown grade 'strongest'" },
		{ dr_s1, "indicator T-1 | exploitation | Strong | Q? | س؟", dr_s1, "unknown grade 'Strong'" },
		{ ex_w1, "indicator T-DR-S1 | exploitation | weak | Q? | س؟", ex_w1, "duplicate indicator id 'T-DR-S1'" },
		/* missing translations: empty or absent Arabic or English */
		{ dr_s1, "indicator T-1 | exploitation | strong | Q? |", dr_s1, "missing Arabic text" },
		{ dr_s1, "indicator T-1 | exploitation | strong | Q?", dr_s1, "missing Arabic text" },
		{ dr_s1, "indicator T-1 | exploitation | strong |  | س؟", dr_s1, "missing English text" },
		{ dr_s1, "indicator T-1 | exploitation | strong", dr_s1, "missing English text" },
		{ dr_s1, "indicator T-1 | exploitation | strong | Q? | Q?", dr_s1, "no Arabic letter" },
		{ 11, "dimension exploitation | Exploitative conditions |", 11, "missing Arabic text" },
		{ 11, "dimension exploitation |  | ظروف", 11, "missing English text" },
		{ 11, NULL, 0, "missing 'dimension exploitation'" },
		{ 6, "title | Test adults", 6, "missing Arabic text" },
		{ 6, "title |  | اختبار", 6, "missing English text" },
		{ 6, NULL, 0, "missing the 'title' line" },
		{ 7, NULL, 0, "missing the 'source' line" },
		{ 7, "source | x | y | z", 7, "too many" },
		/* rules that do not parse */
		{ 14, "rule dimension: strong >=", 14, "expected an integer after '>='" },
		{ 14, "rule dimension: strong > 2", 14, "'>' is not allowed" },
		{ 14, "rule dimension: stronk >= 2", 14, "unknown variable 'stronk'" },
		{ 14, "rule dimension: strong >= 2 or", 14, "expected" },
		{ 14, "rule dimension: (strong >= 2", 14, "expected ')'" },
		{ 14, "rule dimension: strong >= 2)", 14, "')' without a matching '('" },
		{ 14, "rule dimension: strong >= 0", 14, "must be 1 to 1000" },
		{ 14, "rule dimension: strong >= 2 and not weak >= 1", 14, "unknown variable 'not'" },
		{ 14, "rule dimension: strong < 2", 14, "expected '>=' after the counts, found '<'" },
		{ 14, "rule dimension: strong >= 1 or $", 14, "unexpected character '$'" },
		{ 14, "rule dimension: strong", 14, "expected '>='" },
		{ 14, "rule dimension:", 14, "empty rule" },
		{ 14, "rule dimension: exploitation >= 1", 14, "is a dimension" },
		{ 14, "rule dimensions: strong >= 2", 14, "unknown rule 'dimensions'" },
		{ 14, "rule dimension strong >= 2", 14, "expected 'rule dimension: ...'" },
		{ 0, "rule dimension.exploitaton: strong >= 1", (int)N_BASE + 1 + DIM_COUNT * IND_PER_DIM,
		  "unknown dimension 'exploitaton'" },
		{ 0, "rule dimension: strong >= 1", (int)N_BASE + 1 + DIM_COUNT * IND_PER_DIM, "second 'rule dimension'" },
		/* the victim rule naming an unknown dimension, or counts */
		{ 15, "rule victim: deceptive_recruitment and exploitaton", 15, "unknown dimension 'exploitaton'" },
		{ 15, "rule victim: exploitation and strong", 15, "is a count" },
		{ 15, "rule victim: exploitation >= 1", 15, "'and' and 'or' only" },
		/* missing lines */
		{ 2, NULL, 0, "missing the 'set' line" },
		{ 3, NULL, 0, "missing the 'version' line" },
		{ 4, NULL, 0, "missing the 'population' line" },
		{ 5, NULL, 0, "missing the 'exploitation' line" },
		{ 14, NULL, 0, "missing the 'rule dimension:' line" },
		{ 15, NULL, 0, "missing the 'rule victim:' line" },
		/* unknown keywords and bad values */
		{ dr_s1, "indicatr T-1 | exploitation | strong | Q? | س؟", dr_s1, "unknown keyword 'indicatr'" },
		{ 16, "Set other", 16, "unknown keyword 'Set'" },
		{ 16, "set other", 16, "second 'set' line (first on line 2)" },
		{ 2, "set Test_Adult", 2, "bad set key" },
		{ 2, "set", 2, "needs a value" },
		{ 3, "version 0", 3, "version must be" },
		{ 3, "version 1.5", 3, "version must be" },
		{ 3, "version two", 3, "version must be" },
		{ 3, "version 1 2", 3, "takes one value" },
		{ 4, "population adults", 4, "unknown population 'adults'" },
		{ 5, "exploitation forced-labour", 5, "unknown exploitation" },
		{ 16, "country XX", 16, "unknown country 'XX'" },
		{ 16, "country bh", 16, "unknown country 'bh'" },
		{ dr_s1, "indicator T 1 | exploitation | strong | Q? | س؟", dr_s1, "bad indicator id" },
		{ dr_s1, "indicator T-1 | exploitation | strong | Q? | س؟ | x", dr_s1, "too many" },
		{ dr_s1, "indicator 0123456789012345678901234567890123 | exploitation | strong | Q? | س؟", dr_s1,
		  "id longer than" },
		{ dr_s1, "indicator T-1 | exploitation | strong | Q\x01? | س؟", dr_s1, "control character" },
	};
	char label[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		char *text;
		if (c->replace_at) {
			text = set_text_with(NULL, c->replace_at, c->with);
		} else {
			char *base = set_text_with(NULL, 0, NULL);
			size_t n = strlen(base) + strlen(c->with) + 2;
			text = malloc(n);
			assert_non_null(text);
			snprintf(text, n, "%s%s\n", base, c->with);
			free(base);
		}
		snprintf(label, sizeof(label), "case %zu (%s)", i, c->want_reason);
		check_refused(text, strlen(text), c->want_line, c->want_reason, label);
		free(text);
	}
}

static void test_refusals_whole_file(void **state)
{
	(void)state;
	/* A dimension without an indicator: its dimension line. */
	char *text = set_text_with(NULL, 0, NULL);
	char *cut = strstr(text, "indicator T-VD-S1");
	assert_non_null(cut);
	*cut = '\0';
	check_refused(text, strlen(text), 13, "vulnerability_destination has no indicator", "no indicator");
	free(text);

	/* Invalid UTF-8 on line 6, and a NUL byte on line 7. */
	text = set_text_with(NULL, 6, "title | Test \xc3\x28 | اختبار");
	check_refused(text, strlen(text), 6, "invalid UTF-8", "utf-8");
	free(text);
	text = set_text_with(NULL, 0, NULL);
	size_t len = strlen(text);
	char *line7 = strstr(text, "source |");
	line7[3] = '\0';
	check_refused(text, len, 7, "NUL", "nul");
	free(text);

	/* A line over 4096 bytes. */
	char *long_line = malloc(5000);
	assert_non_null(long_line);
	snprintf(long_line, 5000, "indicator T-1 | exploitation | strong | %0*d | س؟", 4100, 7);
	text = set_text_with(NULL, ind_line(0, 0), long_line);
	check_refused(text, strlen(text), ind_line(0, 0), "longer than 4096", "long line");
	free(text);
	free(long_line);

	/* Parentheses nested deeper than the cap. */
	char rule[256] = "rule dimension: ";
	for (int i = 0; i < 40; i++)
		strncat(rule, "(", sizeof(rule) - strlen(rule) - 1);
	text = set_text_with(NULL, 14, rule);
	check_refused(text, strlen(text), 14, "nested deeper", "depth");
	free(text);

	/* More than 1000 indicators: refused at the 1001st. */
	char *base = set_text_with(NULL, 0, NULL);
	size_t cap = strlen(base) + 1100 * 80;
	char *big = malloc(cap);
	assert_non_null(big);
	size_t n = (size_t)snprintf(big, cap, "%s", base);
	for (int i = 0; i < 1000 - DIM_COUNT * IND_PER_DIM + 1; i++)
		n += (size_t)snprintf(big + n, cap - n, "indicator X-%d | exploitation | weak | Q? | س؟\n", i);
	check_refused(big, n, ind_line(DIM_COUNT, 0) + 1000 - DIM_COUNT * IND_PER_DIM, "more than 1000 indicators",
		      "too many indicators");
	/* Exactly 1000 is fine. */
	char *last = big + n - 1;
	while (last > big && last[-1] != '\n')
		last--;
	*last = '\0';
	struct screen_set *s = parse_ok(big);
	assert_int_equal(s->n_ind, 1000);
	screen_set_free(s);
	free(big);
	free(base);

	/* An empty file. */
	check_refused("", 0, 0, "missing the 'set' line", "empty");
}

/* ---- the rule language ------------------------------------------------------------ */

static void test_rule_language(void **state)
{
	(void)state;
	char why[128];
	struct screen_rule *r;
	static const struct {
		const char *text;
		long strong, medium, weak;
		bool want;
	} rows[] = {
		{ ILO_DIM_RULE, 1, 0, 0, false },
		{ ILO_DIM_RULE, 2, 0, 0, true },
		{ ILO_DIM_RULE, 1, 0, 1, true },
		{ ILO_DIM_RULE, 1, 1, 0, true },
		{ ILO_DIM_RULE, 0, 2, 0, false },
		{ ILO_DIM_RULE, 0, 3, 0, true },
		{ ILO_DIM_RULE, 0, 2, 1, true },
		{ ILO_DIM_RULE, 0, 1, 5, false },
		{ ILO_DIM_RULE, 0, 0, 9, false },
		/* and binds tighter than or */
		{ "weak >= 1 or strong >= 1 and medium >= 1", 0, 0, 1, true },
		{ "weak >= 1 or strong >= 1 and medium >= 1", 1, 0, 0, false },
		{ "(weak >= 1 or strong >= 1) and medium >= 1", 1, 0, 0, false },
		{ "(weak >= 1 or strong >= 1) and medium >= 1", 1, 1, 0, true },
		/* sums, repeated counts, no spaces */
		{ "strong+medium+weak>=3", 1, 1, 1, true },
		{ "strong + strong >= 2", 1, 0, 0, true },
		{ "((((medium >= 1))))", 0, 1, 0, true },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (screen_rule_parse(rows[i].text, strlen(rows[i].text), SCREEN_RULE_DIMENSION, &r, why, sizeof(why)))
			fail_msg("row %zu: %s", i, why);
		long v[SCREEN_RULE_VARS] = { rows[i].strong, rows[i].medium, rows[i].weak };
		if (screen_rule_eval(r, v) != rows[i].want)
			fail_msg("row %zu (%s) with %ld/%ld/%ld", i, rows[i].text, rows[i].strong, rows[i].medium,
				 rows[i].weak);
		screen_rule_free(r);
	}
	/* Victim rules over the dimensions. */
	assert_int_equal(screen_rule_parse(ADULT_VICTIM, strlen(ADULT_VICTIM), SCREEN_RULE_VICTIM, &r, why, sizeof(why)), 0);
	long dims[SCREEN_RULE_VARS] = { 0, 1, 0, 1, 0, 0 };
	assert_false(screen_rule_eval(r, dims));
	dims[DIM_VULNERABILITY_DESTINATION] = 1;
	assert_true(screen_rule_eval(r, dims));
	dims[DIM_COERCIVE_RECRUITMENT] = 0;
	assert_false(screen_rule_eval(r, dims));
	screen_rule_free(r);
	/* Only the given length is read. */
	const char *longer = "strong >= 1 garbage";
	assert_int_equal(screen_rule_parse(longer, 11, SCREEN_RULE_DIMENSION, &r, why, sizeof(why)), 0);
	screen_rule_free(r);
	/* Refusals. */
	static const char *const bad[] = { "", "   ", "strong >=", "strong > 2", "stronk >= 2", "strong >= 2 and",
					   "strong >= 1001", "strong >= 99999999999999999999", "or strong >= 1",
					   "strong >= 1 weak >= 1", "strong - weak >= 1", "not strong >= 1",
					   "strong >= 1 )", "()", "strong >= -1", "strong = 2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = (struct screen_rule *)1;
		if (screen_rule_parse(bad[i], strlen(bad[i]), SCREEN_RULE_DIMENSION, &r, why, sizeof(why)) != ERR_INVALID)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_null(r);
		assert_true(why[0] != '\0');
	}
	static const char *const bad_victim[] = { "exploitation and", "exploitaton", "strong", "exploitation + coercion_destination",
						  "exploitation or (coercion_destination" };
	for (size_t i = 0; i < sizeof(bad_victim) / sizeof(bad_victim[0]); i++)
		if (screen_rule_parse(bad_victim[i], strlen(bad_victim[i]), SCREEN_RULE_VICTIM, &r, why, sizeof(why)) !=
		    ERR_INVALID)
			fail_msg("accepted victim rule: \"%s\"", bad_victim[i]);
}

/* ---- the ILO rule on its boundaries ------------------------------------------------- */

/* The indexes of s's indicators of dimension d and grade g, up to max; returns how many there are. */
static int pick(const struct screen_set *s, enum screen_dim d, enum screen_grade g, int *out, int max)
{
	int n = 0;
	for (size_t i = 0; i < s->n_ind; i++) {
		if (s->ind[i].dim != d || s->ind[i].grade != g)
			continue;
		if (n < max)
			out[n] = (int)i;
		n++;
	}
	return n;
}

static enum screen_result eval_dim(const struct screen_set *s, const enum screen_answer *ans, enum screen_dim d)
{
	struct screen_outcome o;
	screen_evaluate(s, ans, &o);
	return o.dim[d];
}

static void fill(enum screen_answer *ans, size_t n, enum screen_answer a)
{
	for (size_t i = 0; i < n; i++)
		ans[i] = a;
}

/*
 * The boundaries of the ILO rule in each dimension of s, with every other
 * answer "no". Returns the number of checks run; prints the ones skipped.
 */
static int ilo_dimension_boundaries(const struct screen_set *s, const char *name)
{
	enum screen_answer *ans = calloc(s->n_ind, sizeof(*ans));
	assert_non_null(ans);
	int checks = 0;
	for (int di = 0; di < DIM_COUNT; di++) {
		enum screen_dim d = (enum screen_dim)di;
		if (strcmp(s->dim_rule_text[d], ILO_DIM_RULE)) {
			printf("# %s: %s has its own rule; ILO boundaries skipped\n", name, screen_dim_key(d));
			continue;
		}
		int st[3], me[3], we[64];
		int n_st = pick(s, d, GRADE_STRONG, st, 3);
		int n_me = pick(s, d, GRADE_MEDIUM, me, 3);
		int n_we = pick(s, d, GRADE_WEAK, we, 64);
		char where[160];
		snprintf(where, sizeof(where), "%s %s", name, screen_dim_key(d));
#define SKIP_UNLESS(cond, what)                                                                       \
	if (!(cond)) {                                                                                \
		printf("# %s: no %s; boundary skipped\n", where, what);                               \
	} else
#define EXPECT(want)                                                                                  \
	do {                                                                                          \
		enum screen_result got_ = eval_dim(s, ans, d);                                        \
		if (got_ != (want))                                                                   \
			fail_msg("%s line %d: %s, expected %s", where, __LINE__, screen_result_key(got_), \
				 screen_result_key(want));                                            \
		checks++;                                                                             \
	} while (0)
		SKIP_UNLESS(n_st >= 1, "strong indicator") {
			/* One strong alone: not present. */
			fill(ans, s->n_ind, ANSWER_NO);
			ans[st[0]] = ANSWER_YES;
			EXPECT(RESULT_ABSENT);
		}
		SKIP_UNLESS(n_st >= 2, "two strong indicators") {
			fill(ans, s->n_ind, ANSWER_NO);
			ans[st[0]] = ans[st[1]] = ANSWER_YES;
			EXPECT(RESULT_PRESENT);
		}
		SKIP_UNLESS(n_st >= 1 && n_we >= 1, "strong and weak indicators") {
			/* One strong and one weak: present. */
			fill(ans, s->n_ind, ANSWER_NO);
			ans[st[0]] = ans[we[0]] = ANSWER_YES;
			EXPECT(RESULT_PRESENT);
			/* One strong yes and one weak unknown: unknown, never yes or no. */
			ans[we[0]] = ANSWER_UNKNOWN;
			EXPECT(RESULT_UNKNOWN);
		}
		SKIP_UNLESS(n_st >= 1 && n_me >= 1, "strong and medium indicators") {
			fill(ans, s->n_ind, ANSWER_NO);
			ans[st[0]] = ans[me[0]] = ANSWER_YES;
			EXPECT(RESULT_PRESENT);
		}
		SKIP_UNLESS(n_me >= 3, "three medium indicators") {
			/* Three medium: present; two: not. */
			fill(ans, s->n_ind, ANSWER_NO);
			ans[me[0]] = ans[me[1]] = ans[me[2]] = ANSWER_YES;
			EXPECT(RESULT_PRESENT);
			ans[me[2]] = ANSWER_NO;
			EXPECT(RESULT_ABSENT);
			ans[me[2]] = ANSWER_UNKNOWN;
			EXPECT(RESULT_UNKNOWN);
		}
		SKIP_UNLESS(n_me >= 2 && n_we >= 1, "two medium and a weak indicator") {
			/* Two medium and one weak: present. */
			fill(ans, s->n_ind, ANSWER_NO);
			ans[me[0]] = ans[me[1]] = ans[we[0]] = ANSWER_YES;
			EXPECT(RESULT_PRESENT);
			ans[me[1]] = ANSWER_NO;
			EXPECT(RESULT_ABSENT);
		}
		SKIP_UNLESS(n_we >= 1, "weak indicator") {
			/* Weak alone never: every weak indicator of the dimension yes. */
			fill(ans, s->n_ind, ANSWER_NO);
			for (int i = 0; i < n_we && i < 64; i++)
				ans[we[i]] = ANSWER_YES;
			EXPECT(RESULT_ABSENT);
		}
#undef SKIP_UNLESS
#undef EXPECT
	}
	free(ans);
	return checks;
}

/*
 * Answer yes to a smallest set of indicators of d that makes it present under
 * the ILO rule; false when the set has none.
 */
static bool make_present(const struct screen_set *s, enum screen_answer *ans, enum screen_dim d)
{
	int st[2] = { 0 }, me[3] = { 0 }, we[1] = { 0 };
	int n_st = pick(s, d, GRADE_STRONG, st, 2), n_me = pick(s, d, GRADE_MEDIUM, me, 3);
	int n_we = pick(s, d, GRADE_WEAK, we, 1);
	if (n_st >= 2) {
		ans[st[0]] = ans[st[1]] = ANSWER_YES;
	} else if (n_st >= 1 && n_me + n_we >= 1) {
		ans[st[0]] = ANSWER_YES;
		ans[n_me ? me[0] : we[0]] = ANSWER_YES;
	} else if (n_me >= 3) {
		ans[me[0]] = ans[me[1]] = ans[me[2]] = ANSWER_YES;
	} else if (n_me >= 2 && n_we >= 1) {
		ans[me[0]] = ans[me[1]] = ans[we[0]] = ANSWER_YES;
	} else {
		return false;
	}
	return true;
}

static enum screen_assessment assess(const struct screen_set *s, const enum screen_answer *ans)
{
	struct screen_outcome o;
	screen_evaluate(s, ans, &o);
	return o.assessment;
}

/* The victim rule: adult needs a destination dimension, a child does not; all unknown; all no; all yes. */
static void victim_boundaries(const struct screen_set *s, const char *name)
{
	enum screen_answer *ans = calloc(s->n_ind, sizeof(*ans));
	assert_non_null(ans);
	struct screen_outcome o;

	fill(ans, s->n_ind, ANSWER_UNKNOWN);
	if (assess(s, ans) != ASSESS_INSUFFICIENT)
		fail_msg("%s: all unknown gives %s", name, screen_assessment_key(assess(s, ans)));
	screen_evaluate(s, ans, &o);
	for (int d = 0; d < DIM_COUNT; d++)
		assert_int_equal(o.dim[d], RESULT_UNKNOWN);
	fill(ans, s->n_ind, ANSWER_NO);
	if (assess(s, ans) != ASSESS_NOT_ESTABLISHED)
		fail_msg("%s: all no gives %s", name, screen_assessment_key(assess(s, ans)));
	screen_evaluate(s, ans, &o);
	for (int d = 0; d < DIM_COUNT; d++)
		assert_int_equal(o.dim[d], RESULT_ABSENT);
	fill(ans, s->n_ind, ANSWER_YES);
	assert_int_equal(assess(s, ans), ASSESS_LIKELY_VICTIM);

	/* Recruitment (each of the three in turn) and exploitation present, destination absent. */
	for (int rec = DIM_DECEPTIVE_RECRUITMENT; rec <= DIM_VULNERABILITY_RECRUITMENT; rec++) {
		fill(ans, s->n_ind, ANSWER_NO);
		if (!make_present(s, ans, (enum screen_dim)rec) || !make_present(s, ans, DIM_EXPLOITATION)) {
			printf("# %s: %s or exploitation cannot be made present; skipped\n", name,
			       screen_dim_key((enum screen_dim)rec));
			continue;
		}
		screen_evaluate(s, ans, &o);
		for (int d = 0; d < DIM_COUNT; d++)
			assert_int_equal(o.dim[d], d == rec || d == DIM_EXPLOITATION ? RESULT_PRESENT : RESULT_ABSENT);
		enum screen_assessment want = s->child ? ASSESS_LIKELY_VICTIM : ASSESS_NOT_ESTABLISHED;
		if (o.assessment != want)
			fail_msg("%s: %s + exploitation without destination gives %s, expected %s", name,
				 screen_dim_key((enum screen_dim)rec), screen_assessment_key(o.assessment),
				 screen_assessment_key(want));
		if (s->child)
			continue;
		/* An adult: destination answers unknown leave it open; a destination dimension settles it. */
		for (size_t i = 0; i < s->n_ind; i++)
			if (s->ind[i].dim == DIM_COERCION_DESTINATION)
				ans[i] = ANSWER_UNKNOWN;
		assert_int_equal(assess(s, ans), ASSESS_INSUFFICIENT);
		for (size_t i = 0; i < s->n_ind; i++)
			if (s->ind[i].dim == DIM_COERCION_DESTINATION)
				ans[i] = ANSWER_NO;
		for (int dest = DIM_COERCION_DESTINATION; dest <= DIM_VULNERABILITY_DESTINATION; dest++) {
			enum screen_answer *with = malloc(s->n_ind * sizeof(*with));
			assert_non_null(with);
			memcpy(with, ans, s->n_ind * sizeof(*with));
			if (make_present(s, with, (enum screen_dim)dest))
				assert_int_equal(assess(s, with), ASSESS_LIKELY_VICTIM);
			free(with);
		}
	}
	/* Without recruitment nobody is likely a victim, child or adult. */
	fill(ans, s->n_ind, ANSWER_NO);
	make_present(s, ans, DIM_EXPLOITATION);
	make_present(s, ans, DIM_COERCION_DESTINATION);
	assert_int_equal(assess(s, ans), ASSESS_NOT_ESTABLISHED);
	free(ans);
}

static void test_ilo_rule_on_test_sets(void **state)
{
	(void)state;
	const char *pops[] = { "adult", "child" };
	for (int p = 0; p < 2; p++) {
		char *text = set_text_with(pops[p], 0, NULL);
		struct screen_set *s = parse_ok(text);
		assert_int_equal(s->child, p == 1);
		/* Every boundary runs on these sets: 11 checks a dimension. */
		assert_int_equal(ilo_dimension_boundaries(s, pops[p]), 11 * DIM_COUNT);
		victim_boundaries(s, pops[p]);
		screen_set_free(s);
		free(text);
	}
}

static void test_ilo_rule_on_embedded_sets(void **state)
{
	(void)state;
	static const char *const keys[] = { "adult-labour", "adult-sexual", "child-labour", "child-sexual" };
	bool seen[4] = { false };
	if (ihala_screening_sets_count == 0) {
		printf("# no embedded indicator set in this build; skipped\n");
		skip();
	}
	for (size_t i = 0; i < ihala_screening_sets_count; i++) {
		const struct embedded_file *f = &ihala_screening_sets[i];
		struct screen_set *s = NULL;
		struct problem pb = { 0 };
		int line = 0;
		if (screen_set_parse((const char *)f->data, f->len, &s, &pb, &line) != 0)
			fail_msg("embedded %s: line %d: %s", f->path, line, pb.field);
		for (int k = 0; k < 4; k++) {
			if (strcmp(s->key, keys[k]))
				continue;
			seen[k] = true;
			assert_int_equal(s->child, keys[k][0] == 'c');
			assert_string_equal(s->exploitation, strstr(keys[k], "labour") ? "labour" : "sexual");
		}
		/* Every indicator has both texts; the Arabic one in Arabic. */
		for (size_t j = 0; j < s->n_ind; j++)
			assert_true(s->ind[j].text.en[0] && s->ind[j].text.ar[0]);
		int checks = ilo_dimension_boundaries(s, f->path);
		printf("# %s: %d indicators, %d dimension boundary checks\n", f->path, (int)s->n_ind, checks);
		assert_true(checks > 0);
		victim_boundaries(s, f->path);
		screen_set_free(s);
	}
	for (int k = 0; k < 4; k++)
		if (!seen[k])
			printf("# embedded set %s not in this build\n", keys[k]);
}

/*
 * The bounds are exact: with k unknown answers, a dimension is present when
 * it is present in all 2^k completions, absent when in none, unknown
 * otherwise; the same for the assessment.
 */
static void test_unknown_bounds_exact(void **state)
{
	(void)state;
	char *text = set_text_with(NULL, 0, NULL);
	struct screen_set *s = parse_ok(text);
	enum screen_answer *ans = calloc(s->n_ind, sizeof(*ans)), *done = calloc(s->n_ind, sizeof(*done));
	assert_non_null(ans);
	assert_non_null(done);
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (int round = 0; round < 300; round++) {
		int unknown_at[10], k = 0;
		for (size_t i = 0; i < s->n_ind; i++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			unsigned r = (unsigned)(seed >> 33) % 100;
			ans[i] = r < 30 ? ANSWER_YES : ANSWER_NO;
			if (r >= 88 && k < 10) {
				ans[i] = ANSWER_UNKNOWN;
				unknown_at[k++] = (int)i;
			}
		}
		struct screen_outcome got, each;
		screen_evaluate(s, ans, &got);
		int present[DIM_COUNT] = { 0 }, likely = 0;
		for (unsigned m = 0; m < (1u << k); m++) {
			memcpy(done, ans, s->n_ind * sizeof(*done));
			for (int j = 0; j < k; j++)
				done[unknown_at[j]] = (m >> j) & 1 ? ANSWER_YES : ANSWER_NO;
			screen_evaluate(s, done, &each);
			for (int d = 0; d < DIM_COUNT; d++) {
				assert_int_not_equal(each.dim[d], RESULT_UNKNOWN);   /* no unknown answer left */
				present[d] += each.dim[d] == RESULT_PRESENT;
			}
			assert_int_not_equal(each.assessment, ASSESS_INSUFFICIENT);
			likely += each.assessment == ASSESS_LIKELY_VICTIM;
		}
		int all = 1 << k;
		for (int d = 0; d < DIM_COUNT; d++) {
			enum screen_result want = present[d] == all ? RESULT_PRESENT : present[d] == 0 ? RESULT_ABSENT
												   : RESULT_UNKNOWN;
			if (got.dim[d] != want)
				fail_msg("round %d dim %d: %s, expected %s", round, d, screen_result_key(got.dim[d]),
					 screen_result_key(want));
		}
		enum screen_assessment want = likely == all ? ASSESS_LIKELY_VICTIM
					      : likely == 0 ? ASSESS_NOT_ESTABLISHED
							    : ASSESS_INSUFFICIENT;
		assert_int_equal(got.assessment, want);
	}
	free(ans);
	free(done);
	screen_set_free(s);
	free(text);
}

/* ---- JSON ---------------------------------------------------------------------------- */

static void test_json(void **state)
{
	(void)state;
	char *text = set_text_with(NULL, 16, "country BH");
	struct screen_set *s = parse_ok(text);
	json_t *full = screen_set_to_json(s, true);
	assert_non_null(full);
	assert_string_equal(json_string_value(json_object_get(full, "key")), "test-adult");
	assert_int_equal(json_integer_value(json_object_get(full, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(full, "population")), "adult");
	assert_string_equal(json_string_value(json_object_get(full, "exploitation")), "labour");
	assert_string_equal(json_string_value(json_object_get(json_object_get(full, "title"), "ar")), "اختبار البالغين");
	assert_string_equal(json_string_value(json_object_get(json_object_get(full, "source"), "en")),
			    "Written for the unit tests");
	assert_string_equal(json_string_value(json_array_get(json_object_get(full, "countries"), 0)), "BH");
	json_t *rule = json_object_get(full, "rule");
	assert_string_equal(json_string_value(json_object_get(rule, "victim")), ADULT_VICTIM);
	for (int d = 0; d < DIM_COUNT; d++)
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule, "dimension"),
								      screen_dim_key((enum screen_dim)d))),
				    ILO_DIM_RULE);
	json_t *dims = json_object_get(full, "dimensions");
	assert_int_equal(json_array_size(dims), DIM_COUNT);
	assert_string_equal(json_string_value(json_object_get(json_array_get(dims, 3), "key")), "exploitation");
	json_t *inds = json_object_get(full, "indicators");
	assert_int_equal(json_array_size(inds), s->n_ind);
	for (size_t i = 0; i < s->n_ind; i++) {
		json_t *it = json_array_get(inds, i);
		assert_string_equal(json_string_value(json_object_get(it, "id")), s->ind[i].id);
		assert_string_equal(json_string_value(json_object_get(it, "dimension")), screen_dim_key(s->ind[i].dim));
		assert_string_equal(json_string_value(json_object_get(it, "grade")), screen_grade_key(s->ind[i].grade));
		assert_string_equal(json_string_value(json_object_get(json_object_get(it, "text"), "en")), s->ind[i].text.en);
		assert_string_equal(json_string_value(json_object_get(json_object_get(it, "text"), "ar")), s->ind[i].text.ar);
	}
	assert_null(json_object_get(full, "indicator_count"));
	json_decref(full);
	json_t *sum = screen_set_to_json(s, false);
	assert_non_null(sum);
	assert_int_equal(json_integer_value(json_object_get(sum, "indicator_count")), s->n_ind);
	assert_null(json_object_get(sum, "indicators"));
	assert_null(json_object_get(sum, "rule"));
	assert_null(json_object_get(sum, "dimensions"));
	json_decref(sum);
	screen_set_free(s);
	free(text);
}

/* ---- stored sets -------------------------------------------------------------------- */

struct fixture {
	char dir[64];
	char schema[64];
	struct store *db;            /* owned */
	struct app app;              /* signer owned */
	struct ctx c;                /* the system actor */
};

static int rm_rf(const char *dir)
{
	char cmd[160];
	if (dir[0] == '\0' || strncmp(dir, "/tmp/", 5) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static int fixture_open(void **state, int postgres)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	const char *pg = getenv("IHALA_TEST_PG");
	char url[160], sql[200], hex[17];
	if (!fx)
		return -1;
	*state = fx;
	if (postgres && (!pg || !pg[0]))
		return 0;   /* the test skips itself */
	if (crypto_init_once() != 0)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/ihala-test-sets-XXXXXX");
	if (!mkdtemp(fx->dir) || keyring_create(fx->dir) != 0 || signer_load(&fx->app.signer, fx->dir) != 0)
		return -1;
	fx->app.audit.signer = fx->app.signer;
	if (postgres) {
		if (store_open(&fx->db, pg) != 0)
			return -1;
		random_hex(hex, 8);
		snprintf(fx->schema, sizeof fx->schema, "sets_test_%s", hex);
		snprintf(sql, sizeof sql, "CREATE SCHEMA %s; SET search_path TO %s", fx->schema, fx->schema);
		if (store_exec(fx->db, sql) != 0)
			return -1;
	} else {
		snprintf(url, sizeof url, "%s/ihala.db", fx->dir);
		if (store_open(&fx->db, url) != 0)
			return -1;
	}
	if (store_migrate(fx->db) != 0)
		return -1;
	if (store_exec(fx->db, "INSERT INTO orgs (id, name_ar, name_en, org_type, country, created_at, updated_at) VALUES "
			       "('00000000000000000000000000000bh0', 'منظمة', 'Org BH', 'NGO', 'BH', 0, 0), "
			       "('00000000000000000000000000000eg0', 'منظمة', 'Org EG', 'NGO', 'EG', 0, 0)") != 0)
		return -1;
	fx->c.app = &fx->app;
	fx->c.db = fx->db;
	return 0;
}

static int setup_sqlite(void **state)
{
	return fixture_open(state, 0);
}

static int setup_pg(void **state)
{
	return fixture_open(state, 1);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char sql[128];
	if (!fx)
		return 0;
	if (fx->db && fx->schema[0]) {
		store_rollback(fx->db);
		snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", fx->schema);
		if (store_exec(fx->db, sql) != 0)
			fprintf(stderr, "could not drop schema %s\n", fx->schema);
	}
	store_close(fx->db);
	signer_free(fx->app.signer);
	if (fx->dir[0])
		rm_rf(fx->dir);
	free(fx);
	return 0;
}

static int64_t count(struct store *db, const char *sql)
{
	struct store_stmt *st;
	assert_int_equal(store_prepare(db, &st, sql), 0);
	assert_int_equal(store_step(st), STORE_ROW);
	int64_t n = store_column_int64(st, 0);
	store_finalize(st);
	return n;
}

/* A ctx acting as a user of the organisation of country cc ("BH" or "EG"). */
static struct ctx as_user(struct fixture *fx, const char *cc)
{
	struct ctx c = fx->c;
	snprintf(c.actor.user_id, sizeof(c.actor.user_id), "%s", "0000000000000000000000000000user");
	snprintf(c.actor.org_id, sizeof(c.actor.org_id), "00000000000000000000000000000%s0", !strcmp(cc, "BH") ? "bh" : "eg");
	c.actor.roles = 1u << ROLE_FIRST_RESPONDER;
	return c;
}

static int import(struct fixture *fx, const char *text, struct problem *pb, int *line, int *version, bool *created)
{
	memset(pb, 0, sizeof(*pb));
	return screen_set_import(&fx->c, text, strlen(text), pb, line, version, created);
}

static void test_store(void **state)
{
	struct fixture *fx = *state;
	if (!fx->db)
		skip();
	struct problem pb;
	int line, version;
	bool created;
	/* Seeding adds every embedded set once. */
	assert_int_equal(screen_sets_seed(fx->db), 0);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM screening_sets WHERE source = 'builtin'"),
			 (int64_t)ihala_screening_sets_count);
	assert_int_equal(screen_sets_seed(fx->db), 0);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM screening_sets"), (int64_t)ihala_screening_sets_count);

	/* A new set: imported, audited; the same content again changes nothing. */
	char *v1 = set_text_with(NULL, 0, NULL);
	int64_t audit0 = count(fx->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'screening.set.import'");
	assert_int_equal(import(fx, v1, &pb, &line, &version, &created), 0);
	assert_true(created);
	assert_int_equal(version, 1);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'screening.set.import' "
				       "AND object_id = 'test-adult:1'"), audit0 + 1);
	assert_int_equal(import(fx, v1, &pb, &line, &version, &created), 0);
	assert_false(created);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM audit_log WHERE action = 'screening.set.import'"),
			 audit0 + 1);
	/* The same version with other content: refused, nothing written. */
	char *other = set_text_with(NULL, 6, "title | Test adults, changed | اختبار البالغين");
	assert_int_equal(import(fx, other, &pb, &line, &version, &created), ERR_CONFLICT);
	assert_string_equal(pb.code, "version_exists");
	assert_false(created);
	/* A bad file: refused with its line, nothing written. */
	char *bad = set_text_with(NULL, 3, "version 2");
	char *bad2 = strstr(bad, "| strong |");
	memcpy(bad2, "| strung |", 10);
	assert_int_equal(import(fx, bad, &pb, &line, &version, &created), ERR_INVALID);
	assert_string_equal(pb.code, "invalid_set");
	assert_int_equal(line, ind_line(0, 0));
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM screening_sets WHERE key = 'test-adult'"), 1);
	struct screen_set *s;
	assert_int_equal(screen_set_load(&fx->c, "test-adult", 0, &s), 0);
	assert_int_equal(s->version, 1);
	assert_string_equal(s->title.en, "Test adults");
	screen_set_free(s);

	/* Version 2 becomes the newest; version 1 stays readable. */
	char *v2 = set_text_with(NULL, 3, "version 2");
	assert_int_equal(import(fx, v2, &pb, &line, &version, &created), 0);
	assert_true(created);
	assert_int_equal(version, 2);
	assert_int_equal(screen_set_load(&fx->c, "test-adult", 0, &s), 0);
	assert_int_equal(s->version, 2);
	screen_set_free(s);
	assert_int_equal(screen_set_load(&fx->c, "test-adult", 1, &s), 0);
	assert_int_equal(s->version, 1);
	screen_set_free(s);
	assert_int_equal(screen_set_load(&fx->c, "test-adult", 3, &s), ERR_NOT_FOUND);
	assert_null(s);
	assert_int_equal(screen_set_load(&fx->c, "no-such-set", 0, &s), ERR_NOT_FOUND);
	assert_int_equal(screen_set_load(&fx->c, "../etc", 0, &s), ERR_NOT_FOUND);
	assert_int_equal(screen_set_load(&fx->c, "", 0, &s), ERR_NOT_FOUND);

	/* A set restricted to Egypt: a Bahraini organisation neither lists nor loads it. */
	char *eg = set_text_with(NULL, 2, "set test-egypt\ncountry EG");
	assert_int_equal(import(fx, eg, &pb, &line, &version, &created), 0);
	struct ctx bh = as_user(fx, "BH"), egc = as_user(fx, "EG");
	assert_int_equal(screen_set_load(&bh, "test-egypt", 0, &s), ERR_DENIED);
	assert_null(s);
	assert_int_equal(screen_set_load(&egc, "test-egypt", 0, &s), 0);
	screen_set_free(s);
	assert_int_equal(screen_set_load(&bh, "test-adult", 0, &s), 0);
	screen_set_free(s);
	json_t *items;
	assert_int_equal(screen_sets_list(&bh, &items), 0);
	assert_int_equal(json_array_size(items), ihala_screening_sets_count + 1);
	for (size_t i = 0; i < json_array_size(items); i++) {
		const char *key = json_string_value(json_object_get(json_array_get(items, i), "key"));
		assert_string_not_equal(key, "test-egypt");
		if (i > 0)   /* sorted by key */
			assert_true(strcmp(json_string_value(json_object_get(json_array_get(items, i - 1), "key")), key) < 0);
		if (!strcmp(key, "test-adult"))
			assert_int_equal(json_integer_value(json_object_get(json_array_get(items, i), "version")), 2);
	}
	json_decref(items);
	assert_int_equal(screen_sets_list(&egc, &items), 0);
	assert_int_equal(json_array_size(items), ihala_screening_sets_count + 2);
	json_decref(items);
	/* Every version, newest first, with in_use. */
	assert_int_equal(screen_sets_history(&fx->c, &items), 0);
	assert_int_equal(json_array_size(items), ihala_screening_sets_count + 3);
	int seen = 0;
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		if (strcmp(json_string_value(json_object_get(it, "key")), "test-adult"))
			continue;
		json_int_t v = json_integer_value(json_object_get(it, "version"));
		assert_int_equal(v, 2 - seen);
		assert_int_equal(json_is_true(json_object_get(it, "in_use")), v == 2);
		assert_string_equal(json_string_value(json_object_get(it, "source")), "import");
		seen++;
	}
	assert_int_equal(seen, 2);
	json_decref(items);
	/* Seeding again does not add what an import already holds, nor touch the imports. */
	assert_int_equal(screen_sets_seed(fx->db), 0);
	assert_int_equal(count(fx->db, "SELECT COUNT(*) FROM screening_sets"), (int64_t)ihala_screening_sets_count + 3);
	free(v1);
	free(other);
	free(bad);
	free(v2);
	free(eg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_small_set),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refusals_whole_file),
		cmocka_unit_test(test_rule_language),
		cmocka_unit_test(test_ilo_rule_on_test_sets),
		cmocka_unit_test(test_ilo_rule_on_embedded_sets),
		cmocka_unit_test(test_unknown_bounds_exact),
		cmocka_unit_test(test_json),
		cmocka_unit_test_setup_teardown(test_store, setup_sqlite, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup_pg, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
