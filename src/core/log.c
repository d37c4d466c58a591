/*
 * log.c: structured one-line logs on stderr.
 *
 * Each line is built in a local buffer and written with one call, so lines
 * from worker threads do not interleave. Control characters are replaced so a
 * value cannot forge a second line.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define LOG_LINE_MAX 2048

static _Atomic int log_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug", [LOG_INFO] = "info", [LOG_WARN] = "warn", [LOG_ERROR] = "error",
};

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

static void log_vline(enum log_level level, const char *msg, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	char ts[32];
	size_t len;
	int n;

	if ((int)level < atomic_load(&log_level))
		return;
	if ((int)level < LOG_DEBUG || level > LOG_ERROR)
		level = LOG_ERROR;
	if (clock_format_iso(clock_now(), ts, sizeof ts) < 0)
		snprintf(ts, sizeof ts, "?");
	n = snprintf(line, sizeof line, "ts=%s level=%s msg=\"%s\"", ts, level_names[level],
		     msg ? msg : "");
	len = n < 0 ? 0 : (size_t)n >= sizeof line ? sizeof line - 1 : (size_t)n;
	if (fmt && *fmt && len < sizeof line - 2) {
		line[len++] = ' ';
		n = vsnprintf(line + len, sizeof line - len, fmt, ap);
		if (n < 0)
			line[len] = '\0';
		else if ((size_t)n >= sizeof line - len)
			len = sizeof line - 1;
		else
			len += (size_t)n;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	}
	/* Keep room for the newline even when the line was truncated. */
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	/* One write(2): atomic for lines this short, so threads do not interleave. */
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

void log_msg(enum log_level level, const char *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(level, msg, fmt, ap);
	va_end(ap);
}

void fatal(const char *msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_ERROR, msg, fmt, ap);
	va_end(ap);
	exit(1);
}
