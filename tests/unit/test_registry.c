/*
 * test_registry.c: the field registry: the embedded data loads and is
 * complete (entities, labels in both languages, protection rules, names in
 * both scripts), validation of values, rejection of broken data files, the
 * schema JSON, CTDC age bands and ages from dates, reference code lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/ref/ref.h"
#include "domain/registry/registry.h"

static const char *const entities[] = {"person", "victim", "case", "event", "comment", "consent"};
#define N_ENTITIES (sizeof entities / sizeof entities[0])

static const struct registry *reg(void)
{
	const struct registry *r = registry_get();
	assert_non_null(r);
	return r;
}

/* ---- the embedded data ---------------------------------------------------- */

static void test_loads_with_every_entity(void **state)
{
	(void)state;
	const struct registry *r = reg();
	assert_ptr_equal(r, registry_get());   /* parsed once */
	assert_int_equal(registry_entity_count(r), N_ENTITIES);
	for (size_t i = 0; i < N_ENTITIES; i++) {
		const struct entity *e = registry_entity(r, entities[i]);
		assert_non_null(e);
		assert_true(e->n_fields > 0);
		assert_non_null(e->label.en);
		assert_non_null(e->label.ar);
	}
	/* Listed in the order a case is told: the person first. */
	assert_string_equal(registry_entity_at(r, 0)->name, "person");
	assert_string_equal(registry_entity_at(r, 1)->name, "victim");
	assert_null(registry_entity_at(r, N_ENTITIES));
	assert_null(registry_entity(r, "perpetrator"));
	assert_null(registry_field(r, "person", "no_such_field"));
}

/* True when s holds at least one Arabic letter (U+0600..U+06FF: D8..DB lead bytes). */
static bool has_arabic(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0xd8 && (unsigned char)*s <= 0xdb)
			return true;
	return false;
}

static void test_every_label_in_both_languages(void **state)
{
	(void)state;
	const struct registry *r = reg();
	for (size_t i = 0; i < registry_entity_count(r); i++) {
		const struct entity *e = registry_entity_at(r, i);
		for (size_t j = 0; j < e->n_fields; j++) {
			const struct field *f = &e->fields[j];
			assert_non_null(f->label.en);
			assert_true(has_arabic(f->label.ar));
			assert_true(f->htcds[0] != '\0');
			if (f->help.en)
				assert_true(has_arabic(f->help.ar));
			if (f->type == FT_CHOICE || f->type == FT_MULTICHOICE)
				assert_true(f->n_choices > 0);
			for (size_t k = 0; k < f->n_choices; k++) {
				assert_true(f->choices[k].label.en[0] != '\0');
				assert_true(has_arabic(f->choices[k].label.ar));
			}
		}
	}
}

static void test_protected_fields_are_not_statistics(void **state)
{
	(void)state;
	const struct registry *r = reg();
	size_t n_stat = 0;
	for (size_t i = 0; i < registry_entity_count(r); i++) {
		const struct entity *e = registry_entity_at(r, i);
		for (size_t j = 0; j < e->n_fields; j++) {
			const struct field *f = &e->fields[j];
			if (f->protection == PROT_IDENTIFYING || f->protection == PROT_SENSITIVE)
				assert_false(f->stat);
			if (f->search)
				assert_int_equal(f->protection, PROT_IDENTIFYING);
			if (f->type == FT_LONGTEXT)   /* free text may say anything */
				assert_true(f->protection == PROT_SENSITIVE ||
					    f->protection == PROT_IDENTIFYING);
			n_stat += f->stat;
		}
	}
	assert_true(n_stat >= 8);
}

static void test_key_fields(void **state)
{
	(void)state;
	const struct registry *r = reg();
	static const struct {
		const char *entity, *key, *htcds;
		enum field_type type;
		enum protection protection;
		const char *search;
	} want[] = {
		{"person", "given_name", "prs_FirstName", FT_TEXT, PROT_IDENTIFYING, "name"},
		{"person", "family_name", "prs_SecondName", FT_TEXT, PROT_IDENTIFYING, "name"},
		{"person", "birth_date", "prs_Birthdate", FT_DATE, PROT_IDENTIFYING, "birth_year"},
		{"person", "document_number", "prs_IdentityNumber", FT_TEXT, PROT_IDENTIFYING, "doc"},
		{"person", "estimated_age", "prs_EstimatedAge", FT_NUMBER, PROT_SENSITIVE, NULL},
		{"person", "gender", "prs_Gender", FT_CHOICE, PROT_STATISTICAL, NULL},
		{"person", "citizenship", "prs_Citizenship", FT_COUNTRIES, PROT_STATISTICAL, NULL},
		{"person", "primary_language", "prs_PrimaryLanguage", FT_LANGUAGE, PROT_SENSITIVE, NULL},
		{"victim", "exploitation_types", "vic_TypeOfExploitation", FT_MULTICHOICE, PROT_STATISTICAL, NULL},
		{"victim", "means_of_control", "vic_MethodsOfControl", FT_MULTICHOICE, PROT_STATISTICAL, NULL},
		{"victim", "labour_sector", "vic_ForcedLabourIndustry", FT_ISIC, PROT_STATISTICAL, NULL},
		{"victim", "exploitation_country", "vic_CountryOfExploitation", FT_COUNTRY, PROT_STATISTICAL, NULL},
		{"victim", "narrative", "vic_Narrative", FT_LONGTEXT, PROT_SENSITIVE, NULL},
		{"case", "status", "cas_Status", FT_CHOICE, PROT_WORKFLOW, NULL},
		{"case", "closure_reason", "cas_ClosureReason", FT_CHOICE, PROT_WORKFLOW, NULL},
		{"case", "purpose", "cas_PurposeOfProcessing", FT_CHOICE, PROT_WORKFLOW, NULL},
		{"event", "type", "hte_Type", FT_CHOICE, PROT_STATISTICAL, NULL},
		{"event", "country", "hte_Country", FT_COUNTRY, PROT_STATISTICAL, NULL},
		{"event", "start_date", "hte_Date", FT_DATE, PROT_SENSITIVE, NULL},
		{"event", "end_date", "hte_EndDate", FT_DATE, PROT_SENSITIVE, NULL},
		{"comment", "text", "cco_CaseComment", FT_LONGTEXT, PROT_SENSITIVE, NULL},
		{"consent", "purpose", "con_Purpose", FT_CHOICE, PROT_WORKFLOW, NULL},
		{"consent", "given", "con_Consent", FT_BOOLEAN, PROT_WORKFLOW, NULL},
		{"consent", "date", "con_Date", FT_DATE, PROT_WORKFLOW, NULL},
		{"consent", "legal_basis", "con_LegalBasis", FT_CHOICE, PROT_WORKFLOW, NULL},
		{"consent", "withdrawn_date", "con_WithdrawnDate", FT_DATE, PROT_WORKFLOW, NULL},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct field *f = registry_field(r, want[i].entity, want[i].key);
		if (!f)
			fail_msg("missing %s.%s", want[i].entity, want[i].key);
		assert_string_equal(f->entity, want[i].entity);
		assert_string_equal(f->htcds, want[i].htcds);
		assert_int_equal(f->type, want[i].type);
		assert_int_equal(f->protection, want[i].protection);
		if (want[i].search)
			assert_string_equal(f->search, want[i].search);
		else
			assert_null(f->search);
	}
	/* Picklist values exactly as HTCDS spells them. */
	const struct field *status = registry_field(r, "case", "status");
	assert_int_equal(status->n_choices, 4);
	assert_non_null(field_choice(status, "Active"));
	assert_non_null(field_choice(status, "FollowUp"));
	assert_non_null(field_choice(status, "Closed"));
	assert_non_null(field_choice(status, "ClosedReferred"));
	assert_null(field_choice(status, "active"));
	const struct field *type = registry_field(r, "event", "type");
	assert_int_equal(type->n_choices, 3);
	assert_non_null(field_choice(type, "Transit"));
	const struct field *purpose = registry_field(r, "consent", "purpose");
	static const char *const purposes[] = {"services", "domestic_referral", "cross_border_transfer",
					       "statistics"};
	assert_int_equal(purpose->n_choices, 4);
	for (size_t i = 0; i < 4; i++)
		assert_non_null(field_choice(purpose, purposes[i]));
	assert_non_null(field_choice(registry_field(r, "person", "gender"), "NonSpecifiedUnknown"));
	assert_non_null(field_choice(registry_field(r, "victim", "means_of_control"), "DebtBondage"));
}

static void test_names_have_latin_twins(void **state)
{
	(void)state;
	const struct registry *r = reg();
	static const char *const names[] = {"given_name", "middle_name", "family_name", "other_names"};
	for (size_t i = 0; i < 4; i++) {
		char latin[64];
		snprintf(latin, sizeof latin, "%s_latin", names[i]);
		const struct field *f = registry_field(r, "person", names[i]);
		const struct field *l = registry_field(r, "person", latin);
		assert_non_null(f);
		assert_non_null(l);
		assert_string_equal(f->search, "name");
		assert_string_equal(l->search, "name");
		assert_int_equal(l->protection, PROT_IDENTIFYING);
		assert_string_not_equal(f->htcds, l->htcds);
	}
}

static void test_htcds_lookup(void **state)
{
	(void)state;
	const struct registry *r = reg();
	const struct field *f = registry_field_by_htcds(r, "prs_FirstName");
	assert_non_null(f);
	assert_string_equal(f->key, "given_name");
	/* The XForm's spellings. */
	assert_ptr_equal(registry_field_by_htcds(r, "prs_First_Name"), f);
	assert_ptr_equal(registry_field_by_htcds(r, "prs_Second_Name"), registry_field(r, "person", "family_name"));
	assert_ptr_equal(registry_field_by_htcds(r, "vic_Methods_of_Control"),
			 registry_field(r, "victim", "means_of_control"));
	assert_ptr_equal(registry_field_by_htcds(r, "cas_Status"), registry_field(r, "case", "status"));
	assert_null(registry_field_by_htcds(r, "prs_FIRSTNAME"));
	assert_null(registry_field_by_htcds(r, NULL));
}

/* ---- validation -------------------------------------------------------------- */

static const struct {
	const char *entity;
	const char *json;
	bool complete;
	const char *code;    /* NULL: valid */
	const char *field;
} validate_cases[] = {
	/* valid full records */
	{"person",
	 "{\"given_name\":\"فاطمة\",\"given_name_latin\":\"Fatima\",\"family_name\":\"الحسن\","
	 "\"family_name_latin\":\"Al-Hassan\",\"birth_date\":\"2000-02-29\",\"estimated_age\":26,"
	 "\"gender\":\"Feminine\",\"citizenship\":[\"ET\",\"SD\"],\"document_number\":\"EP1234567\","
	 "\"primary_language\":\"am\",\"deceased\":false,\"address_country\":\"BH\","
	 "\"notes\":\"Call after six.\\nNot on Fridays.\",\"email\":null}",
	 true, NULL, NULL},
	{"victim",
	 "{\"trafficking_status\":\"PossibleVictimOfTrafficking\",\"exploitation_types\":[\"ForcedLabour\"],"
	 "\"means_of_control\":[\"WithholdsDocuments\",\"DebtBondage\"],\"labour_sector\":\"T\","
	 "\"exploitation_country\":\"BH\",\"exploitation_start_year\":2025}",
	 true, NULL, NULL},
	{"case", "{\"status\":\"Active\",\"purpose\":\"ProtectionAndAssistance\",\"opened_date\":\"2026-01-31\"}",
	 true, NULL, NULL},
	{"event", "{\"type\":\"Transit\",\"country\":\"EG\",\"start_date\":\"2025-03-01\"}", true, NULL, NULL},
	{"comment", "{\"text\":\"Met at the shelter.\"}", true, NULL, NULL},
	{"consent", "{\"purpose\":\"statistics\",\"given\":true,\"date\":\"2026-11-22\"}", true, NULL, NULL},
	/* a partial update need not carry required fields */
	{"case", "{\"closed_date\":\"2026-11-22\"}", false, NULL, NULL},
	{"case", "{}", false, NULL, NULL},
	/* unknown key */
	{"person", "{\"given_name\":\"A\",\"favourite_colour\":\"blue\"}", false, "unknown_field",
	 "favourite_colour"},
	{"comment", "{\"author\":\"x\"}", false, "unknown_field", "author"},
	/* wrong type */
	{"person", "{\"given_name\":42}", false, "wrong_type", "given_name"},
	{"person", "{\"estimated_age\":\"26\"}", false, "wrong_type", "estimated_age"},
	{"person", "{\"estimated_age\":26.5}", false, "wrong_type", "estimated_age"},
	{"person", "{\"deceased\":\"no\"}", false, "wrong_type", "deceased"},
	{"person", "{\"citizenship\":\"BH\"}", false, "wrong_type", "citizenship"},
	{"person", "{\"citizenship\":[1]}", false, "wrong_type", "citizenship"},
	{"victim", "{\"exploitation_types\":\"ForcedLabour\"}", false, "wrong_type", "exploitation_types"},
	/* bad choice */
	{"case", "{\"status\":\"Open\"}", false, "invalid", "status"},
	{"case", "{\"status\":\"active\"}", false, "invalid", "status"},
	{"victim", "{\"exploitation_types\":[\"ForcedLabour\",\"Smuggling\"]}", false, "invalid",
	 "exploitation_types"},
	{"victim", "{\"exploitation_types\":[\"ForcedLabour\",\"ForcedLabour\"]}", false, "invalid",
	 "exploitation_types"},
	/* bad codes */
	{"person", "{\"citizenship\":[\"BH\",\"XX\"]}", false, "invalid", "citizenship"},
	{"victim", "{\"exploitation_country\":\"XX\"}", false, "invalid", "exploitation_country"},
	{"victim", "{\"exploitation_country\":\"bh\"}", false, "invalid", "exploitation_country"},
	{"person", "{\"primary_language\":\"xx\"}", false, "invalid", "primary_language"},
	{"person", "{\"primary_language\":\"AR\"}", false, "invalid", "primary_language"},
	{"person", "{\"primary_language\":\"ara\"}", false, "invalid", "primary_language"},
	{"victim", "{\"labour_sector\":\"V\"}", false, "invalid", "labour_sector"},
	{"victim", "{\"labour_sector\":\"T_ActivitiesOfHouseholdsAsEmployers\"}", false, "invalid",
	 "labour_sector"},
	/* bad dates */
	{"person", "{\"birth_date\":\"2026-02-30\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"2025-02-29\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"1900-02-29\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"2026-13-01\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"2026-04-31\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"2026-4-1\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"2026-04-01T00:00:00Z\"}", false, "invalid", "birth_date"},
	{"person", "{\"birth_date\":\"0000-01-01\"}", false, "invalid", "birth_date"},
	{"consent", "{\"date\":\"22/11/2026\"}", false, "invalid", "date"},
	/* numbers out of bounds */
	{"person", "{\"estimated_age\":-1}", false, "invalid", "estimated_age"},
	{"person", "{\"estimated_age\":121}", false, "invalid", "estimated_age"},
	{"person", "{\"estimated_age\":120}", false, NULL, NULL},
	{"person", "{\"estimated_age\":0}", false, NULL, NULL},
	/* text: length in characters, control characters */
	{"person",
	 "{\"postal_code\":\"123456789012345678901\"}", false, "too_long", "postal_code"},
	{"person", "{\"postal_code\":\"12345678901234567890\"}", false, NULL, NULL},
	{"person", "{\"given_name\":\"A\\nB\"}", false, "invalid", "given_name"},
	{"person", "{\"given_name\":\"A\\tB\"}", false, "invalid", "given_name"},
	{"person", "{\"given_name\":\"A\\u007fB\"}", false, "invalid", "given_name"},
	{"person", "{\"given_name\":\"A\\u0085B\"}", false, "invalid", "given_name"},
	{"comment", "{\"text\":\"line one\\nline two\"}", false, NULL, NULL},
	{"comment", "{\"text\":\"bell\\u0007\"}", false, "invalid", "text"},
	{"comment", "{\"text\":\"carriage\\r\\nreturn\"}", false, "invalid", "text"},
	/* missing required fields on creation */
	{"case", "{\"status\":\"Active\"}", true, "missing_field", "purpose"},
	{"case", "{\"status\":null,\"purpose\":\"ProtectionAndAssistance\"}", true, "missing_field", "status"},
	{"comment", "{\"text\":\"\"}", true, "missing_field", "text"},
	{"consent", "{\"purpose\":\"services\",\"date\":\"2026-11-22\"}", true, "missing_field", "given"},
	{"victim", "{}", true, "missing_field", "trafficking_status"},
	/* not an object, unknown entity */
	{"person", "[]", false, "wrong_type", ""},
	{"perpetrator", "{}", false, "invalid", ""},
};

static void test_validate_table(void **state)
{
	(void)state;
	const struct registry *r = reg();
	for (size_t i = 0; i < sizeof validate_cases / sizeof validate_cases[0]; i++) {
		json_error_t je;
		json_t *values = json_loads(validate_cases[i].json, 0, &je);
		if (!values)
			fail_msg("case %zu: bad test JSON: %s", i, je.text);
		struct problem pb = {0};
		int rc = registry_validate(r, validate_cases[i].entity, values, validate_cases[i].complete, &pb);
		json_decref(values);
		if (!validate_cases[i].code) {
			if (rc != 0)
				fail_msg("case %zu: expected valid, got %s on %s", i, pb.code, pb.field);
			continue;
		}
		if (rc != ERR_INVALID || !pb.code || strcmp(pb.code, validate_cases[i].code) ||
		    strcmp(pb.field, validate_cases[i].field))
			fail_msg("case %zu: expected %s on %s, got rc %d, %s on %s", i, validate_cases[i].code,
				 validate_cases[i].field, rc, pb.code ? pb.code : "(none)", pb.field);
	}
}

static void test_validate_long_text_limits(void **state)
{
	(void)state;
	const struct registry *r = reg();
	const struct field *f = registry_field(r, "person", "given_name");
	/* Arabic letters are two bytes each: the limit counts characters, not bytes. */
	size_t n = (size_t)f->max;
	char *s = malloc(2 * (n + 1) + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + 2 * i, "\xd8\xb3", 2);   /* U+0633 */
	s[2 * n] = '\0';
	struct problem pb = {0};
	json_t *v = json_pack("{s:s}", "given_name", s);
	assert_int_equal(registry_validate(r, "person", v, false, &pb), 0);
	json_decref(v);
	memcpy(s + 2 * n, "\xd8\xb3", 3);
	v = json_pack("{s:s}", "given_name", s);
	assert_int_equal(registry_validate(r, "person", v, false, &pb), ERR_INVALID);
	assert_string_equal(pb.code, "too_long");
	json_decref(v);
	free(s);
}

/* ---- broken data files ----------------------------------------------------------- */

#define GOOD_FIELD \
	"{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\",\"required\":false," \
	"\"protection\":\"sensitive\",\"stat\":false,\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"
#define FILE_WITH(fields) \
	"{\"entity\":\"test\",\"label\":{\"en\":\"Test\",\"ar\":\"اختبار\"}," \
	"\"sections\":[{\"key\":\"main\",\"label\":{\"en\":\"Main\",\"ar\":\"رئيسي\"}}]," \
	"\"fields\":[" fields "]}"

static const struct {
	const char *data;
	const char *needle;   /* NULL: parses; else a part of the message */
} parse_cases[] = {
	{FILE_WITH(GOOD_FIELD), NULL},
	{FILE_WITH(GOOD_FIELD "," GOOD_FIELD), "note: duplicate field key"},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"blob\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,"
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "note: unknown type \"blob\""},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,\"label\":{\"en\":\"Note\"}}"),
	 "note: label has no Arabic text"},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,"
		   "\"label\":{\"en\":\"Note\",\"ar\":\"\"}}"),
	 "note: label has no Arabic text"},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,\"colour\":\"red\","
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "note: unknown key \"colour\""},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":\"no\",\"protection\":\"sensitive\",\"stat\":false,"
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "note: required must be true or false"},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"identifying\",\"stat\":true,"
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "note: an identifying or sensitive field cannot be a statistics dimension"},
	{FILE_WITH("{\"key\":\"kind\",\"htcds\":\"tst_Kind\",\"section\":\"main\",\"type\":\"choice\","
		   "\"required\":false,\"protection\":\"workflow\",\"stat\":false,"
		   "\"choices\":[{\"value\":\"A\",\"label\":{\"en\":\"A\"}}],"
		   "\"label\":{\"en\":\"Kind\",\"ar\":\"نوع\"}}"),
	 "kind: label of choice \"A\" has no Arabic text"},
	{FILE_WITH("{\"key\":\"kind\",\"htcds\":\"tst_Kind\",\"section\":\"main\",\"type\":\"choice\","
		   "\"required\":false,\"protection\":\"workflow\",\"stat\":false,"
		   "\"label\":{\"en\":\"Kind\",\"ar\":\"نوع\"}}"),
	 "kind: choices must be a non-empty array"},
	{FILE_WITH("{\"key\":\"age\",\"htcds\":\"tst_Age\",\"section\":\"main\",\"type\":\"number\","
		   "\"max\":3,\"required\":false,\"protection\":\"workflow\",\"stat\":false,"
		   "\"label\":{\"en\":\"Age\",\"ar\":\"العمر\"}}"),
	 "age: a number needs min and max"},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"other\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,"
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "note: section missing"},
	{FILE_WITH("{\"key\":\"Note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,"
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "key must match"},
	{FILE_WITH("{\"key\":\"note\",\"htcds\":\"tst_Note\",\"section\":\"main\",\"type\":\"text\","
		   "\"required\":false,\"protection\":\"sensitive\",\"stat\":false,\"search\":\"name\","
		   "\"label\":{\"en\":\"Note\",\"ar\":\"ملاحظة\"}}"),
	 "note: only identifying fields have a blind index"},
	{"{\"entity\":\"test\",\"entity\":\"again\"}", "file 1: (top): line 1: duplicate object key"},
	{"{\"entity\":\"test\",", "line 1"},
	{"{\"entity\":\"test\",\"label\":{\"en\":\"Test\",\"ar\":\"اختبار\"},\"sections\":[],\"fields\":[]}",
	 "test: (top): sections must be a non-empty array"},
};

static void test_parse_rejects_broken_data(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const char *files[] = {parse_cases[i].data};
		size_t lens[] = {strlen(parse_cases[i].data)};
		struct registry *r = (struct registry *)1;
		char err[256] = "untouched";
		int rc = registry_parse(&r, files, lens, 1, err, sizeof err);
		if (!parse_cases[i].needle) {
			if (rc != 0)
				fail_msg("case %zu: expected to parse, got: %s", i, err);
			assert_non_null(r);
			assert_non_null(registry_field(r, "test", "note"));
			registry_free(r);
			continue;
		}
		assert_int_equal(rc, ERR_INVALID);
		assert_null(r);
		/* The message names the file (entity or position) and the field. */
		if (!strstr(err, parse_cases[i].needle))
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err, parse_cases[i].needle);
		if (strncmp(err, "test:", 5) && strncmp(err, "file 1:", 7))
			fail_msg("case %zu: message \"%s\" does not name the file", i, err);
	}
}

static void test_parse_names_the_file(void **state)
{
	(void)state;
	const char *bad = "{\"entity\":";
	const char *names[] = {"victim.json"};
	const char *files[] = {bad};
	size_t lens[] = {strlen(bad)};
	struct registry *r = NULL;
	char err[256];
	assert_int_equal(registry_parse_named(&r, names, files, lens, 1, err, sizeof err), ERR_INVALID);
	assert_null(r);
	assert_true(!strncmp(err, "victim.json: ", 13));

	/* A good file under another entity's name. */
	const char *good = FILE_WITH(GOOD_FIELD);
	files[0] = good;
	lens[0] = strlen(good);
	assert_int_equal(registry_parse_named(&r, names, files, lens, 1, err, sizeof err), ERR_INVALID);
	assert_non_null(strstr(err, "must be named test.json"));
	names[0] = "test.json";
	assert_int_equal(registry_parse_named(&r, names, files, lens, 1, err, sizeof err), 0);
	registry_free(r);
}

static void test_parse_rejects_duplicates_across_files(void **state)
{
	(void)state;
	const char *a = FILE_WITH(GOOD_FIELD);
	const char *files[] = {a, a};
	size_t lens[] = {strlen(a), strlen(a)};
	struct registry *r = NULL;
	char err[256];
	assert_int_equal(registry_parse(&r, files, lens, 2, err, sizeof err), ERR_INVALID);
	assert_non_null(strstr(err, "entity defined twice"));

	/* Two entities whose fields claim the same HTCDS column. */
	const char *b = "{\"entity\":\"other\",\"label\":{\"en\":\"Other\",\"ar\":\"آخر\"},"
			"\"sections\":[{\"key\":\"main\",\"label\":{\"en\":\"Main\",\"ar\":\"رئيسي\"}}],"
			"\"fields\":[" GOOD_FIELD "]}";
	files[1] = b;
	lens[1] = strlen(b);
	assert_int_equal(registry_parse(&r, files, lens, 2, err, sizeof err), ERR_INVALID);
	assert_non_null(strstr(err, "tst_Note"));
}

/* ---- the schema JSON ---------------------------------------------------------------- */

static void test_schema_json(void **state)
{
	(void)state;
	const struct registry *r = reg();
	json_t *j = registry_to_json(r);
	assert_non_null(j);
	json_t *ents = json_object_get(j, "entities");
	assert_int_equal(json_array_size(ents), N_ENTITIES);
	size_t n_fields = 0;
	bool saw_choices = false, saw_help = false, saw_search = false;
	for (size_t i = 0; i < json_array_size(ents); i++) {
		json_t *e = json_array_get(ents, i);
		assert_non_null(registry_entity(r, json_string_value(json_object_get(e, "name"))));
		assert_true(json_is_string(json_object_get(json_object_get(e, "label"), "ar")));
		assert_true(json_array_size(json_object_get(e, "sections")) > 0);
		json_t *fs = json_object_get(e, "fields"), *f;
		size_t k;
		json_array_foreach(fs, k, f) {
			static const char *const keys[] = {"key", "htcds", "type", "required", "protection",
							   "stat", "section", "label"};
			for (size_t m = 0; m < sizeof keys / sizeof keys[0]; m++)
				assert_non_null(json_object_get(f, keys[m]));
			saw_choices |= json_object_get(f, "choices") != NULL;
			saw_help |= json_object_get(f, "help") != NULL;
			saw_search |= json_object_get(f, "search") != NULL;
			if (!strcmp(json_string_value(json_object_get(f, "type")), "number"))
				assert_true(json_is_integer(json_object_get(f, "min")) &&
					    json_is_integer(json_object_get(f, "max")));
			n_fields++;
		}
	}
	assert_true(saw_choices && saw_help && saw_search);
	assert_true(n_fields > 50);
	json_t *isic = json_object_get(j, "isic_sections");
	assert_int_equal(json_array_size(isic), 21);
	assert_string_equal(json_string_value(json_object_get(json_array_get(isic, 0), "code")), "A");
	assert_true(json_is_string(json_object_get(json_object_get(json_array_get(isic, 20), "label"), "ar")));
	json_decref(j);
}

/* ---- ages ------------------------------------------------------------------------------ */

static void test_age_band(void **state)
{
	(void)state;
	static const struct {
		int age;
		const char *band;
	} cases[] = {
		{0, "0-8"}, {8, "0-8"}, {9, "9-17"}, {17, "9-17"}, {18, "18-20"}, {20, "18-20"},
		{21, "21-23"}, {23, "21-23"}, {24, "24-26"}, {26, "24-26"}, {27, "27-29"}, {29, "27-29"},
		{30, "30-38"}, {38, "30-38"}, {39, "39-47"}, {47, "39-47"}, {48, "48+"}, {99, "48+"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(registry_age_band(cases[i].age), cases[i].band);
	assert_null(registry_age_band(-1));
}

static void test_age_on(void **state)
{
	(void)state;
	static const struct {
		const char *birth, *on;
		int age;
	} cases[] = {
		{"2000-06-15", "2026-06-15", 26},   /* birthday today */
		{"2000-06-15", "2026-06-14", 25},   /* birthday tomorrow */
		{"2000-06-15", "2026-12-31", 26},
		{"2000-06-15", "2000-06-15", 0},
		{"2008-02-29", "2026-02-28", 17},   /* leap day: not yet in a common year */
		{"2008-02-29", "2026-03-01", 18},
		{"2008-02-29", "2028-02-29", 20},
		{"2008-02-29", "2028-02-28", 19},
		{"2000-06-15", "2000-06-14", -1},   /* before birth */
		{"2000-02-30", "2026-01-01", -1},   /* no such day */
		{"2000-06-15", "yesterday", -1},
		{NULL, "2026-01-01", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (registry_age_on(cases[i].birth, cases[i].on) != cases[i].age)
			fail_msg("case %zu: expected %d, got %d", i, cases[i].age,
				 registry_age_on(cases[i].birth, cases[i].on));
	assert_string_equal(registry_age_band(registry_age_on("2008-02-29", "2026-02-28")), "9-17");
	assert_string_equal(registry_age_band(registry_age_on("2008-02-29", "2026-03-01")), "18-20");
}

/* ---- reference lists ----------------------------------------------------------------------- */

static void test_ref_lists(void **state)
{
	(void)state;
	static const char *const good_lang[] = {"aa", "ar", "en", "fr", "am", "ti", "ur", "zu"};
	static const char *const bad_lang[] = {"", "a", "ara", "AR", "xx", "qq", "a1", NULL};
	for (size_t i = 0; i < sizeof good_lang / sizeof good_lang[0]; i++)
		assert_true(ref_language_valid(good_lang[i]));
	for (size_t i = 0; i < sizeof bad_lang / sizeof bad_lang[0]; i++)
		assert_false(ref_language_valid(bad_lang[i]));
	assert_int_equal(ref_isic_count, 21);
	for (size_t i = 0; i < ref_isic_count; i++) {
		assert_int_equal(ref_isic_sections[i].code[0], 'A' + (int)i);
		assert_true(ref_isic_valid(ref_isic_sections[i].code));
		assert_ptr_equal(ref_isic_by_htcds(ref_isic_sections[i].htcds), &ref_isic_sections[i]);
		assert_true(has_arabic(ref_isic_sections[i].label.ar));
	}
	assert_false(ref_isic_valid("V"));
	assert_false(ref_isic_valid("a"));
	assert_false(ref_isic_valid("AB"));
	assert_false(ref_isic_valid(""));
	assert_false(ref_isic_valid(NULL));
	assert_null(ref_isic_by_htcds("Z_Nothing"));
	assert_true(ref_country_valid("BH"));
	assert_false(ref_country_valid("XX"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_with_every_entity),
		cmocka_unit_test(test_every_label_in_both_languages),
		cmocka_unit_test(test_protected_fields_are_not_statistics),
		cmocka_unit_test(test_key_fields),
		cmocka_unit_test(test_names_have_latin_twins),
		cmocka_unit_test(test_htcds_lookup),
		cmocka_unit_test(test_validate_table),
		cmocka_unit_test(test_validate_long_text_limits),
		cmocka_unit_test(test_parse_rejects_broken_data),
		cmocka_unit_test(test_parse_names_the_file),
		cmocka_unit_test(test_parse_rejects_duplicates_across_files),
		cmocka_unit_test(test_schema_json),
		cmocka_unit_test(test_age_band),
		cmocka_unit_test(test_age_on),
		cmocka_unit_test(test_ref_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
