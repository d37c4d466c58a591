/*
 * fuzz_names.c: name_normalize, name_tokens and name_normalize_doc on
 * arbitrary bytes (cut at the first NUL, as a C string would be).
 * Besides crashes and sanitizer reports, it aborts when a result breaks the
 * contract of names.h: the normal form is not idempotent or not valid UTF-8,
 * holds a double, leading or trailing space, or is over NAME_MAX_BYTES; a
 * token is shorter than 2 bytes, holds a space, or there are too many; the
 * three functions disagree on whether the input is UTF-8; a document
 * number holds anything but [A-Z0-9] or is not idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/err.h"
#include "domain/names/names.h"

static int utf8_ok(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);

	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
		if (n <= 0 || cp < 0)
			return 0;
		p += n;
		left -= n;
	}
	return 1;
}

static void check_name(const char *in)
{
	char once[NAME_MAX_BYTES + 1], twice[NAME_MAX_BYTES + 1];
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	size_t len;
	int rc = name_normalize(in, once, sizeof once);
	int n_tokens = name_tokens(in, buf, sizeof buf, tokens);

	if (rc != 0) {
		if ((rc != ERR_INVALID && rc != ERR_TOO_LARGE) || once[0] != '\0' || n_tokens != rc)
			abort();
		return;
	}
	len = strlen(once);
	if (len > NAME_MAX_BYTES || !utf8_ok(once) || strstr(once, "  ") ||
	    (len > 0 && (once[0] == ' ' || once[len - 1] == ' ')))
		abort();
	if (name_normalize(once, twice, sizeof twice) != 0 || strcmp(once, twice) != 0)
		abort();   /* not idempotent */
	if (n_tokens < 0 || n_tokens > NAME_MAX_TOKENS)
		abort();
	for (int i = 0; i < n_tokens; i++) {
		if (tokens[i] < buf || tokens[i] >= buf + sizeof buf || strlen(tokens[i]) < 2 ||
		    strchr(tokens[i], ' ') || !utf8_ok(tokens[i]))
			abort();
	}
}

static void check_doc(const char *in)
{
	char once[NAME_MAX_BYTES + 1], twice[NAME_MAX_BYTES + 1];
	int rc = name_normalize_doc(in, once, sizeof once);

	if (rc != 0) {
		if ((rc != ERR_INVALID && rc != ERR_TOO_LARGE) || once[0] != '\0')
			abort();
		return;
	}
	for (const char *p = once; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			abort();
	if (name_normalize_doc(once, twice, sizeof twice) != 0 || strcmp(once, twice) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	check_name(in);
	check_doc(in);
	free(in);
	return 0;
}
