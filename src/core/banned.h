/*
 * banned.h: functions ihala never calls. Included by every core header, so a
 * use anywhere in src/ is a compile error. Use buf_*, snprintf, strtol-family
 * with error checks, and strtok_r-free parsing instead.
 */
#ifndef IHALA_BANNED_H
#define IHALA_BANNED_H

/*
 * The C library headers that declare (or, with optimisation and
 * _FORTIFY_SOURCE, define inline) the banned functions come first, so that
 * including an ihala header before <stdlib.h> does not turn glibc's own
 * declarations into errors. Their include guards make later includes no-ops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BANNED(fn) sorry_##fn##_is_banned_in_ihala

#undef strcpy
#define strcpy(a, b) BANNED(strcpy)
#undef strcat
#define strcat(a, b) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(a, b) BANNED(strtok)
#undef atoi
#define atoi(a) BANNED(atoi)
#undef gets
#define gets(a) BANNED(gets)

#endif
