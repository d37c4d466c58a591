/* text.c: see text.h. */
#include "text.h"

#include <string.h>

#include "err.h"

int text_check_name(const char *s, size_t max_chars)
{
	size_t n = s ? strlen(s) : 0, chars = 0;
	if (n == 0 || n > 4 * max_chars || strspn(s, " ") == n)
		return ERR_INVALID;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return ERR_INVALID;
		if ((*p & 0xc0) != 0x80)   /* not a continuation byte: a new code point */
			chars++;
	}
	return chars <= max_chars ? 0 : ERR_INVALID;
}
