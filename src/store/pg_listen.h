/*
 * pg_listen.h: one connection of its own that LISTENs on a PostgreSQL
 * channel, in a thread, and calls back for each notification. ihala uses it
 * for "ihala_sessions" (migration 0019): every server forgets its cache of
 * checked sessions when another changes a user or a session (session.h).
 *
 * The callback is told on(true) once listening starts and after every
 * notification, and on(false) whenever the connection is lost: a
 * notification sent while nobody listened is never delivered, so whatever
 * the callback keeps must not be trusted until the next on(true), which
 * follows a reconnection (tried every second until stopped).
 */
#ifndef IHALA_PG_LISTEN_H
#define IHALA_PG_LISTEN_H

#include <stdbool.h>
#include "../core/banned.h"

struct pg_listen;

typedef void (*pg_listen_fn)(void *arg, bool on);

/*
 * Start listening on channel (a plain identifier) of the database conninfo
 * names. 0, or ERR_FAIL when the thread cannot start; a database that cannot
 * be reached yet is tried again in the thread, with on(false) meanwhile.
 */
int pg_listen_start(struct pg_listen **out, const char *conninfo, const char *channel, pg_listen_fn on,
		    void *arg) __attribute__((warn_unused_result));
/* Stop the thread and close its connection (NULL: nothing). */
void pg_listen_stop(struct pg_listen *l);

#endif
