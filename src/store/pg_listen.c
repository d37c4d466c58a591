/* pg_listen.c: see pg_listen.h. */
#include "pg_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/alloc.h"
#include "../core/err.h"
#include "../core/log.h"

struct pg_listen {
	char *conninfo;
	char channel[64];
	pg_listen_fn on;
	void *arg;
	int stop_pipe[2];   /* a byte written to [1] stops the thread */
	pthread_t thread;
};

/* Wait up to ms for the stop pipe; true when stopping. */
static bool wait_stop(struct pg_listen *l, int ms)
{
	struct pollfd p = { .fd = l->stop_pipe[0], .events = POLLIN };
	return poll(&p, 1, ms) > 0;
}

/* A listening connection, or NULL (logged). */
static PGconn *connect_listening(struct pg_listen *l)
{
	PGconn *conn = PQconnectdb(l->conninfo);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		log_warn("session notifications: cannot connect", "backend=postgres retry_s=%d", 1);
		PQfinish(conn);
		return NULL;
	}
	char sql[96];
	snprintf(sql, sizeof(sql), "LISTEN %s", l->channel);
	PGresult *res = PQexec(conn, sql);
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		log_warn("session notifications: LISTEN failed", "backend=postgres retry_s=%d", 1);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static void *run(void *arg)
{
	struct pg_listen *l = arg;
	bool was_up = false;
	for (;;) {
		PGconn *conn = connect_listening(l);
		if (!conn) {
			if (wait_stop(l, 1000))
				return NULL;
			continue;
		}
		if (was_up)
			log_info("session notifications: listening again", "backend=postgres");
		was_up = true;
		l->on(l->arg, true);
		for (;;) {
			struct pollfd p[2] = { { .fd = l->stop_pipe[0], .events = POLLIN },
					       { .fd = PQsocket(conn), .events = POLLIN } };
			int n = poll(p, 2, -1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || p[0].revents) {
				PQfinish(conn);
				return NULL;
			}
			if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK)
				break;
			bool any = false;
			PGnotify *note;
			while ((note = PQnotifies(conn))) {
				any = true;
				PQfreemem(note);
			}
			if (any)
				l->on(l->arg, true);
		}
		/* Lost: whatever was kept may have missed a change. */
		l->on(l->arg, false);
		log_warn("session notifications: connection lost", "backend=postgres retry_s=%d", 1);
		PQfinish(conn);
		if (wait_stop(l, 1000))
			return NULL;
	}
}

int pg_listen_start(struct pg_listen **out, const char *conninfo, const char *channel, pg_listen_fn on,
		    void *arg)
{
	*out = NULL;
	if (strlen(channel) >= sizeof(((struct pg_listen *)0)->channel) ||
	    strspn(channel, "abcdefghijklmnopqrstuvwxyz_") != strlen(channel))
		return ERR_INVALID;
	struct pg_listen *l = xcalloc(1, sizeof(*l));
	if (!l)
		return ERR_FAIL;
	l->conninfo = xstrdup(conninfo);
	snprintf(l->channel, sizeof(l->channel), "%s", channel);
	l->on = on;
	l->arg = arg;
	if (!l->conninfo || pipe2(l->stop_pipe, O_CLOEXEC) < 0) {
		free(l->conninfo);
		free(l);
		return ERR_FAIL;
	}
	on(arg, false);   /* nothing is trusted before the first LISTEN */
	if (pthread_create(&l->thread, NULL, run, l) != 0) {
		close(l->stop_pipe[0]);
		close(l->stop_pipe[1]);
		free(l->conninfo);
		free(l);
		return ERR_FAIL;
	}
	*out = l;
	return 0;
}

void pg_listen_stop(struct pg_listen *l)
{
	if (!l)
		return;
	ssize_t w = write(l->stop_pipe[1], "x", 1);
	(void)w;
	pthread_join(l->thread, NULL);
	close(l->stop_pipe[0]);
	close(l->stop_pipe[1]);
	free(l->conninfo);
	free(l);
}
