/* rule.c: tokenizer, recursive-descent parser and evaluation of set rules (rule.h), and screen_evaluate (set.h). */
#include "rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/alloc.h"
#include "set.h"

enum node_kind { NODE_OR, NODE_AND, NODE_ATLEAST, NODE_VAR };

struct screen_rule {
	enum node_kind kind;
	struct screen_rule *left, *right;    /* owned; OR and AND */
	long weight[SCREEN_RULE_VARS];       /* ATLEAST: how often each count is summed */
	long min;                            /* ATLEAST: the sum must reach this */
	int var;                             /* VAR */
};

enum tok { TOK_END, TOK_IDENT, TOK_INT, TOK_GE, TOK_PLUS, TOK_LPAREN, TOK_RPAREN, TOK_AND, TOK_OR, TOK_BAD };

struct parser {
	const char *text;
	size_t len, pos;
	enum screen_rule_kind kind;
	enum tok tok;            /* the look-ahead token */
	const char *tok_start;
	size_t tok_len;
	long number;             /* TOK_INT */
	int depth, atoms;
	char *why;
	size_t why_size;
	bool failed;
	bool nomem;
};

#define INT_DIGITS_MAX 4     /* INTEGER is 1..1000 */
#define INT_MAX_VALUE 1000

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parser *p, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	va_list ap;
	va_start(ap, fmt);
	if (p->why && p->why_size)
		vsnprintf(p->why, p->why_size, fmt, ap);
	va_end(ap);
}

/* The current token, quoted for a message: printable ASCII kept, at most 24 bytes. */
static const char *tok_quote(const struct parser *p, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < p->tok_len && n + 1 < size && i < 24; i++) {
		unsigned char ch = (unsigned char)p->tok_start[i];
		out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	out[n] = '\0';
	return out;
}

static bool ident_char(char ch, bool first)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || (!first && ch >= '0' && ch <= '9');
}

static bool tok_is(const struct parser *p, const char *word)
{
	return p->tok_len == strlen(word) && !memcmp(p->tok_start, word, p->tok_len);
}

static void next(struct parser *p)
{
	while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t'))
		p->pos++;
	p->tok_start = p->text + p->pos;
	p->tok_len = 0;
	if (p->pos >= p->len) {
		p->tok = TOK_END;
		return;
	}
	char ch = p->text[p->pos];
	size_t start = p->pos;
	if (ident_char(ch, true)) {
		while (p->pos < p->len && ident_char(p->text[p->pos], false))
			p->pos++;
		p->tok_len = p->pos - start;
		p->tok = tok_is(p, "and") ? TOK_AND : tok_is(p, "or") ? TOK_OR : TOK_IDENT;
		return;
	}
	if (ch >= '0' && ch <= '9') {
		long value = 0;
		while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
			if (p->pos - start < INT_DIGITS_MAX + 1)
				value = value * 10 + (p->text[p->pos] - '0');
			p->pos++;
		}
		p->tok_len = p->pos - start;
		p->number = p->tok_len > INT_DIGITS_MAX ? INT_MAX_VALUE + 1 : value;
		p->tok = TOK_INT;
		return;
	}
	p->pos++;
	p->tok_len = 1;
	switch (ch) {
	case '+':
		p->tok = TOK_PLUS;
		return;
	case '(':
		p->tok = TOK_LPAREN;
		return;
	case ')':
		p->tok = TOK_RPAREN;
		return;
	case '>':
		if (p->pos < p->len && p->text[p->pos] == '=') {
			p->pos++;
			p->tok_len = 2;
			p->tok = TOK_GE;
			return;
		}
		break;
	default:
		break;
	}
	p->tok = TOK_BAD;
}

/* What the look-ahead token is, for "expected X, found Y" messages. */
static const char *tok_describe(const struct parser *p, char *buf, size_t size)
{
	char q[32];
	switch (p->tok) {
	case TOK_END:
		return "the end of the rule";
	case TOK_GE:
		return "'>='";
	case TOK_PLUS:
		return "'+'";
	case TOK_LPAREN:
		return "'('";
	case TOK_RPAREN:
		return "')'";
	case TOK_AND:
		return "'and'";
	case TOK_OR:
		return "'or'";
	default:
		snprintf(buf, size, "'%s'", tok_quote(p, q, sizeof(q)));
		return buf;
	}
}

static struct screen_rule *node_new(struct parser *p, enum node_kind kind)
{
	struct screen_rule *n = xcalloc(1, sizeof(*n));
	if (!n) {
		p->nomem = true;
		fail(p, "out of memory");
	} else
		n->kind = kind;
	return n;
}

void screen_rule_free(struct screen_rule *r)
{
	if (!r)
		return;
	screen_rule_free(r->left);
	screen_rule_free(r->right);
	free(r);
}

/* Index of the look-ahead identifier among the variables of p->kind, or -1. */
static int lookup_var(const struct parser *p)
{
	char name[40];
	if (p->tok_len >= sizeof(name))
		return -1;
	memcpy(name, p->tok_start, p->tok_len);
	name[p->tok_len] = '\0';
	if (p->kind == SCREEN_RULE_DIMENSION) {
		for (int g = 0; g < GRADE_COUNT; g++)
			if (!strcmp(name, screen_grade_key((enum screen_grade)g)))
				return g;
		return -1;
	}
	enum screen_dim d;
	return screen_dim_parse(name, &d) == 0 ? (int)d : -1;
}

static void unknown_var(struct parser *p)
{
	char q[32];
	tok_quote(p, q, sizeof(q));
	if (p->kind == SCREEN_RULE_DIMENSION) {
		enum screen_dim d;
		if (screen_dim_parse(q, &d) == 0)
			fail(p, "'%s' is a dimension, not a count", q);
		else
			fail(p, "unknown variable '%s'", q);
	} else {
		bool is_grade = false;
		for (int g = 0; g < GRADE_COUNT; g++)
			is_grade |= !strcmp(q, screen_grade_key((enum screen_grade)g));
		if (is_grade)
			fail(p, "'%s' is a count, not a dimension", q);
		else
			fail(p, "unknown dimension '%s' in the victim rule", q);
	}
}

static struct screen_rule *parse_or(struct parser *p);

/* SUM ">=" INTEGER, with the first COUNT as the look-ahead token. */
static struct screen_rule *parse_atleast(struct parser *p)
{
	char d[48];
	struct screen_rule *n = node_new(p, NODE_ATLEAST);
	if (!n)
		return NULL;
	for (;;) {
		if (p->tok != TOK_IDENT) {
			fail(p, "expected strong, medium or weak, found %s", tok_describe(p, d, sizeof(d)));
			goto bad;
		}
		int v = lookup_var(p);
		if (v < 0) {
			unknown_var(p);
			goto bad;
		}
		n->weight[v]++;
		next(p);
		if (p->tok != TOK_PLUS)
			break;
		next(p);
	}
	if (p->tok == TOK_BAD && p->tok_start[0] == '>') {
		fail(p, "'>' is not allowed: use '>=' (rules can only say 'at least')");
		goto bad;
	}
	if (p->tok != TOK_GE) {
		fail(p, "expected '>=' after the counts, found %s", tok_describe(p, d, sizeof(d)));
		goto bad;
	}
	next(p);
	if (p->tok != TOK_INT) {
		fail(p, "expected an integer after '>=', found %s", tok_describe(p, d, sizeof(d)));
		goto bad;
	}
	if (p->number < 1 || p->number > INT_MAX_VALUE) {
		fail(p, "the integer after '>=' must be 1 to %d", INT_MAX_VALUE);
		goto bad;
	}
	n->min = p->number;
	next(p);
	return n;
bad:
	screen_rule_free(n);
	return NULL;
}

static struct screen_rule *parse_factor(struct parser *p)
{
	char d[48];
	if (p->tok == TOK_LPAREN) {
		if (++p->depth > SCREEN_RULE_DEPTH_MAX) {
			fail(p, "parentheses nested deeper than %d", SCREEN_RULE_DEPTH_MAX);
			return NULL;
		}
		next(p);
		struct screen_rule *inner = parse_or(p);
		if (!inner)
			return NULL;
		if (p->tok != TOK_RPAREN) {
			fail(p, "expected ')', found %s", tok_describe(p, d, sizeof(d)));
			screen_rule_free(inner);
			return NULL;
		}
		p->depth--;
		next(p);
		return inner;
	}
	if (++p->atoms > SCREEN_RULE_ATOMS_MAX) {
		fail(p, "more than %d terms", SCREEN_RULE_ATOMS_MAX);
		return NULL;
	}
	if (p->tok == TOK_BAD) {
		fail(p, "unexpected character %s", tok_describe(p, d, sizeof(d)));
		return NULL;
	}
	if (p->tok != TOK_IDENT) {
		fail(p, "expected %s, found %s",
		     p->kind == SCREEN_RULE_DIMENSION ? "a count (strong, medium, weak)" : "a dimension",
		     tok_describe(p, d, sizeof(d)));
		return NULL;
	}
	if (p->kind == SCREEN_RULE_DIMENSION)
		return parse_atleast(p);
	int v = lookup_var(p);
	if (v < 0) {
		unknown_var(p);
		return NULL;
	}
	struct screen_rule *n = node_new(p, NODE_VAR);
	if (n)
		n->var = v;
	next(p);
	if (n && (p->tok == TOK_GE || p->tok == TOK_PLUS)) {
		fail(p, "the victim rule combines dimensions with 'and' and 'or' only");
		screen_rule_free(n);
		return NULL;
	}
	return n;
}

static struct screen_rule *join(struct parser *p, enum node_kind kind, struct screen_rule *left,
				struct screen_rule *right)
{
	struct screen_rule *n = node_new(p, kind);
	if (!n) {
		screen_rule_free(left);
		screen_rule_free(right);
		return NULL;
	}
	n->left = left;
	n->right = right;
	return n;
}

static struct screen_rule *parse_and(struct parser *p)
{
	struct screen_rule *left = parse_factor(p);
	while (left && p->tok == TOK_AND) {
		next(p);
		struct screen_rule *right = parse_factor(p);
		if (!right) {
			screen_rule_free(left);
			return NULL;
		}
		left = join(p, NODE_AND, left, right);
	}
	return left;
}

static struct screen_rule *parse_or(struct parser *p)
{
	struct screen_rule *left = parse_and(p);
	while (left && p->tok == TOK_OR) {
		next(p);
		struct screen_rule *right = parse_and(p);
		if (!right) {
			screen_rule_free(left);
			return NULL;
		}
		left = join(p, NODE_OR, left, right);
	}
	return left;
}

int screen_rule_parse(const char *text, size_t len, enum screen_rule_kind kind,
		      struct screen_rule **out, char *why, size_t why_size)
{
	struct parser p = { .text = text, .len = len, .kind = kind, .why = why, .why_size = why_size };
	char d[48];
	*out = NULL;
	if (why && why_size)
		why[0] = '\0';
	if (len > SCREEN_RULE_TEXT_MAX) {
		fail(&p, "rule longer than %d bytes", SCREEN_RULE_TEXT_MAX);
		return ERR_INVALID;
	}
	next(&p);
	if (p.tok == TOK_END) {
		fail(&p, "empty rule");
		return ERR_INVALID;
	}
	struct screen_rule *r = parse_or(&p);
	if (r && p.tok != TOK_END) {
		if (p.tok == TOK_RPAREN)
			fail(&p, "')' without a matching '('");
		else if (p.tok == TOK_BAD && p.tok_start[0] == '>')
			fail(&p, "'>' is not allowed: use '>=' (rules can only say 'at least')");
		else
			fail(&p, "expected 'and' or 'or', found %s", tok_describe(&p, d, sizeof(d)));
		screen_rule_free(r);
		r = NULL;
	}
	if (!r)
		return p.nomem ? ERR_NOMEM : ERR_INVALID;
	*out = r;
	return 0;
}

bool screen_rule_eval(const struct screen_rule *r, const long values[SCREEN_RULE_VARS])
{
	switch (r->kind) {
	case NODE_OR:
		return screen_rule_eval(r->left, values) || screen_rule_eval(r->right, values);
	case NODE_AND:
		return screen_rule_eval(r->left, values) && screen_rule_eval(r->right, values);
	case NODE_ATLEAST: {
		long sum = 0;
		for (int i = 0; i < SCREEN_RULE_VARS; i++)
			sum += r->weight[i] * values[i];
		return sum >= r->min;
	}
	case NODE_VAR:
		return values[r->var] != 0;
	}
	return false;
}

/*
 * The bounds of set.h: each rule once with unknown answers counted as no
 * (low) and once as yes (high). Rules are monotone, so low true means
 * true whatever the unknown answers turn out to be, and high false means
 * false whatever they turn out to be.
 */
void screen_evaluate(const struct screen_set *s, const enum screen_answer *answers, struct screen_outcome *out)
{
	/* Counts per dimension and grade: yes answers only (low), yes or unknown (high). */
	long low[DIM_COUNT][SCREEN_RULE_VARS], high[DIM_COUNT][SCREEN_RULE_VARS];
	memset(low, 0, sizeof(low));
	memset(high, 0, sizeof(high));
	for (size_t i = 0; i < s->n_ind; i++) {
		const struct screen_indicator *ind = &s->ind[i];
		if (answers[i] == ANSWER_YES)
			low[ind->dim][ind->grade]++;
		if (answers[i] != ANSWER_NO)
			high[ind->dim][ind->grade]++;
	}
	long dim_low[SCREEN_RULE_VARS] = { 0 }, dim_high[SCREEN_RULE_VARS] = { 0 };
	for (int d = 0; d < DIM_COUNT; d++) {
		if (screen_rule_eval(s->dim_rule[d], low[d]))
			out->dim[d] = RESULT_PRESENT;
		else if (screen_rule_eval(s->dim_rule[d], high[d]))
			out->dim[d] = RESULT_UNKNOWN;
		else
			out->dim[d] = RESULT_ABSENT;
		dim_low[d] = out->dim[d] == RESULT_PRESENT;
		dim_high[d] = out->dim[d] != RESULT_ABSENT;
	}
	if (screen_rule_eval(s->victim_rule, dim_low))
		out->assessment = ASSESS_LIKELY_VICTIM;
	else if (screen_rule_eval(s->victim_rule, dim_high))
		out->assessment = ASSESS_INSUFFICIENT;
	else
		out->assessment = ASSESS_NOT_ESTABLISHED;
}
