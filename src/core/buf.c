/*
 * buf.c: growable byte buffer with a size cap and a sticky error.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"

#define BUF_MIN_ALLOC 64

void buf_init(struct buf *b, size_t max)
{
	assert(b);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = 0;
}

void buf_release(struct buf *b)
{
	assert(b);
	free(b->data);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	assert(b);
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

int buf_error(const struct buf *b)
{
	assert(b);
	return b->err;
}

/*
 * Make room for add more bytes plus the terminating NUL. Sets the sticky error
 * and returns -1 when over the cap or out of memory.
 */
static int buf_grow(struct buf *b, size_t add)
{
	size_t need, new_cap;
	char *p;

	if (b->err)
		return -1;
	if (add > b->max || b->len > b->max - add) {
		b->err = ERR_TOO_LARGE;
		return -1;
	}
	need = b->len + add + 1;
	if (need <= b->cap)
		return 0;
	/* Doubling keeps appends amortised O(1); never allocate past max + 1. */
	new_cap = b->cap < BUF_MIN_ALLOC ? BUF_MIN_ALLOC : b->cap;
	while (new_cap < need && new_cap <= (b->max + 1) / 2)
		new_cap *= 2;
	if (new_cap < need)
		new_cap = need;
	if (new_cap > b->max + 1)
		new_cap = b->max + 1;
	p = xreallocarray(b->data, new_cap, 1);
	if (!p) {
		b->err = ERR_NOMEM;
		return -1;
	}
	b->data = p;
	b->cap = new_cap;
	return 0;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	assert(b);
	assert(data || len == 0);
	if (buf_grow(b, len) < 0)
		return;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	assert(s);
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	/* The common case without a call: room for the byte and the NUL (JSON output is written a byte at a time). */
	if (!b->err && b->len + 2 <= b->cap && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_append(b, &c, 1);
}

void buf_put_html(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		case '\n': buf_puts(b, "<br>"); break;
		default: buf_putc(b, *s);
		}
	}
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	size_t room;
	int n;

	assert(b && fmt);
	if (b->err)
		return;
	/* First try into the space already there, then grow once to the exact size. */
	room = b->data ? b->cap - b->len : 0;
	va_copy(ap2, ap);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		/* Encoding error: treat as a failed append, keep the old content. */
		if (b->data)
			b->data[b->len] = '\0';
		b->err = ERR_NOMEM;
		return;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	if (b->data)
		b->data[b->len] = '\0';
	if (buf_grow(b, (size_t)n) < 0)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	assert(n >= 0 && (size_t)n < b->cap - b->len);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *buf_detach(struct buf *b, size_t *len_out)
{
	char *data;
	size_t len;

	assert(b);
	if (b->err) {
		buf_release(b);
		if (len_out)
			*len_out = 0;
		return NULL;
	}
	if (!b->data) {
		data = xstrdup("");
		len = 0;
	} else {
		data = b->data;
		len = b->len;
		b->data = NULL;
	}
	buf_release(b);
	if (len_out)
		*len_out = data ? len : 0;
	return data;
}
