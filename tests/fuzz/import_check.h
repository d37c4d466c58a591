/*
 * import_check.h: the body shared by the importer fuzz targets: parse the
 * input with one reader, then map whatever table it gives. Besides crashes
 * and sanitizer reports, it aborts when a result breaks import.h's contract:
 * a failure without an error code, more rows than the caps allow, a row wider
 * than IMPORT_MAX_COLS, or a mapping that reports neither bodies nor bad rows
 * for a table with rows.
 */
#ifndef IHALA_FUZZ_IMPORT_CHECK_H
#define IHALA_FUZZ_IMPORT_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/case/import.h"
#include "domain/registry/registry.h"

typedef int (*import_parse_fn)(const uint8_t *data, size_t size, struct import_table *t,
			       struct import_error *e);

static int fuzz_import(const uint8_t *data, size_t size, import_parse_fn parse, enum import_format fmt)
{
	const struct registry *r = registry_get();
	if (!r)
		abort();
	struct import_table t;
	struct import_error e = { NULL, 0 };
	import_table_init(&t);
	int rc = parse(data, size, &t, &e);
	if (rc < 0) {
		if (!e.code || (rc != ERR_INVALID && rc != ERR_TOO_LARGE))
			abort();
	} else {
		if (t.n_rows > IMPORT_MAX_ROWS + 1)
			abort();
		for (size_t i = 0; i < t.n_rows; i++)
			if (t.rows[i].n > IMPORT_MAX_COLS)
				abort();
		json_t *bodies = NULL, *bad_rows = NULL;
		if (import_map(r, &t, fmt, &bodies, &bad_rows) < 0)
			abort();
		if (t.n_rows > 0 && json_array_size(bodies) + json_array_size(bad_rows) == 0)
			abort();   /* nothing to import is "no_rows" */
		json_decref(bodies);
		json_decref(bad_rows);
	}
	import_table_release(&t);
	return 0;
}

#endif
