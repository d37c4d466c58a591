/*
 * test_import.c: reading HTCDS files (import.h) without a database.
 *
 * Tables of CSV inputs and the rows and lines they give (quotes, embedded
 * newlines, CRLF / LF / CR, byte order mark, empty lines), malformed CSV,
 * XForm instances (groups and namespaces flattened, DTDs refused), then the
 * mapping of a table to case bodies: both spellings of a column, lists split
 * on ";" or on spaces, ISIC letters and values, booleans, and bad rows
 * reported with their line and reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "domain/case/import.h"
#include "domain/registry/registry.h"

/* The table as text: rows "line:cell|cell|..." joined by "\n". */
static char *table_text(const struct import_table *t)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	for (size_t r = 0; r < t->n_rows; r++) {
		if (r)
			buf_putc(&b, '\n');
		buf_printf(&b, "%zu:", t->rows[r].line);
		for (size_t c = 0; c < t->rows[r].n; c++) {
			if (c)
				buf_putc(&b, '|');
			buf_puts(&b, import_cell(t, r, c));
		}
	}
	buf_putc(&b, '\0');
	return buf_detach(&b, NULL);
}

static const struct {
	const char *csv;
	const char *rows;
} csv_cases[] = {
	{ "a,b\n1,2\n", "1:a|b\n2:1|2" },
	{ "a,b\r\n1,2\r\n", "1:a|b\n2:1|2" },
	{ "a,b\r1,2", "1:a|b\n2:1|2" },
	{ "\xEF\xBB\xBF" "a,b\n1,2", "1:a|b\n2:1|2" },
	{ "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", "1:a|b\n2:x,y|say \"hi\"" },
	{ "a,b\n\"one\ntwo\",z\n3,4\n", "1:a|b\n2:one\ntwo|z\n4:3|4" },
	{ "a,b\n\"one\r\ntwo\",z\r\n3,4\r\n", "1:a|b\n2:one\r\ntwo|z\n4:3|4" },
	{ "a,b\n\n1,2\n\n", "1:a|b\n3:1|2" },
	{ "a,b\n,\n", "1:a|b\n2:|" },
	{ "a,b\n1\n", "1:a|b\n2:1" },
	{ "a,b\n1,2,3\n", "1:a|b\n2:1|2|3" },
	{ "a\nit's a \"quote\" inside\n", "1:a\n2:it's a \"quote\" inside" },
	{ "h\nمريم\n", "1:h\n2:مريم" },
	{ "", "" },
};

static void test_csv_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		struct import_table t;
		struct import_error e = { 0 };
		import_table_init(&t);
		assert_int_equal(import_csv_parse(csv_cases[i].csv, strlen(csv_cases[i].csv), &t, &e), 0);
		char *text = table_text(&t);
		if (strcmp(text, csv_cases[i].rows))
			fail_msg("case %zu: got [%s]", i, text);
		free(text);
		import_table_release(&t);
	}
}

static const struct {
	const char *csv;
	size_t len;   /* 0: strlen */
	const char *code;
	size_t line;
} csv_bad[] = {
	{ "a\n\"open\n", 0, "bad_csv", 2 },
	{ "a,b\n\"x\"y,2\n", 0, "bad_csv", 2 },
	{ "a\n\xff\xfe\n", 0, "bad_encoding", 0 },
	{ "a\nx\0y\n", 6, "bad_encoding", 0 },
};

static void test_csv_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(csv_bad) / sizeof(csv_bad[0]); i++) {
		struct import_table t;
		struct import_error e = { 0 };
		import_table_init(&t);
		size_t len = csv_bad[i].len ? csv_bad[i].len : strlen(csv_bad[i].csv);
		assert_int_equal(import_csv_parse(csv_bad[i].csv, len, &t, &e), ERR_INVALID);
		assert_string_equal(e.code, csv_bad[i].code);
		assert_int_equal(e.line, csv_bad[i].line);
		import_table_release(&t);
	}
}

static void test_csv_caps(void **state)
{
	(void)state;
	/* One column too many, and one row too many. */
	struct buf b;
	buf_init(&b, 1 << 24);
	for (int i = 0; i <= IMPORT_MAX_COLS; i++)
		buf_puts(&b, i ? ",x" : "x");
	struct import_table t;
	struct import_error e = { 0 };
	import_table_init(&t);
	assert_int_equal(import_csv_parse(b.data, b.len, &t, &e), ERR_TOO_LARGE);
	import_table_release(&t);
	buf_reset(&b);
	buf_puts(&b, "prs_FirstName\n");
	for (int i = 0; i <= IMPORT_MAX_ROWS; i++)
		buf_puts(&b, "x\n");
	import_table_init(&t);
	assert_int_equal(import_csv_parse(b.data, b.len, &t, &e), ERR_TOO_LARGE);
	import_table_release(&t);
	buf_release(&b);
}

static void test_xform(void **state)
{
	(void)state;
	static const char xml[] =
		"<?xml version=\"1.0\"?>\n"
		"<d xmlns=\"http://example.org/x\" xmlns:orx=\"http://openrosa.org/xforms\">\n"
		"  <g1><prs_First_Name> Amina </prs_First_Name><g2><vic_Methods_of_Control>A B</vic_Methods_of_Control></g2></g1>\n"
		"  <empty/>\n"
		"  <orx:meta><orx:instanceID>uuid:1</orx:instanceID></orx:meta>\n"
		"</d>\n";
	struct import_table t;
	struct import_error e = { 0 };
	import_table_init(&t);
	assert_int_equal(import_xform_parse(xml, strlen(xml), &t, &e), 0);
	char *text = table_text(&t);
	assert_string_equal(text, "1:prs_First_Name|vic_Methods_of_Control|empty|instanceID\n1: Amina |A B||uuid:1");
	free(text);
	import_table_release(&t);

	static const char *const bad_xml[] = {
		"<!DOCTYPE d [<!ENTITY a \"aaaa\">]><d><x>&a;</x></d>",
		"<d><x></d>",
		"",
		"<d><p:x>1</p:x></d>",
	};
	for (size_t i = 0; i < sizeof(bad_xml) / sizeof(bad_xml[0]); i++) {
		import_table_init(&t);
		assert_int_equal(import_xform_parse(bad_xml[i], strlen(bad_xml[i]), &t, &e), ERR_INVALID);
		assert_string_equal(e.code, "bad_xml");
		import_table_release(&t);
	}
	/* Nesting over the cap. */
	struct buf b;
	buf_init(&b, 1 << 16);
	for (int i = 0; i < IMPORT_MAX_XML_DEPTH + 2; i++)
		buf_puts(&b, "<g>");
	import_table_init(&t);
	assert_int_equal(import_xform_parse(b.data, b.len, &t, &e), ERR_TOO_LARGE);
	import_table_release(&t);
	buf_release(&b);
}

static void test_xlsx_bad(void **state)
{
	(void)state;
	struct import_table t;
	struct import_error e = { 0 };
	import_table_init(&t);
	assert_int_equal(import_xlsx_parse("PK\3\4 not really", 16, &t, &e), ERR_INVALID);
	assert_string_equal(e.code, "bad_xlsx");
	import_table_release(&t);
}

/* Map a CSV text; returns bodies and bad rows (caller decrefs). */
static void map_csv(const char *csv, enum import_format fmt, json_t **bodies, json_t **bad_rows)
{
	const struct registry *r = registry_get();
	assert_non_null(r);
	struct import_table t;
	struct import_error e = { 0 };
	import_table_init(&t);
	assert_int_equal(import_csv_parse(csv, strlen(csv), &t, &e), 0);
	assert_int_equal(import_map(r, &t, fmt, bodies, bad_rows), 0);
	import_table_release(&t);
}

static void test_map_spellings_and_lists(void **state)
{
	(void)state;
	json_t *bodies, *bad_rows;
	map_csv("_uuid,id,prs_First_Name,prs_SecondName,prs_Citizenship,vic_TraffickingStatus,"
		"vic_Methods_of_Control,vic_ForcedLabourIndustry,con_Consent,con_Purpose,con_Date,prs_EstimatedAge,"
		"group/prs_MiddleName,_submission_time,ihala_Ref\n"
		"u-1,ID-1,Amina, Haddad ,ET; ER ;,PossibleVictimOfTrafficking,DebtBondage;FalsePromises,"
		"F_Construction,No,services,2026-01-02,31.0,Noor,2026-01-01,BH-2026-00001\n"
		"u-2,,Sara,,,,,,,,,,,,\n",
		IMPORT_CSV, &bodies, &bad_rows);
	assert_int_equal(json_array_size(bad_rows), 0);
	assert_int_equal(json_array_size(bodies), 2);
	json_t *g = json_array_get(bodies, 0);
	assert_int_equal(json_integer_value(json_object_get(g, "line")), 2);
	assert_string_equal(json_string_value(json_object_get(g, "external_ref")), "ID-1");   /* "id" before "_uuid" */
	json_t *body = json_object_get(g, "body");
	json_t *person = json_object_get(body, "person");
	assert_string_equal(json_string_value(json_object_get(person, "given_name")), "Amina");
	assert_string_equal(json_string_value(json_object_get(person, "family_name")), "Haddad");
	assert_string_equal(json_string_value(json_object_get(person, "middle_name")), "Noor");
	assert_int_equal(json_integer_value(json_object_get(person, "estimated_age")), 31);
	json_t *cit = json_object_get(person, "citizenship");
	assert_int_equal(json_array_size(cit), 2);
	assert_string_equal(json_string_value(json_array_get(cit, 1)), "ER");
	json_t *victim = json_object_get(body, "victim");
	assert_int_equal(json_array_size(json_object_get(victim, "means_of_control")), 2);
	assert_string_equal(json_string_value(json_object_get(victim, "labour_sector")), "F");
	json_t *consent = json_array_get(json_object_get(body, "consents"), 0);
	assert_true(json_is_false(json_object_get(consent, "given")));
	assert_null(json_object_get(body, "case"));
	g = json_array_get(bodies, 1);
	assert_string_equal(json_string_value(json_object_get(g, "external_ref")), "u-2");
	json_decref(bodies);
	json_decref(bad_rows);

	/* The other spelling of the same field, and XForm's space-separated lists. */
	map_csv("prs_FirstName,prs_Citizenship,instanceID\nAmina,ET ER,uuid:9\n", IMPORT_XFORM, &bodies, &bad_rows);
	assert_int_equal(json_array_size(bad_rows), 0);
	g = json_array_get(bodies, 0);
	person = json_object_get(json_object_get(g, "body"), "person");
	assert_string_equal(json_string_value(json_object_get(person, "given_name")), "Amina");
	assert_int_equal(json_array_size(json_object_get(person, "citizenship")), 2);
	assert_string_equal(json_string_value(json_object_get(g, "external_ref")), "uuid:9");
	json_decref(bodies);
	json_decref(bad_rows);
}

static const struct {
	const char *csv;
	const char *reasons;   /* "line reason;..." */
} bad_maps[] = {
	{ "prs_FirstName,prs_Shoe\nA,1\n", "1 unknown_column prs_Shoe" },
	{ "prs_FirstName,prs_Shoe\nA,\n", "" },   /* an unknown column nobody filled is ignored */
	{ "prs_FirstName,prs_First_Name\nA,B\n", "1 duplicate_column prs_First_Name" },
	{ "prs_FirstName,cco_CaseComment\nA,hello\n", "1 unknown_column cco_CaseComment" },
	{ "prs_FirstName\n", "1 no_rows" },
	{ "prs_FirstName,prs_Notes,prs_Birthdate\nA,,1990-01-01\nB,\"x\ny\",1990-13-01\nC,,x\n",
	  "3 invalid prs_Birthdate;5 invalid prs_Birthdate" },
	{ "prs_FirstName,prs_Deceased,prs_EstimatedAge\nA,maybe,\nB,,old\n",
	  "2 wrong_type prs_Deceased;3 wrong_type prs_EstimatedAge" },
	{ "prs_FirstName,vic_TypeOfExploitation\nA,ForcedLabour;ForcedLabour\n", "2 invalid vic_TypeOfExploitation" },
	{ "prs_FirstName,vic_TraffickingStatus\nA,Nope\n", "2 invalid vic_TraffickingStatus" },
	{ "prs_FirstName\n\"A\nB\"\n", "2 invalid prs_FirstName" },   /* no newline in a name */
	{ "prs_FirstName,cas_Status\nA,Active\n", "2 missing_field cas_PurposeOfProcessing" },
	{ "cas_Status,cas_PurposeOfProcessing\nActive,ProtectionAndAssistance\n", "2 missing_field person" },
	{ "prs_FirstName\nA,extra\n", "2 unknown_column column_2" },
	{ "prs_FirstName,hte_Country\nA,ET\n", "2 missing_field hte_Type" },
};

static void test_map_bad_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_maps) / sizeof(bad_maps[0]); i++) {
		json_t *bodies, *bad_rows;
		map_csv(bad_maps[i].csv, IMPORT_CSV, &bodies, &bad_rows);
		struct buf b;
		buf_init(&b, 4096);
		size_t k;
		json_t *row;
		json_array_foreach(bad_rows, k, row) {
			if (k)
				buf_putc(&b, ';');
			buf_printf(&b, "%lld %s", (long long)json_integer_value(json_object_get(row, "line")),
				   json_string_value(json_object_get(row, "reason")));
		}
		buf_putc(&b, '\0');
		if (strcmp(b.data, bad_maps[i].reasons))
			fail_msg("case %zu: got [%s]", i, b.data);
		buf_release(&b);
		json_decref(bodies);
		json_decref(bad_rows);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_table),
		cmocka_unit_test(test_csv_bad),
		cmocka_unit_test(test_csv_caps),
		cmocka_unit_test(test_xform),
		cmocka_unit_test(test_xlsx_bad),
		cmocka_unit_test(test_map_spellings_and_lists),
		cmocka_unit_test(test_map_bad_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
