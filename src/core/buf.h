/*
 * buf.h: a growable byte buffer with a mandatory size cap and a sticky error.
 * Once an append fails (allocation or cap), every later append is a no-op and
 * buf_error() reports it, so callers check once at the end:
 *
 *	struct buf b;
 *	buf_init(&b, 4096);
 *	buf_puts(&b, "x="); buf_printf(&b, "%d", 3);
 *	if (buf_error(&b)) ...
 *	use(b.data, b.len);   // data is always NUL-terminated when not in error
 *	buf_release(&b);
 */
#ifndef IHALA_BUF_H
#define IHALA_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include "banned.h"

struct buf {
	char *data;     /* owned; NUL-terminated; NULL until the first append */
	size_t len;     /* bytes used, not counting the terminating NUL */
	size_t cap;     /* bytes allocated */
	size_t max;     /* hard cap on len */
	int err;        /* 0, ERR_NOMEM or ERR_TOO_LARGE; sticky */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);          /* frees data; buf can be re-inited */
void buf_reset(struct buf *b);            /* len = 0, error cleared, memory kept */
int buf_error(const struct buf *b);       /* 0 or the sticky negative enum err */
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
/* s as HTML text: & < > " ' escaped, a line break as <br>; NULL appends nothing. */
void buf_put_html(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Detach the data (caller frees); NULL on error or when empty-and-unallocated returns "" copy. */
char *buf_detach(struct buf *b, size_t *len_out);

#endif
