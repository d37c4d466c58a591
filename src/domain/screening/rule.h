/*
 * rule.h: the rule language of indicator sets (see set.h and docs/screening.md).
 *
 * Two kinds of rule share one grammar:
 *
 *	expr   := term { "or" term }
 *	term   := factor { "and" factor }
 *	factor := "(" expr ")" | atom
 *	atom   := SUM ">=" INTEGER          (dimension rules)
 *	        | DIMENSION                 (victim rules)
 *	SUM    := COUNT { "+" COUNT }
 *
 * A dimension rule speaks of COUNTs: "strong", "medium", "weak", the number
 * of indicators of that grade answered yes in the dimension. A victim rule
 * speaks of the six dimension keys, each true when its dimension is
 * present. INTEGER is 1..1000 (">= 0" would always hold). "and" binds
 * tighter than "or". There is no "not", no "<", no subtraction: every rule
 * is monotone (more yes answers never turn true into false), which is what
 * makes the lower and upper bounds of set.h exact.
 *
 * Caps: text up to 4096 bytes, parentheses nested at most 32 deep, at most
 * 256 atoms. The parser is recursive descent over a tokenizer with one token
 * of look-ahead; it never reads past len and never recurses deeper than the
 * nesting cap.
 */
#ifndef IHALA_SCREENING_RULE_H
#define IHALA_SCREENING_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include "../../core/banned.h"
#include "../../core/err.h"

#define SCREEN_RULE_TEXT_MAX 4096
#define SCREEN_RULE_DEPTH_MAX 32
#define SCREEN_RULE_ATOMS_MAX 256
#define SCREEN_RULE_VARS 6     /* room for the six dimensions; a dimension rule uses three */

enum screen_rule_kind {
	SCREEN_RULE_DIMENSION = 0,   /* over the counts strong, medium, weak (index = enum screen_grade) */
	SCREEN_RULE_VICTIM,          /* over the dimensions (index = enum screen_dim) */
};

struct screen_rule;

/*
 * Parse text (len bytes, need not be NUL-terminated) as a rule of kind.
 * 0 and *out (free with screen_rule_free), or ERR_INVALID with a short
 * English reason in why ("unknown variable 'stronk'", "expected an integer
 * after '>='"), or ERR_NOMEM.
 */
int screen_rule_parse(const char *text, size_t len, enum screen_rule_kind kind,
		      struct screen_rule **out, char *why, size_t why_size);
void screen_rule_free(struct screen_rule *r);

/*
 * Evaluate r with values[i] for variable i: counts for a dimension rule,
 * 0/1 for a victim rule. values has SCREEN_RULE_VARS entries.
 */
bool screen_rule_eval(const struct screen_rule *r, const long values[SCREEN_RULE_VARS]);

#endif
