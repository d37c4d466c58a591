/*
 * test_xscript.c: cross-script keys of names (xscript.h).
 *
 * Tables: groups of spellings of one name (Arabic script and Latin) that
 * must meet, pairs that must not, exact keys (the keys are stored in blind
 * indexes: a change must be deliberate), errors and caps. Names meet as
 * xscript.h says: every token of the name with fewer tokens (either, when
 * they have as many) shares a key with some token of the other.
 *
 * The last test measures the key on ../shared/data/names/ar2en.txt (when
 * present; tests run from the repository root), one Arabic name and its
 * Latin transliteration a line: recall (share of the lines whose two names
 * meet) and collision rate (share of 200,000 random pairs of one line's
 * Arabic name with another line's Latin name, fixed seed, that meet), on
 * the even lines (used to tune the rules) and on the odd lines (held out).
 * Targets: recall >= 0.90 and collisions <= 0.5% on both halves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/names/names.h"
#include "domain/names/xscript.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the keys of a whole name ---- */

struct name_keys {
	int n_tokens;
	int n_keys[NAME_MAX_TOKENS];
	char keys[NAME_MAX_TOKENS][XKEY_COUNT][XKEY_MAX];
};

static int name_keys_of(const char *name, struct name_keys *nk)
{
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	int n = name_tokens(name, buf, sizeof buf, tokens);

	memset(nk, 0, sizeof *nk);
	if (n < 0)
		return n;
	nk->n_tokens = n;
	for (int i = 0; i < n; i++) {
		int k = names_xkeys(tokens[i], nk->keys[i]);
		if (k < 0)
			return k;
		nk->n_keys[i] = k;
	}
	return 0;
}

static bool tokens_meet(const struct name_keys *a, int i, const struct name_keys *b, int j)
{
	for (int x = 0; x < a->n_keys[i]; x++)
		for (int y = 0; y < b->n_keys[j]; y++)
			if (!strcmp(a->keys[i][x], b->keys[j][y]))
				return true;
	return false;
}

/* Every token of a meets some token of b (and a has a token). */
static bool covered(const struct name_keys *a, const struct name_keys *b)
{
	if (a->n_tokens == 0)
		return false;
	for (int i = 0; i < a->n_tokens; i++) {
		bool found = false;
		for (int j = 0; j < b->n_tokens && !found; j++)
			found = tokens_meet(a, i, b, j);
		if (!found)
			return false;
	}
	return true;
}

static bool names_meet_keys(const struct name_keys *a, const struct name_keys *b)
{
	if (a->n_tokens < b->n_tokens)
		return covered(a, b);
	if (b->n_tokens < a->n_tokens)
		return covered(b, a);
	return covered(a, b) || covered(b, a);
}

static bool names_meet(const char *a, const char *b)
{
	struct name_keys ka, kb;

	assert_int_equal(name_keys_of(a, &ka), 0);
	assert_int_equal(name_keys_of(b, &kb), 0);
	return names_meet_keys(&ka, &kb);
}

/* "KEY|KEY TOKEN2..." as `ihala link keys` prints them. */
static void keys_string(const char *name, char *out, size_t size)
{
	struct name_keys nk;
	size_t len = 0;

	out[0] = '\0';
	assert_int_equal(name_keys_of(name, &nk), 0);
	for (int i = 0; i < nk.n_tokens; i++) {
		if (nk.n_keys[i] == 0)
			continue;
		for (int k = 0; k < nk.n_keys[i]; k++)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
						k ? "|" : (len ? " " : ""), nk.keys[i][k]);
	}
}

/* ---- tables ---- */

/*
 * Spellings of one name: each must meet the first (the Arabic script form).
 * Two Latin spellings need not meet each other (Othman and Osman read ث
 * two ways), though most do.
 */
#define GROUP_MAX 8
static const char *const groups[][GROUP_MAX] = {
	{ "محمد", "Mohammed", "Muhammad", "Mohamed", "Mohamad", "Mohammad", "Muhammed" },
	{ "عبد الله", "Abdullah", "Abdallah", "Abd Allah", "Abdulla", "Abdellah" },
	{ "خالد", "Khaled", "Khalid", "Khalled" },
	{ "يوسف", "Youssef", "Yusuf", "Yousef", "Youssouf", "Yousif" },
	{ "فاطمة", "Fatima", "Fatma", "Fatimah", "Fatemeh", "Fatmah" },
	{ "حسين", "Hussein", "Husayn", "Hussain", "Hossein", "Husein" },
	{ "أحمد", "Ahmed", "Ahmad", "Ahmmed" },
	{ "عبد الرحمن", "Abdul Rahman", "Abdelrahman", "Abd al-Rahman", "Abdurrahman", "Abderrahmane" },
	{ "عبد العزيز", "Abdelaziz", "Abdul Aziz", "Abdulaziz" },
	{ "عمر", "Omar", "Umar", "Omer" },
	{ "عثمان", "Othman", "Osman", "Uthman", "Usman" },
	{ "إبراهيم", "Ibrahim", "Ebrahim", "Ibraheem" },
	{ "مصطفى", "Mustafa", "Moustafa", "Mostafa", "Mustapha" },
	{ "صالح", "Saleh", "Salih", "Salah" },
	{ "جعفر", "Jafar", "Jaafar", "Jaffar" },
	{ "الحسن", "Al-Hassan", "El Hassan", "Alhassan", "Hassan" },
	{ "عائشة", "Aisha", "Aicha", "Ayesha", "Aysha" },
	{ "زينب", "Zainab", "Zeinab", "Zaynab" },
	{ "يحيى", "Yahya", "Yehia", "Yahia" },
	{ "قاسم", "Qasim", "Kassem", "Gassim", "Kasim" },
	{ "جمال", "Jamal", "Gamal", "Djamel" },
	{ "طارق", "Tariq", "Tarek", "Tarik" },
	{ "شريف", "Sherif", "Cherif", "Sharif", "Chérif" },
	{ "خديجة", "Khadija", "Khadidja", "Khadeeja" },
	{ "هشام", "Hisham", "Hicham", "Hesham" },
	{ "منصور", "Mansour", "Mansur", "Mansoor" },
	{ "مريم", "Mariam", "Maryam", "Meryem" },
	{ "إسماعيل", "Ismail", "Ismael", "Esmail" },
	{ "ذكرى", "Dhikra", "Zikra" },
	{ "إسحاق", "Ishaq", "Ishak", "Isshaq" },
	{ "مدحت", "Medhat", "Midhat" },
	{ "فتحي", "Fathi", "Fethi", "Fathy" },
	{ "غادة", "Ghada" },
	{ "الأخضر", "Lakhdar", "Al Akhdar" },
	{ "ناصر الدين", "Nasser Eddine", "Nasr al-Din", "Nasr el Din" },
	{ "محمد علي", "Mohamed Ali", "Muhammad Ali" },
	/* the same script, other forms */
	{ "مُحَمَّد", "محـــمد", "\uFEE3\uFEA4\uFEE4\uFEAA" },
	{ "Müller", "MULLER", "Muller" },
};

/* Names that must not meet. */
static const struct {
	const char *a, *b;
} apart[] = {
	{ "محمد", "Ahmed" },
	{ "أحمد", "Mohammed" },
	{ "أحمد", "Hamed" },
	{ "احمد", "حامد" },
	{ "خالد", "Khalil" },
	{ "علي", "Hala" },
	{ "عمر", "Ahmed" },
	{ "فاطمة", "Zainab" },
	{ "يوسف", "Ibrahim" },
	{ "عبد الله", "Abdelaziz" },
	{ "عبد الله", "Abid" },
	{ "غادة", "Diaa" },
	{ "Khaled", "Khalil" },
	{ "مصطفى", "Mahmoud" },
};

/* Exact keys, as `ihala link keys` prints them. */
static const struct {
	const char *name, *keys;
} exact[] = {
	{ "محمد", "MHMD" },
	{ "Mohammed", "MHMD" },
	{ "أحمد", "AHMD" },
	{ "Ahmed", "AHMD" },
	{ "خالد", "XLD" },
	{ "Khaled", "XLD|KLD|KHLD" },
	{ "عبد الله", "ABDL" },
	{ "Al-Hassan", "ALHSN HSN" },
	{ "الحسن", "ALHSN|LHSN HSN" },
	{ "Youssef", "SF" },
	{ "Cherif", "CRF|XRF|KRF" },
	{ "عثمان", "ATMN|ASMN" },
	{ "Abderrahmane", "ABDRHMN|ABDLRHMN" },
	{ "Gamal", "KML" },
	{ "Jørgensen", "JRKNSN|RKNSN|XRKNSN|JRJNSN" },
	{ "Hreiðarsson", "HRDRSN|RDRSN" },
	{ "", "" },
	{ "1234", "" },
	{ "Иван", "" },
	{ "- . ,", "" },
};

/* ---- tests ---- */

static void test_groups(void **state)
{
	for (size_t g = 0; g < N(groups); g++)
		for (size_t j = 1; j < GROUP_MAX && groups[g][j]; j++)
			if (!names_meet(groups[g][0], groups[g][j])) {
				char ka[256], kb[256];
				keys_string(groups[g][0], ka, sizeof ka);
				keys_string(groups[g][j], kb, sizeof kb);
				fail_msg("\"%s\" (%s) and \"%s\" (%s) do not meet", groups[g][0], ka,
					 groups[g][j], kb);
			}
}

static void test_apart(void **state)
{
	for (size_t i = 0; i < N(apart); i++) {
		if (names_meet(apart[i].a, apart[i].b)) {
			char ka[256], kb[256];
			keys_string(apart[i].a, ka, sizeof ka);
			keys_string(apart[i].b, kb, sizeof kb);
			fail_msg("\"%s\" (%s) and \"%s\" (%s) meet", apart[i].a, ka, apart[i].b, kb);
		}
	}
}

/*
 * A compound written as one word in one script and two in the other does
 * not meet token by token; the keys of the two names written without their
 * spaces do (docs/linkage.md).
 */
static const struct {
	const char *a, *b;
} joined[] = {
	{ "ناصرالدين", "nasreddine" },
	{ "نورالدين", "noureddine" },
	{ "ابوبكر", "abubakr" },
	{ "صلاحالدين", "salaheddine" },
	{ "عزالدين", "izzeddine" },
	{ "شمسالدين", "shamsuddin" },
};

static void test_joined(void **state)
{
	for (size_t i = 0; i < N(joined); i++) {
		char a[XKEY_COUNT][XKEY_MAX], b[XKEY_COUNT][XKEY_MAX];
		int na = names_xkeys(joined[i].a, a), nb = names_xkeys(joined[i].b, b);
		bool met = false;
		for (int x = 0; x < na; x++)
			for (int y = 0; y < nb; y++)
				met = met || !strcmp(a[x], b[y]);
		if (!met)
			fail_msg("\"%s\" (%s...) and \"%s\" (%s...) do not meet", joined[i].a, a[0],
				 joined[i].b, b[0]);
	}
	assert_false(names_meet("ناصر الدين", "Nasreddine"));
}

static void test_exact(void **state)
{
	for (size_t i = 0; i < N(exact); i++) {
		char got[256];
		keys_string(exact[i].name, got, sizeof got);
		if (strcmp(got, exact[i].keys) != 0)
			fail_msg("\"%s\": keys \"%s\", want \"%s\"", exact[i].name, got, exact[i].keys);
	}
}

/* Shape of every key: upper-case ASCII, distinct, non-empty, then "". */
static void check_shape(const char *token, int n, char keys[XKEY_COUNT][XKEY_MAX])
{
	if (n < 0 || n > XKEY_COUNT)
		fail_msg("\"%s\": %d keys", token, n);
	for (int i = 0; i < XKEY_COUNT; i++) {
		size_t len = strnlen(keys[i], XKEY_MAX);
		assert_true(len < XKEY_MAX);
		if (i >= n) {
			assert_int_equal(len, 0);
			continue;
		}
		assert_true(len > 0);
		for (size_t k = 0; k < len; k++)
			if (keys[i][k] < 'A' || keys[i][k] > 'Z')
				fail_msg("\"%s\": key \"%s\" is not upper-case ASCII", token, keys[i]);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(keys[i], keys[j]);
	}
}

static void test_errors_and_caps(void **state)
{
	char keys[XKEY_COUNT][XKEY_MAX];
	char big[NAME_MAX_BYTES + 2];
	static const char *const invalid[] = {
		"moh\xff\x61mmed", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xd9",
	};

	for (size_t i = 0; i < N(invalid); i++) {
		memset(keys, 'x', sizeof keys);
		assert_int_equal(names_xkeys(invalid[i], keys), ERR_INVALID);
		for (int k = 0; k < XKEY_COUNT; k++)
			assert_string_equal(keys[k], "");
	}
	assert_int_equal(names_xkeys("", keys), 0);
	assert_int_equal(names_xkeys("2024", keys), 0);
	check_shape("", 0, keys);

	/* a token at the cap gives keys of at most XKEY_MAX - 1 bytes */
	for (size_t i = 0; i < NAME_MAX_BYTES; i++)
		big[i] = "bcdfgklmnrst"[i % 12];
	big[NAME_MAX_BYTES] = '\0';
	int n = names_xkeys(big, keys);
	assert_true(n >= 1);
	check_shape(big, n, keys);
	assert_int_equal(strlen(keys[0]), XKEY_MAX - 1);
	/* every letter ambiguous: the search stays bounded */
	for (size_t i = 0; i + 1 < NAME_MAX_BYTES; i += 2)
		memcpy(big + i, "ch", 2);
	n = names_xkeys(big, keys);
	assert_int_equal(n, XKEY_COUNT);
	check_shape(big, n, keys);
	/* Arabic at the cap: 512 two-byte letters */
	for (size_t i = 0; i + 1 < NAME_MAX_BYTES; i += 2)
		memcpy(big + i, "\xd8\xab", 2);   /* ث */
	n = names_xkeys(big, keys);
	check_shape(big, n, keys);
	assert_true(n >= 1);
	/* one byte over */
	memset(big, 'a', NAME_MAX_BYTES + 1);
	big[NAME_MAX_BYTES + 1] = '\0';
	assert_int_equal(names_xkeys(big, keys), ERR_TOO_LARGE);
}

/* Keys do not depend on the case of Latin letters the caller passes. */
static void test_case(void **state)
{
	char a[XKEY_COUNT][XKEY_MAX], b[XKEY_COUNT][XKEY_MAX];
	int na = names_xkeys("KHALED", a), nb = names_xkeys("khaled", b);

	assert_int_equal(na, nb);
	for (int i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/* ---- ar2en.txt ---- */

struct pair {
	char *ar, *en;   /* owned */
	struct name_keys *ka, *kb;   /* owned */
};

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define RANDOM_PAIRS 200000

/* Recall and collision rate over the lines half, half + 2, ... */
static void measure(const struct pair *p, size_t n, size_t half, double *recall, double *collide)
{
	size_t total = 0, hits = 0, m = (n - half + 1) / 2, drawn = 0, met = 0;

	for (size_t i = half; i < n; i += 2) {
		total++;
		hits += names_meet_keys(p[i].ka, p[i].kb);
	}
	rng_state = 20240601;
	while (drawn < RANDOM_PAIRS) {
		size_t i = half + 2 * (size_t)(rng_next() % m), j = half + 2 * (size_t)(rng_next() % m);
		if (i == j || !strcmp(p[i].ar, p[j].ar) || !strcmp(p[i].en, p[j].en))
			continue;   /* a true pair, or the same name twice */
		drawn++;
		met += names_meet_keys(p[i].ka, p[j].kb);
	}
	*recall = (double)hits / (double)total;
	*collide = (double)met / (double)drawn;
}

static void test_ar2en(void **state)
{
	FILE *f = fopen("../shared/data/names/ar2en.txt", "r");
	struct pair *p = NULL;
	size_t n = 0, cap = 0;
	char line[4096];
	double recall[2], collide[2];

	if (!f) {
		print_message("ar2en.txt not found; skipped\n");
		skip();
	}
	while (fgets(line, sizeof line, f)) {
		char *tab;
		line[strcspn(line, "\r\n")] = '\0';
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			p = realloc(p, cap * sizeof *p);
			assert_non_null(p);
		}
		p[n].ar = strdup(line);
		p[n].en = strdup(tab + 1);
		p[n].ka = malloc(sizeof *p[n].ka);
		p[n].kb = malloc(sizeof *p[n].kb);
		assert_true(p[n].ar && p[n].en && p[n].ka && p[n].kb);
		assert_int_equal(name_keys_of(p[n].ar, p[n].ka), 0);
		assert_int_equal(name_keys_of(p[n].en, p[n].kb), 0);
		for (int t = 0; t < p[n].ka->n_tokens; t++)
			check_shape(p[n].ar, p[n].ka->n_keys[t], p[n].ka->keys[t]);
		for (int t = 0; t < p[n].kb->n_tokens; t++)
			check_shape(p[n].en, p[n].kb->n_keys[t], p[n].kb->keys[t]);
		n++;
	}
	fclose(f);
	assert_true(n > 1000);

	for (size_t half = 0; half < 2; half++) {
		measure(p, n, half, &recall[half], &collide[half]);
		print_message("ar2en.txt %s lines (%s): recall %.4f, collisions %.4f%% of %d random pairs\n",
			      half ? "odd" : "even", half ? "held out" : "tuning", recall[half],
			      100.0 * collide[half], RANDOM_PAIRS);
	}
	for (size_t half = 0; half < 2; half++) {
		assert_true(recall[half] >= 0.90);
		assert_true(collide[half] <= 0.005);
	}
	for (size_t i = 0; i < n; i++) {
		free(p[i].ar);
		free(p[i].en);
		free(p[i].ka);
		free(p[i].kb);
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_apart),
		cmocka_unit_test(test_joined),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_errors_and_caps),
		cmocka_unit_test(test_case),
		cmocka_unit_test(test_ar2en),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
