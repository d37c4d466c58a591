/*
 * clock.h: time. All stored times are Unix seconds (int64) in UTC.
 * Tests may freeze or shift the clock.
 */
#ifndef IHALA_CLOCK_H
#define IHALA_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include "banned.h"

int64_t clock_now(void);          /* seconds since the epoch, UTC (plus test offset) */
int64_t clock_now_ms(void);       /* milliseconds, monotonic-ish wall clock */
uint64_t clock_mono_ns(void);     /* CLOCK_MONOTONIC, for durations */
/* Test hook: add offset seconds to clock_now(). Also read once from env IHALA_CLOCK_OFFSET. */
void clock_set_offset(int64_t seconds);
/* Format t as "2026-11-22T21:24:40Z" into out (at least 21 bytes); 0 or -1. */
int clock_format_iso(int64_t t, char *out, size_t out_size);
/* Parse "YYYY-MM-DD" or the ISO form above; 0 or ERR_INVALID. */
int clock_parse_iso(const char *s, int64_t *out);

#endif
