/*
 * serve_cmd.c: `ihala serve DIR [--listen ADDR:PORT] [--db URL]
 * [--insecure-http]`: the web server. Runs until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "../api/api.h"
#include "../auth/ctx.h"
#include "../auth/session.h"
#include "../audit/audit.h"
#include "../core/log.h"
#include "../domain/notify/mail.h"
#include "../domain/stats/stats.h"
#include "../http/http.h"
#include "../store/pg_listen.h"
#include "../store/store.h"
#include "cli.h"

static const char usage[] =
	"usage: ihala serve DIR [--listen ADDR:PORT] [--db URL] [--insecure-http]\n"
	"\n"
	"Serve the web interface and the API from the data folder DIR (made by\n"
	"`ihala init`). Runs until interrupted (SIGINT or SIGTERM).\n"
	"\n"
	"  --listen ADDR:PORT  where to listen (default: `listen` in DIR/ihala.conf,\n"
	"                      127.0.0.1:8080); [::1]:8080 for IPv6; port 0 picks one\n"
	"  --db URL            use this database instead of DIR/ihala.conf's `db`:\n"
	"                      a postgres://user@host/dbname URL or a libpq\n"
	"                      `host=... dbname=...` string, or a SQLite file path.\n"
	"                      Servers sharing one PostgreSQL share users and sessions\n"
	"                      (give them copies of the same DIR: same keys); each\n"
	"                      remembers checked sessions for `session_cache` seconds\n"
	"                      (ihala.conf, default 10, 0 = off) and forgets them when\n"
	"                      PostgreSQL notifies a change (docs/admin-guide.md, 8).\n"
	"  --insecure-http     allow plain HTTP on a non-loopback address (behind a\n"
	"                      TLS-terminating proxy only)\n"
	"  -h, --help          this text\n"
	"\n"
	"HTTPS: when DIR/tls/cert.pem and DIR/tls/key.pem exist, the server speaks\n"
	"only HTTPS (HSTS, __Host- cookie). Without them it refuses any address but\n"
	"loopback unless --insecure-http is given.\n"
	"Notification e-mail: when DIR/ihala.conf sets smtp_url (with smtp_from,\n"
	"public_url and, for a server that wants a login, smtp_user and\n"
	"smtp_password_file), a sender thread mails each organisation's\n"
	"notify_email a short notice with a link, never personal data\n"
	"(docs/admin-guide.md).\n"
	"Threads: `threads` in DIR/ihala.conf, or `auto`: one per CPU, at least 2\n"
	"on SQLite and at least 4 on PostgreSQL.\n"
	"Exits with status 1 and a message when DIR is not initialised, the port\n"
	"is taken, or the e-mail settings are incomplete or the password file is\n"
	"readable by others.\n";

/* Read a whole small file into a NUL-terminated heap string; NULL if absent. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (len + 4097 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			if (ncap > 1024 * 1024)
				break;
			char *n = realloc(data, ncap);
			if (!n)
				break;
			data = n;
			cap = ncap;
		}
		size_t got = fread(data + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	if (data)
		data[len] = '\0';
	return data;
}

/*
 * The audit flusher: twice a second, move the journal's rows into the chain
 * and make the relaxed commits of read audit rows durable (audit_group_flush),
 * off the requests' path, so that a power loss takes back at most about half
 * a second of them.
 */
struct flusher {
	struct app *app;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *stats_warm_run(void *arg)
{
	struct app *app = arg;
	struct store *db = store_pool_acquire(app->pool);
	if (db) {
		if (stats_warm(db) < 0)
			log_warn("statistics not loaded at start; the first count will", "when=%s", "start");
		store_pool_release(app->pool, db);
	}
	return NULL;
}

static void *flusher_run(void *arg)
{
	struct flusher *f = arg;
	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->cv, &f->mu, &until);
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->mu);
		struct store *db = store_pool_acquire(f->app->pool);
		if (db) {
			/* Also the log's checkpoint (store_checkpoint_in_background). */
			if (audit_group_flush(f->app->audit.group, db) < 0)
				log_error("audit flush failed", "when=%s", "periodic");
			store_pool_release(f->app->pool, db);
		}
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Undo what cli_serve_main set up before the server ran; the exit status 1. */
static int start_failed(struct mail_sender *mailer, struct app *app, struct audit_group *group, char *cert, char *key)
{
	mail_sender_stop(mailer);
	cli_app_close(app);
	audit_group_free(group);
	free(cert);
	free(key);
	return 1;
}

int cli_serve_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	const char *dir = NULL, *listen = NULL, *db = NULL;
	int insecure = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen = argv[++i];
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strcmp(argv[i], "--insecure-http"))
			insecure = 1;
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!dir) {
		fputs(usage, stderr);
		return 2;
	}
	struct app app;
	/* Peek at the configuration first for the thread count. */
	struct config peek;
	char err[512];
	if (config_load(&peek, dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "ihala: %s\n", err);
		return 1;
	}
	char addr[128];
	unsigned port;
	if (config_split_listen(listen ? listen : peek.listen, addr, sizeof(addr), &port) < 0) {
		fprintf(stderr, "ihala: --listen needs ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080\n");
		return 2;
	}
	if (!strcmp(addr, "localhost"))
		snprintf(addr, sizeof(addr), "127.0.0.1");
	char cert_path[1100], key_path[1100];
	snprintf(cert_path, sizeof(cert_path), "%s/tls/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/tls/key.pem", dir);
	char *cert = read_file(cert_path), *key = cert ? read_file(key_path) : NULL;
	if (cert && !key) {
		fprintf(stderr, "ihala: %s exists but %s cannot be read\n", cert_path, key_path);
		free(cert);
		return 1;
	}
	if (!cert && !http_is_loopback(addr) && !insecure) {
		fprintf(stderr,
			"ihala: refusing plain HTTP on %s, which is not a loopback address: put a certificate in\n"
			"%s/tls/cert.pem and key.pem, or pass --insecure-http behind a TLS proxy\n", addr, dir);
		return 1;
	}
	store_checkpoint_in_background();   /* the flusher thread below checkpoints */
	/*
	 * Keep freed memory in the process instead of handing it back to the
	 * system after each request and asking for it again on the next (the
	 * page caches of SQLite connections are emptied and refilled often):
	 * measured in docs/benchmarks.md.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	/* A connection each for the HTTP threads, the audit flusher and the mail sender. */
	unsigned threads = config_threads(&peek, store_is_postgres_url(db ? db : peek.db));
	if (cli_app_open(&app, dir, db, threads + 1 + (mail_enabled(&peek) ? 1 : 0)) < 0) {
		free(cert);
		free(key);
		return 1;
	}
	/* Notification e-mail, when ihala.conf configures it (src/domain/notify/mail.h). */
	struct mail_sender *mailer = NULL;
	if (mail_sender_start(&app, &mailer, err, sizeof(err)) < 0) {
		fprintf(stderr, "ihala: %s\n", err);
		cli_app_close(&app);
		free(cert);
		free(key);
		return 1;
	}

	/* Audited reads of concurrent requests share commits (audit.h). */
	struct audit_group *group = audit_group_new();
	app.audit.group = group;
	/*
	 * Reads' audit rows go to the journal first (src/audit/journal.h): on
	 * SQLite a commit per read would empty every other connection's page
	 * cache; on PostgreSQL it cost six round trips and a turn at the chain's
	 * head lock, shared with every other server.
	 */
	struct store *jdb = store_pool_acquire(app.pool);
	enum store_backend backend = jdb ? store_backend(jdb) : STORE_SQLITE;
	int jrc = jdb && group ? audit_group_journal(group, &app.audit, dir, jdb) : 0;
	if (jdb)
		store_pool_release(app.pool, jdb);
	if (jrc < 0) {
		fprintf(stderr, "ihala: cannot start the audit journal in %s/audit-journal\n", dir);
		return start_failed(mailer, &app, group, cert, key);
	}
	/*
	 * On PostgreSQL, checked sessions are kept in memory for a few seconds and
	 * forgotten whenever the database tells of a change (src/auth/session.h).
	 * Without the listening connection there is no cache: never a stale one.
	 */
	struct pg_listen *listener = NULL;
	if (backend == STORE_POSTGRES && app.cfg.session_cache > 0) {
		app.sessions = session_cache_new(app.cfg.session_cache);
		if (!app.sessions ||
		    pg_listen_start(&listener, app.cfg.db, "ihala_sessions", session_cache_on_notice, app.sessions) < 0) {
			log_warn("session cache off", "reason=%s", "the listening thread did not start");
			session_cache_free(app.sessions);
			app.sessions = NULL;
		}
	}

	if (getenv("IHALA_CLOCK_OFFSET"))
		log_warn("clock shifted for tests", "IHALA_CLOCK_OFFSET=%s", getenv("IHALA_CLOCK_OFFSET"));

	/* Block the stop signals before the pool threads start, then wait for one. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct http_config hc = {
		.address = addr,
		.port = (uint16_t)port,
		.threads = threads,
		.max_body = app.cfg.max_body,
		.tls_cert_pem = cert,
		.tls_key_pem = key,
		.handler = api_handle,
		.app = &app,
	};
	struct http_server *srv;
	int rc = http_server_start(&srv, &hc);
	if (rc < 0) {
		if (rc == ERR_CONFLICT)
			fprintf(stderr, "ihala: %s:%u is already in use; choose another with --listen\n", addr, port);
		else
			fprintf(stderr, "ihala: cannot listen on %s:%u\n", addr, port);
		pg_listen_stop(listener);
		return start_failed(mailer, &app, group, cert, key);
	}
	/* The statistics' columns load beside the first requests (stats.h). */
	pthread_t warm_thread;
	bool warm_started = pthread_create(&warm_thread, NULL, stats_warm_run, &app) == 0;
	struct flusher fl = { .app = &app, .stop = false };
	pthread_mutex_init(&fl.mu, NULL);
	pthread_cond_init(&fl.cv, NULL);
	pthread_t fl_thread;
	bool fl_started = group && pthread_create(&fl_thread, NULL, flusher_run, &fl) == 0;
	fprintf(stderr, "ihala: serving on %s://%s%s%s:%u/%s\n", cert ? "https" : "http",
		strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "", http_server_port(srv),
		app.cfg.demo ? " (demonstration data)" : "");
	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping", "signal=%d", sig);
	http_server_stop(srv);
	if (warm_started)
		pthread_join(warm_thread, NULL);
	if (fl_started) {
		pthread_mutex_lock(&fl.mu);
		fl.stop = true;
		pthread_cond_signal(&fl.cv);
		pthread_mutex_unlock(&fl.mu);
		pthread_join(fl_thread, NULL);
	}
	mail_sender_stop(mailer);
	pg_listen_stop(listener);
	/* The journal and what the last batches committed reach the disk before the process ends. */
	if (group) {
		struct store *conn = store_pool_acquire(app.pool);
		if (conn && audit_group_flush(group, conn) < 0)
			log_error("audit flush failed", "when=%s", "shutdown");
		if (conn)
			store_pool_release(app.pool, conn);
	}
	cli_app_close(&app);
	audit_group_free(group);
	free(cert);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	return 0;
}
