/*
 * jsonin.c: request bodies to jansson values, under caps, against a field
 * list. jansson does the parsing (UTF-8, NUL in strings, duplicate keys,
 * trailing data); this file adds the shape rules and the stable codes of
 * jsonin.h. Error details are fixed English strings: no input is echoed,
 * except the offending key name in err->field (the client's own key).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "http/jsonin.h"

/* jsonin has no cap parameter; the adapter's max_body is the real limit. */
#define JSONIN_MAX_BODY ((size_t)16 * 1024 * 1024)
#define JSONIN_DEFAULT_DEPTH 32
#define JSONIN_DEFAULT_STRLEN 1024
#define JSONIN_MAX_ARRAY 64

static void set_error(struct jsonin_error *err, const char *code, const char *field,
		      const char *detail)
{
	if (!err)
		return;
	err->code = code;
	err->field[0] = '\0';
	if (field) {
		/* Cut at a UTF-8 character boundary so the field stays valid UTF-8. */
		size_t n = strlen(field);
		if (n > sizeof(err->field) - 1) {
			n = sizeof(err->field) - 1;
			while (n > 0 && ((unsigned char)field[n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(err->field, field, n);
		err->field[n] = '\0';
	}
	snprintf(err->detail, sizeof(err->detail), "%s", detail);
}

/* True when value nests no deeper than max_depth containers. */
static bool depth_ok(const json_t *value, size_t depth, size_t max_depth)
{
	if (!json_is_object(value) && !json_is_array(value))
		return true;
	if (depth + 1 > max_depth)
		return false;
	if (json_is_array(value)) {
		size_t i;
		const json_t *item;
		json_array_foreach(value, i, item)
			if (!depth_ok(item, depth + 1, max_depth))
				return false;
	} else {
		const char *key;
		const json_t *item;
		json_object_foreach((json_t *)value, key, item)
			if (!depth_ok(item, depth + 1, max_depth))
				return false;
	}
	return true;
}

static const struct jfield *find_field(const struct jfield *fields, size_t n_fields,
				       const char *key)
{
	for (size_t i = 0; i < n_fields; i++)
		if (fields[i].name && strcmp(fields[i].name, key) == 0)
			return &fields[i];
	return NULL;
}

/* Check one present, non-null value against its field; 0 or sets err. */
static int check_value(const struct jfield *f, const json_t *value, struct jsonin_error *err)
{
	size_t max_len = f->max_len ? f->max_len : JSONIN_DEFAULT_STRLEN;
	switch (f->type) {
	case JF_STRING:
		if (!json_is_string(value)) {
			set_error(err, "wrong_type", f->name, "expected a string");
			return -1;
		}
		if (json_string_length(value) > max_len) {
			set_error(err, "too_long", f->name, "string too long");
			return -1;
		}
		return 0;
	case JF_INT:
		if (!json_is_integer(value)) {
			set_error(err, "wrong_type", f->name, "expected an integer");
			return -1;
		}
		return 0;
	case JF_BOOL:
		if (!json_is_boolean(value)) {
			set_error(err, "wrong_type", f->name, "expected true or false");
			return -1;
		}
		return 0;
	case JF_ARRAY_OF_STRINGS: {
		if (!json_is_array(value)) {
			set_error(err, "wrong_type", f->name, "expected an array of strings");
			return -1;
		}
		if (json_array_size(value) > JSONIN_MAX_ARRAY) {
			set_error(err, "too_long", f->name, "too many elements");
			return -1;
		}
		size_t i;
		const json_t *item;
		json_array_foreach(value, i, item) {
			if (!json_is_string(item)) {
				set_error(err, "wrong_type", f->name, "expected an array of strings");
				return -1;
			}
			if (json_string_length(item) > max_len) {
				set_error(err, "too_long", f->name, "element too long");
				return -1;
			}
		}
		return 0;
	}
	case JF_OBJECT:
		if (!json_is_object(value)) {
			set_error(err, "wrong_type", f->name, "expected an object");
			return -1;
		}
		return 0;
	case JF_ANY:
		return 0;
	}
	set_error(err, "wrong_type", f->name, "unsupported field type");
	return -1;
}

int jsonin_parse(const char *body, size_t len, const struct jfield *fields,
		 size_t n_fields, size_t max_depth, json_t **out, struct jsonin_error *err)
{
	*out = NULL;
	if (err) {
		err->code = NULL;
		err->field[0] = '\0';
		err->detail[0] = '\0';
	}
	if (len > JSONIN_MAX_BODY) {
		set_error(err, "too_large", NULL, "body too large");
		return ERR_TOO_LARGE;
	}
	if (!body || len == 0) {
		set_error(err, "bad_json", NULL, "empty body");
		return ERR_INVALID;
	}
	if (max_depth == 0)
		max_depth = JSONIN_DEFAULT_DEPTH;

	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root && json_error_code(&jerr) == json_error_stack_overflow) {
		set_error(err, "too_deep", NULL, "nesting too deep");
		return ERR_INVALID;
	}
	if (!root) {
		/* jansson's text may quote input; keep only the position. */
		char detail[96];
		snprintf(detail, sizeof(detail), "invalid JSON at line %d column %d", jerr.line,
			 jerr.column);
		set_error(err, "bad_json", NULL, detail);
		return ERR_INVALID;
	}
	if (!depth_ok(root, 0, max_depth)) {
		set_error(err, "too_deep", NULL, "nesting too deep");
		goto fail;
	}
	if (!json_is_object(root)) {
		set_error(err, "not_object", NULL, "expected a JSON object");
		goto fail;
	}

	const char *key;
	json_t *value;
	json_object_foreach(root, key, value) {
		const struct jfield *f = find_field(fields, n_fields, key);
		if (!f) {
			set_error(err, "unknown_field", key, "unknown field");
			goto fail;
		}
		if (json_is_null(value))
			continue;   /* null is absence */
		if (check_value(f, value, err) != 0)
			goto fail;
	}
	for (size_t i = 0; i < n_fields; i++) {
		if (!fields[i].required || !fields[i].name)
			continue;
		json_t *v = json_object_get(root, fields[i].name);
		if (!v || json_is_null(v)) {
			set_error(err, "missing_field", fields[i].name, "required field missing");
			goto fail;
		}
	}
	*out = root;
	return 0;
fail:
	json_decref(root);
	return ERR_INVALID;
}

const char *jsonin_str(const json_t *obj, const char *key)
{
	if (!json_is_object(obj) || !key)
		return NULL;
	return json_string_value(json_object_get(obj, key));
}

long long jsonin_int(const json_t *obj, const char *key, long long dflt)
{
	if (!json_is_object(obj) || !key)
		return dflt;
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

int jsonin_bool(const json_t *obj, const char *key, int dflt)
{
	if (!json_is_object(obj) || !key)
		return dflt;
	const json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}
