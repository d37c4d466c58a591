/*
 * fuzz_clk.c: the CLK encoding file reader (clk_set_parse, clk.h) on
 * arbitrary bytes: what another agency sends, through `ihala link match`
 * and POST /api/v1/link/match. Besides crashes and sanitizer reports, it
 * aborts when an accepted file breaks the contract: a record count other
 * than the header's, an invalid or repeated reference, a popcount that is
 * not the filter's; or when writing the set back in the format (header,
 * then REF TAB base64 lines) and reading it again does not give the same
 * references, filters, fields and key check.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/link/clk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s as a file's text, into a malloc'd buffer of *len bytes. */
static char *serialise(const struct clk_set *s, size_t *len)
{
	char header[CLK_HEADER_MAX];
	clk_file_header(s, s->check, header);
	size_t cap = strlen(header) + 1 + s->n * (CLK_REF_MAX + 1 + 173 + 1) + 1;
	char *text = malloc(cap);
	if (!text)
		abort();
	size_t at = (size_t)snprintf(text, cap, "%s\n", header);
	for (size_t i = 0; i < s->n; i++) {
		unsigned char bytes[CLK_BYTES];
		const uint64_t *w = clk_set_filter(s, i);
		for (int k = 0; k < CLK_WORDS; k++)
			for (int j = 0; j < 8; j++)
				bytes[8 * k + j] = (unsigned char)(w[k] >> (8 * j));
		char b64[173];
		sodium_bin2base64(b64, sizeof(b64), bytes, sizeof(bytes), sodium_base64_VARIANT_ORIGINAL);
		at += (size_t)snprintf(text + at, cap - at, "%s\t%s\n", clk_set_ref(s, i), b64);
	}
	*len = at;
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clk_set s, again;
	char err[512];
	if (size > (1 << 20))
		return 0;
	clk_set_init(&s);
	int rc = clk_set_parse(&s, (const char *)data, size, err, sizeof(err));
	if (rc != 0) {
		if (rc != ERR_INVALID && rc != ERR_TOO_LARGE && rc != ERR_NOMEM)
			abort();
		if (!err[0])
			abort();   /* every refusal says why */
		clk_set_release(&s);
		return 0;
	}
	for (size_t i = 0; i < s.n; i++) {
		if (!clk_ref_valid(clk_set_ref(&s, i)) || s.pops[i] != clk_popcount(clk_set_filter(&s, i)))
			abort();
		for (size_t j = 0; j < i && s.n < 64; j++)
			if (!strcmp(clk_set_ref(&s, i), clk_set_ref(&s, j)))
				abort();
	}
	size_t len;
	char *text = serialise(&s, &len);
	clk_set_init(&again);
	if (clk_set_parse(&again, text, len, err, sizeof(err)) != 0 || again.n != s.n || again.fields != s.fields ||
	    strcmp(again.check, s.check) != 0)
		abort();
	for (size_t i = 0; i < s.n; i++)
		if (strcmp(clk_set_ref(&s, i), clk_set_ref(&again, i)) ||
		    memcmp(clk_set_filter(&s, i), clk_set_filter(&again, i), CLK_BYTES))
			abort();
	free(text);
	clk_set_release(&again);
	clk_set_release(&s);
	return 0;
}
