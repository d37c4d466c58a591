/*
 * alloc.h: allocation helpers. Every function returns NULL on failure (never
 * aborts); callers propagate ERR_NOMEM. Sizes are checked for overflow.
 */
#ifndef IHALA_ALLOC_H
#define IHALA_ALLOC_H

#include <stddef.h>
#include "banned.h"

/* calloc(n, size) with overflow check; NULL on failure or n*size == 0 overflow. */
void *xcalloc(size_t n, size_t size) __attribute__((warn_unused_result));
/* realloc(ptr, n*size) with overflow check; on failure ptr is left untouched. */
void *xreallocarray(void *ptr, size_t n, size_t size) __attribute__((warn_unused_result));
/* strdup / strndup returning NULL on failure; xstrdup(NULL) is NULL. */
char *xstrdup(const char *s) __attribute__((warn_unused_result));
char *xstrndup(const char *s, size_t n) __attribute__((warn_unused_result));

/*
 * Fault injection for tests: when set to N > 0, the Nth following allocation
 * through these helpers fails (then the counter stops). 0 disables.
 */
void alloc_fail_after(long n);

#endif
