/*
 * test_core.c: buf (cap, sticky error, growth, detach, allocation failure),
 * alloc, clock (ISO format/parse), log line safety, err names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

/* ---- buf ---------------------------------------------------------------- */

static void test_buf_basic(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 100);
	assert_null(b.data);
	buf_puts(&b, "x=");
	buf_printf(&b, "%d", 3);
	buf_putc(&b, ';');
	buf_append(&b, "abc", 2);
	assert_int_equal(buf_error(&b), 0);
	assert_string_equal(b.data, "x=3;ab");
	assert_int_equal(b.len, 6);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
	assert_null(b.data);
}

/* Appends of given sizes under a cap: which ones land, and the final error. */
static const struct {
	size_t max;
	size_t sizes[4];
	size_t want_len;
	int want_err;
} cap_cases[] = {
	{ 10, { 10, 0, 0, 0 }, 10, 0 },               /* exactly at the cap */
	{ 10, { 11, 0, 0, 0 }, 0, ERR_TOO_LARGE },    /* one over, first append */
	{ 10, { 6, 5, 0, 0 }, 6, ERR_TOO_LARGE },     /* over on the second */
	{ 10, { 6, 5, 1, 0 }, 6, ERR_TOO_LARGE },     /* sticky: the fitting third is dropped */
	{ 10, { 4, 4, 2, 0 }, 10, 0 },
	{ 0, { 1, 0, 0, 0 }, 0, ERR_TOO_LARGE },      /* a zero cap holds nothing */
	{ 1000, { 300, 300, 300, 100 }, 1000, 0 },    /* growth across several reallocations */
	{ SIZE_MAX - 1, { SIZE_MAX, 0, 0, 0 }, 0, ERR_TOO_LARGE },
};

static void test_buf_cap(void **state)
{
	char src[1000];

	(void)state;
	memset(src, 'a', sizeof src);
	for (size_t i = 0; i < sizeof cap_cases / sizeof cap_cases[0]; i++) {
		struct buf b;

		buf_init(&b, cap_cases[i].max);
		for (int j = 0; j < 4; j++) {
			size_t n = cap_cases[i].sizes[j];

			if (n == 0)
				continue;
			/* Oversized cases never read src: the cap check comes first. */
			buf_append(&b, src, n);
		}
		assert_int_equal(buf_error(&b), cap_cases[i].want_err);
		assert_int_equal(b.len, cap_cases[i].want_len);
		if (b.data) {
			assert_int_equal(strlen(b.data), b.len);
			assert_true(b.cap <= cap_cases[i].max + 1);
		}
		buf_release(&b);
	}
}

static void test_buf_sticky_and_reset(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	buf_puts(&b, "12345");
	buf_puts(&b, "6789");          /* over the cap */
	assert_int_equal(buf_error(&b), ERR_TOO_LARGE);
	buf_puts(&b, "x");              /* would fit, but the error is sticky */
	buf_printf(&b, "%d", 1);
	assert_int_equal(buf_error(&b), ERR_TOO_LARGE);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "12345");
	buf_reset(&b);
	assert_int_equal(buf_error(&b), 0);
	buf_puts(&b, "ok");
	assert_string_equal(b.data, "ok");
	buf_release(&b);
}

static void test_buf_printf_growth(void **state)
{
	struct buf b;
	char big[5001];
	char want[64];

	(void)state;
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_init(&b, 1 << 20);
	buf_puts(&b, "head:");
	buf_printf(&b, "%s|%d", big, 42);
	assert_int_equal(buf_error(&b), 0);
	assert_int_equal(b.len, 5 + 5000 + 3);
	assert_memory_equal(b.data, "head:zzz", 8);
	assert_string_equal(b.data + b.len - 3, "|42");

	/* Many small printfs crossing every growth boundary keep all content. */
	buf_reset(&b);
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(buf_error(&b), 0);
	snprintf(want, sizeof want, "1998,1999,");
	assert_string_equal(b.data + b.len - strlen(want), want);
	assert_memory_equal(b.data, "0,1,2,3,", 8);
	buf_release(&b);

	/* printf past the cap fails and leaves the earlier content intact. */
	buf_init(&b, 10);
	buf_puts(&b, "abc");
	buf_printf(&b, "%s", "0123456789");
	assert_int_equal(buf_error(&b), ERR_TOO_LARGE);
	assert_string_equal(b.data, "abc");
	buf_release(&b);
}

static void test_buf_detach(void **state)
{
	struct buf b;
	size_t len = 99;
	char *s;

	(void)state;
	buf_init(&b, 100);
	buf_puts(&b, "hello");
	s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);

	/* Never appended to: a "" the caller can free. */
	s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);

	/* In error: NULL, and nothing leaks (ASan would say). */
	buf_puts(&b, "abc");
	buf_append(&b, "x", 200);
	s = buf_detach(&b, &len);
	assert_null(s);
	assert_int_equal(len, 0);
	buf_release(&b);
}

static void test_buf_alloc_failure(void **state)
{
	struct buf b;

	(void)state;
	/* First allocation fails. */
	buf_init(&b, 1 << 20);
	alloc_fail_after(1);
	buf_puts(&b, "x");
	assert_int_equal(buf_error(&b), ERR_NOMEM);
	assert_int_equal(b.len, 0);
	buf_puts(&b, "y");               /* sticky even though allocation works again */
	assert_int_equal(buf_error(&b), ERR_NOMEM);
	buf_release(&b);

	/* Growth fails on the second allocation: old content stays valid. */
	buf_init(&b, 1 << 20);
	alloc_fail_after(2);
	buf_puts(&b, "abc");
	assert_int_equal(buf_error(&b), 0);
	for (int i = 0; i < 100 && !buf_error(&b); i++)
		buf_puts(&b, "0123456789");
	assert_int_equal(buf_error(&b), ERR_NOMEM);
	assert_memory_equal(b.data, "abc0123456789", 13);
	assert_int_equal(strlen(b.data), b.len);
	assert_null(buf_detach(&b, NULL));

	/* printf's growth path reports it too. */
	buf_init(&b, 1 << 20);
	alloc_fail_after(1);
	buf_printf(&b, "%s-%d", "value", 7);
	assert_int_equal(buf_error(&b), ERR_NOMEM);
	buf_release(&b);

	/* The injection stops after one failure. */
	buf_init(&b, 1 << 20);
	buf_puts(&b, "fine");
	assert_int_equal(buf_error(&b), 0);
	buf_release(&b);
	alloc_fail_after(0);
}

/* ---- alloc -------------------------------------------------------------- */

static void test_alloc(void **state)
{
	void *p;
	char *s;

	(void)state;
	assert_null(xcalloc(SIZE_MAX / 2, 3));          /* overflow */
	p = xcalloc(4, 8);
	assert_non_null(p);
	assert_null(xreallocarray(p, SIZE_MAX / 4, 8)); /* overflow, p untouched */
	p = xreallocarray(p, 16, 8);
	assert_non_null(p);
	free(p);
	p = xcalloc(0, 8);                              /* zero size: freeable pointer */
	assert_non_null(p);
	free(p);

	assert_null(xstrdup(NULL));
	s = xstrdup("abc");
	assert_string_equal(s, "abc");
	free(s);
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);

	alloc_fail_after(3);
	p = xcalloc(1, 1);
	assert_non_null(p);
	free(p);
	s = xstrdup("one");
	assert_non_null(s);
	free(s);
	assert_null(xstrdup("two"));                    /* the 3rd fails */
	s = xstrdup("three");                           /* and only the 3rd */
	assert_non_null(s);
	free(s);
}

/* ---- clock -------------------------------------------------------------- */

static const struct {
	int64_t t;
	const char *iso;
} iso_cases[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ 1795382680, "2026-11-22T21:24:40Z" },
	{ 1709251199, "2024-02-29T23:59:59Z" },          /* leap day */
	{ 946684800, "2000-01-01T00:00:00Z" },
	{ -616852800, "1950-06-15T12:00:00Z" },          /* before the epoch: birth dates */
	{ -62135596800LL, "0001-01-01T00:00:00Z" },
	{ 253402300799LL, "9999-12-31T23:59:59Z" },
};

static void test_clock_iso_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof iso_cases / sizeof iso_cases[0]; i++) {
		char out[21];
		int64_t t = 12345;

		assert_int_equal(clock_format_iso(iso_cases[i].t, out, sizeof out), 0);
		assert_string_equal(out, iso_cases[i].iso);
		assert_int_equal(clock_parse_iso(iso_cases[i].iso, &t), 0);
		assert_int_equal(t, iso_cases[i].t);
	}
}

static const struct {
	const char *s;
	int64_t t;
} date_cases[] = {
	{ "1970-01-01", 0 },
	{ "2024-02-29", 1709164800 },
	{ "2000-02-29", 951782400 },                     /* divisible by 400: leap */
	{ "1950-06-15", -616896000 },
};

static void test_clock_parse_date(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof date_cases / sizeof date_cases[0]; i++) {
		int64_t t = 1;

		assert_int_equal(clock_parse_iso(date_cases[i].s, &t), 0);
		assert_int_equal(t, date_cases[i].t);
	}
}

static const char *const iso_rejects[] = {
	"",
	"2025-02-29",                 /* not a leap year */
	"1900-02-29",                 /* divisible by 100, not 400 */
	"2024-04-31",
	"2024-13-01",
	"2024-00-10",
	"2024-01-00",
	"2024-01-32",
	"2024-1-01",
	" 2024-01-01",
	"2024-01-01 ",
	"2024/01/01",
	"+024-01-01",
	"-024-01-01",
	"abcd-ef-gh",
	"2024-01-01Z",
	"2024-01-01T",
	"2024-01-01T00:00:00",        /* no zone */
	"2024-01-01T00:00:00+00:00",  /* only Z is accepted */
	"2024-01-01t00:00:00Z",
	"2024-01-01T00:00:00z",
	"2024-01-01T24:00:00Z",
	"2024-01-01T23:60:00Z",
	"2024-01-01T23:59:60Z",       /* no leap seconds */
	"2024-01-01T2:00:00Z0",
	"2024-01-01T-1:00:00Z",
	"2024-01-01T00:00:00.5Z",
};

static void test_clock_parse_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof iso_rejects / sizeof iso_rejects[0]; i++) {
		int64_t t = 777;

		if (clock_parse_iso(iso_rejects[i], &t) != ERR_INVALID)
			fail_msg("accepted \"%s\"", iso_rejects[i]);
		assert_int_equal(t, 777);   /* untouched on failure */
	}
	assert_int_equal(clock_parse_iso(NULL, &(int64_t){ 0 }), ERR_INVALID);
}

static void test_clock_format_rejects(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(clock_format_iso(0, out, 20), -1);          /* no room for the NUL */
	assert_int_equal(clock_format_iso(253402300800LL, out, sizeof out), -1);   /* year 10000 */
	assert_int_equal(clock_format_iso(-62167219201LL, out, sizeof out), -1);   /* year -1 */
}

static void test_clock_offset(void **state)
{
	int64_t before, after;

	(void)state;
	clock_set_offset(0);
	before = clock_now();
	clock_set_offset(86400);
	after = clock_now();
	assert_true(after - before >= 86400 && after - before <= 86402);
	assert_true(clock_now_ms() / 1000 - after <= 2);
	clock_set_offset(0);
	assert_true(clock_mono_ns() > 0);
}

/* ---- log and err -------------------------------------------------------- */

/* Run log_msg with stderr redirected to a file; return what was written. */
static char *capture_log(const char *value)
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(f);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	log_msg(LOG_WARN, "test event", "code=%s n=%d", value, 5);
	log_msg(LOG_DEBUG, "hidden at the default level", "%s", "");
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void test_log_one_line(void **state)
{
	char *line;

	(void)state;
	log_set_level(LOG_INFO);
	line = capture_log("a\nts=forged level=error\r");
	/* One line only: the newline in a value cannot forge a second entry. */
	assert_non_null(strstr(line, "level=warn msg=\"test event\" code=a ts=forged"));
	assert_non_null(strstr(line, " n=5\n"));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	assert_memory_equal(line, "ts=", 3);
}

static void test_err_names(void **state)
{
	static const int codes[] = { ERR_OK, ERR_FAIL, ERR_NOMEM, ERR_INVALID, ERR_NOT_FOUND,
				     ERR_CONFLICT, ERR_DENIED, ERR_UNAUTH, ERR_TOO_LARGE,
				     ERR_THROTTLED, ERR_CRYPTO };
	const size_t n = sizeof codes / sizeof codes[0];

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(err_name(codes[i]));
		assert_string_not_equal(err_name(codes[i]), "unknown");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(err_name(codes[i]), err_name(codes[j]));
	}
	assert_string_equal(err_name(ERR_NOT_FOUND), "not_found");
	assert_string_equal(err_name(-999), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_basic),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_sticky_and_reset),
		cmocka_unit_test(test_buf_printf_growth),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_buf_alloc_failure),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_clock_iso_round_trip),
		cmocka_unit_test(test_clock_parse_date),
		cmocka_unit_test(test_clock_parse_rejects),
		cmocka_unit_test(test_clock_format_rejects),
		cmocka_unit_test(test_clock_offset),
		cmocka_unit_test(test_log_one_line),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
