/*
 * text.h: checks on short human text (names of people and organisations):
 * the one rule for "a name" wherever the domain takes one.
 */
#ifndef IHALA_TEXT_H
#define IHALA_TEXT_H

#include <stddef.h>
#include "banned.h"

/*
 * 0 when s (valid UTF-8, as jansson and the command line give it) is 1 to
 * max_chars code points, at most 4 * max_chars bytes, has no control
 * character and is not only spaces; ERR_INVALID otherwise.
 */
int text_check_name(const char *s, size_t max_chars);

#endif
