/*
 * registry.h: the field registry. One description of every field of the
 * records a case manager keeps (person, victim, case, trafficking event,
 * case comment, consent), read from data files (src/domain/registry/data/
 * <entity>.json, embedded in the binary). Validation, encryption (by
 * protection class), the API (GET /api/v1/schema), exports, statistics and
 * the UI forms are driven by it: adding a field is a change to the data alone.
 *
 * A data file:
 *	{ "entity": "person",
 *	  "label": {"en": "Person", "ar": "الشخص"},
 *	  "sections": [ {"key": "identity", "label": {"en": ..., "ar": ...}} ],
 *	  "fields": [
 *	    { "key": "given_name",             stable API key, [a-z0-9_]
 *	      "htcds": "prs_FirstName",        HTCDS 2.0 name (export column)
 *	      "htcds_alt": ["prs_First_Name"], other spellings accepted on import
 *	      "section": "identity",
 *	      "type": "text",                  text | longtext | date | number | boolean |
 *	                                       choice | multichoice | country | countries |
 *	                                       language | languages | isic
 *	      "max": 200,                      text: characters; number: maximum
 *	      "min": 0,                        number: minimum
 *	      "choices": [ {"value": "Female", "label": {"en": "Female", "ar": "أنثى"}} ],
 *	      "required": false,
 *	      "protection": "identifying",     identifying | sensitive | statistical | workflow
 *	      "stat": false,                   a statistics dimension
 *	      "derived": false,                computed by the server, never taken from input
 *	      "search": "name",                blind index kind: name | doc | birth_year (optional)
 *	      "label": {"en": "Given name", "ar": "الاسم الأول"},
 *	      "help": {"en": "...", "ar": "..."} (optional) } ] }
 *
 * Identifying and sensitive fields are encrypted with the case's data key;
 * statistical and workflow fields are plain columns.
 */
#ifndef IHALA_REGISTRY_H
#define IHALA_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "../../core/banned.h"
#include "../../core/err.h"

enum field_type {
	FT_TEXT, FT_LONGTEXT, FT_DATE, FT_NUMBER, FT_BOOLEAN, FT_CHOICE, FT_MULTICHOICE,
	FT_COUNTRY, FT_COUNTRIES, FT_LANGUAGE, FT_LANGUAGES, FT_ISIC,
};

enum protection { PROT_IDENTIFYING, PROT_SENSITIVE, PROT_STATISTICAL, PROT_WORKFLOW };

struct label {
	const char *en;   /* owned by the registry */
	const char *ar;
};

struct choice {
	const char *value;
	struct label label;
};

struct field {
	const char *entity;        /* "person", ... */
	const char *key;
	const char *htcds;
	const char *const *htcds_alt;   /* NULL-terminated; may be empty */
	const char *section;
	enum field_type type;
	long long min, max;        /* text: max characters (0 = 1000); number: bounds */
	const struct choice *choices;
	size_t n_choices;
	bool required;
	enum protection protection;
	bool stat;
	bool derived;              /* computed by the server (the CTDC age band); ignored in input */
	const char *search;        /* "name", "doc", "birth_year" or NULL */
	struct label label;
	struct label help;         /* may be NULL strings */
};

struct entity {
	const char *name;
	struct label label;
	const struct field *fields;
	size_t n_fields;
};

struct registry;

/*
 * The process-wide registry, parsed from the embedded data on first use
 * (thread-safe). NULL only if the embedded data is broken, which the unit
 * tests prevent; the reason is logged.
 */
const struct registry *registry_get(void);
/* Parse a registry from data files (for tests): files[i] is one entity's JSON. */
int registry_parse(struct registry **out, const char *const *files, const size_t *lens, size_t n,
		   char *err, size_t err_size);
/* The same, naming files[i] names[i] ("person.json") in messages; names may be NULL. */
int registry_parse_named(struct registry **out, const char *const *names, const char *const *files,
			 const size_t *lens, size_t n, char *err, size_t err_size);
void registry_free(struct registry *r);
/*
 * A fingerprint of the data the registry was parsed from (hex, a hash of the
 * files' bytes in order): what was derived from one registry (the cases' read
 * copies, case.h) is known stale when it differs. "" for NULL.
 */
#define REGISTRY_FINGERPRINT_LEN 32
const char *registry_fingerprint(const struct registry *r);

const struct entity *registry_entity(const struct registry *r, const char *entity);
const struct field *registry_field(const struct registry *r, const char *entity, const char *key);
/* Find a field by its HTCDS name or an alternative spelling (import). */
const struct field *registry_field_by_htcds(const struct registry *r, const char *htcds);
/* The entities in a stable order (for iteration): i in [0, registry_entity_count). */
size_t registry_entity_count(const struct registry *r);
const struct entity *registry_entity_at(const struct registry *r, size_t i);
/* The choice of f whose value is `value`, or NULL. */
const struct choice *field_choice(const struct field *f, const char *value);

/*
 * Check an object of values for one entity: every key known, each value of
 * its type (choices among the allowed values, countries ISO 3166 alpha-2,
 * languages ISO 639, ISIC sections, dates YYYY-MM-DD that exist, numbers in
 * bounds, text within its length and without control characters except
 * newlines in longtext), required fields present when `complete` is true
 * (creation). On failure fills pb (code "unknown_field", "wrong_type",
 * "invalid", "missing_field" or "too_long"; field = the key) and returns
 * ERR_INVALID.
 * A value of null clears the field (an update); with `complete`, a required
 * field that is null, "" or [] counts as missing. Numbers are integers. A
 * multichoice, countries or languages value is an array without repeats.
 */
int registry_validate(const struct registry *r, const char *entity, const json_t *values,
		      bool complete, struct problem *pb);

/* The registry as served by GET /api/v1/schema (new reference). */
json_t *registry_to_json(const struct registry *r);

/*
 * CTDC age band ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38",
 * "39-47", "48+") of an age in whole years; NULL when age < 0.
 */
const char *registry_age_band(int age_years);
/* Age in whole years on date `on` (YYYY-MM-DD) of someone born `birth` (YYYY-MM-DD); -1 if invalid. */
int registry_age_on(const char *birth, const char *on);

const char *field_type_name(enum field_type t);
const char *protection_name(enum protection p);

#endif
