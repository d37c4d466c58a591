/*
 * test_stats_ctdc.c: a person's CTDC row (ctdc.h): the columns in CTDC's
 * order and spelling, and the mapping of the registry's choices, table by
 * table; empty cells for what is not recorded; majorityStatusAtExploit only
 * beside the values it comes from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/stats/ctdc.h"

/* A person's values by source, as the engine would give them. */
struct person {
	const char *v[CTDC_SRC_COUNT][6];   /* NULL-terminated lists */
};

static int get(void *ud, enum ctdc_source s, const char **out, int max)
{
	const struct person *p = ud;
	int n = 0;
	while (n < 6 && p->v[s][n] && n < max) {
		out[n] = p->v[s][n];
		n++;
	}
	return n;
}

static int column(const char *name)
{
	for (size_t i = 0; i < ctdc_column_count(); i++)
		if (!strcmp(ctdc_column_name(i), name))
			return (int)i;
	fail_msg("no column %s", name);
	return -1;
}

/* The cell of a column for a person, the QIs as built (not suppressed). */
static const char *cell_of(const struct person *p, const char *name, struct ctdc_cells *cells)
{
	struct ctdc_row row;
	ctdc_row_build(&row, get, (void *)p);
	ctdc_cells_fill(cells, &row);
	return cells->cell[column(name)];
}

static void test_columns(void **state)
{
	static const char *const first[] = {
		"yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus",
		"majorityStatusAtExploit", "majorityEntry", "citizenship", "meansOfControlDebtBondage",
	};
	assert_int_equal(ctdc_column_count(), 59);
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		assert_string_equal(ctdc_column_name(i), first[i]);
	assert_string_equal(ctdc_column_name(ctdc_column_count() - 1), "recruiterRelationUnknown");
	/* Unique names; every meansOfControl, is, typeOf column CTDC spells. */
	for (size_t i = 0; i < ctdc_column_count(); i++)
		for (size_t j = i + 1; j < ctdc_column_count(); j++)
			assert_string_not_equal(ctdc_column_name(i), ctdc_column_name(j));
	static const char *const some[] = {
		"meansOfControlNotSpecified", "meansOfControlUsesChildren", "meansOfControlRestrictsMovement",
		"isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isSlaveryAndPractices",
		"typeOfLabourDomesticWork", "typeOfLabourNotSpecified", "typeOfSexRemoteInteractiveServices",
		"isAbduction", "RecruiterRelationship", "CountryOfExploitation", "recruiterRelationFamily",
	};
	for (size_t i = 0; i < sizeof(some) / sizeof(some[0]); i++)
		column(some[i]);
}

static void test_qi_codes(void **state)
{
	static const struct {
		const char *gender, *age, *want_gender, *want_age, *want_majority;
	} rows[] = {
		{ "Feminine", "0-8", "Female", "0--8", "Minor" },
		{ "Masculine", "9-17", "Male", "9--17", "Minor" },
		{ "TransgenderFeminine", "18-20", "Transgender/NonConforming", "18--20", "Adult" },
		{ "TransgenderMasculine", "30-38", "Transgender/NonConforming", "30--38", "Adult" },
		{ "NonConforming", "48+", "Transgender/NonConforming", "48+", "Adult" },
		{ "NonSpecifiedUnknown", NULL, "", "", "" },
		{ "SomethingNew", "99-100", "", "", "" },
	};
	struct ctdc_cells cells;
	assert_int_equal(ctdc_cells_init(&cells), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct person p = { 0 };
		p.v[CTDC_SRC_GENDER][0] = rows[i].gender;
		p.v[CTDC_SRC_AGE][0] = rows[i].age;
		p.v[CTDC_SRC_YEAR][0] = "2024";
		p.v[CTDC_SRC_CITIZENSHIP][0] = "ET";
		p.v[CTDC_SRC_CITIZENSHIP][1] = "ER";
		p.v[CTDC_SRC_COUNTRY][0] = "BH";
		assert_string_equal(cell_of(&p, "gender", &cells), rows[i].want_gender);
		assert_string_equal(cell_of(&p, "ageBroad", &cells), rows[i].want_age);
		assert_string_equal(cell_of(&p, "majorityStatus", &cells), rows[i].want_majority);
		assert_string_equal(cell_of(&p, "yearOfRegistration", &cells), "2024");
		assert_string_equal(cell_of(&p, "citizenship", &cells), "ET");   /* the first listed */
		assert_string_equal(cell_of(&p, "CountryOfExploitation", &cells), "BH");
		assert_string_equal(cell_of(&p, "Datasource", &cells), CTDC_DATASOURCE);
		assert_string_equal(cell_of(&p, "majorityEntry", &cells), "");
	}
	/* Nothing recorded: empty cells, the data source alone. */
	struct person none = { 0 };
	struct ctdc_row row;
	ctdc_row_build(&row, get, &none);
	for (int q = 0; q < CTDC_QI_COUNT; q++)
		assert_int_equal(row.qi[q], KANON_MISSING);
	assert_string_equal(cell_of(&none, "citizenship", &cells), "");
	assert_string_equal(cell_of(&none, "yearOfRegistration", &cells), "");
	assert_int_equal(ctdc_country_code("BH"), ('B' - 'A') * 26 + ('H' - 'A'));
	assert_int_equal(ctdc_country_code("bh"), KANON_MISSING);
	assert_int_equal(ctdc_country_code("BHR"), KANON_MISSING);
	assert_int_equal(ctdc_country_code(NULL), KANON_MISSING);
	ctdc_cells_release(&cells);
}

static void test_means_of_control(void **state)
{
	struct ctdc_cells cells;
	assert_int_equal(ctdc_cells_init(&cells), 0);
	struct person p = { 0 };
	p.v[CTDC_SRC_MEANS][0] = "DebtBondage";
	p.v[CTDC_SRC_MEANS][1] = "ThreatensChildrenFamily";
	p.v[CTDC_SRC_MEANS][2] = "PsychoactiveSubstance";
	p.v[CTDC_SRC_MEANS][3] = "AChoiceAddedLater";
	assert_string_equal(cell_of(&p, "meansOfControlDebtBondage", &cells), "1");
	assert_string_equal(cell_of(&p, "meansOfControlThreats", &cells), "1");
	assert_string_equal(cell_of(&p, "meansOfControlPsychoactiveSubstances", &cells), "1");
	assert_string_equal(cell_of(&p, "meansOfControlOther", &cells), "1");   /* no counterpart: Other */
	assert_string_equal(cell_of(&p, "meansOfControlTakesEarnings", &cells), "0");
	assert_string_equal(cell_of(&p, "meansOfControlRestrictsMovement", &cells), "0");
	assert_string_equal(cell_of(&p, "meansOfControlNotSpecified", &cells), "0");
	/* Each registry choice sets its column. */
	static const struct {
		const char *choice, *col;
	} map[] = {
		{ "PhysicalThreats", "meansOfControlThreats" },
		{ "ThreatsLawEnforcement", "meansOfControlThreatOfLawEnforcement" },
		{ "FalsePromises", "meansOfControlFalsePromises" },
		{ "PhysicalAbuse", "meansOfControlPhysicalAbuse" },
		{ "SexualAbuse", "meansOfControlSexualAbuse" },
		{ "TakesEarnings", "meansOfControlTakesEarnings" },
		{ "RestrictsFinancialAccess", "meansOfControlRestrictsFinancialAccess" },
		{ "RestrictsMedicalCare", "meansOfControlRestrictsMedicalCare" },
		{ "WithholdsNecessities", "meansOfControlWithholdsNecessities" },
		{ "PsychologicalAbuse", "meansOfControlPsychologicalAbuse" },
		{ "ExcessiveWorkingHours", "meansOfControlExcessiveWorkingHours" },
		{ "WithholdsDocuments", "meansOfControlWithholdsDocuments" },
		{ "Other", "meansOfControlOther" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct person one = { 0 };
		one.v[CTDC_SRC_MEANS][0] = map[i].choice;
		assert_string_equal(cell_of(&one, map[i].col, &cells), "1");
		assert_string_equal(cell_of(&one, "meansOfControlDebtBondage", &cells), "0");
	}
	/* Not recorded: the flags are empty, NotSpecified is 1. */
	struct person none = { 0 };
	assert_string_equal(cell_of(&none, "meansOfControlDebtBondage", &cells), "");
	assert_string_equal(cell_of(&none, "meansOfControlOther", &cells), "");
	assert_string_equal(cell_of(&none, "meansOfControlNotSpecified", &cells), "1");
	ctdc_cells_release(&cells);
}

static void test_exploitation(void **state)
{
	struct ctdc_cells cells;
	assert_int_equal(ctdc_cells_init(&cells), 0);
	/* Labour in households (ISIC T) and sexual exploitation online. */
	struct person p = { 0 };
	p.v[CTDC_SRC_TYPES][0] = "ForcedLabour";
	p.v[CTDC_SRC_TYPES][1] = "SexualExploitation";
	p.v[CTDC_SRC_SECTOR][0] = "T";
	p.v[CTDC_SRC_SEX_TYPES][0] = "RemoteInteractiveServices";
	assert_string_equal(cell_of(&p, "isForcedLabour", &cells), "1");
	assert_string_equal(cell_of(&p, "isSexualExploit", &cells), "1");
	assert_string_equal(cell_of(&p, "isSexAndLabour", &cells), "1");
	assert_string_equal(cell_of(&p, "isOtherExploit", &cells), "0");
	assert_string_equal(cell_of(&p, "typeOfLabourDomesticWork", &cells), "1");
	assert_string_equal(cell_of(&p, "typeOfLabourAgriculture", &cells), "0");
	assert_string_equal(cell_of(&p, "typeOfLabourNotSpecified", &cells), "0");
	assert_string_equal(cell_of(&p, "typeOfSexRemoteInteractiveServices", &cells), "1");
	assert_string_equal(cell_of(&p, "typeOfSexProstitution", &cells), "0");

	/* Sexual exploitation only: the typeOfLabour cells are empty (not applicable). */
	struct person s = { 0 };
	s.v[CTDC_SRC_TYPES][0] = "SexualExploitation";
	s.v[CTDC_SRC_SECTOR][0] = "A";
	assert_string_equal(cell_of(&s, "isForcedLabour", &cells), "0");
	assert_string_equal(cell_of(&s, "typeOfLabourAgriculture", &cells), "");
	assert_string_equal(cell_of(&s, "typeOfSexProstitution", &cells), "0");

	/* Begging is forced labour; a sector without a CTDC column is Other; none is NotSpecified. */
	static const struct {
		const char *type, *sector, *col;
	} labour[] = {
		{ "ForcedBegging", NULL, "typeOfLabourBegging" },
		{ "ForcedLabour", "B", "typeOfLabourMiningOrDrilling" },
		{ "ForcedLabour", "C", "typeOfLabourManufacturing" },
		{ "ForcedLabour", "F", "typeOfLabourConstruction" },
		{ "ForcedLabour", "H", "typeOfLabourTransportation" },
		{ "ForcedLabour", "I", "typeOfLabourHospitality" },
		{ "ForcedLabour", "K", "typeOfLabourOther" },
		{ "ChildLabour", NULL, "typeOfLabourNotSpecified" },
	};
	for (size_t i = 0; i < sizeof(labour) / sizeof(labour[0]); i++) {
		struct person one = { 0 };
		one.v[CTDC_SRC_TYPES][0] = labour[i].type;
		one.v[CTDC_SRC_SECTOR][0] = labour[i].sector;
		assert_string_equal(cell_of(&one, "isForcedLabour", &cells), "1");
		assert_string_equal(cell_of(&one, labour[i].col, &cells), "1");
		assert_string_equal(cell_of(&one, "isSexualExploit", &cells), "0");
		assert_string_equal(cell_of(&one, "typeOfSexProstitution", &cells), "");
	}
	static const struct {
		const char *type, *col;
	} other[] = {
		{ "ForcedMarriage", "isForcedMarriage" },
		{ "Servitude", "isSlaveryAndPractices" },
		{ "ForcedMilitaryByNonStateActors", "isForcedMilitary" },
		{ "OrganRemoval", "isOrganRemoval" },
		{ "Surrogacy", "isOtherExploit" },
		{ "ForcedAdoption", "isOtherExploit" },
		{ "Other", "isOtherExploit" },
		{ "ATypeAddedLater", "isOtherExploit" },
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		struct person one = { 0 };
		one.v[CTDC_SRC_TYPES][0] = other[i].type;
		assert_string_equal(cell_of(&one, other[i].col, &cells), "1");
		assert_string_equal(cell_of(&one, "isOtherExploit", &cells), "1");
		assert_string_equal(cell_of(&one, "isForcedLabour", &cells), "0");
	}
	/* Not recorded: empty. */
	struct person none = { 0 };
	assert_string_equal(cell_of(&none, "isForcedLabour", &cells), "");
	assert_string_equal(cell_of(&none, "typeOfLabourNotSpecified", &cells), "");
	assert_string_equal(cell_of(&none, "isAbduction", &cells), "");
	ctdc_cells_release(&cells);
}

static void test_recruiter(void **state)
{
	static const struct {
		const char *choice, *value, *flag;
	} rows[] = {
		{ "Familial", "Family/Relative", "recruiterRelationFamily" },
		{ "Acquainted", "Other", "recruiterRelationOther" },
		{ "Unaquainted", "Other", "recruiterRelationOther" },
	};
	struct ctdc_cells cells;
	assert_int_equal(ctdc_cells_init(&cells), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct person p = { 0 };
		p.v[CTDC_SRC_RECRUITER][0] = rows[i].choice;
		assert_string_equal(cell_of(&p, "RecruiterRelationship", &cells), rows[i].value);
		assert_string_equal(cell_of(&p, rows[i].flag, &cells), "1");
		assert_string_equal(cell_of(&p, "recruiterRelationFriend", &cells), "0");
		assert_string_equal(cell_of(&p, "recruiterRelationUnknown", &cells), "0");
	}
	struct person none = { 0 };
	assert_string_equal(cell_of(&none, "RecruiterRelationship", &cells), "");
	assert_string_equal(cell_of(&none, "recruiterRelationFamily", &cells), "");
	ctdc_cells_release(&cells);
}

static void test_majority_at_exploit(void **state)
{
	static const struct {
		const char *age, *year, *began, *want;
	} rows[] = {
		{ "9-17", "2024", NULL, "Minor" },     /* a minor now was a minor then */
		{ "0-8", "2024", "2023", "Minor" },
		{ "30-38", "2024", "2020", "Adult" },  /* 30 - 4 - 1 >= 18 */
		{ "21-23", "2024", "2022", "Adult" },  /* 21 - 2 - 1 = 18 */
		{ "21-23", "2024", "2021", "" },       /* 21 - 3 - 1 = 17: could have been a minor */
		{ "18-20", "2024", "2024", "" },
		{ "48+", "2024", NULL, "" },           /* no start year */
		{ "48+", "2024", "2030", "" },         /* began after the registration: not believed */
		{ NULL, "2024", "2020", "" },
	};
	struct ctdc_cells cells;
	assert_int_equal(ctdc_cells_init(&cells), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct person p = { 0 };
		p.v[CTDC_SRC_AGE][0] = rows[i].age;
		p.v[CTDC_SRC_YEAR][0] = rows[i].year;
		p.v[CTDC_SRC_EXPLOIT_YEAR][0] = rows[i].began;
		assert_string_equal(cell_of(&p, "majorityStatusAtExploit", &cells), rows[i].want);
	}
	/* Beside a blanked age band, majority or year it is left empty too. */
	struct person p = { 0 };
	p.v[CTDC_SRC_AGE][0] = "30-38";
	p.v[CTDC_SRC_YEAR][0] = "2024";
	p.v[CTDC_SRC_EXPLOIT_YEAR][0] = "2020";
	static const int blanked[] = { CTDC_QI_AGE, CTDC_QI_MAJORITY, CTDC_QI_YEAR };
	for (size_t i = 0; i < sizeof(blanked) / sizeof(blanked[0]); i++) {
		struct ctdc_row row;
		ctdc_row_build(&row, get, &p);
		row.qi[blanked[i]] = KANON_MISSING;
		ctdc_cells_fill(&cells, &row);
		assert_string_equal(cells.cell[column("majorityStatusAtExploit")], "");
	}
	ctdc_cells_release(&cells);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_qi_codes),
		cmocka_unit_test(test_means_of_control),
		cmocka_unit_test(test_exploitation),
		cmocka_unit_test(test_recruiter),
		cmocka_unit_test(test_majority_at_exploit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
