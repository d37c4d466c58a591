/*
 * jsonout.h: writing response bodies.
 *
 * jsonout_dump writes a jansson value as compact JSON, byte for byte what
 * json_dumps(v, JSON_COMPACT) writes (keys in insertion order, non-ASCII
 * as UTF-8, control characters, '"' and '\\' escaped the same way; reals
 * are handed to jansson), in one pass into one growing buffer. A profile of
 * the referral lists (docs/benchmarks.md) found json_dumps, which emits
 * through a callback token by token, taking a third of the server's time
 * for a page of 50 referrals (47 KB).
 */
#ifndef IHALA_JSONOUT_H
#define IHALA_JSONOUT_H

#include <jansson.h>
#include <stddef.h>
#include "../core/banned.h"

#define JSONOUT_MAX (256u << 20)   /* a body larger than this is refused (NULL) */

/* v as compact JSON (malloc'd, NUL-terminated, *len its length), or NULL (no memory, too large, too deep). */
char *jsonout_dump(const json_t *v, size_t *len);

#endif
