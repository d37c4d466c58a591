/*
 * validate.c: checking values against the registry (registry_validate), and
 * the dates and ages the registry derives (CTDC age bands).
 */
#include "registry_int.h"

#include <string.h>

#include "../ref/ref.h"

/* ---- dates ------------------------------------------------------------------ */

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* Parse exactly "YYYY-MM-DD" naming a day that exists (years 0001-9999); 0 or -1. */
static int parse_date(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int registry_age_on(const char *birth, const char *on)
{
	int by, bm, bd, oy, om, od;

	if (parse_date(birth, &by, &bm, &bd) || parse_date(on, &oy, &om, &od))
		return -1;
	/*
	 * Whole years: the birthday counts once (month, day) is reached. Someone
	 * born on 29 February thus turns a year older on 1 March in common years.
	 */
	int age = oy - by - (om < bm || (om == bm && od < bd));
	return age < 0 ? -1 : age;
}

const char *registry_age_band(int age_years)
{
	static const struct {
		int upto;
		const char *band;
	} bands[] = {
		{8, "0-8"}, {17, "9-17"}, {20, "18-20"}, {23, "21-23"}, {26, "24-26"},
		{29, "27-29"}, {38, "30-38"}, {47, "39-47"},
	};

	if (age_years < 0)
		return NULL;
	for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++)
		if (age_years <= bands[i].upto)
			return bands[i].band;
	return "48+";
}

/* ---- text ---------------------------------------------------------------------- */

/*
 * Check UTF-8 text (jansson guarantees it is well formed): no control
 * characters (C0, DEL, C1), except '\n' when multiline; at most max code
 * points. Returns 0, or the problem code.
 */
static const char *check_text(const char *s, size_t len, bool multiline, long long max)
{
	long long n_chars = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !(multiline && c == '\n'))
			return "invalid";
		if (c == 0x7f)
			return "invalid";
		/* U+0080..U+009F are C2 80..C2 9F in UTF-8. */
		if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0)
			return "invalid";
		if ((c & 0xc0) != 0x80)
			n_chars++;
	}
	return n_chars > max ? "too_long" : NULL;
}

/* ---- values ---------------------------------------------------------------------- */

static bool code_ok(enum field_type t, const char *code)
{
	switch (t) {
	case FT_COUNTRY:
	case FT_COUNTRIES:
		return ref_country_valid(code);
	case FT_LANGUAGE:
	case FT_LANGUAGES:
		return ref_language_valid(code);
	case FT_ISIC:
		return ref_isic_valid(code);
	default:
		return false;
	}
}

/* Each element a string that `ok` accepts, no repeats. */
static const char *check_list(const struct field *f, const json_t *v)
{
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return "wrong_type";
	for (size_t i = 0; i < n; i++) {
		const json_t *item = json_array_get(v, i);
		if (!json_is_string(item))
			return "wrong_type";
		const char *s = json_string_value(item);
		if (f->type == FT_MULTICHOICE ? !field_choice(f, s) : !code_ok(f->type, s))
			return "invalid";
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s, json_string_value(json_array_get(v, j))))
				return "invalid";
	}
	return NULL;
}

/* NULL when v is a good value for f, else the problem code. v is not null. */
static const char *check_value(const struct field *f, const json_t *v)
{
	int y, m, d;

	switch (f->type) {
	case FT_TEXT:
	case FT_LONGTEXT:
		if (!json_is_string(v))
			return "wrong_type";
		return check_text(json_string_value(v), json_string_length(v), f->type == FT_LONGTEXT, f->max);
	case FT_DATE:
		if (!json_is_string(v))
			return "wrong_type";
		return parse_date(json_string_value(v), &y, &m, &d) ? "invalid" : NULL;
	case FT_NUMBER:
		if (!json_is_integer(v))
			return "wrong_type";
		return json_integer_value(v) < f->min || json_integer_value(v) > f->max ? "invalid" : NULL;
	case FT_BOOLEAN:
		return json_is_boolean(v) ? NULL : "wrong_type";
	case FT_CHOICE:
		if (!json_is_string(v))
			return "wrong_type";
		return field_choice(f, json_string_value(v)) ? NULL : "invalid";
	case FT_COUNTRY:
	case FT_LANGUAGE:
	case FT_ISIC:
		if (!json_is_string(v))
			return "wrong_type";
		return code_ok(f->type, json_string_value(v)) ? NULL : "invalid";
	case FT_MULTICHOICE:
	case FT_COUNTRIES:
	case FT_LANGUAGES:
		return check_list(f, v);
	}
	return "invalid";
}

/* A required field left empty: absent, null, "" or []. */
static bool empty_value(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0);
}

int registry_validate(const struct registry *r, const char *entity, const json_t *values,
		      bool complete, struct problem *pb)
{
	const struct entity *e = registry_entity(r, entity);
	const char *key;
	json_t *v;

	if (!e || !json_is_object(values))
		return problem_set(pb, ERR_INVALID, e ? "wrong_type" : "invalid", NULL);
	json_object_foreach((json_t *)values, key, v) {
		const struct field *f = entity_field(e, key);
		if (!f)
			return problem_set(pb, ERR_INVALID, "unknown_field", key);
		if (json_is_null(v) || f->derived)
			continue;   /* a derived value sent back (an exported file, an edit) is recomputed */
		const char *code = check_value(f, v);
		if (code)
			return problem_set(pb, ERR_INVALID, code, key);
	}
	if (complete)
		for (size_t i = 0; i < e->n_fields; i++)
			if (e->fields[i].required && empty_value(json_object_get(values, e->fields[i].key)))
				return problem_set(pb, ERR_INVALID, "missing_field", e->fields[i].key);
	return 0;
}
