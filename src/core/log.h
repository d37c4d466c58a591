/*
 * log.h: structured one-line logs on stderr: `ts=... level=... msg="..." k=v`.
 * Never log personal data: no names, no free text from cases, no tokens, no
 * passwords. Log ids, counts, codes.
 */
#ifndef IHALA_LOG_H
#define IHALA_LOG_H

#include "banned.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
/* fmt gives the rest of the line after msg, as k=v pairs, e.g. "status=%d". */
void log_msg(enum log_level level, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

/* Start-up only: log at error level and exit(1). */
void fatal(const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
