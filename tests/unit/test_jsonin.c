/* test_jsonin.c: every rejection code of jsonin_parse, and the accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/err.h"
#include "http/jsonin.h"
#include "http/jsonout.h"

static const struct jfield fields[] = {
	{ "name", JF_STRING, 1, 0 },
	{ "code", JF_STRING, 0, 8 },
	{ "age", JF_INT, 0, 0 },
	{ "active", JF_BOOL, 0, 0 },
	{ "tags", JF_ARRAY_OF_STRINGS, 0, 5 },
	{ "meta", JF_OBJECT, 0, 0 },
	{ "extra", JF_ANY, 0, 0 },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

struct parse_case {
	const char *body;
	const char *code;     /* NULL: accepted */
	const char *field;    /* expected err.field when code is set */
};

static const struct parse_case cases[] = {
	/* accepted */
	{ "{\"name\":\"x\"}", NULL, NULL },
	{ " {\"name\":\"x\"} \n", NULL, NULL },
	{ "{\"name\":\"\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85\",\"age\":-3,\"active\":false}", NULL, NULL },
	{ "{\"name\":\"x\",\"code\":\"12345678\"}", NULL, NULL },
	{ "{\"name\":\"x\",\"code\":null,\"age\":null}", NULL, NULL },
	{ "{\"name\":\"x\",\"tags\":[]}", NULL, NULL },
	{ "{\"name\":\"x\",\"tags\":[\"a\",\"abcde\"]}", NULL, NULL },
	{ "{\"name\":\"x\",\"meta\":{\"k\":[1,{\"z\":2}]}}", NULL, NULL },
	{ "{\"name\":\"x\",\"extra\":[1,\"a\",null,true]}", NULL, NULL },
	/* bad_json */
	{ "", "bad_json", "" },
	{ "{", "bad_json", "" },
	{ "{\"name\":\"x\"} {}", "bad_json", "" },
	{ "{\"name\":\"x\"}x", "bad_json", "" },
	{ "{\"name\":\"x\",}", "bad_json", "" },
	{ "{'name':'x'}", "bad_json", "" },
	{ "{\"name\":\"\xff\"}", "bad_json", "" },
	{ "{\"name\":\"\xc0\xaf\"}", "bad_json", "" },
	{ "{\"name\":\"\xed\xa0\x80\"}", "bad_json", "" },
	{ "{\"name\":\"a\\u0000b\"}", "bad_json", "" },
	{ "{\"name\":\"x\",\"name\":\"y\"}", "bad_json", "" },
	{ "{\"name\":\"x\",\"age\":99999999999999999999999}", "bad_json", "" },
	{ "{\"name\":NaN}", "bad_json", "" },
	/* not_object */
	{ "[]", "not_object", "" },
	{ "\"name\"", "not_object", "" },
	{ "42", "not_object", "" },
	{ "null", "not_object", "" },
	/* unknown_field */
	{ "{\"name\":\"x\",\"role\":\"admin\"}", "unknown_field", "role" },
	{ "{\"Name\":\"x\"}", "unknown_field", "Name" },
	{ "{\"name\":\"x\",\"__proto__\":{}}", "unknown_field", "__proto__" },
	/* wrong_type */
	{ "{\"name\":1}", "wrong_type", "name" },
	{ "{\"name\":\"x\",\"age\":\"3\"}", "wrong_type", "age" },
	{ "{\"name\":\"x\",\"age\":3.0}", "wrong_type", "age" },
	{ "{\"name\":\"x\",\"age\":1e3}", "wrong_type", "age" },
	{ "{\"name\":\"x\",\"active\":1}", "wrong_type", "active" },
	{ "{\"name\":\"x\",\"active\":\"true\"}", "wrong_type", "active" },
	{ "{\"name\":\"x\",\"tags\":\"a\"}", "wrong_type", "tags" },
	{ "{\"name\":\"x\",\"tags\":[\"a\",1]}", "wrong_type", "tags" },
	{ "{\"name\":\"x\",\"tags\":[null]}", "wrong_type", "tags" },
	{ "{\"name\":\"x\",\"meta\":[]}", "wrong_type", "meta" },
	/* missing_field */
	{ "{}", "missing_field", "name" },
	{ "{\"name\":null}", "missing_field", "name" },
	{ "{\"age\":3}", "missing_field", "name" },
	/* too_long */
	{ "{\"name\":\"x\",\"code\":\"123456789\"}", "too_long", "code" },
	{ "{\"name\":\"x\",\"code\":\"\xd8\xb3\xd8\xb3\xd8\xb3\xd8\xb3\xd8\xb3\"}", "too_long", "code" },
	{ "{\"name\":\"x\",\"tags\":[\"abcdef\"]}", "too_long", "tags" },
	/* too_deep (max_depth 32 by default; the top object counts as 1) */
	/* 33 nested objects */
	{ "{\"name\":\"x\",\"meta\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":"
	  "{\"j\":{\"k\":{\"l\":{\"m\":{\"n\":{\"o\":{\"p\":{\"q\":{\"r\":{\"s\":{\"t\":{\"u\":{\"v"
	  "\":{\"w\":{\"x\":{\"y\":{\"z\":{\"A\":{\"B\":{\"C\":{\"D\":{\"E\":{\"F\":1}}}}}}}}}}}}}}"
	  "}}}}}}}}}}}}}}}}}}}",
	  "too_deep", "" },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		json_t *out = (json_t *)1;
		struct jsonin_error err;
		int rc = jsonin_parse(c->body, strlen(c->body), fields, N_FIELDS, 0, &out, &err);
		if ((rc == 0) != (c->code == NULL) ||
		    (c->code && (!err.code || strcmp(err.code, c->code) != 0)))
			print_message("case %zu: rc=%d code=%s body=%s\n", i, rc,
				      rc ? err.code : "-", c->body);
		if (!c->code) {
			assert_int_equal(rc, 0);
			assert_non_null(out);
			json_decref(out);
			continue;
		}
		assert_int_equal(rc, ERR_INVALID);
		assert_null(out);
		assert_string_equal(err.code, c->code);
		assert_string_equal(err.field, c->field);
		assert_true(strlen(err.detail) > 0);
	}
}

/* Depth exactly at the limit passes; one more fails; a custom limit applies. */
static char *nested(int depth)
{
	size_t n = (size_t)depth * 6 + 16;
	char *s = malloc(n);
	assert_non_null(s);
	size_t k = 0;
	for (int i = 0; i < depth; i++) {
		memcpy(s + k, "{\"a\":", 5);
		k += 5;
	}
	s[k++] = '1';
	for (int i = 0; i < depth; i++)
		s[k++] = '}';
	s[k] = '\0';
	return s;
}

static void test_depth_limits(void **state)
{
	(void)state;
	static const struct jfield any[] = { { "a", JF_ANY, 0, 0 } };
	struct { int depth; size_t max; const char *code; } t[] = {
		{ 32, 0, NULL }, { 33, 0, "too_deep" }, { 3, 3, NULL }, { 4, 3, "too_deep" },
		{ 1, 1, NULL }, { 2, 1, "too_deep" },
		{ 5000, 0, "too_deep" },   /* past jansson's own parser limit */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *body = nested(t[i].depth);
		json_t *out = NULL;
		struct jsonin_error err;
		int rc = jsonin_parse(body, strlen(body), any, 1, t[i].max, &out, &err);
		if (t[i].code) {
			assert_int_equal(rc, ERR_INVALID);
			assert_string_equal(err.code, t[i].code);
		} else {
			assert_int_equal(rc, 0);
			json_decref(out);
		}
		free(body);
	}
	/* Arrays count too. */
	json_t *out = NULL;
	struct jsonin_error err;
	const char *arr = "{\"a\":[[[1]]]}";
	assert_int_equal(jsonin_parse(arr, strlen(arr), any, 1, 4, &out, &err), 0);
	json_decref(out);
	assert_int_equal(jsonin_parse(arr, strlen(arr), any, 1, 3, &out, &err), ERR_INVALID);
	assert_string_equal(err.code, "too_deep");
}

/* Strings default to 1024 bytes; arrays of strings hold at most 64 elements. */
static void test_default_caps(void **state)
{
	(void)state;
	static const struct jfield f[] = { { "s", JF_STRING, 0, 0 },
					    { "l", JF_ARRAY_OF_STRINGS, 0, 0 } };
	char body[4096];
	json_t *out = NULL;
	struct jsonin_error err;

	for (int len = 1024; len <= 1025; len++) {
		int k = snprintf(body, sizeof(body), "{\"s\":\"");
		memset(body + k, 'x', (size_t)len);
		k += len;
		k += snprintf(body + k, sizeof(body) - (size_t)k, "\"}");
		int rc = jsonin_parse(body, (size_t)k, f, 2, 0, &out, &err);
		if (len == 1024) {
			assert_int_equal(rc, 0);
			json_decref(out);
		} else {
			assert_int_equal(rc, ERR_INVALID);
			assert_string_equal(err.code, "too_long");
			assert_string_equal(err.field, "s");
		}
	}
	for (int n = 64; n <= 65; n++) {
		int k = snprintf(body, sizeof(body), "{\"l\":[");
		for (int i = 0; i < n; i++)
			k += snprintf(body + k, sizeof(body) - (size_t)k, "%s\"e\"", i ? "," : "");
		k += snprintf(body + k, sizeof(body) - (size_t)k, "]}");
		int rc = jsonin_parse(body, (size_t)k, f, 2, 0, &out, &err);
		if (n == 64) {
			assert_int_equal(rc, 0);
			json_decref(out);
		} else {
			assert_int_equal(rc, ERR_INVALID);
			assert_string_equal(err.code, "too_long");
			assert_string_equal(err.field, "l");
		}
	}
}

static void test_too_large(void **state)
{
	(void)state;
	size_t n = (size_t)16 * 1024 * 1024 + 1;
	char *body = malloc(n);
	assert_non_null(body);
	memset(body, ' ', n);
	body[0] = '{';
	body[n - 1] = '}';
	json_t *out = (json_t *)1;
	struct jsonin_error err;
	assert_int_equal(jsonin_parse(body, n, fields, N_FIELDS, 0, &out, &err), ERR_TOO_LARGE);
	assert_null(out);
	assert_string_equal(err.code, "too_large");
	free(body);
}

/* Trailing bytes after the value, even a NUL, are refused; len is honoured. */
static void test_length_is_exact(void **state)
{
	(void)state;
	json_t *out = NULL;
	struct jsonin_error err;
	const char body[] = "{\"name\":\"x\"}\0{\"name\":\"y\"}";
	assert_int_equal(jsonin_parse(body, sizeof(body) - 1, fields, N_FIELDS, 0, &out, &err),
			 ERR_INVALID);
	assert_string_equal(err.code, "bad_json");
	/* Without a NUL terminator within len. */
	const char cut[] = "{\"name\":\"x\"}GARBAGE";
	assert_int_equal(jsonin_parse(cut, 12, fields, N_FIELDS, 0, &out, &err), 0);
	assert_string_equal(jsonin_str(out, "name"), "x");
	json_decref(out);
}

/* An unknown key longer than err.field is cut at a UTF-8 boundary. */
static void test_long_unknown_key(void **state)
{
	(void)state;
	char body[512];
	int k = snprintf(body, sizeof(body), "{\"");
	for (int i = 0; i < 40; i++) {   /* 80 bytes of U+0633 */
		body[k++] = (char)0xd8;
		body[k++] = (char)0xb3;
	}
	k += snprintf(body + k, sizeof(body) - (size_t)k, "\":1}");
	json_t *out = NULL;
	struct jsonin_error err;
	assert_int_equal(jsonin_parse(body, (size_t)k, fields, N_FIELDS, 0, &out, &err),
			 ERR_INVALID);
	assert_string_equal(err.code, "unknown_field");
	assert_int_equal(strlen(err.field), 62);   /* 31 whole characters */
	json_t *s = json_string(err.field);          /* valid UTF-8 */
	assert_non_null(s);
	json_decref(s);
}

static void test_accessors(void **state)
{
	(void)state;
	const char *body = "{\"name\":\"n\",\"age\":41,\"active\":true,\"code\":null}";
	json_t *out = NULL;
	struct jsonin_error err;
	assert_int_equal(jsonin_parse(body, strlen(body), fields, N_FIELDS, 0, &out, &err), 0);
	assert_string_equal(jsonin_str(out, "name"), "n");
	assert_null(jsonin_str(out, "code"));
	assert_null(jsonin_str(out, "age"));
	assert_null(jsonin_str(out, "absent"));
	assert_int_equal(jsonin_int(out, "age", -1), 41);
	assert_int_equal(jsonin_int(out, "name", -1), -1);
	assert_int_equal(jsonin_int(out, "absent", 7), 7);
	assert_int_equal(jsonin_bool(out, "active", 0), 1);
	assert_int_equal(jsonin_bool(out, "age", -1), -1);
	assert_int_equal(jsonin_bool(out, "absent", 0), 0);
	assert_null(jsonin_str(NULL, "name"));
	assert_int_equal(jsonin_int(NULL, "age", 5), 5);
	assert_int_equal(jsonin_bool(NULL, "active", 2), 2);
	json_decref(out);
}

/* jsonout_dump writes what json_dumps(v, JSON_COMPACT) writes. */
static void expect_same(json_t *v)
{
	char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t len;
	char *got = jsonout_dump(v, &len);
	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(got);
	json_decref(v);
}

static void test_jsonout_same_as_jansson(void **state)
{
	(void)state;
	expect_same(json_object());
	expect_same(json_array());
	expect_same(json_string(""));
	expect_same(json_integer(0));
	expect_same(json_integer(-9223372036854775807LL - 1));
	expect_same(json_integer(9223372036854775807LL));
	expect_same(json_real(0.1));
	expect_same(json_real(-3.0));
	expect_same(json_real(1e300));
	expect_same(json_true());
	expect_same(json_null());
	expect_same(json_pack("{s:s, s:s, s:s, s:[i, b, n, {}], s:{s:{s:[]}}}", "name_ar", "منظمة القياس 001",
			      "quote\"back\\slash", "tab\tnew\nline\rret\bbell\fform/slash", "ctl", "\x01\x1f\x7f é",
			      "nested", 1, 0, "deep", "er", "est"));
	expect_same(json_stringn("nul\0inside", 10));
	json_t *key_nul = json_object();
	json_object_setn_new(key_nul, "k\0y", 3, json_string("v"));
	json_object_set_new(key_nul, "later", json_integer(2));
	json_object_set_new(key_nul, "a", json_integer(1));   /* insertion order, not sorted */
	expect_same(key_nul);
	/* Every byte value a valid string may hold, in many short strings, and a long list. */
	json_t *arr = json_array();
	for (int c = 1; c < 0x80; c++) {
		char one[4] = { (char)c, 'x', (char)c, 0 };
		json_array_append_new(arr, json_string(one));
	}
	for (int i = 0; i < 500; i++)
		json_array_append_new(arr, json_pack("{s:i, s:s, s:[s, s]}", "i", i, "ref", "BH-2026-00042", "f",
						     "person.given_name", "\xd8\xb9\xd9\x84\xd9\x8a"));
	expect_same(arr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_jsonout_same_as_jansson),
		cmocka_unit_test(test_depth_limits),
		cmocka_unit_test(test_default_caps),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_length_is_exact),
		cmocka_unit_test(test_long_unknown_key),
		cmocka_unit_test(test_accessors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
