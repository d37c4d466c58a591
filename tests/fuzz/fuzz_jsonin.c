/*
 * fuzz_jsonin.c: jsonin_parse on arbitrary bytes with a fixed field list.
 * Besides crashes and sanitizer reports, it aborts when a result breaks the
 * contract: success without an object, failure without a code, an error
 * field that is not valid UTF-8 (it goes back to the client in JSON).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/jsonin.h"

static const struct jfield fields[] = {
	{ "name", JF_STRING, 1, 0 },
	{ "code", JF_STRING, 0, 8 },
	{ "age", JF_INT, 0, 0 },
	{ "active", JF_BOOL, 0, 0 },
	{ "tags", JF_ARRAY_OF_STRINGS, 0, 16 },
	{ "meta", JF_OBJECT, 0, 0 },
	{ "extra", JF_ANY, 0, 0 },
};

static void check(const char *data, size_t size, size_t max_depth)
{
	json_t *out = NULL;
	struct jsonin_error err;
	int rc = jsonin_parse(data, size, fields, sizeof(fields) / sizeof(fields[0]), max_depth,
			      &out, &err);
	if (rc == 0) {
		if (!json_is_object(out))
			abort();
		const char *name = jsonin_str(out, "name");
		if (!name)
			abort();   /* required */
		(void)jsonin_int(out, "age", 0);
		(void)jsonin_bool(out, "active", 0);
		json_decref(out);
		return;
	}
	if (out || !err.code || memchr(err.field, '\0', sizeof(err.field)) == NULL ||
	    memchr(err.detail, '\0', sizeof(err.detail)) == NULL)
		abort();
	json_t *field = json_string(err.field);
	if (!field)
		abort();   /* not valid UTF-8 */
	json_decref(field);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check((const char *)data, size, 0);
	check((const char *)data, size, 3);
	return 0;
}
