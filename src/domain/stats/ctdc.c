/*
 * ctdc.c: a person's CTDC row: the columns of CTDC's data dictionary and the
 * mapping from the registry's choices (see ctdc.h; the table, with the
 * reasons for each choice, is in docs/statistics.md). Pure.
 */
#include "ctdc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_dims[CTDC_SRC_COUNT] = {
	[CTDC_SRC_YEAR] = "case.registration_year",
	[CTDC_SRC_GENDER] = "person.gender",
	[CTDC_SRC_AGE] = "person.age_band",
	[CTDC_SRC_CITIZENSHIP] = "person.citizenship",
	[CTDC_SRC_COUNTRY] = "victim.exploitation_country",
	[CTDC_SRC_EXPLOIT_YEAR] = "victim.exploitation_start_year",
	[CTDC_SRC_MEANS] = "victim.means_of_control",
	[CTDC_SRC_TYPES] = "victim.exploitation_types",
	[CTDC_SRC_SEX_TYPES] = "victim.sexual_exploitation_types",
	[CTDC_SRC_SECTOR] = "victim.labour_sector",
	[CTDC_SRC_RECRUITER] = "victim.recruiter_relation",
};

const char *ctdc_source_dim(enum ctdc_source s)
{
	assert(s < CTDC_SRC_COUNT);
	return source_dims[s];
}

/* ---- codes of the quasi-identifiers ---- */

/* gender: registry choice -> CTDC value */
static const char *const gender_values[] = { "Female", "Male", "Transgender/NonConforming" };
static const struct {
	const char *choice;
	uint16_t code;
} gender_map[] = {
	{ "Feminine", 0 },
	{ "Masculine", 1 },
	{ "TransgenderFeminine", 2 },
	{ "TransgenderMasculine", 2 },
	{ "NonConforming", 2 },
	/* NonSpecifiedUnknown: empty */
};

/* ageBroad, in the registry's order of person.age_band; CTDC writes the dash twice. */
static const struct {
	const char *choice, *ctdc;
	int lo, hi;   /* years; hi -1: no upper bound */
} age_bands[] = {
	{ "0-8", "0--8", 0, 8 },       { "9-17", "9--17", 9, 17 },    { "18-20", "18--20", 18, 20 },
	{ "21-23", "21--23", 21, 23 }, { "24-26", "24--26", 24, 26 }, { "27-29", "27--29", 27, 29 },
	{ "30-38", "30--38", 30, 38 }, { "39-47", "39--47", 39, 47 }, { "48+", "48+", 48, -1 },
};
#define N_AGE_BANDS (sizeof(age_bands) / sizeof(age_bands[0]))

static const char *const majority_values[] = { "Minor", "Adult" };

uint16_t ctdc_country_code(const char *iso2)
{
	if (!iso2 || iso2[0] < 'A' || iso2[0] > 'Z' || iso2[1] < 'A' || iso2[1] > 'Z' || iso2[2])
		return KANON_MISSING;
	return (uint16_t)((iso2[0] - 'A') * 26 + (iso2[1] - 'A'));
}

static void country_text(uint16_t code, char out[3])
{
	if (code == KANON_MISSING || code >= 26 * 26) {
		out[0] = '\0';
		return;
	}
	out[0] = (char)('A' + code / 26);
	out[1] = (char)('A' + code % 26);
	out[2] = '\0';
}

/* A year "1990".."2100" (what the registry allows, with room), or 0. */
static int year_of(const char *s)
{
	if (!s)
		return 0;
	char *end;
	long y = strtol(s, &end, 10);
	return *end == '\0' && end != s && y >= 1900 && y <= 2200 ? (int)y : 0;
}

/* ---- the columns ---- */

/* meansOfControl*: the columns, then which registry choice sets which. */
enum {
	M_DEBT, M_EARNINGS, M_FINANCIAL, M_THREATS, M_PSYCHOLOGICAL, M_PHYSICAL, M_SEXUAL, M_PROMISES,
	M_SUBSTANCES, M_MOVEMENT, M_MEDICAL, M_HOURS, M_CHILDREN, M_LAW, M_NECESSITIES, M_DOCUMENTS,
	M_OTHER, M_NOT_SPECIFIED, M_COUNT
};
static const char *const means_columns[M_COUNT] = {
	"meansOfControlDebtBondage", "meansOfControlTakesEarnings", "meansOfControlRestrictsFinancialAccess",
	"meansOfControlThreats", "meansOfControlPsychologicalAbuse", "meansOfControlPhysicalAbuse",
	"meansOfControlSexualAbuse", "meansOfControlFalsePromises", "meansOfControlPsychoactiveSubstances",
	"meansOfControlRestrictsMovement", "meansOfControlRestrictsMedicalCare",
	"meansOfControlExcessiveWorkingHours", "meansOfControlUsesChildren",
	"meansOfControlThreatOfLawEnforcement", "meansOfControlWithholdsNecessities",
	"meansOfControlWithholdsDocuments", "meansOfControlOther", "meansOfControlNotSpecified",
};
static const struct {
	const char *choice;
	int column;
} means_map[] = {
	{ "PhysicalThreats", M_THREATS },
	{ "ThreatsLawEnforcement", M_LAW },
	{ "ThreatensChildrenFamily", M_THREATS },
	{ "DebtBondage", M_DEBT },
	{ "FalsePromises", M_PROMISES },
	{ "PhysicalAbuse", M_PHYSICAL },
	{ "SexualAbuse", M_SEXUAL },
	{ "TakesEarnings", M_EARNINGS },
	{ "RestrictsFinancialAccess", M_FINANCIAL },
	{ "RestrictsMedicalCare", M_MEDICAL },
	{ "WithholdsNecessities", M_NECESSITIES },
	{ "PsychologicalAbuse", M_PSYCHOLOGICAL },
	{ "PsychoactiveSubstance", M_SUBSTANCES },
	{ "ExcessiveWorkingHours", M_HOURS },
	{ "WithholdsDocuments", M_DOCUMENTS },
	{ "Other", M_OTHER },
};

/* is*: forms of exploitation. */
enum { X_LABOUR, X_SEXUAL, X_OTHER, X_SEX_AND_LABOUR, X_MARRIAGE, X_MILITARY, X_ORGAN, X_SLAVERY, X_COUNT };
static const char *const exploit_columns[X_COUNT] = {
	"isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour",
	"isForcedMarriage", "isForcedMilitary", "isOrganRemoval", "isSlaveryAndPractices",
};

/* typeOfLabour*. */
enum {
	L_AGRICULTURE, L_AQUAFARMING, L_BEGGING, L_CONSTRUCTION, L_DOMESTIC, L_HOSPITALITY, L_ILLICIT,
	L_MANUFACTURING, L_MINING, L_PEDDLING, L_TRANSPORTATION, L_OTHER, L_NOT_SPECIFIED, L_COUNT
};
static const char *const labour_columns[L_COUNT] = {
	"typeOfLabourAgriculture", "typeOfLabourAquafarming", "typeOfLabourBegging", "typeOfLabourConstruction",
	"typeOfLabourDomesticWork", "typeOfLabourHospitality", "typeOfLabourIllicitActivities",
	"typeOfLabourManufacturing", "typeOfLabourMiningOrDrilling", "typeOfLabourPeddling",
	"typeOfLabourTransportation", "typeOfLabourOther", "typeOfLabourNotSpecified",
};
/* ISIC Rev.4 section -> typeOfLabour column; a section not listed is Other. */
static const struct {
	char section;
	int column;
} sector_map[] = {
	{ 'A', L_AGRICULTURE }, { 'B', L_MINING }, { 'C', L_MANUFACTURING }, { 'F', L_CONSTRUCTION },
	{ 'H', L_TRANSPORTATION }, { 'I', L_HOSPITALITY }, { 'T', L_DOMESTIC },
};

/* Registry exploitation type -> the is* flags and typeOfLabour columns it sets. */
static const struct {
	const char *choice;
	unsigned exploit;   /* bits of X_* */
	unsigned labour;    /* bits of L_* */
} type_map[] = {
	{ "ForcedLabour", 1u << X_LABOUR, 0 },
	{ "SexualExploitation", 1u << X_SEXUAL, 0 },
	{ "ChildLabour", 1u << X_LABOUR, 0 },
	{ "ForcedBegging", 1u << X_LABOUR, 1u << L_BEGGING },
	{ "ForcedMarriage", 1u << X_MARRIAGE | 1u << X_OTHER, 0 },
	{ "Servitude", 1u << X_SLAVERY | 1u << X_OTHER, 0 },
	{ "ForcedMilitaryByNonStateActors", 1u << X_MILITARY | 1u << X_OTHER, 0 },
	{ "OrganRemoval", 1u << X_ORGAN | 1u << X_OTHER, 0 },
	{ "ForcedAdoption", 1u << X_OTHER, 0 },
	{ "Surrogacy", 1u << X_OTHER, 0 },
	{ "Other", 1u << X_OTHER, 0 },
};

/* typeOfSex*. */
enum { S_PROSTITUTION, S_PORNOGRAPHY, S_REMOTE, S_PRIVATE, S_COUNT };
static const char *const sex_columns[S_COUNT] = {
	"typeOfSexProstitution", "typeOfSexPornography", "typeOfSexRemoteInteractiveServices",
	"typeOfSexPrivateSexualServices",
};
static const struct {
	const char *choice;
	int column;
} sex_map[] = {
	{ "Prostitution", S_PROSTITUTION },
	{ "Pornography", S_PORNOGRAPHY },
	{ "RemoteInteractiveServices", S_REMOTE },
	{ "PrivateSexualServices", S_PRIVATE },
};

/* RecruiterRelationship and its recruiterRelation* flags. */
enum { R_INTIMATE, R_FRIEND, R_FAMILY, R_OTHER, R_UNKNOWN, R_COUNT };
static const char *const recruiter_columns[R_COUNT] = {
	"recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily",
	"recruiterRelationOther", "recruiterRelationUnknown",
};
static const char *const recruiter_values[R_COUNT] = { "Intimate Partner", "Friend", "Family/Relative", "Other",
						      "Unknown" };
static const struct {
	const char *choice;
	int column;
} recruiter_map[] = {
	{ "Familial", R_FAMILY },
	{ "Acquainted", R_OTHER },    /* an acquaintance is not always a friend */
	{ "Unaquainted", R_OTHER },   /* a stranger: CTDC has no column for it */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The file's columns; the positions below index the cells. */
enum {
	C_YEAR, C_SOURCE, C_GENDER, C_AGE, C_MAJORITY, C_AT_EXPLOIT, C_ENTRY, C_CITIZENSHIP,
	C_MEANS,                        /* M_COUNT columns */
	C_EXPLOIT = C_MEANS + M_COUNT,  /* X_COUNT */
	C_LABOUR = C_EXPLOIT + X_COUNT, /* L_COUNT */
	C_SEX = C_LABOUR + L_COUNT,     /* S_COUNT */
	C_ABDUCTION = C_SEX + S_COUNT,
	C_RECRUITER,
	C_COUNTRY,
	C_RECRUITER_FLAGS,              /* R_COUNT */
	C_COUNT = C_RECRUITER_FLAGS + R_COUNT
};

size_t ctdc_column_count(void)
{
	return C_COUNT;
}

const char *ctdc_column_name(size_t i)
{
	static const char *const fixed[] = {
		[C_YEAR] = "yearOfRegistration", [C_SOURCE] = "Datasource", [C_GENDER] = "gender",
		[C_AGE] = "ageBroad", [C_MAJORITY] = "majorityStatus", [C_AT_EXPLOIT] = "majorityStatusAtExploit",
		[C_ENTRY] = "majorityEntry", [C_CITIZENSHIP] = "citizenship",
	};
	assert(i < C_COUNT);
	if (i < C_MEANS)
		return fixed[i];
	if (i < C_EXPLOIT)
		return means_columns[i - C_MEANS];
	if (i < C_LABOUR)
		return exploit_columns[i - C_EXPLOIT];
	if (i < C_SEX)
		return labour_columns[i - C_LABOUR];
	if (i < C_ABDUCTION)
		return sex_columns[i - C_SEX];
	if (i == C_ABDUCTION)
		return "isAbduction";
	if (i == C_RECRUITER)
		return "RecruiterRelationship";
	if (i == C_COUNTRY)
		return "CountryOfExploitation";
	return recruiter_columns[i - C_RECRUITER_FLAGS];
}

/* ---- building a row ---- */

#define MAX_VALUES 32

void ctdc_row_build(struct ctdc_row *row, int (*get)(void *ud, enum ctdc_source s, const char **out, int max),
		    void *ud)
{
	const char *v[MAX_VALUES];
	int n;
	memset(row, 0, sizeof(*row));
	for (int q = 0; q < CTDC_QI_COUNT; q++)
		row->qi[q] = KANON_MISSING;

	int year = (n = get(ud, CTDC_SRC_YEAR, v, 1)) > 0 ? year_of(v[0]) : 0;
	if (year)
		row->qi[CTDC_QI_YEAR] = (uint16_t)year;
	if ((n = get(ud, CTDC_SRC_GENDER, v, 1)) > 0)
		for (size_t i = 0; i < N(gender_map); i++)
			if (v[0] && !strcmp(v[0], gender_map[i].choice))
				row->qi[CTDC_QI_GENDER] = gender_map[i].code;
	int band = -1;
	if ((n = get(ud, CTDC_SRC_AGE, v, 1)) > 0)
		for (size_t i = 0; i < N_AGE_BANDS; i++)
			if (v[0] && !strcmp(v[0], age_bands[i].choice))
				band = (int)i;
	if (band >= 0) {
		row->qi[CTDC_QI_AGE] = (uint16_t)band;
		row->qi[CTDC_QI_MAJORITY] = age_bands[band].hi >= 0 && age_bands[band].hi < 18 ? 0 : 1;
	}
	/* Citizenship: the first country listed that is a country code. */
	n = get(ud, CTDC_SRC_CITIZENSHIP, v, MAX_VALUES);
	for (int i = 0; i < n && row->qi[CTDC_QI_CITIZENSHIP] == KANON_MISSING; i++)
		row->qi[CTDC_QI_CITIZENSHIP] = ctdc_country_code(v[i]);
	if ((n = get(ud, CTDC_SRC_COUNTRY, v, 1)) > 0)
		row->qi[CTDC_QI_COUNTRY] = ctdc_country_code(v[0]);

	/*
	 * majorityStatusAtExploit, assuming the exploitation began before the
	 * registration: a minor at registration was a minor then; an adult
	 * whose band's lower bound, less the years between, less one (the
	 * years are calendar years) is still 18 or more was an adult then.
	 */
	if (band >= 0 && age_bands[band].hi >= 0 && age_bands[band].hi < 18) {
		row->at_exploit = 1;
	} else if (band >= 0 && year && (n = get(ud, CTDC_SRC_EXPLOIT_YEAR, v, 1)) > 0) {
		int began = year_of(v[0]);
		if (began && began <= year && age_bands[band].lo - (year - began) - 1 >= 18)
			row->at_exploit = 2;
	}

	n = get(ud, CTDC_SRC_MEANS, v, MAX_VALUES);
	row->means_known = n > 0;
	for (int i = 0; i < n; i++) {
		int col = M_OTHER;
		for (size_t m = 0; m < N(means_map); m++)
			if (v[i] && !strcmp(v[i], means_map[m].choice))
				col = means_map[m].column;
		row->means |= 1u << col;
	}

	n = get(ud, CTDC_SRC_TYPES, v, MAX_VALUES);
	row->exploit_known = n > 0;
	for (int i = 0; i < n; i++) {
		unsigned x = 1u << X_OTHER, l = 0;
		for (size_t m = 0; m < N(type_map); m++)
			if (v[i] && !strcmp(v[i], type_map[m].choice)) {
				x = type_map[m].exploit;
				l = type_map[m].labour;
			}
		row->exploit |= (uint16_t)x;
		row->labour |= (uint16_t)l;
	}
	if ((row->exploit & (1u << X_LABOUR)) && (row->exploit & (1u << X_SEXUAL)))
		row->exploit |= 1u << X_SEX_AND_LABOUR;
	if (row->exploit & (1u << X_LABOUR)) {
		if ((n = get(ud, CTDC_SRC_SECTOR, v, 1)) > 0 && v[0]) {
			int col = L_OTHER;
			for (size_t m = 0; m < N(sector_map); m++)
				if (v[0][0] == sector_map[m].section && v[0][1] == '\0')
					col = sector_map[m].column;
			row->labour |= (uint16_t)(1u << col);
		}
		if (!row->labour)
			row->labour = 1u << L_NOT_SPECIFIED;
	} else {
		row->labour = 0;
	}
	if (row->exploit & (1u << X_SEXUAL)) {
		n = get(ud, CTDC_SRC_SEX_TYPES, v, MAX_VALUES);
		for (int i = 0; i < n; i++)
			for (size_t m = 0; m < N(sex_map); m++)
				if (v[i] && !strcmp(v[i], sex_map[m].choice))
					row->sex |= (uint8_t)(1u << sex_map[m].column);
	}

	if ((n = get(ud, CTDC_SRC_RECRUITER, v, 1)) > 0 && v[0]) {
		int col = R_OTHER;
		for (size_t m = 0; m < N(recruiter_map); m++)
			if (!strcmp(v[0], recruiter_map[m].choice))
				col = recruiter_map[m].column;
		row->recruiter = (uint8_t)(1 + col);
	}
}

/* ---- cells ---- */

int ctdc_cells_init(struct ctdc_cells *c)
{
	memset(c, 0, sizeof(*c));
	c->cell = calloc(C_COUNT, sizeof(*c->cell));
	return c->cell ? 0 : ERR_NOMEM;
}

void ctdc_cells_release(struct ctdc_cells *c)
{
	free(c->cell);
	memset(c, 0, sizeof(*c));
}

static const char *flag(bool known, bool set)
{
	return !known ? "" : set ? "1" : "0";
}

void ctdc_cells_fill(struct ctdc_cells *c, const struct ctdc_row *row)
{
	const char **cell = c->cell;
	const uint16_t *qi = row->qi;
	for (size_t i = 0; i < C_COUNT; i++)
		cell[i] = "";

	if (qi[CTDC_QI_YEAR] != KANON_MISSING) {
		snprintf(c->year, sizeof(c->year), "%u", (unsigned)qi[CTDC_QI_YEAR]);
		cell[C_YEAR] = c->year;
	}
	cell[C_SOURCE] = CTDC_DATASOURCE;
	if (qi[CTDC_QI_GENDER] < N(gender_values))
		cell[C_GENDER] = gender_values[qi[CTDC_QI_GENDER]];
	if (qi[CTDC_QI_AGE] < N_AGE_BANDS)
		cell[C_AGE] = age_bands[qi[CTDC_QI_AGE]].ctdc;
	if (qi[CTDC_QI_MAJORITY] < N(majority_values))
		cell[C_MAJORITY] = majority_values[qi[CTDC_QI_MAJORITY]];
	/* Only beside the values it was derived from: never where suppression blanked one. */
	if (row->at_exploit && qi[CTDC_QI_AGE] != KANON_MISSING && qi[CTDC_QI_MAJORITY] != KANON_MISSING &&
	    qi[CTDC_QI_YEAR] != KANON_MISSING)
		cell[C_AT_EXPLOIT] = majority_values[row->at_exploit - 1];
	/* majorityEntry: not recorded by ihala; empty. */
	country_text(qi[CTDC_QI_CITIZENSHIP], c->citizenship);
	cell[C_CITIZENSHIP] = c->citizenship;

	for (int m = 0; m < M_COUNT; m++)
		cell[C_MEANS + m] = flag(row->means_known, row->means & (1u << m));
	if (!row->means_known)
		cell[C_MEANS + M_NOT_SPECIFIED] = "1";

	bool labour = row->exploit & (1u << X_LABOUR), sexual = row->exploit & (1u << X_SEXUAL);
	for (int x = 0; x < X_COUNT; x++)
		cell[C_EXPLOIT + x] = flag(row->exploit_known, row->exploit & (1u << x));
	for (int l = 0; l < L_COUNT; l++)
		cell[C_LABOUR + l] = flag(labour, row->labour & (1u << l));
	for (int s = 0; s < S_COUNT; s++)
		cell[C_SEX + s] = flag(sexual, row->sex & (1u << s));
	/* isAbduction: the method of recruitment is not a statistical dimension; empty. */

	if (row->recruiter) {
		cell[C_RECRUITER] = recruiter_values[row->recruiter - 1];
		for (int r = 0; r < R_COUNT; r++)
			cell[C_RECRUITER_FLAGS + r] = flag(true, row->recruiter - 1 == r);
	}
	country_text(qi[CTDC_QI_COUNTRY], c->country);
	cell[C_COUNTRY] = c->country;
}
