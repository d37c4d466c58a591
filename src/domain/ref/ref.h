/*
 * ref.h: reference code lists shared by the domain: ISO 3166-1 alpha-2
 * countries (the 249 assigned codes; names are shown by the browser's
 * Intl.DisplayNames in the user's language, so none are stored here).
 */
#ifndef IHALA_REF_H
#define IHALA_REF_H

#include <stdbool.h>
#include "../../core/banned.h"

/* True for an assigned ISO 3166-1 alpha-2 code in upper case ("BH"). */
bool ref_country_valid(const char *code);

#endif
