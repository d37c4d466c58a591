/*
 * alloc.c: allocation helpers with overflow checks and fault injection.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/*
 * Countdown for fault injection: > 0 means "fail when it reaches 0". Atomic
 * so a test can arm it while worker threads allocate.
 */
static _Atomic long fail_countdown;

void alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n > 0 ? n : 0);
}

/* True when this allocation must fail by injection. */
static int injected_failure(void)
{
	long left = atomic_load(&fail_countdown);

	while (left > 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &left, left - 1))
			return left == 1;
	}
	return 0;
}

static int mul_overflows(size_t n, size_t size, size_t *total)
{
	if (size != 0 && n > SIZE_MAX / size)
		return 1;
	*total = n * size;
	return 0;
}

void *xcalloc(size_t n, size_t size)
{
	size_t total;

	if (mul_overflows(n, size, &total) || injected_failure())
		return NULL;
	/* A zero-sized request still gets a unique, freeable pointer. */
	return calloc(total ? total : 1, 1);
}

void *xreallocarray(void *ptr, size_t n, size_t size)
{
	size_t total;

	if (mul_overflows(n, size, &total) || injected_failure())
		return NULL;
	/* realloc(ptr, 0) may free ptr: never ask for zero bytes. */
	return realloc(ptr, total ? total : 1);
}

char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len;
	char *copy;

	if (!s)
		return NULL;
	len = strnlen(s, n);
	if (len == SIZE_MAX)
		return NULL;
	copy = xcalloc(len + 1, 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}
