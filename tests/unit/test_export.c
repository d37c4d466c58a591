/*
 * test_export.c: the cells and writers of case exports (export.h).
 *
 * Tables: which texts a spreadsheet would run as formulas, and how a CSV
 * field comes out (RFC 4180 quoting, neutralisation, Arabic untouched).
 * Then whole CSV files (byte order mark, CRLF, the size cap) and an XLSX
 * file (a zip, its temporary folder gone afterwards, Excel's cell limit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "domain/case/export.h"

/* ---- tables ---- */

static const struct {
	const char *text;
	bool formula;
} formulas[] = {
	{ "=1+1", true },
	{ "=cmd|' /C calc'!A0", true },
	{ "+97333123456", true },
	{ "-5", true },
	{ "@SUM(A1:A2)", true },
	{ "\tX", true },
	{ "\rX", true },
	{ "", false },
	{ "Fatima", false },
	{ "فاطمة", false },
	{ " =1", false },       /* a spreadsheet does not run this */
	{ "a=b", false },
	{ "'=1", false },       /* already neutral */
	{ "2026-01-02", false },
};

static const struct {
	const char *text;
	const char *csv;
} fields[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "فاطمة الزهراء", "فاطمة الزهراء" },
	{ "a,b", "\"a,b\"" },
	{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ "\"", "\"\"\"\"" },
	{ "line1\nline2", "\"line1\nline2\"" },
	{ "line1\r\nline2", "\"line1\r\nline2\"" },
	{ "مريم، \"ميمي\"", "\"مريم، \"\"ميمي\"\"\"" },
	{ "Al-Zahraa; Maryam", "Al-Zahraa; Maryam" },
	{ "=1+1", "'=1+1" },
	{ "+973 3312", "'+973 3312" },
	{ "-2", "'-2" },
	{ "@x", "'@x" },
	{ "\tx", "'\tx" },
	{ "\rx", "\"'\rx\"" },
	{ "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0" },
	{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
	{ "=a,b", "\"'=a,b\"" },
};

static void test_formula(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(formulas) / sizeof(formulas[0]); i++) {
		if (export_is_formula(formulas[i].text) != formulas[i].formula)
			fail_msg("formula %zu: \"%s\"", i, formulas[i].text);
	}
	assert_false(export_is_formula(NULL));
}

static void test_csv_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct buf b;
		buf_init(&b, 1024);
		export_csv_field(&b, fields[i].text);
		assert_int_equal(buf_error(&b), 0);
		const char *got = b.data ? b.data : "";
		if (strcmp(got, fields[i].csv))
			fail_msg("field %zu: got [%s] want [%s]", i, got, fields[i].csv);
		buf_release(&b);
	}
}

/* ---- whole files ---- */

static void test_csv_file(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 4096);
	struct export_writer *w;
	assert_int_equal(export_writer_open(&w, EXPORT_CSV, &out), 0);
	const char *head[] = { "ihala_Ref", "prs_FirstName", "prs_FirstNameLatin" };
	const char *row1[] = { "BH-2026-00001", "فاطمة", "=cmd|' /C calc'!A0" };
	const char *row2[] = { "BH-2026-00002", NULL, "Maryam, \"Mimi\"" };
	assert_int_equal(export_writer_row(w, head, 3), 0);
	assert_int_equal(export_writer_row(w, row1, 3), 0);
	assert_int_equal(export_writer_row(w, row2, 3), 0);
	assert_int_equal(export_writer_finish(w), 0);
	const char want[] = "\xEF\xBB\xBF"
			    "ihala_Ref,prs_FirstName,prs_FirstNameLatin\r\n"
			    "BH-2026-00001,فاطمة,'=cmd|' /C calc'!A0\r\n"
			    "BH-2026-00002,,\"Maryam, \"\"Mimi\"\"\"\r\n";
	assert_int_equal(out.len, sizeof(want) - 1);
	assert_memory_equal(out.data, want, sizeof(want) - 1);
	buf_release(&out);
}

static void test_csv_cap(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 64);
	struct export_writer *w;
	assert_int_equal(export_writer_open(&w, EXPORT_CSV, &out), 0);
	const char *row[] = { "0123456789", "0123456789", "0123456789" };
	int rc = 0;
	for (int i = 0; i < 10 && rc == 0; i++)
		rc = export_writer_row(w, row, 3);
	assert_int_equal(rc, ERR_TOO_LARGE);
	assert_int_equal(export_writer_finish(w), ERR_TOO_LARGE);
	buf_release(&out);
}

static size_t dir_entries(const char *path)
{
	DIR *d = opendir(path);
	size_t n = 0;
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_xlsx_file(void **state)
{
	(void)state;
	char tmp[] = "/tmp/ihala-test-export-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	setenv("TMPDIR", tmp, 1);

	/* A cell over Excel's limit is cut, not refused. */
	size_t long_len = EXPORT_XLSX_CELL_MAX + 100;
	char *long_text = malloc(long_len + 1);
	assert_non_null(long_text);
	memset(long_text, 'x', long_len);
	long_text[long_len] = '\0';

	struct buf out;
	buf_init(&out, EXPORT_MAX_BYTES);
	struct export_writer *w;
	assert_int_equal(export_writer_open(&w, EXPORT_XLSX, &out), 0);
	assert_int_equal(dir_entries(tmp), 1);   /* the private folder */
	const char *head[] = { "ihala_Ref", "prs_FirstName", "prs_Notes" };
	const char *row1[] = { "BH-2026-00001", "=1+1", long_text };
	const char *row2[] = { "BH-2026-00002", "فاطمة", "" };
	assert_int_equal(export_writer_row(w, head, 3), 0);
	assert_int_equal(export_writer_row(w, row1, 3), 0);
	assert_int_equal(export_writer_row(w, row2, 3), 0);
	assert_int_equal(export_writer_finish(w), 0);
	assert_true(out.len > 100);
	assert_memory_equal(out.data, "PK\x03\x04", 4);
	assert_int_equal(dir_entries(tmp), 0);   /* nothing left behind */

	/* Too large for the cap: refused, and still nothing left behind. */
	struct buf small;
	buf_init(&small, 200);
	assert_int_equal(export_writer_open(&w, EXPORT_XLSX, &small), 0);
	assert_int_equal(export_writer_row(w, head, 3), 0);
	assert_int_equal(export_writer_finish(w), ERR_TOO_LARGE);
	assert_int_equal(dir_entries(tmp), 0);

	/* Abandoned half-way. */
	assert_int_equal(export_writer_open(&w, EXPORT_XLSX, &small), 0);
	assert_int_equal(export_writer_row(w, head, 3), 0);
	export_writer_free(w);
	assert_int_equal(dir_entries(tmp), 0);

	buf_release(&small);
	buf_release(&out);
	free(long_text);
	if (saved) {
		setenv("TMPDIR", saved, 1);
		free(saved);
	} else {
		unsetenv("TMPDIR");
	}
	rmdir(tmp);
}

/* The text of path, or "" when it cannot be read (at most 255 bytes). */
static const char *slurp(const char *path)
{
	static char text[256];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	return text;
}

/* A file given with --out appears whole, mode 0600, or not at all (src/cli/out_file.c). */
static void test_out_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-test-out-XXXXXX", path[128], partial[160];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	snprintf(partial, sizeof(partial), "%s.partial", path);

	struct out_file f;
	assert_int_equal(out_file_open(&f, path), 0);
	assert_int_equal(out_file_write(&f, "a,b\r\n", 5), 0);
	assert_int_equal(access(path, F_OK), -1);   /* nothing at the path while it is written */
	assert_int_equal(out_file_close(&f, 0), 0);
	assert_string_equal(slurp(path), "a,b\r\n");
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(access(partial, F_OK), -1);

	/* A failure leaves the earlier file as it was and no partial file. */
	assert_int_equal(out_file_open(&f, path), 0);
	assert_int_equal(out_file_write(&f, "half", 4), 0);
	assert_int_equal(out_file_close(&f, ERR_TOO_LARGE), -1);
	assert_string_equal(slurp(path), "a,b\r\n");
	assert_int_equal(access(partial, F_OK), -1);

	/* A link planted at the partial name is not followed. */
	char target[160];
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(symlink(target, partial), 0);
	assert_int_equal(out_file_open(&f, path), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	unlink(partial);

	/* A path too long for the partial name. */
	char long_path[4200];
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(out_file_open(&f, long_path), -1);
	assert_int_equal(errno, ENAMETOOLONG);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_csv_file),
		cmocka_unit_test(test_csv_cap),
		cmocka_unit_test(test_xlsx_file),
		cmocka_unit_test(test_out_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
