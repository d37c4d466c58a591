/*
 * fuzz_xscript.c: names_xkeys on arbitrary bytes (cut at the first NUL),
 * and on every token name_tokens makes of them. Besides crashes and
 * sanitizer reports, it aborts when a result breaks the contract of
 * xscript.h: more than XKEY_COUNT keys; a key empty, unterminated, longer
 * than XKEY_MAX - 1 bytes, holding anything but A-Z, or repeated; slots
 * past the count not ""; an error other than ERR_INVALID or ERR_TOO_LARGE;
 * an error on a token of a name that name_tokens accepted; a different
 * answer for the same input twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/names/names.h"
#include "domain/names/xscript.h"

static int check_keys(const char *token)
{
	char keys[XKEY_COUNT][XKEY_MAX], again[XKEY_COUNT][XKEY_MAX];
	int n = names_xkeys(token, keys);

	if (n < 0) {
		if (n != ERR_INVALID && n != ERR_TOO_LARGE)
			abort();
	} else if (n > XKEY_COUNT) {
		abort();
	}
	for (int i = 0; i < XKEY_COUNT; i++) {
		size_t len = strnlen(keys[i], XKEY_MAX);
		if (len >= XKEY_MAX || (i < n) != (len > 0))
			abort();
		for (size_t k = 0; k < len; k++)
			if (keys[i][k] < 'A' || keys[i][k] > 'Z')
				abort();
		for (int j = 0; j < i && i < n; j++)
			if (!strcmp(keys[i], keys[j]))
				abort();
	}
	if (names_xkeys(token, again) != n)
		abort();   /* not a function of its input */
	for (int i = 0; i < XKEY_COUNT; i++)
		if (strcmp(keys[i], again[i]) != 0)
			abort();
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	int n_tokens;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	check_keys(in);
	n_tokens = name_tokens(in, buf, sizeof buf, tokens);
	for (int i = 0; i < n_tokens; i++)
		if (check_keys(tokens[i]) < 0)
			abort();
	free(in);
	return 0;
}
