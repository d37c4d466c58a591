/*
 * test_names.c: the normal form of names and document numbers (names.h).
 *
 * Tables: spellings that must meet (same normal form), exact normal forms,
 * tokens, document numbers, errors. Every input of every table is also
 * checked for idempotence: the normal form of a normal form is itself.
 * A last test runs the Arabic side of ../shared/data/names/ar2en.txt (when
 * present; tests run from the repository root) through the same checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/names/names.h"

#define OUT_BYTES (NAME_MAX_BYTES + 1)

/* ---- tables ---- */

/* Spellings that must have the same normal form. */
static const struct {
	const char *a, *b;
} meet[] = {
	/* alef forms */
	{ "أحمد", "احمد" },
	{ "إحمد", "احمد" },
	{ "آمنة", "امنه" },
	{ "ٱحمد", "احمد" },
	/* teh marbuta, alef maksura */
	{ "فاطمة", "فاطمه" },
	{ "مصطفى", "مصطفي" },
	/* hamza on carriers */
	{ "مؤمن", "مومن" },
	{ "هانئ", "هاني" },
	/* harakat, shadda, sukun, tanwin, superscript alef */
	{ "مُحَمَّد", "محمد" },
	{ "عُمَرُ", "عمر" },
	{ "رَحْمَن", "رحمن" },
	{ "الرَّحْمٰن", "الرحمن" },
	{ "هشامٌ", "هشام" },
	/* tatweel */
	{ "محـــمد", "محمد" },
	/* presentation forms: meem initial, hah medial, meem medial, dal final */
	{ "\uFEE3\uFEA4\uFEE4\uFEAA", "محمد" },
	/* lam-alef ligature */
	{ "\uFEFB\uFEE4\uFEF4\uFE8E\uFE80", "لاميا\u0621" },
	/* presentation-form teh marbuta and isolated fatha form */
	{ "\uFE93", "ه" },
	{ "مح\uFE77مد", "محمد" },
	/* Persian and Kurdish keyboards */
	{ "علی", "علي" },
	{ "کریم", "كريم" },
	{ "فاطمە", "فاطمه" },
	/* invisible characters */
	{ "مح\u200Cمد", "محمد" },
	{ "\u200Fمحمد\u200E", "محمد" },
	/* Arabic punctuation */
	{ "محمد، علي", "محمد علي" },
	/* Latin */
	{ "Mohammed", "mohammed" },
	{ "MOHAMMED", "mohammed" },
	{ "Möhammed", "mohammed" },
	{ "Mohämmed", "mohammed" },
	{ "José", "jose" },
	{ "Jose\u0301", "jose" },
	{ "İbrahim", "ibrahim" },
	{ "O'Brien", "O Brien" },
	{ "O\u2019Brien", "o brien" },
	{ "Saʿid", "sa id" },
	{ "Sa`id", "sa id" },
	{ "Al-Hassan", "al hassan" },
	{ "  Anna\t\tMaria\n", "anna maria" },
	{ "Anna\u00A0Maria", "anna maria" },
	{ "J.R.R. Tolkien", "j r r tolkien" },
	{ "ﬁona", "fiona" },
	{ "Ｍａｒｉａ", "maria" },
	{ "Straße", "strasse" },
	/* digits */
	{ "٣٤٥", "345" },
	{ "۳۴۵", "345" },
};

/* Exact normal forms. */
static const struct {
	const char *in, *out;
} exact[] = {
	{ "", "" },
	{ "   ", "" },
	{ "-.,'", "" },
	{ "ـــ", "" },
	{ "\u064E\u0650", "" },
	{ "Mohammed", "mohammed" },
	{ "  Al-Hassan,  Omar. ", "al hassan omar" },
	{ "أحمد", "احمد" },
	{ "مُحَمَّد", "محمد" },
	{ "عبد الرحمن", "عبد الرحمن" },
	{ "Abdul Rahman", "abdul rahman" },
	{ "\uFDF2", "الله" },
	{ "नमस्ते", "नमस्ते" },        /* Devanagari vowel signs and virama kept */
	{ "가나", "가나" },             /* Hangul recomposed */
	{ "がく", "がく" },             /* kana voicing mark kept, recomposed */
	{ "Ω", "ω" },
};

/* Tokens. */
#define MAX_EXPECT 8
static const struct {
	const char *in;
	int n;
	const char *tokens[MAX_EXPECT];
} token_cases[] = {
	{ "", 0, { NULL } },
	{ "J. R. Smith", 1, { "smith" } },
	{ "Mohammed Ali Hassan", 3, { "mohammed", "ali", "hassan" } },
	{ "Ahmed Al-Hassan", 3, { "ahmed", "alhassan", "hassan" } },
	{ "Ahmed El Sayed", 3, { "ahmed", "elsayed", "sayed" } },
	{ "Ali Alexander", 2, { "ali", "alexander" } },
	{ "Hassan Al", 2, { "hassan", "al" } },
	{ "Abdul Rahman", 1, { "abdulrahman" } },
	{ "Abdulrahman", 1, { "abdulrahman" } },
	{ "Abd al-Rahman", 1, { "abdulrahman" } },
	{ "Abd Rahman", 1, { "abdulrahman" } },
	{ "Abdel Rahman", 1, { "abdulrahman" } },
	{ "Abdelrahman Omar", 2, { "abdulrahman", "omar" } },
	{ "Abd Allah", 1, { "abdullah" } },
	{ "Abdallah", 1, { "abdullah" } },
	{ "Abdullah", 1, { "abdullah" } },
	{ "Abdel Aziz Ali", 2, { "abdulaziz", "ali" } },
	{ "Abdul", 1, { "abdul" } },
	{ "عبد الرحمن", 1, { "عبدالرحمن" } },
	{ "عبدالرحمن", 1, { "عبدالرحمن" } },
	{ "عبد الله محمد", 2, { "عبدالله", "محمد" } },
	{ "أحمد الحسن", 3, { "احمد", "الحسن", "حسن" } },
	{ "نصر الله", 2, { "نصر", "الله" } },
	{ "ال حسن", 2, { "الحسن", "حسن" } },
	{ "مُحَمَّد عَلِيّ", 2, { "محمد", "علي" } },
	{ "م. علي", 2, { "م", "علي" } },
};

/* Document numbers. */
static const struct {
	const char *in, *out;
} docs[] = {
	{ "", "" },
	{ "ab-123 456", "AB123456" },
	{ "A١٢٣٤٥", "A12345" },
	{ "۹۸۷-xy", "987XY" },
	{ "Ａ１２", "A12" },
	{ "N° 12/34", "N1234" },
	{ "é12", "E12" },
	{ "رقم ١٢", "12" },
};

/* Not UTF-8. */
static const char *const invalid[] = {
	"\xff",
	"abc\xc3",             /* truncated */
	"\xc0\xaf",            /* overlong '/' */
	"\xe0\x80\xaf",        /* overlong */
	"\xed\xa0\x80",        /* surrogate U+D800 */
	"\xf4\x90\x80\x80",    /* past U+10FFFF */
	"\x80",                /* lone continuation */
	"\xd9\x85\xd8",        /* Arabic letter then a truncated one */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static void check_idempotent(const char *in)
{
	char once[OUT_BYTES], twice[OUT_BYTES];

	if (name_normalize(in, once, sizeof once) != 0)
		return;
	assert_int_equal(name_normalize(once, twice, sizeof twice), 0);
	assert_string_equal(once, twice);
}

/* ---- tests ---- */

static void test_meet(void **state)
{
	for (size_t i = 0; i < N(meet); i++) {
		char a[OUT_BYTES], b[OUT_BYTES];
		assert_int_equal(name_normalize(meet[i].a, a, sizeof a), 0);
		assert_int_equal(name_normalize(meet[i].b, b, sizeof b), 0);
		if (strcmp(a, b) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\" but \"%s\" -> \"%s\"", i, meet[i].a, a,
				 meet[i].b, b);
	}
}

static void test_exact(void **state)
{
	for (size_t i = 0; i < N(exact); i++) {
		char out[OUT_BYTES];
		assert_int_equal(name_normalize(exact[i].in, out, sizeof out), 0);
		if (strcmp(out, exact[i].out) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, exact[i].in, out,
				 exact[i].out);
	}
}

static void test_tokens(void **state)
{
	for (size_t i = 0; i < N(token_cases); i++) {
		char buf[NAME_TOKENS_BUF_BYTES];
		const char *tokens[NAME_MAX_TOKENS];
		int n = name_tokens(token_cases[i].in, buf, sizeof buf, tokens);
		if (n != token_cases[i].n)
			fail_msg("case %zu \"%s\": %d tokens, want %d", i, token_cases[i].in, n,
				 token_cases[i].n);
		for (int k = 0; k < n; k++) {
			if (strcmp(tokens[k], token_cases[i].tokens[k]) != 0)
				fail_msg("case %zu \"%s\": token %d \"%s\", want \"%s\"", i,
					 token_cases[i].in, k, tokens[k], token_cases[i].tokens[k]);
			assert_true(strlen(tokens[k]) >= 2);
			assert_null(strchr(tokens[k], ' '));
		}
	}
}

/* Spellings of the same compound name give the same token list. */
static void test_tokens_meet(void **state)
{
	static const char *const groups[][5] = {
		{ "Abdul Rahman", "Abdulrahman", "Abd al-Rahman", "ABDEL RAHMAN", "Abdelrahman" },
		{ "عبد الرحمن", "عبدالرحمن", "عَبْدُ الرَّحْمٰن", "عبـد الرحمن", "عبد ال رحمن" },
		{ "Abdullah", "Abd Allah", "Abdallah", "Abdellah", "abdul-lah" },
	};
	for (size_t g = 0; g < N(groups); g++) {
		char first_buf[NAME_TOKENS_BUF_BYTES];
		const char *first[NAME_MAX_TOKENS];
		int n_first = name_tokens(groups[g][0], first_buf, sizeof first_buf, first);
		assert_int_equal(n_first, 1);
		for (size_t k = 1; k < N(groups[g]); k++) {
			char buf[NAME_TOKENS_BUF_BYTES];
			const char *tokens[NAME_MAX_TOKENS];
			int n = name_tokens(groups[g][k], buf, sizeof buf, tokens);
			if (n != 1 || strcmp(tokens[0], first[0]) != 0)
				fail_msg("\"%s\" gives %d tokens (%s), want \"%s\"", groups[g][k], n,
					 n > 0 ? tokens[0] : "", first[0]);
		}
	}
}

static void test_tokens_cap(void **state)
{
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	char in[256] = "";
	size_t len = 0;

	/* 20 words w00..w19: the first NAME_MAX_TOKENS kept, in order */
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(in + len, sizeof in - len, "w%02d ", i);
	assert_int_equal(name_tokens(in, buf, sizeof buf, tokens), NAME_MAX_TOKENS);
	for (int i = 0; i < NAME_MAX_TOKENS; i++) {
		char want[16];
		snprintf(want, sizeof want, "w%02d", i);
		assert_string_equal(tokens[i], want);
	}
	/* a buf too small for the tokens */
	assert_int_equal(name_tokens("mohammed ali", buf, 8, tokens), ERR_TOO_LARGE);
	assert_int_equal(name_tokens("mohammed ali", buf, 13, tokens), 2);
	assert_int_equal(name_tokens("mohammed ali", buf, 12, tokens), ERR_TOO_LARGE);
}

static void test_doc(void **state)
{
	for (size_t i = 0; i < N(docs); i++) {
		char out[OUT_BYTES], again[OUT_BYTES];
		assert_int_equal(name_normalize_doc(docs[i].in, out, sizeof out), 0);
		if (strcmp(out, docs[i].out) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, docs[i].in, out,
				 docs[i].out);
		assert_int_equal(name_normalize_doc(out, again, sizeof again), 0);
		assert_string_equal(out, again);
	}
}

static void test_invalid(void **state)
{
	for (size_t i = 0; i < N(invalid); i++) {
		char out[OUT_BYTES], buf[NAME_TOKENS_BUF_BYTES];
		const char *tokens[NAME_MAX_TOKENS];
		out[0] = 'x';
		assert_int_equal(name_normalize(invalid[i], out, sizeof out), ERR_INVALID);
		assert_string_equal(out, "");
		assert_int_equal(name_tokens(invalid[i], buf, sizeof buf, tokens), ERR_INVALID);
		assert_int_equal(name_normalize_doc(invalid[i], out, sizeof out), ERR_INVALID);
	}
}

static void test_caps(void **state)
{
	char big[NAME_MAX_BYTES + 2];
	char out[OUT_BYTES], buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];

	/* input at the cap is accepted, one byte over is not */
	memset(big, 'a', NAME_MAX_BYTES);
	big[NAME_MAX_BYTES] = '\0';
	assert_int_equal(name_normalize(big, out, sizeof out), 0);
	assert_int_equal(strlen(out), NAME_MAX_BYTES);
	assert_int_equal(name_normalize_doc(big, out, sizeof out), 0);
	big[NAME_MAX_BYTES] = 'a';
	big[NAME_MAX_BYTES + 1] = '\0';
	assert_int_equal(name_normalize(big, out, sizeof out), ERR_TOO_LARGE);
	assert_int_equal(name_normalize_doc(big, out, sizeof out), ERR_TOO_LARGE);
	assert_int_equal(name_tokens(big, buf, sizeof buf, tokens), ERR_TOO_LARGE);

	/* out too small */
	assert_int_equal(name_normalize("Mohammed", out, 8), ERR_TOO_LARGE);
	assert_string_equal(out, "");
	assert_int_equal(name_normalize("Mohammed", out, 9), 0);
	assert_string_equal(out, "mohammed");
	assert_int_equal(name_normalize("محمد", out, 8), ERR_TOO_LARGE);
	assert_int_equal(name_normalize("محمد", out, 9), 0);
	assert_int_equal(name_normalize_doc("AB12", out, 4), ERR_TOO_LARGE);
	assert_string_equal(out, "");
	assert_int_equal(name_normalize_doc("AB12", out, 5), 0);

	/* a short input whose normal form is over the cap: U+FDFA expands 3 bytes to 33 */
	{
		char expand[200 * 3 + 1];
		for (int i = 0; i < 200; i++)
			memcpy(expand + 3 * i, "\xef\xb7\xba", 3);
		expand[200 * 3] = '\0';
		assert_int_equal(name_normalize(expand, out, sizeof out), ERR_TOO_LARGE);
		assert_int_equal(name_normalize("\xef\xb7\xba", out, sizeof out), 0);
		check_idempotent("\xef\xb7\xba");
	}
}

static void test_empty(void **state)
{
	char out[OUT_BYTES], buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];

	assert_int_equal(name_normalize("", out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(name_normalize(" - ", out, 1), 0);   /* "" fits in 1 byte */
	assert_string_equal(out, "");
	assert_int_equal(name_tokens("", buf, sizeof buf, tokens), 0);
	assert_int_equal(name_tokens(" a . b ", buf, sizeof buf, tokens), 0);
	assert_int_equal(name_normalize_doc("", out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(name_normalize_doc("---", out, sizeof out), 0);
	assert_string_equal(out, "");
}

static void test_idempotent(void **state)
{
	for (size_t i = 0; i < N(meet); i++) {
		check_idempotent(meet[i].a);
		check_idempotent(meet[i].b);
	}
	for (size_t i = 0; i < N(exact); i++)
		check_idempotent(exact[i].in);
	for (size_t i = 0; i < N(token_cases); i++)
		check_idempotent(token_cases[i].in);
	for (size_t i = 0; i < N(docs); i++)
		check_idempotent(docs[i].in);
}

/*
 * The Arabic column of the name list: each normalises without error, is
 * idempotent, and loses no letter into nothing (a non-empty name keeps a
 * non-empty normal form). Cross-script matching is not asserted.
 */
static void test_real_data(void **state)
{
	FILE *f = fopen("../shared/data/names/ar2en.txt", "r");
	char line[4096];
	size_t n_names = 0, n_changed = 0;

	if (!f) {
		print_message("ar2en.txt not found; skipped\n");
		skip();
	}
	while (fgets(line, sizeof line, f)) {
		char out[OUT_BYTES], buf[NAME_TOKENS_BUF_BYTES];
		const char *tokens[NAME_MAX_TOKENS];
		char *tab = strchr(line, '\t');
		int rc;

		if (tab)
			*tab = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		n_names++;
		rc = name_normalize(line, out, sizeof out);
		if (rc != 0)
			fail_msg("\"%s\": %d", line, rc);
		check_idempotent(line);
		if (strcmp(out, line) != 0)
			n_changed++;
		rc = name_tokens(line, buf, sizeof buf, tokens);
		if (rc < 0)
			fail_msg("\"%s\": tokens %d", line, rc);
	}
	fclose(f);
	print_message("ar2en.txt: %zu names, %zu changed by normalisation\n", n_names, n_changed);
	assert_true(n_names > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meet),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_tokens_meet),
		cmocka_unit_test(test_tokens_cap),
		cmocka_unit_test(test_doc),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_real_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
