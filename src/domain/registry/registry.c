/*
 * registry.c: loading the field registry (see registry.h) and the lookups
 * and JSON view built on it. Validation of values lives in validate.c.
 *
 * The parsed JSON documents are kept for the registry's lifetime: every
 * string in struct field and struct entity points into them, so nothing is
 * copied and registry_free releases everything with one json_decref each.
 */
#include "registry_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/embedded.h"
#include "../../core/log.h"
#include "../ref/ref.h"

static const char *const type_names[] = {
	[FT_TEXT] = "text",           [FT_LONGTEXT] = "longtext",
	[FT_DATE] = "date",           [FT_NUMBER] = "number",
	[FT_BOOLEAN] = "boolean",     [FT_CHOICE] = "choice",
	[FT_MULTICHOICE] = "multichoice", [FT_COUNTRY] = "country",
	[FT_COUNTRIES] = "countries", [FT_LANGUAGE] = "language",
	[FT_LANGUAGES] = "languages", [FT_ISIC] = "isic",
};
#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

static const char *const protection_names[] = {
	[PROT_IDENTIFYING] = "identifying", [PROT_SENSITIVE] = "sensitive",
	[PROT_STATISTICAL] = "statistical", [PROT_WORKFLOW] = "workflow",
};
#define N_PROTECTIONS (sizeof(protection_names) / sizeof(protection_names[0]))

static const char *const search_kinds[] = {"name", "doc", "birth_year"};

/* Default and ceiling of a text field's length, in characters. */
#define TEXT_DEFAULT_MAX 1000
#define TEXT_CEILING 100000

const char *field_type_name(enum field_type t)
{
	return (size_t)t < N_TYPES ? type_names[t] : "?";
}

const char *protection_name(enum protection p)
{
	return (size_t)p < N_PROTECTIONS ? protection_names[p] : "?";
}

/* ---- parsing -------------------------------------------------------------- */

/* The state of one parse: where we are, for messages. */
struct parse {
	const char *file;     /* entity name once known, else "file N" */
	char file_buf[32];
	char *err;
	size_t err_size;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parse *ps, const char *where, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ps->err && ps->err_size)
		snprintf(ps->err, ps->err_size, "%s: %s: %s", ps->file, where ? where : "(top)", msg);
	return -1;
}

/* 0 when every key of obj is among allowed (NULL-terminated). */
static int only_keys(struct parse *ps, const char *where, const json_t *obj, const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], k))
				break;
		if (!allowed[i])
			return fail(ps, where, "unknown key \"%s\"", k);
	}
	return 0;
}

static bool nonempty_string(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0;
}

/* [a-z0-9_]+, starting with a letter. */
static bool valid_key(const char *s)
{
	if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* A {"en": ..., "ar": ...} object, both non-empty; optional when !required. */
static int parse_label(struct parse *ps, const char *where, const char *what, const json_t *v,
		       bool required, struct label *out)
{
	static const char *const keys[] = {"en", "ar", NULL};

	out->en = out->ar = NULL;
	if (!v) {
		if (required)
			return fail(ps, where, "missing %s", what);
		return 0;
	}
	if (!json_is_object(v))
		return fail(ps, where, "%s must be an object with en and ar", what);
	if (only_keys(ps, where, v, keys))
		return -1;
	json_t *en = json_object_get(v, "en"), *ar = json_object_get(v, "ar");
	if (!nonempty_string(en))
		return fail(ps, where, "%s has no English text", what);
	if (!nonempty_string(ar))
		return fail(ps, where, "%s has no Arabic text", what);
	out->en = json_string_value(en);
	out->ar = json_string_value(ar);
	return 0;
}

static int parse_bool(struct parse *ps, const char *where, const json_t *obj, const char *name,
		      bool *out)
{
	json_t *v = json_object_get(obj, name);
	if (!v)
		return fail(ps, where, "missing %s", name);
	if (!json_is_boolean(v))
		return fail(ps, where, "%s must be true or false", name);
	*out = json_is_true(v);
	return 0;
}

static int parse_choices(struct parse *ps, const char *where, const json_t *arr, struct field *f)
{
	static const char *const keys[] = {"value", "label", NULL};
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0)
		return fail(ps, where, "choices must be a non-empty array");
	struct choice *cs = calloc(n, sizeof *cs);
	if (!cs)
		return fail(ps, where, "out of memory");
	f->choices = cs;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		if (!json_is_object(c))
			return fail(ps, where, "choice %zu is not an object", i);
		if (only_keys(ps, where, c, keys))
			return -1;
		json_t *value = json_object_get(c, "value");
		if (!nonempty_string(value))
			return fail(ps, where, "choice %zu has no value", i);
		cs[i].value = json_string_value(value);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cs[j].value, cs[i].value))
				return fail(ps, where, "duplicate choice \"%s\"", cs[i].value);
		char what[96];
		snprintf(what, sizeof what, "label of choice \"%s\"", cs[i].value);
		if (parse_label(ps, where, what, json_object_get(c, "label"), true, &cs[i].label))
			return -1;
		f->n_choices = i + 1;
	}
	return 0;
}

static int parse_enum(struct parse *ps, const char *where, const json_t *obj, const char *name,
		      const char *const *names, size_t n, int *out)
{
	json_t *v = json_object_get(obj, name);
	if (!json_is_string(v))
		return fail(ps, where, "missing %s", name);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], json_string_value(v))) {
			*out = (int)i;
			return 0;
		}
	}
	return fail(ps, where, "unknown %s \"%s\"", name, json_string_value(v));
}

static bool has_section(const struct entity_int *e, const char *key)
{
	for (size_t i = 0; i < e->n_sections; i++)
		if (!strcmp(e->sections[i].key, key))
			return true;
	return false;
}

static int parse_field(struct parse *ps, struct entity_int *e, const json_t *obj, struct field *f)
{
	static const char *const keys[] = {
		"key", "htcds", "htcds_alt", "section", "type", "max", "min", "choices", "required",
		"protection", "stat", "derived", "search", "label", "help", NULL,
	};
	const char *where = "(field)";
	int v;

	if (!json_is_object(obj))
		return fail(ps, where, "a field must be an object");
	json_t *key = json_object_get(obj, "key");
	if (!json_is_string(key) || !valid_key(json_string_value(key)) || json_string_length(key) > 63)
		return fail(ps, where, "key must match [a-z][a-z0-9_]*, at most 63 characters");
	f->entity = e->pub.name;
	f->key = where = json_string_value(key);
	if (only_keys(ps, where, obj, keys))
		return -1;

	json_t *htcds = json_object_get(obj, "htcds");
	if (!nonempty_string(htcds))
		return fail(ps, where, "missing htcds");
	f->htcds = json_string_value(htcds);

	json_t *alt = json_object_get(obj, "htcds_alt");
	size_t n_alt = alt ? json_array_size(alt) : 0;
	if (alt && !json_is_array(alt))
		return fail(ps, where, "htcds_alt must be an array");
	const char **alts = calloc(n_alt + 1, sizeof *alts);
	if (!alts)
		return fail(ps, where, "out of memory");
	f->htcds_alt = alts;
	for (size_t i = 0; i < n_alt; i++) {
		json_t *a = json_array_get(alt, i);
		if (!nonempty_string(a))
			return fail(ps, where, "htcds_alt holds a non-string");
		alts[i] = json_string_value(a);
	}

	json_t *section = json_object_get(obj, "section");
	if (!json_is_string(section) || !has_section(e, json_string_value(section)))
		return fail(ps, where, "section missing or not declared in sections");
	f->section = json_string_value(section);

	if (parse_enum(ps, where, obj, "type", type_names, N_TYPES, &v))
		return -1;
	f->type = (enum field_type)v;
	if (parse_enum(ps, where, obj, "protection", protection_names, N_PROTECTIONS, &v))
		return -1;
	f->protection = (enum protection)v;
	if (parse_bool(ps, where, obj, "required", &f->required) || parse_bool(ps, where, obj, "stat", &f->stat))
		return -1;
	f->derived = false;   /* optional: most fields are entered by people */
	if (json_object_get(obj, "derived") && parse_bool(ps, where, obj, "derived", &f->derived))
		return -1;
	if (f->derived && (f->required || f->protection != PROT_STATISTICAL))
		return fail(ps, where, "a derived field is statistical and never required");
	if (f->stat && (f->protection == PROT_IDENTIFYING || f->protection == PROT_SENSITIVE))
		return fail(ps, where, "an identifying or sensitive field cannot be a statistics dimension");

	json_t *min = json_object_get(obj, "min"), *max = json_object_get(obj, "max");
	if ((min && !json_is_integer(min)) || (max && !json_is_integer(max)))
		return fail(ps, where, "min and max must be integers");
	switch (f->type) {
	case FT_TEXT:
	case FT_LONGTEXT:
		if (min)
			return fail(ps, where, "min applies to numbers only");
		f->max = max ? json_integer_value(max) : TEXT_DEFAULT_MAX;
		if (f->max < 1 || f->max > TEXT_CEILING)
			return fail(ps, where, "max must be 1 to %d characters", TEXT_CEILING);
		break;
	case FT_NUMBER:
		if (!min || !max)
			return fail(ps, where, "a number needs min and max");
		f->min = json_integer_value(min);
		f->max = json_integer_value(max);
		if (f->min > f->max)
			return fail(ps, where, "min is above max");
		break;
	default:
		if (min || max)
			return fail(ps, where, "min and max apply to text and numbers only");
	}

	json_t *choices = json_object_get(obj, "choices");
	if (f->type == FT_CHOICE || f->type == FT_MULTICHOICE) {
		if (parse_choices(ps, where, choices, f))
			return -1;
	} else if (choices) {
		return fail(ps, where, "choices apply to choice and multichoice only");
	}

	json_t *search = json_object_get(obj, "search");
	if (search) {
		if (parse_enum(ps, where, obj, "search", search_kinds, 3, &v))
			return -1;
		f->search = search_kinds[v];
		if (f->protection != PROT_IDENTIFYING)
			return fail(ps, where, "only identifying fields have a blind index");
	}

	if (parse_label(ps, where, "label", json_object_get(obj, "label"), true, &f->label) ||
	    parse_label(ps, where, "help", json_object_get(obj, "help"), false, &f->help))
		return -1;
	return 0;
}

static int parse_entity(struct parse *ps, struct entity_int *e)
{
	static const char *const keys[] = {"entity", "label", "sections", "fields", NULL};
	static const char *const section_keys[] = {"key", "label", NULL};
	const json_t *root = e->root;

	if (!json_is_object(root))
		return fail(ps, NULL, "the file must hold one object");
	json_t *name = json_object_get(root, "entity");
	if (!json_is_string(name) || !valid_key(json_string_value(name)))
		return fail(ps, NULL, "entity must be a name in [a-z0-9_]");
	e->pub.name = json_string_value(name);
	if (!strncmp(ps->file, "file ", 5))
		ps->file = e->pub.name;
	if (only_keys(ps, NULL, root, keys) ||
	    parse_label(ps, NULL, "label", json_object_get(root, "label"), true, &e->pub.label))
		return -1;

	json_t *sections = json_object_get(root, "sections");
	size_t n = json_array_size(sections);
	if (!json_is_array(sections) || n == 0)
		return fail(ps, NULL, "sections must be a non-empty array");
	e->sections = calloc(n, sizeof *e->sections);
	if (!e->sections)
		return fail(ps, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(sections, i);
		json_t *key = json_object_get(s, "key");
		if (!json_is_object(s) || !json_is_string(key) || !valid_key(json_string_value(key)))
			return fail(ps, "(sections)", "section %zu needs a key in [a-z0-9_]", i);
		const char *k = json_string_value(key);
		if (only_keys(ps, k, s, section_keys))
			return -1;
		if (has_section(e, k))
			return fail(ps, k, "duplicate section");
		e->sections[i].key = k;
		if (parse_label(ps, k, "section label", json_object_get(s, "label"), true, &e->sections[i].label))
			return -1;
		e->n_sections = i + 1;
	}

	json_t *fields = json_object_get(root, "fields");
	n = json_array_size(fields);
	if (!json_is_array(fields) || n == 0)
		return fail(ps, NULL, "fields must be a non-empty array");
	struct field *fs = calloc(n, sizeof *fs);
	if (!fs)
		return fail(ps, NULL, "out of memory");
	e->pub.fields = fs;
	for (size_t i = 0; i < n; i++) {
		e->pub.n_fields = i + 1;   /* so that registry_free sees what was allocated */
		if (parse_field(ps, e, json_array_get(fields, i), &fs[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(fs[j].key, fs[i].key))
				return fail(ps, fs[i].key, "duplicate field key");
	}
	return 0;
}

/* Every HTCDS name, main or alternative, names one field only. */
static int check_htcds_unique(struct parse *ps, const struct registry *r)
{
	size_t total = 0;

	for (size_t i = 0; i < r->n_entities; i++)
		for (size_t j = 0; j < r->entities[i].pub.n_fields; j++) {
			const struct field *f = &r->entities[i].pub.fields[j];
			total++;
			for (const char *const *a = f->htcds_alt; *a; a++)
				total++;
		}
	const char **names = calloc(total ? total : 1, sizeof *names);
	if (!names)
		return fail(ps, NULL, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < r->n_entities; i++)
		for (size_t j = 0; j < r->entities[i].pub.n_fields; j++) {
			const struct field *f = &r->entities[i].pub.fields[j];
			names[n++] = f->htcds;
			for (const char *const *a = f->htcds_alt; *a; a++)
				names[n++] = *a;
		}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				ps->file = "registry";
				rc = fail(ps, names[i], "HTCDS name used by two fields");
				break;
			}
	free(names);
	return rc;
}

int registry_parse(struct registry **out, const char *const *files, const size_t *lens, size_t n,
		   char *err, size_t err_size)
{
	return registry_parse_named(out, NULL, files, lens, n, err, err_size);
}

int registry_parse_named(struct registry **out, const char *const *names, const char *const *files,
			 const size_t *lens, size_t n, char *err, size_t err_size)
{
	struct parse ps = {.err = err, .err_size = err_size};
	struct registry *r = calloc(1, sizeof *r);

	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	if (!r || !(r->entities = calloc(n ? n : 1, sizeof *r->entities))) {
		free(r);
		snprintf(err, err_size, "out of memory");
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct entity_int *e = &r->entities[i];
		json_error_t je;

		if (names && names[i]) {
			ps.file = names[i];
		} else {
			snprintf(ps.file_buf, sizeof ps.file_buf, "file %zu", i + 1);
			ps.file = ps.file_buf;
		}
		r->n_entities = i + 1;
		e->root = json_loadb(files[i], lens[i], JSON_REJECT_DUPLICATES, &je);
		if (!e->root) {
			fail(&ps, NULL, "line %d: %s", je.line, je.text);
			goto bad;
		}
		if (parse_entity(&ps, e))
			goto bad;
		if (names && names[i]) {
			/* "person.json" holds the entity "person": one place to look for it. */
			size_t len = strlen(e->pub.name);
			if (strncmp(names[i], e->pub.name, len) || strcmp(names[i] + len, ".json")) {
				fail(&ps, NULL, "the file of entity \"%s\" must be named %s.json", e->pub.name,
				     e->pub.name);
				goto bad;
			}
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->entities[j].pub.name, e->pub.name)) {
				fail(&ps, NULL, "entity defined twice");
				goto bad;
			}
	}
	if (check_htcds_unique(&ps, r))
		goto bad;
	/* Each file's length before its bytes, so that no two lists of files hash alike. */
	unsigned char h[REGISTRY_FINGERPRINT_LEN / 2];
	crypto_generichash_state gs;
	crypto_generichash_init(&gs, NULL, 0, sizeof h);
	for (size_t i = 0; i < n; i++) {
		unsigned char len8[8];
		for (int b = 0; b < 8; b++)
			len8[b] = (unsigned char)((uint64_t)lens[i] >> (8 * b));
		crypto_generichash_update(&gs, len8, sizeof len8);
		crypto_generichash_update(&gs, (const unsigned char *)files[i], lens[i]);
	}
	crypto_generichash_final(&gs, h, sizeof h);
	sodium_bin2hex(r->fingerprint, sizeof r->fingerprint, h, sizeof h);
	*out = r;
	return 0;
bad:
	registry_free(r);
	return ERR_INVALID;
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_entities; i++) {
		struct entity_int *e = &r->entities[i];
		for (size_t j = 0; j < e->pub.n_fields; j++) {
			free((void *)e->pub.fields[j].choices);
			free((void *)e->pub.fields[j].htcds_alt);
		}
		free((void *)e->pub.fields);
		free(e->sections);
		json_decref(e->root);
	}
	free(r->entities);
	free(r);
}

/* ---- the process-wide registry ---------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static struct registry *global;

static void global_load(void)
{
	const char **files = calloc(ihala_registry_count + 1, sizeof *files);
	const char **names = calloc(ihala_registry_count + 1, sizeof *names);
	size_t *lens = calloc(ihala_registry_count + 1, sizeof *lens);
	char err[256];

	if (!files || !names || !lens) {
		log_error("registry load failed", "error=%s", "out_of_memory");
		goto out;
	}
	/*
	 * The order a case is told in (and the schema lists): the person first,
	 * then the rest; files not named here follow in name order.
	 */
	static const char *const order[] = {
		"person.json", "victim.json", "case.json", "event.json", "consent.json", "comment.json",
	};
	size_t n = 0;
	for (size_t k = 0; k <= sizeof order / sizeof order[0]; k++)
		for (size_t i = 0; i < ihala_registry_count; i++) {
			size_t rank = 0;
			while (rank < sizeof order / sizeof order[0] && strcmp(order[rank], ihala_registry[i].path))
				rank++;
			if (rank != k)
				continue;
			names[n] = ihala_registry[i].path;
			files[n] = (const char *)ihala_registry[i].data;
			lens[n++] = ihala_registry[i].len;
		}
	if (registry_parse_named(&global, names, files, lens, ihala_registry_count, err, sizeof err)) {
		/* Keep the log line's quoting intact; the message names our own data, nobody's. */
		for (char *c = err; *c; c++)
			if (*c == '"')
				*c = '\'';
		log_error("registry load failed", "error=\"%s\"", err);
	}
out:
	free(names);
	free(files);
	free(lens);
}

const struct registry *registry_get(void)
{
	pthread_once(&global_once, global_load);
	return global;
}

/* ---- lookups ------------------------------------------------------------------ */

const char *registry_fingerprint(const struct registry *r)
{
	return r ? r->fingerprint : "";
}

size_t registry_entity_count(const struct registry *r)
{
	return r ? r->n_entities : 0;
}

const struct entity *registry_entity_at(const struct registry *r, size_t i)
{
	return r && i < r->n_entities ? &r->entities[i].pub : NULL;
}

const struct entity *registry_entity(const struct registry *r, const char *entity)
{
	if (!r || !entity)
		return NULL;
	for (size_t i = 0; i < r->n_entities; i++)
		if (!strcmp(r->entities[i].pub.name, entity))
			return &r->entities[i].pub;
	return NULL;
}

const struct field *entity_field(const struct entity *e, const char *key)
{
	if (!e || !key)
		return NULL;
	for (size_t i = 0; i < e->n_fields; i++)
		if (!strcmp(e->fields[i].key, key))
			return &e->fields[i];
	return NULL;
}

const struct field *registry_field(const struct registry *r, const char *entity, const char *key)
{
	return entity_field(registry_entity(r, entity), key);
}

const struct field *registry_field_by_htcds(const struct registry *r, const char *htcds)
{
	if (!r || !htcds)
		return NULL;
	for (size_t i = 0; i < r->n_entities; i++)
		for (size_t j = 0; j < r->entities[i].pub.n_fields; j++) {
			const struct field *f = &r->entities[i].pub.fields[j];
			if (!strcmp(f->htcds, htcds))
				return f;
			for (const char *const *a = f->htcds_alt; *a; a++)
				if (!strcmp(*a, htcds))
					return f;
		}
	return NULL;
}

const struct choice *field_choice(const struct field *f, const char *value)
{
	if (!f || !value)
		return NULL;
	for (size_t i = 0; i < f->n_choices; i++)
		if (!strcmp(f->choices[i].value, value))
			return &f->choices[i];
	return NULL;
}

/* ---- the schema as JSON ---------------------------------------------------------- */

static json_t *label_json(const struct label *l)
{
	return json_pack("{s:s, s:s}", "en", l->en, "ar", l->ar);
}

static json_t *field_json(const struct field *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:b, s:s, s:o}", "key", f->key, "htcds", f->htcds,
			      "type", field_type_name(f->type), "required", f->required, "protection",
			      protection_name(f->protection), "stat", f->stat, "section", f->section,
			      "label", label_json(&f->label));
	if (!o)
		return NULL;
	int rc = 0;
	if (f->search)
		rc |= json_object_set_new(o, "search", json_string(f->search));
	if (f->derived)
		rc |= json_object_set_new(o, "derived", json_true());
	if (f->help.en)
		rc |= json_object_set_new(o, "help", label_json(&f->help));
	if (f->type == FT_NUMBER)
		rc |= json_object_set_new(o, "min", json_integer(f->min));
	if (f->type == FT_NUMBER || f->type == FT_TEXT || f->type == FT_LONGTEXT)
		rc |= json_object_set_new(o, "max", json_integer(f->max));
	if (f->n_choices) {
		json_t *cs = json_array();
		rc |= json_object_set_new(o, "choices", cs);
		for (size_t i = 0; cs && i < f->n_choices; i++)
			rc |= json_array_append_new(cs, json_pack("{s:s, s:o}", "value", f->choices[i].value,
								  "label", label_json(&f->choices[i].label)));
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *entity_json(const struct entity_int *e)
{
	json_t *sections = json_array(), *fields = json_array();
	int rc = !sections || !fields;

	for (size_t i = 0; !rc && i < e->n_sections; i++)
		rc |= json_array_append_new(sections, json_pack("{s:s, s:o}", "key", e->sections[i].key, "label",
								label_json(&e->sections[i].label)));
	for (size_t i = 0; !rc && i < e->pub.n_fields; i++)
		rc |= json_array_append_new(fields, field_json(&e->pub.fields[i]));
	if (rc) {
		json_decref(sections);
		json_decref(fields);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o, s:o}", "name", e->pub.name, "label", label_json(&e->pub.label),
			 "sections", sections, "fields", fields);
}

json_t *registry_to_json(const struct registry *r)
{
	json_t *entities = json_array(), *isic = json_array();
	int rc = !r || !entities || !isic;

	for (size_t i = 0; !rc && i < r->n_entities; i++)
		rc |= json_array_append_new(entities, entity_json(&r->entities[i]));
	for (size_t i = 0; !rc && i < ref_isic_count; i++) {
		const struct ref_isic_section *s = &ref_isic_sections[i];
		rc |= json_array_append_new(isic, json_pack("{s:s, s:s, s:{s:s, s:s}}", "code", s->code, "htcds",
							    s->htcds, "label", "en", s->label.en, "ar",
							    s->label.ar));
	}
	if (rc) {
		json_decref(entities);
		json_decref(isic);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "entities", entities, "isic_sections", isic);
}
