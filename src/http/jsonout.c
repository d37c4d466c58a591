/*
 * jsonout.c: compact JSON writing (jsonout.h).
 */
#include "jsonout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"

#define JSONOUT_DEPTH 2048   /* as jansson's own limit on nesting */

/* A byte that cannot appear in a JSON string as it is. */
static inline int must_escape(unsigned char ch)
{
	return ch < 0x20 || ch == '"' || ch == '\\';
}

static void put_string(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	size_t run = 0;   /* start of the bytes not yet written */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!must_escape(ch))
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		switch (ch) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		default: {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04X", ch);
			buf_append(b, esc, 6);
		}
		}
	}
	buf_append(b, s + run, n - run);
	buf_putc(b, '"');
}

static int put_value(struct buf *b, const json_t *v, int depth)
{
	if (depth > JSONOUT_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		buf_putc(b, '{');
		int first = 1;
		for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
			if (!first)
				buf_putc(b, ',');
			first = 0;
			put_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
			buf_putc(b, ':');
			if (put_value(b, json_object_iter_value(it), depth + 1) < 0)
				return -1;
		}
		buf_putc(b, '}');
		return 0;
	}
	case JSON_ARRAY: {
		buf_putc(b, '[');
		size_t n = json_array_size(v);
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(b, ',');
			if (put_value(b, json_array_get(v, i), depth + 1) < 0)
				return -1;
		}
		buf_putc(b, ']');
		return 0;
	}
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER: {
		char num[32];
		int k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		buf_append(b, num, (size_t)k);
		return 0;
	}
	case JSON_REAL: {
		/* Rare in responses: jansson's own formatting, so that the text is the same. */
		char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (!text)
			return -1;
		buf_puts(b, text);
		free(text);
		return 0;
	}
	case JSON_TRUE:
		buf_append(b, "true", 4);
		return 0;
	case JSON_FALSE:
		buf_append(b, "false", 5);
		return 0;
	case JSON_NULL:
		buf_append(b, "null", 4);
		return 0;
	}
	return -1;
}

char *jsonout_dump(const json_t *v, size_t *len)
{
	struct buf b;
	*len = 0;
	if (!v)
		return NULL;
	buf_init(&b, JSONOUT_MAX);
	if (put_value(&b, v, 0) < 0 || buf_error(&b)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, len);
}
