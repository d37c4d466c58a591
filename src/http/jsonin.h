/*
 * jsonin.h: decoding request bodies with caps, and building error bodies.
 *
 * jsonin_parse rejects, with a stable code and the field at fault:
 *	bad_json       not JSON, or not valid UTF-8 (jansson checks), or trailing data
 *	too_deep       nesting over max_depth (default 32)
 *	too_large      body over the cap (checked by the adapter too)
 *	not_object     top level is not an object
 *	unknown_field  a key not in the allowed list (no mass assignment)
 *	wrong_type     a field of the wrong JSON type
 *	missing_field  a required field absent
 *	too_long       a string over its max_len (bytes)
 */
#ifndef IHALA_JSONIN_H
#define IHALA_JSONIN_H

#include <jansson.h>
#include <stddef.h>
#include "../core/banned.h"

enum jfield_type { JF_STRING, JF_INT, JF_BOOL, JF_ARRAY_OF_STRINGS, JF_OBJECT, JF_ANY };

struct jfield {
	const char *name;
	enum jfield_type type;
	int required;          /* 1: must be present; null counts as absent */
	size_t max_len;        /* strings, and each element of an array: bytes; 0 = 1024. Arrays hold at most 64 elements */
};

struct jsonin_error {
	const char *code;      /* one of the codes above; static */
	char field[64];        /* the field at fault, or "" */
	char detail[128];      /* short English detail for logs/messages, no input echoed */
};

/*
 * Parse body (len bytes) as a JSON object of the given fields. On success
 * returns 0 and *out (caller json_decref). On failure returns ERR_INVALID or
 * ERR_TOO_LARGE and fills *err.
 */
int jsonin_parse(const char *body, size_t len, const struct jfield *fields,
		    size_t n_fields, size_t max_depth, json_t **out, struct jsonin_error *err);

/* Accessors on a parsed object: NULL/default when absent or null. */
const char *jsonin_str(const json_t *obj, const char *key);
long long jsonin_int(const json_t *obj, const char *key, long long dflt);
int jsonin_bool(const json_t *obj, const char *key, int dflt);

#endif
