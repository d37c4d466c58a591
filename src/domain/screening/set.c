/*
 * set.c: indicator set files: names of the enums, parsing and checking a
 * file line by line, the JSON the API serves, and evaluation of answers.
 * See set.h for the contract and docs/screening.md for the format.
 *
 * The parser reads one statement a line, checks each as it goes (so a
 * fault names its own line), then checks what must be there once (set,
 * version, population, exploitation, title, source, the six dimensions,
 * the two rules; line 0 when absent) and that every dimension has an
 * indicator (the dimension's line).
 */
#include "set.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "../../core/alloc.h"
#include "../ref/ref.h"
#include "rule.h"

#define SET_FILE_MAX (4u << 20)     /* bytes */
#define SET_LINE_MAX 4096           /* bytes, without the line end */
#define SET_IND_MAX 1000
#define SET_VERSION_MAX 1000000
#define SET_FIELDS_MAX 8
#define SET_COUNTRIES_MAX ((int)(sizeof(((struct screen_set *)0)->countries) / 3))

/* ---- names ---------------------------------------------------------------- */

static const char *const dim_keys[DIM_COUNT] = {
	"deceptive_recruitment", "coercive_recruitment", "vulnerability_recruitment",
	"exploitation", "coercion_destination", "vulnerability_destination",
};
static const char *const grade_keys[GRADE_COUNT] = { "strong", "medium", "weak" };
static const char *const answer_keys[] = { "unknown", "yes", "no" };
static const char *const result_keys[] = { "absent", "unknown", "present" };
static const char *const assessment_keys[] = { "not_established", "insufficient_information", "likely_victim" };

const char *screen_dim_key(enum screen_dim d)
{
	return (d >= 0 && d < DIM_COUNT) ? dim_keys[d] : "unknown";
}

int screen_dim_parse(const char *key, enum screen_dim *out)
{
	for (int d = 0; key && d < DIM_COUNT; d++) {
		if (!strcmp(key, dim_keys[d])) {
			*out = (enum screen_dim)d;
			return 0;
		}
	}
	return ERR_INVALID;
}

const char *screen_grade_key(enum screen_grade g)
{
	return (g >= 0 && g < GRADE_COUNT) ? grade_keys[g] : "unknown";
}

static int grade_parse(const char *key, enum screen_grade *out)
{
	for (int g = 0; g < GRADE_COUNT; g++) {
		if (!strcmp(key, grade_keys[g])) {
			*out = (enum screen_grade)g;
			return 0;
		}
	}
	return ERR_INVALID;
}

const char *screen_answer_key(enum screen_answer a)
{
	return (a >= ANSWER_UNKNOWN && a <= ANSWER_NO) ? answer_keys[a] : "unknown";
}

int screen_answer_parse(const char *key, enum screen_answer *out)
{
	for (int a = ANSWER_UNKNOWN; key && a <= ANSWER_NO; a++) {
		if (!strcmp(key, answer_keys[a])) {
			*out = (enum screen_answer)a;
			return 0;
		}
	}
	return ERR_INVALID;
}

const char *screen_result_key(enum screen_result r)
{
	return (r >= RESULT_ABSENT && r <= RESULT_PRESENT) ? result_keys[r] : "unknown";
}

const char *screen_assessment_key(enum screen_assessment a)
{
	return (a >= ASSESS_NOT_ESTABLISHED && a <= ASSESS_LIKELY_VICTIM) ? assessment_keys[a] : "unknown";
}

/* ---- parsing -------------------------------------------------------------- */

struct span {
	const char *p;   /* borrowed; inside the current line buffer */
	size_t len;
};

struct parse {
	struct screen_set *s;
	struct problem *pb;
	int *line;
	int lineno;
	bool failed;
	size_t cap_ind;
	/* Where each statement was seen (0: not yet). */
	int at_set, at_version, at_population, at_exploitation, at_title, at_source;
	int at_dim[DIM_COUNT], at_dim_rule, at_override[DIM_COUNT], at_victim;
	char *dim_rule_general;   /* owned until the end */
};

/* Refuse at line (0: not on one line) with a short reason; returns ERR_INVALID. */
static int refuse(struct parse *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct parse *ps, int line, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!ps->failed) {
		ps->failed = true;
		problem_set(ps->pb, ERR_INVALID, "invalid_set", why);
		if (ps->line)
			*ps->line = line;
	}
	return ERR_INVALID;
}

static int nomem(struct parse *ps)
{
	if (!ps->failed) {
		ps->failed = true;
		problem_set(ps->pb, ERR_NOMEM, "internal", NULL);
		if (ps->line)
			*ps->line = 0;
	}
	return ERR_NOMEM;
}

/* A name from the file, quoted for a message: printable ASCII, at most 24 bytes. */
static const char *quote(struct span sp, char out[28])
{
	size_t n = 0;
	for (size_t i = 0; i < sp.len && n < 24; i++) {
		unsigned char ch = (unsigned char)sp.p[i];
		out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (sp.len > 24)
		out[n - 1] = '~';
	out[n] = '\0';
	return out;
}

static bool span_is(struct span sp, const char *word)
{
	return sp.len == strlen(word) && !memcmp(sp.p, word, sp.len);
}

static struct span trim(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return (struct span){ p, len };
}

/* Copy a span into a NUL-terminated buffer of size bytes; false when too long. */
static bool span_copy(struct span sp, char *out, size_t size)
{
	if (sp.len >= size)
		return false;
	memcpy(out, sp.p, sp.len);
	out[sp.len] = '\0';
	return true;
}

/* The whole text is valid UTF-8 without NUL bytes: 0, or the 1-based line of the fault. */
static int utf8_fault_line(const char *text, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
	size_t i = 0;
	int line = 1;
	while (i < len) {
		if (p[i] == '\n') {
			line++;
			i++;
			continue;
		}
		if (p[i] == 0)
			return line;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0 || cp < 0)
			return line;
		i += (size_t)n;
	}
	return 0;
}

static bool is_arabic(utf8proc_int32_t cp)
{
	return (cp >= 0x0600 && cp <= 0x06ff) || (cp >= 0x0750 && cp <= 0x077f) ||
	       (cp >= 0x08a0 && cp <= 0x08ff) || (cp >= 0xfb50 && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff);
}

/*
 * Check one text field (what = "English" / "Arabic"): present, not empty, no
 * control character, and for Arabic at least one Arabic letter. Copies it
 * into *out (owned).
 */
static int take_text(struct parse *ps, const struct span *fields, int n_fields, int idx, bool arabic,
		     const char *what, char **out)
{
	if (idx >= n_fields || fields[idx].len == 0)
		return refuse(ps, ps->lineno, "missing %s text", what);
	struct span sp = fields[idx];
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)sp.p;
	bool has_arabic = false;
	for (size_t i = 0; i < sp.len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(sp.len - i), &cp);
		if (n <= 0)
			return refuse(ps, ps->lineno, "invalid UTF-8");
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return refuse(ps, ps->lineno, "control character in the %s text", what);
		has_arabic |= is_arabic(cp);
		i += (size_t)n;
	}
	if (arabic && !has_arabic)
		return refuse(ps, ps->lineno, "the Arabic text has no Arabic letter");
	*out = xstrndup(sp.p, sp.len);
	return *out ? 0 : nomem(ps);
}

/* Split s on '|' into trimmed fields; -1 when there are more than max. */
static int split_fields(struct span s, struct span *fields, int max)
{
	int n = 0;
	const char *p = s.p, *end = s.p + s.len;
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *stop = bar ? bar : end;
		if (n == max)
			return -1;
		fields[n++] = trim(p, (size_t)(stop - p));
		if (!bar)
			return n;
		p = bar + 1;
	}
}

/*
 * Fields after a keyword: "title | EN | AR" has an empty first field (the
 * keyword stands alone before the first bar), "dimension KEY | EN | AR"
 * has KEY as the first field. Refuses a wrong count with the form expected.
 */
static int take_fields(struct parse *ps, struct span rest, struct span *fields, int want, const char *form)
{
	int n = split_fields(rest, fields, SET_FIELDS_MAX);
	if (n < 0 || n > want)
		return refuse(ps, ps->lineno, "too many '|' fields: expected '%s'", form);
	/* Fewer fields: the texts at the end are missing; take_text says which. */
	for (int i = n; i < want; i++)
		fields[i] = (struct span){ "", 0 };
	return n;
}

static int once(struct parse *ps, int *at, const char *keyword)
{
	if (*at)
		return refuse(ps, ps->lineno, "second '%s' line (first on line %d)", keyword, *at);
	*at = ps->lineno;
	return 0;
}

/* For statements without free text: drop a " # comment" at the end. */
static struct span strip_comment(struct span sp)
{
	for (size_t i = 1; i < sp.len; i++)
		if (sp.p[i] == '#' && (sp.p[i - 1] == ' ' || sp.p[i - 1] == '\t'))
			return trim(sp.p, i);
	return sp;
}

/* One bare word (no spaces, no '|') after a keyword. */
static int one_word(struct parse *ps, struct span rest, const char *keyword, struct span *out)
{
	rest = strip_comment(rest);
	if (rest.len == 0)
		return refuse(ps, ps->lineno, "'%s' needs a value", keyword);
	for (size_t i = 0; i < rest.len; i++)
		if (rest.p[i] == ' ' || rest.p[i] == '\t' || rest.p[i] == '|')
			return refuse(ps, ps->lineno, "'%s' takes one value", keyword);
	*out = rest;
	return 0;
}

static bool key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

static bool id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
	       ch == '_' || ch == '-';
}

static int st_set(struct parse *ps, struct span rest)
{
	struct span v;
	char q[28];
	if (once(ps, &ps->at_set, "set") < 0 || one_word(ps, rest, "set", &v) < 0)
		return ERR_INVALID;
	if (v.len >= SCREEN_KEY_MAX)
		return refuse(ps, ps->lineno, "set key longer than %d bytes", SCREEN_KEY_MAX - 1);
	for (size_t i = 0; i < v.len; i++)
		if (!key_char(v.p[i]))
			return refuse(ps, ps->lineno, "bad set key '%s': use a-z, 0-9, '-'", quote(v, q));
	span_copy(v, ps->s->key, sizeof(ps->s->key));
	return 0;
}

static int st_version(struct parse *ps, struct span rest)
{
	struct span v;
	if (once(ps, &ps->at_version, "version") < 0 || one_word(ps, rest, "version", &v) < 0)
		return ERR_INVALID;
	long value = 0;
	bool ok = v.len <= 7 && v.p[0] != '0';
	for (size_t i = 0; ok && i < v.len; i++) {
		ok = v.p[i] >= '0' && v.p[i] <= '9';
		value = value * 10 + (v.p[i] - '0');
	}
	if (!ok || value < 1 || value > SET_VERSION_MAX)
		return refuse(ps, ps->lineno, "version must be a whole number 1 to %d", SET_VERSION_MAX);
	ps->s->version = (int)value;
	return 0;
}

static int st_population(struct parse *ps, struct span rest)
{
	struct span v;
	char q[28];
	if (once(ps, &ps->at_population, "population") < 0 || one_word(ps, rest, "population", &v) < 0)
		return ERR_INVALID;
	if (!span_is(v, "adult") && !span_is(v, "child"))
		return refuse(ps, ps->lineno, "unknown population '%s' (adult, child)", quote(v, q));
	ps->s->child = span_is(v, "child");
	return 0;
}

static int st_exploitation(struct parse *ps, struct span rest)
{
	struct span v;
	char q[28];
	if (once(ps, &ps->at_exploitation, "exploitation") < 0 || one_word(ps, rest, "exploitation", &v) < 0)
		return ERR_INVALID;
	if (!span_is(v, "labour") && !span_is(v, "sexual"))
		return refuse(ps, ps->lineno, "unknown exploitation '%s' (labour, sexual)", quote(v, q));
	span_copy(v, ps->s->exploitation, sizeof(ps->s->exploitation));
	return 0;
}

static int st_country(struct parse *ps, struct span rest)
{
	struct span v;
	char code[3], q[28];
	struct screen_set *s = ps->s;
	if (one_word(ps, rest, "country", &v) < 0)
		return ERR_INVALID;
	if (!span_copy(v, code, sizeof(code)) || !ref_country_valid(code))
		return refuse(ps, ps->lineno, "unknown country '%s' (ISO 3166 alpha-2, e.g. BH)", quote(v, q));
	for (int i = 0; i < s->n_countries; i++)
		if (!strcmp(s->countries[i], code))
			return refuse(ps, ps->lineno, "country %s listed twice", code);
	if (s->n_countries >= SET_COUNTRIES_MAX)
		return refuse(ps, ps->lineno, "more than %d countries", SET_COUNTRIES_MAX);
	memcpy(s->countries[s->n_countries++], code, sizeof(code));
	return 0;
}

/* "title | EN | AR" and "source | EN | AR". */
static int st_text_pair(struct parse *ps, struct span rest, const char *keyword, int *at, struct screen_text *out)
{
	struct span f[SET_FIELDS_MAX];
	char form[64];
	snprintf(form, sizeof(form), "%s | English | Arabic", keyword);
	if (once(ps, at, keyword) < 0 || take_fields(ps, rest, f, 3, form) < 0)
		return ERR_INVALID;
	if (f[0].len)
		return refuse(ps, ps->lineno, "expected '%s'", form);
	if (take_text(ps, f, 3, 1, false, "English", &out->en) < 0 ||
	    take_text(ps, f, 3, 2, true, "Arabic", &out->ar) < 0)
		return ERR_INVALID;
	return 0;
}

static int dim_from(struct parse *ps, struct span sp, enum screen_dim *out)
{
	char key[40], q[28];
	if (!span_copy(sp, key, sizeof(key)) || screen_dim_parse(key, out) < 0)
		return refuse(ps, ps->lineno, "unknown dimension '%s'", quote(sp, q));
	return 0;
}

static int st_dimension(struct parse *ps, struct span rest)
{
	struct span f[SET_FIELDS_MAX];
	enum screen_dim d;
	if (take_fields(ps, rest, f, 3, "dimension KEY | English | Arabic") < 0)
		return ERR_INVALID;
	if (f[0].len == 0)
		return refuse(ps, ps->lineno, "expected 'dimension KEY | English | Arabic'");
	if (dim_from(ps, f[0], &d) < 0)
		return ERR_INVALID;
	char kw[48];
	snprintf(kw, sizeof(kw), "dimension %s", screen_dim_key(d));
	if (once(ps, &ps->at_dim[d], kw) < 0)
		return ERR_INVALID;
	struct screen_text *t = &ps->s->dim_title[d];
	if (take_text(ps, f, 3, 1, false, "English", &t->en) < 0 || take_text(ps, f, 3, 2, true, "Arabic", &t->ar) < 0)
		return ERR_INVALID;
	return 0;
}

static int st_indicator(struct parse *ps, struct span rest)
{
	struct span f[SET_FIELDS_MAX];
	struct screen_set *s = ps->s;
	char q[28], grade[16];
	if (take_fields(ps, rest, f, 5, "indicator ID | dimension | grade | English | Arabic") < 0)
		return ERR_INVALID;
	if (f[0].len == 0)
		return refuse(ps, ps->lineno, "indicator without an id");
	if (f[0].len >= SCREEN_ID_MAX)
		return refuse(ps, ps->lineno, "indicator id longer than %d bytes", SCREEN_ID_MAX - 1);
	for (size_t i = 0; i < f[0].len; i++)
		if (!id_char(f[0].p[i]))
			return refuse(ps, ps->lineno, "bad indicator id '%s': use A-Z a-z 0-9 . _ -", quote(f[0], q));
	if (f[1].len == 0)
		return refuse(ps, ps->lineno, "indicator without a dimension");
	enum screen_dim d;
	if (dim_from(ps, f[1], &d) < 0)
		return ERR_INVALID;
	enum screen_grade g;
	if (!span_copy(f[2], grade, sizeof(grade)) || grade_parse(grade, &g) < 0)
		return refuse(ps, ps->lineno, "unknown grade '%s' (strong, medium, weak)", quote(f[2], q));
	char id[SCREEN_ID_MAX];
	span_copy(f[0], id, sizeof(id));
	if (screen_set_find(s, id) >= 0)
		return refuse(ps, ps->lineno, "duplicate indicator id '%s'", id);
	if (s->n_ind >= SET_IND_MAX)
		return refuse(ps, ps->lineno, "more than %d indicators", SET_IND_MAX);
	if (s->n_ind == ps->cap_ind) {
		size_t cap = ps->cap_ind ? ps->cap_ind * 2 : 64;
		struct screen_indicator *grown = xreallocarray(s->ind, cap, sizeof(*grown));
		if (!grown)
			return nomem(ps);
		s->ind = grown;
		ps->cap_ind = cap;
	}
	struct screen_indicator *ind = &s->ind[s->n_ind];
	memset(ind, 0, sizeof(*ind));
	memcpy(ind->id, id, sizeof(id));
	ind->dim = d;
	ind->grade = g;
	s->n_ind++;   /* counted now, so that screen_set_free frees what take_text allocated */
	if (take_text(ps, f, 5, 3, false, "English", &ind->text.en) < 0 ||
	    take_text(ps, f, 5, 4, true, "Arabic", &ind->text.ar) < 0)
		return ERR_INVALID;
	return 0;
}

static int parse_rule_text(struct parse *ps, struct span expr, enum screen_rule_kind kind, char **text,
			   struct screen_rule **rule)
{
	char why[128];
	int rc = screen_rule_parse(expr.p, expr.len, kind, rule, why, sizeof(why));
	if (rc == ERR_NOMEM)
		return nomem(ps);
	if (rc < 0)
		return refuse(ps, ps->lineno, "%s", why);
	*text = xstrndup(expr.p, expr.len);
	return *text ? 0 : nomem(ps);
}

/* "rule dimension: E", "rule dimension.KEY: E", "rule victim: E". */
static int st_rule(struct parse *ps, struct span rest)
{
	struct screen_set *s = ps->s;
	char q[28];
	const char *colon = memchr(rest.p, ':', rest.len);
	if (!colon)
		return refuse(ps, ps->lineno, "expected 'rule dimension: ...' or 'rule victim: ...'");
	struct span name = trim(rest.p, (size_t)(colon - rest.p));
	struct span expr = strip_comment(trim(colon + 1, rest.len - (size_t)(colon - rest.p) - 1));
	if (span_is(name, "victim")) {
		if (once(ps, &ps->at_victim, "rule victim") < 0)
			return ERR_INVALID;
		return parse_rule_text(ps, expr, SCREEN_RULE_VICTIM, &s->victim_rule_text, &s->victim_rule);
	}
	if (span_is(name, "dimension")) {
		if (once(ps, &ps->at_dim_rule, "rule dimension") < 0)
			return ERR_INVALID;
		struct screen_rule *check;
		int rc = parse_rule_text(ps, expr, SCREEN_RULE_DIMENSION, &ps->dim_rule_general, &check);
		screen_rule_free(check);   /* parsed again for each dimension without its own rule */
		return rc;
	}
	if (name.len > 10 && !memcmp(name.p, "dimension.", 10)) {
		enum screen_dim d;
		if (dim_from(ps, (struct span){ name.p + 10, name.len - 10 }, &d) < 0)
			return ERR_INVALID;
		char kw[48];
		snprintf(kw, sizeof(kw), "rule dimension.%s", screen_dim_key(d));
		if (once(ps, &ps->at_override[d], kw) < 0)
			return ERR_INVALID;
		return parse_rule_text(ps, expr, SCREEN_RULE_DIMENSION, &s->dim_rule_text[d], &s->dim_rule[d]);
	}
	return refuse(ps, ps->lineno, "unknown rule '%s' (dimension, dimension.KEY, victim)", quote(name, q));
}

static int statement(struct parse *ps, struct span line)
{
	size_t k = 0;
	char q[28];
	while (k < line.len && line.p[k] != ' ' && line.p[k] != '\t' && line.p[k] != '|')
		k++;
	struct span kw = { line.p, k };
	struct span rest = trim(line.p + k, line.len - k);
	if (span_is(kw, "set"))
		return st_set(ps, rest);
	if (span_is(kw, "version"))
		return st_version(ps, rest);
	if (span_is(kw, "population"))
		return st_population(ps, rest);
	if (span_is(kw, "exploitation"))
		return st_exploitation(ps, rest);
	if (span_is(kw, "title"))
		return st_text_pair(ps, rest, "title", &ps->at_title, &ps->s->title);
	if (span_is(kw, "source"))
		return st_text_pair(ps, rest, "source", &ps->at_source, &ps->s->source);
	if (span_is(kw, "country"))
		return st_country(ps, rest);
	if (span_is(kw, "dimension"))
		return st_dimension(ps, rest);
	if (span_is(kw, "rule"))
		return st_rule(ps, rest);
	if (span_is(kw, "indicator"))
		return st_indicator(ps, rest);
	return refuse(ps, ps->lineno, "unknown keyword '%s'", quote(kw, q));
}

/* What must be there once the whole file is read. */
static int final_checks(struct parse *ps)
{
	struct screen_set *s = ps->s;
	static const char *const required[] = { "set", "version", "population", "exploitation", "title", "source" };
	const int at[] = { ps->at_set, ps->at_version, ps->at_population, ps->at_exploitation, ps->at_title,
			   ps->at_source };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!at[i])
			return refuse(ps, 0, "missing the '%s' line", required[i]);
	for (int d = 0; d < DIM_COUNT; d++)
		if (!ps->at_dim[d])
			return refuse(ps, 0, "missing 'dimension %s' (its titles)", dim_keys[d]);
	if (!ps->at_dim_rule)
		return refuse(ps, 0, "missing the 'rule dimension:' line");
	if (!ps->at_victim)
		return refuse(ps, 0, "missing the 'rule victim:' line");
	for (int d = 0; d < DIM_COUNT; d++) {
		bool any = false;
		for (size_t i = 0; i < s->n_ind && !any; i++)
			any = s->ind[i].dim == (enum screen_dim)d;
		if (!any)
			return refuse(ps, ps->at_dim[d], "dimension %s has no indicator", dim_keys[d]);
	}
	/* Each dimension without its own rule gets the general one (its own copy). */
	for (int d = 0; d < DIM_COUNT; d++) {
		if (s->dim_rule[d])
			continue;
		char why[128];
		size_t len = strlen(ps->dim_rule_general);
		s->dim_rule_text[d] = xstrndup(ps->dim_rule_general, len);
		if (!s->dim_rule_text[d] ||
		    screen_rule_parse(ps->dim_rule_general, len, SCREEN_RULE_DIMENSION, &s->dim_rule[d], why,
				      sizeof(why)) < 0)
			return nomem(ps);
	}
	return 0;
}

int screen_set_parse(const char *text, size_t len, struct screen_set **out, struct problem *pb, int *line)
{
	struct parse ps = { .pb = pb, .line = line };
	int rc;
	*out = NULL;
	if (line)
		*line = 0;
	if (len > SET_FILE_MAX)
		return refuse(&ps, 0, "file larger than %u MiB", SET_FILE_MAX >> 20);
	int bad = utf8_fault_line(text, len);
	if (bad)
		return refuse(&ps, bad, "invalid UTF-8 (or a NUL byte)");
	ps.s = xcalloc(1, sizeof(*ps.s));
	if (!ps.s)
		return nomem(&ps);
	size_t pos = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;   /* a byte-order mark some editors write */
	for (ps.lineno = 1; pos < len; ps.lineno++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t line_len = end - pos;
		if (line_len && text[end - 1] == '\r')
			line_len--;
		if (line_len > SET_LINE_MAX) {
			rc = refuse(&ps, ps.lineno, "line longer than %d bytes", SET_LINE_MAX);
			goto fail;
		}
		struct span sp = trim(text + pos, line_len);
		pos = end + 1;
		if (sp.len == 0 || sp.p[0] == '#')
			continue;
		rc = statement(&ps, sp);
		if (rc < 0)
			goto fail;
	}
	rc = final_checks(&ps);
	if (rc < 0)
		goto fail;
	ps.s->source_text = xstrndup(text, len);
	if (!ps.s->source_text) {
		rc = nomem(&ps);
		goto fail;
	}
	ps.s->source_len = len;
	free(ps.dim_rule_general);
	*out = ps.s;
	return 0;
fail:
	free(ps.dim_rule_general);
	screen_set_free(ps.s);
	return rc;
}

static void text_release(struct screen_text *t)
{
	free(t->en);
	free(t->ar);
	t->en = t->ar = NULL;
}

void screen_set_free(struct screen_set *s)
{
	if (!s)
		return;
	text_release(&s->title);
	text_release(&s->source);
	for (int d = 0; d < DIM_COUNT; d++) {
		text_release(&s->dim_title[d]);
		free(s->dim_rule_text[d]);
		screen_rule_free(s->dim_rule[d]);
	}
	for (size_t i = 0; i < s->n_ind; i++)
		text_release(&s->ind[i].text);
	free(s->ind);
	free(s->victim_rule_text);
	screen_rule_free(s->victim_rule);
	free(s->source_text);
	free(s);
}

int screen_set_find(const struct screen_set *s, const char *id)
{
	for (size_t i = 0; id && i < s->n_ind; i++)
		if (!strcmp(s->ind[i].id, id))
			return (int)i;
	return -1;
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *text_json(const struct screen_text *t)
{
	return json_pack("{s:s, s:s}", "en", t->en, "ar", t->ar);
}

json_t *screen_set_to_json(const struct screen_set *s, bool full)
{
	json_t *countries = json_array();
	for (int i = 0; countries && i < s->n_countries; i++)
		json_array_append_new(countries, json_string(s->countries[i]));
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:o, s:o, s:o}", "key", s->key, "version", s->version,
			      "population", s->child ? "child" : "adult", "exploitation", s->exploitation,
			      "title", text_json(&s->title), "source", text_json(&s->source), "countries", countries);
	if (!o)
		return NULL;
	if (!full) {
		if (json_object_set_new(o, "indicator_count", json_integer((json_int_t)s->n_ind)) < 0)
			goto fail;
		return o;
	}
	json_t *dim_rules = json_object(), *dims = json_array(), *inds = json_array();
	if (!dim_rules || !dims || !inds) {
		json_decref(dim_rules);
		json_decref(dims);
		json_decref(inds);
		goto fail;
	}
	for (int d = 0; d < DIM_COUNT; d++) {
		json_object_set_new(dim_rules, dim_keys[d], json_string(s->dim_rule_text[d]));
		json_array_append_new(dims, json_pack("{s:s, s:o}", "key", dim_keys[d], "title",
						      text_json(&s->dim_title[d])));
	}
	for (size_t i = 0; i < s->n_ind; i++) {
		const struct screen_indicator *ind = &s->ind[i];
		json_array_append_new(inds, json_pack("{s:s, s:s, s:s, s:o}", "id", ind->id, "dimension",
						      dim_keys[ind->dim], "grade", grade_keys[ind->grade], "text",
						      text_json(&ind->text)));
	}
	/* An allocation that failed above left an element out: refuse rather than serve half. */
	if (json_object_size(dim_rules) != DIM_COUNT || json_array_size(dims) != DIM_COUNT ||
	    json_array_size(inds) != s->n_ind) {
		json_decref(dim_rules);
		json_decref(dims);
		json_decref(inds);
		goto fail;
	}
	json_t *rule = json_object();
	if (!rule) {
		json_decref(dim_rules);
		json_decref(dims);
		json_decref(inds);
		goto fail;
	}
	/* json_object_set_new takes the value's reference even when it fails; sizes tell. */
	json_object_set_new(rule, "dimension", dim_rules);
	json_object_set_new(rule, "victim", json_string(s->victim_rule_text));
	json_object_set_new(o, "rule", rule);
	json_object_set_new(o, "dimensions", dims);
	json_object_set_new(o, "indicators", inds);
	if (json_object_size(rule) != 2 || json_object_size(o) != 10)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}
