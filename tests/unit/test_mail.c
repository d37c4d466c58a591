/*
 * test_mail.c: the notification e-mail without a network
 * (domain/notify/mail.h): which addresses pass, what a composed message
 * holds (headers, the link, a sentence per kind, nothing else), and the
 * ihala.conf keys that configure it.
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
#include <sodium.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "domain/notify/mail.h"

static void test_addresses(void **state)
{
	(void)state;
	static const struct {
		const char *addr;
		bool ok;
	} cases[] = {
		{ "alerts@safecare.example", true },
		{ "duty.desk+ihala@hope-shelter.example.org", true },
		{ "o'brien@example.com", true },
		{ "A1@EXAMPLE.COM", true },
		{ "", false },
		{ "alerts", false },
		{ "alerts@", false },
		{ "@safecare.example", false },
		{ "alerts@localhost", false },                 /* one label */
		{ "a@b@safecare.example", false },
		{ ".alerts@safecare.example", false },
		{ "alerts.@safecare.example", false },
		{ "al..erts@safecare.example", false },
		{ "alerts@-safecare.example", false },
		{ "alerts@safecare-.example", false },
		{ "alerts@safecare..example", false },
		{ "alerts@safecare.example.", false },
		{ "al erts@safecare.example", false },
		{ "<alerts@safecare.example>", false },
		{ "alerts@safecare.example\r\nBcc: x@evil.example", false },
		{ "alerts@safecare.example,x@evil.example", false },
		{ "\"alerts\"@safecare.example", false },
		{ "alerts@[127.0.0.1]", false },
		{ "زينب@safecare.example", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (mail_address_valid(cases[i].addr) != cases[i].ok)
			fail_msg("%s: expected %s", cases[i].addr, cases[i].ok ? "valid" : "invalid");
	assert_false(mail_address_valid(NULL));
	/* Lengths: local part 64, whole 254. */
	char addr[400];
	memset(addr, 'a', 65);
	snprintf(addr + 65, sizeof(addr) - 65, "@x.example");
	assert_false(mail_address_valid(addr));
	snprintf(addr + 64, sizeof(addr) - 64, "@x.example");
	assert_true(mail_address_valid(addr));
	char longer[300] = "a@";
	for (int i = 0; i < 5; i++)
		strncat(longer, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.", sizeof(longer) - strlen(longer) - 1);
	strncat(longer, "example", sizeof(longer) - strlen(longer) - 1);
	assert_true(strlen(longer) > 254);
	assert_false(mail_address_valid(longer));
}

/* The decoded body of a composed message (base64 after the blank line). */
static char *decoded_body(const char *msg)
{
	const char *start = strstr(msg, "\r\n\r\n");
	assert_non_null(start);
	start += 4;
	char *b64 = calloc(1, strlen(start) + 1);
	size_t n = 0;
	for (const char *p = start; *p; p++)
		if (*p != '\r' && *p != '\n')
			b64[n++] = *p;
	char *out = calloc(1, n + 1);
	size_t len = 0;
	assert_int_equal(sodium_base642bin((unsigned char *)out, n, b64, n, NULL, &len, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	out[len] = '\0';
	free(b64);
	return out;
}

static void test_compose(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg, "/tmp/x");
	snprintf(cfg.smtp_url, sizeof(cfg.smtp_url), "smtp://127.0.0.1:2525");
	snprintf(cfg.smtp_from, sizeof(cfg.smtp_from), "ihala@mail.example.org");
	snprintf(cfg.public_url, sizeof(cfg.public_url), "https://ihala.example.org//");
	static const char *const kinds[] = { "referral.sent", "referral.acknowledged", "referral.accepted",
					     "referral.declined", "referral.in_service", "referral.completed",
					     "referral.withdrawn", "case.transferred", "something.new" };
	const char *prev_en = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct buf b;
		buf_init(&b, 64 * 1024);
		assert_int_equal(mail_compose(&cfg, kinds[i], "alerts@safecare.example", "0123456789abcdef0123456789abcdef",
					      1795400000, &b), 0);
		const char *m = b.data;
		assert_non_null(strstr(m, "Date: Mon, 23 Nov 2026 "));
		assert_non_null(strstr(m, "\r\nFrom: <ihala@mail.example.org>\r\n"));
		assert_non_null(strstr(m, "\r\nTo: <alerts@safecare.example>\r\n"));
		assert_non_null(strstr(m, "\r\nMessage-ID: <0123456789abcdef0123456789abcdef@mail.example.org>\r\n"));
		assert_non_null(strstr(m, "\r\nSubject: =?UTF-8?B?"));
		assert_non_null(strstr(m, "Content-Transfer-Encoding: base64\r\n"));
		/* Header and base64 lines stay short; every line ends in CRLF. */
		for (const char *line = m; *line;) {
			const char *end = strstr(line, "\r\n");
			assert_non_null(end);
			assert_true(end - line <= 78);
			line = end + 2;
		}
		for (const char *p = m; *p; p++)
			if (*p == '\n')
				assert_true(p > m && p[-1] == '\r');
		char *text = decoded_body(m);
		const char *en, *ar;
		mail_sentence(kinds[i], &en, &ar);
		assert_non_null(strstr(text, en));
		assert_non_null(strstr(text, ar));
		assert_non_null(strstr(text, "https://ihala.example.org/#/notifications\r\n"));
		assert_null(strstr(text, "org//"));
		/* A sentence per kind: no two known kinds share one. */
		if (prev_en)
			assert_string_not_equal(prev_en, en);
		prev_en = en;
		free(text);
		buf_release(&b);
	}
	/* Over the buffer's cap: the buf's error, never a cut message. */
	struct buf small;
	buf_init(&small, 100);
	assert_true(mail_compose(&cfg, "referral.sent", "alerts@safecare.example", "ab", 1795400000, &small) < 0);
	buf_release(&small);
}

static int write_conf(const char *dir, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_config_keys(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-mail-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct config cfg;
	char err[256];
	/* Off by default. */
	assert_int_equal(write_conf(dir, "demo = false\n"), 0);
	assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), 0);
	assert_false(mail_enabled(&cfg));
	assert_string_equal(cfg.smtp_password_file, "");
	/* Set: the password file is resolved against the folder. */
	assert_int_equal(write_conf(dir, "smtp_url = smtps://mail.example.org:465\nsmtp_from = a@example.org\n"
					 "smtp_user = ihala\nsmtp_password_file = smtp.password\n"
					 "public_url = https://ihala.example.org\n"),
			 0);
	assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), 0);
	assert_true(mail_enabled(&cfg));
	char want[300];
	snprintf(want, sizeof(want), "%s/smtp.password", dir);
	assert_string_equal(cfg.smtp_password_file, want);
	assert_string_equal(cfg.smtp_user, "ihala");
	static const char *const bad[] = {
		"smtp_url = http://mail.example.org\n",
		"smtp_url = smtp://mail example.org\n",
		"public_url = ftp://ihala.example.org\n",
		"smtp_from = a b@example.org\n",
		"smtp_password = hunter2hunter2\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(write_conf(dir, bad[i]), 0);
		if (config_load(&cfg, dir, err, sizeof(err)) != ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
	}
	char path[256];
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_config_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
