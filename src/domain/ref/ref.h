/*
 * ref.h: reference code lists shared by the domain: ISO 3166-1 alpha-2
 * countries (the 249 assigned codes; names are shown by the browser's
 * Intl.DisplayNames in the user's language, so none are stored here), ISO
 * 639-1 languages (likewise), and the sections of ISIC Rev.4 (with labels,
 * which no browser has).
 */
#ifndef IHALA_REF_H
#define IHALA_REF_H

#include <stdbool.h>
#include <stddef.h>
#include "../../core/banned.h"

/* True for an assigned ISO 3166-1 alpha-2 code in upper case ("BH"). */
bool ref_country_valid(const char *code);

/* True for an ISO 639-1 two-letter language code in lower case ("ar"). */
bool ref_language_valid(const char *code);

/* One ISIC Rev.4 section: the letter we store, the HTCDS picklist value, labels. */
struct ref_isic_section {
	const char *code;    /* "A" .. "U" */
	const char *htcds;   /* "A_AgricultureForestryAndFishing" */
	struct {
		const char *en;
		const char *ar;
	} label;
};

/* The 21 sections, A to U, in order. */
extern const struct ref_isic_section ref_isic_sections[];
extern const size_t ref_isic_count;

/* True for an ISIC Rev.4 section letter "A" .. "U". */
bool ref_isic_valid(const char *code);
/* The section whose HTCDS picklist value is `value`, or NULL (import). */
const struct ref_isic_section *ref_isic_by_htcds(const char *value);

#endif
