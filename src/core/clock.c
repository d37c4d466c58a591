/*
 * clock.c: wall and monotonic time, with a test offset, and strict ISO 8601
 * formatting/parsing of UTC times.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "log.h"

static _Atomic int64_t clock_offset;
static pthread_once_t offset_once = PTHREAD_ONCE_INIT;

/* Read IHALA_CLOCK_OFFSET once; a malformed value is ignored with a warning. */
static void offset_from_env(void)
{
	const char *s = getenv("IHALA_CLOCK_OFFSET");
	char *end;
	long long v;

	if (!s || !*s)
		return;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end) {
		log_warn("ignoring malformed IHALA_CLOCK_OFFSET", "%s", "");
		return;
	}
	atomic_store(&clock_offset, (int64_t)v);
}

void clock_set_offset(int64_t seconds)
{
	/* Run the env read first so it cannot later overwrite this value. */
	pthread_once(&offset_once, offset_from_env);
	atomic_store(&clock_offset, seconds);
}

int64_t clock_now(void)
{
	struct timespec ts;

	pthread_once(&offset_once, offset_from_env);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + atomic_load(&clock_offset);
}

int64_t clock_now_ms(void)
{
	struct timespec ts;

	pthread_once(&offset_once, offset_from_env);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + atomic_load(&clock_offset)) * 1000 + ts.tv_nsec / 1000000;
}

uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bounds of years 0000..9999, the only ones the fixed-width form can hold. */
#define ISO_MIN_T (-62167219200LL)   /* 0000-01-01T00:00:00Z */
#define ISO_MAX_T (253402300799LL)   /* 9999-12-31T23:59:59Z */

int clock_format_iso(int64_t t, char *out, size_t out_size)
{
	struct tm tm;
	time_t tt;

	if (!out || out_size < 21)
		return -1;
	if (t < ISO_MIN_T || t > ISO_MAX_T)
		return -1;
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm))
		return -1;
	/* Not strftime: glibc's %Y does not pad years below 1000 to four digits. */
	if (snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != 20)
		return -1;
	return 0;
}

/* n decimal digits at s into *out; -1 if any is not a digit. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int clock_parse_iso(const char *s, int64_t *out)
{
	int year, mon, day, hour = 0, min = 0, sec = 0;
	struct tm tm, check;
	size_t len;
	time_t t;

	if (!s || !out)
		return ERR_INVALID;
	len = strlen(s);
	if (len != 10 && len != 20)
		return ERR_INVALID;
	if (digits(s, 4, &year) || s[4] != '-' || digits(s + 5, 2, &mon) || s[7] != '-' ||
	    digits(s + 8, 2, &day))
		return ERR_INVALID;
	if (len == 20) {
		if (s[10] != 'T' || digits(s + 11, 2, &hour) || s[13] != ':' ||
		    digits(s + 14, 2, &min) || s[16] != ':' || digits(s + 17, 2, &sec) ||
		    s[19] != 'Z')
			return ERR_INVALID;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59)
		return ERR_INVALID;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	errno = 0;
	t = timegm(&tm);
	if (t == (time_t)-1 && errno)
		return ERR_INVALID;
	/* timegm normalises 2025-02-30 to March: a changed date means it did not exist. */
	if (!gmtime_r(&t, &check) || check.tm_year != year - 1900 || check.tm_mon != mon - 1 ||
	    check.tm_mday != day)
		return ERR_INVALID;
	*out = (int64_t)t;
	return 0;
}
