/*
 * test_http.c: the adapter over a real socket. A server on 127.0.0.1:0 with
 * a small test handler, driven by raw HTTP/1.1 over TCP (no client library,
 * so the test controls every byte, floods included).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store.h"
#include "http/assets.h"
#include "http/http.h"

#define MAX_BODY 1024

/* ---- a fake asset table, sorted by path ---- */

static const unsigned char js_data[] = "console.log(1);";
static const unsigned char ico_data[] = "\x00\x00\x01\x00";
static const unsigned char index_data[] = "<!doctype html><title>ihala</title>";
static const unsigned char txt_data[] = "User-agent: *\n";
static const struct embedded_file fake_assets[] = {
	{ "/assets/app-1a2b.js", js_data, sizeof(js_data) - 1, "\"e1\"" },
	{ "/favicon.ico", ico_data, 4, "\"e2\"" },
	{ "/index.html", index_data, sizeof(index_data) - 1, "\"e3\"" },
	{ "/robots.txt", txt_data, sizeof(txt_data) - 1, "\"e4\"" },
};

struct app {
	const struct embedded_file *files;   /* NULL: the real embedded table */
	size_t n_files;
};

static atomic_int handler_calls;
/* cmocka's asserts may not run on MHD's threads; failures there are counted. */
static atomic_int handler_failures;
#define CHECK(cond) do { if (!(cond)) atomic_fetch_add(&handler_failures, 1); } while (0)

/* /t/... are test endpoints; every other path goes to the asset server. */
static void test_handler(struct http_request *req, void *app_ptr)
{
	const struct app *app = app_ptr;
	atomic_fetch_add(&handler_calls, 1);
	const char *p = req->path;
	if (strncmp(p, "/t/", 3) != 0) {
		if (app->files)
			assets_serve_table(req, app->files, app->n_files);
		else
			assets_serve(req);
		return;
	}
	p += 3;
	char text[512];
	if (strcmp(p, "hello") == 0) {
		http_respond(req, 200, "text/plain; charset=utf-8", "hello", 5);
	} else if (strcmp(p, "silent") == 0) {
		/* no response: the adapter must answer 500 */
	} else if (strcmp(p, "cache") == 0) {
		CHECK(http_add_header(req, "Cache-Control", "private, max-age=60") == 0);
		/* security headers cannot be replaced by a handler */
		CHECK(http_add_header(req, "X-Frame-Options", "ALLOWALL") == 0);
		CHECK(http_add_header(req, "Content-Security-Policy", "default-src *") == 0);
		http_respond(req, 200, "text/plain", "c", 1);
	} else if (strcmp(p, "cookies") == 0) {
		CHECK(http_add_header(req, "Set-Cookie", "a=1; Path=/; HttpOnly") == 0);
		CHECK(http_add_header(req, "Set-Cookie", "b=2; Path=/; HttpOnly") == 0);
		CHECK(http_add_header(req, "Bad\r\nName", "x") == -1);
		CHECK(http_add_header(req, "X-Split", "a\r\nSet-Cookie: evil=1") == -1);
		http_respond(req, 204, NULL, NULL, 0);
	} else if (strcmp(p, "full") == 0) {
		int rc = 0;
		for (int i = 0; i < HTTP_MAX_EXTRA_HEADERS; i++)
			rc |= http_add_header(req, "X-N", "v");
		int over = http_add_header(req, "X-N", "v");
		snprintf(text, sizeof(text), "%d %d", rc, over);
		http_respond(req, 200, "text/plain", text, strlen(text));
	} else if (strcmp(p, "echo") == 0) {
		/* body is NUL-terminated and exactly body_len long */
		int terminated = req->body[req->body_len] == '\0';
		snprintf(text, sizeof(text), "%zu %d", req->body_len, terminated);
		http_respond(req, 200, "text/plain", text, strlen(text));
	} else if (strcmp(p, "inspect") == 0) {
		const char *q = http_query(req, "q");
		const char *h = http_header(req, "x-test");
		const char *c = http_cookie(req, "sid");
		snprintf(text, sizeof(text), "q=%s h=%s c=%s r=%s tls=%d m=%s", q ? q : "-",
			 h ? h : "-", c ? c : "-", req->remote_addr, (int)req->tls, req->method);
		http_respond(req, 200, "text/plain", text, strlen(text));
	} else if (strcmp(p, "thread") == 0) {
		/* Which worker thread answers: the spread test compares them. */
		snprintf(text, sizeof(text), "%lu", (unsigned long)pthread_self());
		http_respond(req, 200, "text/plain", text, strlen(text));
	} else if (strcmp(p, "twice") == 0) {
		http_respond(req, 201, "text/plain", "first", 5);
		http_respond(req, 202, "text/plain", "second", 6);
	} else {
		http_respond(req, 404, "application/json", "{}", 2);
	}
}

/* ---- a raw HTTP client ---- */

struct response {
	char *raw;           /* whole response, NUL-terminated */
	size_t raw_len;
	int status;          /* 0 when no status line came back */
	const char *body;    /* into raw */
	size_t body_len;
};

static int client_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct timeval tv = { .tv_sec = 10, .tv_usec = 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Send what the server takes; a server that closes early is not an error here. */
static void send_some(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* Read until the server closes (requests say Connection: close). */
static void read_response(int fd, struct response *r)
{
	size_t cap = 65536;
	memset(r, 0, sizeof(*r));
	r->raw = malloc(cap);
	assert_non_null(r->raw);
	for (;;) {
		if (r->raw_len + 1 >= cap) {
			cap *= 2;
			r->raw = realloc(r->raw, cap);
			assert_non_null(r->raw);
		}
		ssize_t n = recv(fd, r->raw + r->raw_len, cap - r->raw_len - 1, 0);
		if (n <= 0)
			break;
		r->raw_len += (size_t)n;
	}
	r->raw[r->raw_len] = '\0';
	close(fd);
	if (r->raw_len < 12 || strncmp(r->raw, "HTTP/1.", 7) != 0)
		return;
	r->status = (int)strtol(r->raw + 9, NULL, 10);
	const char *end = strstr(r->raw, "\r\n\r\n");
	if (end) {
		r->body = end + 4;
		r->body_len = r->raw_len - (size_t)(r->body - r->raw);
	}
}

static void response_free(struct response *r)
{
	free(r->raw);
	r->raw = NULL;
}

static void request(uint16_t port, const char *head, const void *body, size_t body_len,
		    struct response *r)
{
	int fd = client_connect(port);
	send_some(fd, head, strlen(head));
	if (body_len)
		send_some(fd, body, body_len);
	read_response(fd, r);
}

static void get(uint16_t port, const char *method, const char *path, const char *extra,
		struct response *r)
{
	char head[4096];
	snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n",
		 method, path, extra ? extra : "");
	request(port, head, NULL, 0, r);
}

/* Value of the nth (0-based) header called name, copied into out; NULL when absent. */
static const char *header_n(const struct response *r, const char *name, int nth, char *out,
			    size_t out_size)
{
	size_t name_len = strlen(name);
	const char *end = r->body ? r->body : r->raw + r->raw_len;
	const char *line = strstr(r->raw, "\r\n");
	while (line && line < end) {
		line += 2;
		if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
			if (nth-- == 0) {
				const char *v = line + name_len + 1;
				while (*v == ' ')
					v++;
				const char *eol = strstr(v, "\r\n");
				size_t n = eol ? (size_t)(eol - v) : strlen(v);
				if (n >= out_size)
					n = out_size - 1;
				memcpy(out, v, n);
				out[n] = '\0';
				return out;
			}
		}
		line = strstr(line, "\r\n");
	}
	return NULL;
}

static const char *header(const struct response *r, const char *name, char *out, size_t out_size)
{
	return header_n(r, name, 0, out, out_size);
}

static int header_count(const struct response *r, const char *name)
{
	char v[1024];
	int n = 0;
	while (header_n(r, name, n, v, sizeof(v)))
		n++;
	return n;
}

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
	"form-action 'self'";

static void assert_security_headers(const struct response *r)
{
	char v[1024];
	assert_non_null(header(r, "Content-Security-Policy", v, sizeof(v)));
	assert_string_equal(v, CSP);
	assert_non_null(header(r, "X-Content-Type-Options", v, sizeof(v)));
	assert_string_equal(v, "nosniff");
	assert_non_null(header(r, "Referrer-Policy", v, sizeof(v)));
	assert_string_equal(v, "no-referrer");
	assert_non_null(header(r, "X-Frame-Options", v, sizeof(v)));
	assert_string_equal(v, "DENY");
	assert_non_null(header(r, "Cross-Origin-Opener-Policy", v, sizeof(v)));
	assert_string_equal(v, "same-origin");
	assert_int_equal(header_count(r, "Content-Security-Policy"), 1);
	assert_int_equal(header_count(r, "X-Frame-Options"), 1);
	assert_int_equal(header_count(r, "Cache-Control"), 1);
	/* plain HTTP: no HSTS */
	assert_null(header(r, "Strict-Transport-Security", v, sizeof(v)));
}

/* ---- fixtures ---- */

static struct app fake_app = { fake_assets, sizeof(fake_assets) / sizeof(fake_assets[0]) };
static struct app real_app = { NULL, 0 };
static struct http_server *server;
static uint16_t port;

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_ERROR);
	struct http_config cfg = {
		.address = "127.0.0.1", .port = 0, .threads = 2, .max_body = MAX_BODY,
		.handler = test_handler, .app = &fake_app,
	};
	if (http_server_start(&server, &cfg) != 0)
		return -1;
	port = http_server_port(server);
	return port ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (atomic_load(&handler_failures) != 0) {
		fprintf(stderr, "checks failed inside the handler: %d\n", atomic_load(&handler_failures));
		return -1;
	}
	http_server_stop(server);
	server = NULL;
	return 0;
}

/* ---- tests ---- */

static void test_security_headers_everywhere(void **state)
{
	(void)state;
	struct response r;
	char v[256];
	static const struct {
		const char *method, *path;
		int status;
	} t[] = {
		{ "GET", "/t/hello", 200 },
		{ "GET", "/t/silent", 500 },
		{ "GET", "/t/nothing", 404 },
		{ "GET", "/missing.js", 404 },
		{ "GET", "/a/../b", 400 },
		{ "DELETE", "/index.html", 405 },
		{ "GET", "/", 200 },
		{ "GET", "/assets/app-1a2b.js", 200 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		get(port, t[i].method, t[i].path, NULL, &r);
		assert_int_equal(r.status, t[i].status);
		assert_security_headers(&r);
		response_free(&r);
	}

	get(port, "GET", "/t/hello", NULL, &r);
	assert_non_null(header(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
	assert_non_null(header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/plain; charset=utf-8");
	assert_int_equal(r.body_len, 5);
	assert_memory_equal(r.body, "hello", 5);
	response_free(&r);

	/* A handler that never responds: 500 with a JSON error. */
	get(port, "GET", "/t/silent", NULL, &r);
	assert_int_equal(r.status, 500);
	assert_non_null(header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "application/json");
	assert_non_null(strstr(r.body, "\"code\":\"internal\""));
	response_free(&r);

	/* 413 made by the adapter carries them too. */
	char head[256];
	snprintf(head, sizeof(head),
		 "POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		 MAX_BODY + 1);
	char body[MAX_BODY + 1];
	memset(body, 'x', sizeof(body));
	request(port, head, body, sizeof(body), &r);
	assert_int_equal(r.status, 413);
	assert_security_headers(&r);
	response_free(&r);
}

static void test_handler_headers(void **state)
{
	(void)state;
	struct response r;
	char v[256];
	get(port, "GET", "/t/cache", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_security_headers(&r);
	assert_non_null(header(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "private, max-age=60");
	response_free(&r);

	get(port, "GET", "/t/cookies", NULL, &r);
	assert_int_equal(r.status, 204);
	assert_int_equal(header_count(&r, "Set-Cookie"), 2);
	assert_string_equal(header_n(&r, "Set-Cookie", 0, v, sizeof(v)), "a=1; Path=/; HttpOnly");
	assert_string_equal(header_n(&r, "Set-Cookie", 1, v, sizeof(v)), "b=2; Path=/; HttpOnly");
	assert_null(header(&r, "X-Split", v, sizeof(v)));
	assert_null(strstr(r.raw, "evil"));
	response_free(&r);

	get(port, "GET", "/t/full", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "0 -1");
	response_free(&r);

	/* Only the first response counts. */
	get(port, "GET", "/t/twice", NULL, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "first");
	response_free(&r);
}

/* Two requests on one connection, the second after a body: both answered in order. */
static void test_keep_alive(void **state)
{
	(void)state;
	const char two[] =
		"POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
		"GET /t/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct response r;
	request(port, two, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	const char *second = strstr(r.body, "HTTP/1.1 200");
	assert_non_null(second);
	assert_memory_equal(r.body, "3 1", 3);
	assert_non_null(strstr(second, "\r\n\r\nhello"));
	response_free(&r);
}

/*
 * Connections opened together are spread over the worker threads evenly:
 * with 4 threads and 16 connections kept open, every thread answers some, and
 * none more than half (left to race for accept, two threads could take all).
 */
static void test_connections_spread(void **state)
{
	(void)state;
	enum { THREADS = 4, CONNS = 16 };
	struct http_server *srv = NULL;
	struct http_config cfg = {
		.address = "127.0.0.1", .port = 0, .threads = THREADS, .handler = test_handler, .app = &fake_app,
	};
	assert_int_equal(http_server_start(&srv, &cfg), 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(http_server_port(srv)) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fds[CONNS];
	for (int i = 0; i < CONNS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	unsigned long seen[CONNS];
	int distinct = 0, most = 0;
	for (int i = 0; i < CONNS; i++) {
		static const char rq[] = "GET /t/thread HTTP/1.1\r\nHost: x\r\n\r\n";
		assert_int_equal(write(fds[i], rq, sizeof(rq) - 1), (ssize_t)(sizeof(rq) - 1));
		char buf[2048];
		size_t got = 0;
		const char *body = NULL;
		while (!body && got < sizeof(buf) - 1) {
			ssize_t n = read(fds[i], buf + got, sizeof(buf) - 1 - got);
			assert_true(n > 0);
			got += (size_t)n;
			buf[got] = '\0';
			const char *end = strstr(buf, "\r\n\r\n");
			const char *cl = strstr(buf, "Content-Length: ");
			if (end && cl && got >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10))
				body = end + 4;
		}
		assert_non_null(body);
		seen[i] = strtoul(body, NULL, 10);
		int same = 0;
		for (int j = 0; j <= i; j++)
			same += seen[j] == seen[i];
		if (same == 1)
			distinct++;
		if (same > most)
			most = same;
	}
	for (int i = 0; i < CONNS; i++)
		close(fds[i]);
	http_server_stop(srv);
	assert_int_equal(distinct, THREADS);
	assert_true(most <= CONNS / 2);
}

/* `threads`: a number from 1 to 256, or auto (the default): one per CPU, at least 2 on SQLite and 4 on PostgreSQL. */
static void test_threads_setting(void **state)
{
	(void)state;
	char dir[] = "/tmp/ihala-threads-conf-XXXXXX", path[64], err[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want_sqlite = cpus < 2 ? 2 : (unsigned)cpus, want_pg = cpus < 4 ? 4 : (unsigned)cpus;
	static const struct {
		const char *text;
		int rc;
		unsigned threads;   /* 0: auto */
	} cases[] = {
		{ "db = x.db\n", 0, 0 },     { "threads = auto\n", 0, 0 },  { "threads = 3\n", 0, 3 },
		{ "threads = 256\n", 0, 256 }, { "threads = 0\n", ERR_INVALID, 0 }, { "threads = 257\n", ERR_INVALID, 0 },
		{ "threads = many\n", ERR_INVALID, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].text, f);
		fclose(f);
		struct config cfg;
		assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), cases[i].rc);
		if (cases[i].rc != 0)
			continue;
		assert_int_equal(cfg.threads, cases[i].threads);
		assert_false(store_is_postgres_url(cfg.db));
		assert_true(store_is_postgres_url("host=/tmp dbname=x") && store_is_postgres_url("postgresql://u@h/d"));
		unsigned lite = config_threads(&cfg, false), pg = config_threads(&cfg, true);
		assert_int_equal(lite, cases[i].threads ? cases[i].threads : want_sqlite);
		assert_int_equal(pg, cases[i].threads ? cases[i].threads : want_pg);
	}
	/* A new folder's file says auto, and reads back as auto. */
	unlink(path);
	struct config cfg;
	config_defaults(&cfg, dir);
	assert_int_equal(config_write(&cfg), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char text[4096];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "\nthreads = auto\n"));
	assert_int_equal(config_load(&cfg, dir, err, sizeof(err)), 0);
	assert_int_equal(cfg.threads, 0);
	unlink(path);
	rmdir(dir);
}

static void test_request_accessors(void **state)
{
	(void)state;
	struct response r;
	get(port, "GET", "/t/inspect?q=a%20b&z=1", "X-Test: yes\r\nCookie: other=1; sid=s3cr3t\r\n",
	    &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "q=a b h=yes c=s3cr3t r=127.0.0.1 tls=0 m=GET");
	response_free(&r);

	get(port, "GET", "/t/inspect", NULL, &r);
	assert_string_equal(r.body, "q=- h=- c=- r=127.0.0.1 tls=0 m=GET");
	response_free(&r);

	/* '+' is a space in a query; %00 stays literal rather than cutting the value */
	get(port, "GET", "/t/inspect?q=x+y%26z", NULL, &r);
	assert_string_equal(r.body, "q=x y&z h=- c=- r=127.0.0.1 tls=0 m=GET");
	response_free(&r);
	get(port, "GET", "/t/inspect?q=ab%00cd", NULL, &r);
	assert_string_equal(r.body, "q=ab%00cd h=- c=- r=127.0.0.1 tls=0 m=GET");
	response_free(&r);

	/* %00 is not decoded: the path keeps its '%' and the asset server refuses it. */
	get(port, "GET", "/index.html%00.png", NULL, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "\"bad_path\""));
	response_free(&r);
	/* other escapes are decoded, so an encoded traversal is still seen */
	get(port, "GET", "/%2e%2e/etc/passwd", NULL, &r);
	assert_int_equal(r.status, 400);
	response_free(&r);
	get(port, "GET", "/a%5cb", NULL, &r);
	assert_int_equal(r.status, 400);
	response_free(&r);
}

static void test_body_cap(void **state)
{
	(void)state;
	struct response r;
	char head[512];
	static char body[4 * MAX_BODY];
	memset(body, 'b', sizeof(body));

	/* exactly at the cap: accepted, NUL-terminated */
	snprintf(head, sizeof(head),
		 "POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		 MAX_BODY);
	request(port, head, body, MAX_BODY, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "1024 1");
	response_free(&r);

	/* empty body */
	get(port, "POST", "/t/echo", "Content-Length: 0\r\n", &r);
	assert_string_equal(r.body, "0 1");
	response_free(&r);

	/* one byte over: 413, handler never called */
	int before = atomic_load(&handler_calls);
	snprintf(head, sizeof(head),
		 "POST /t/echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		 MAX_BODY + 1);
	request(port, head, body, MAX_BODY + 1, &r);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "{\"error\":{\"code\":\"body_too_large\""));
	assert_non_null(strstr(r.body, "\"fields\":{}"));
	response_free(&r);

	/* a huge declared length is refused before any body is read */
	get(port, "POST", "/t/echo", "Content-Length: 10000000000\r\n", &r);
	assert_int_equal(r.status, 413);
	response_free(&r);

	/* chunked, no length declared: counted as it arrives */
	char chunked[8192];
	int k = snprintf(chunked, sizeof(chunked),
			 "POST /t/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
			 "Connection: close\r\n\r\n");
	for (int i = 0; i < 3; i++) {
		k += snprintf(chunked + k, sizeof(chunked) - (size_t)k, "200\r\n");
		memset(chunked + k, 'c', 512);
		k += 512;
		k += snprintf(chunked + k, sizeof(chunked) - (size_t)k, "\r\n");
	}
	k += snprintf(chunked + k, sizeof(chunked) - (size_t)k, "0\r\n\r\n");
	request(port, chunked, NULL, 0, &r);
	assert_int_equal(r.status, 413);
	assert_security_headers(&r);
	response_free(&r);
	assert_int_equal(atomic_load(&handler_calls), before);

	/* chunked under the cap reaches the handler whole */
	k = snprintf(chunked, sizeof(chunked),
		     "POST /t/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
		     "Connection: close\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n");
	request(port, chunked, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "8 1");
	response_free(&r);
}

static void test_header_flood(void **state)
{
	(void)state;
	int before = atomic_load(&handler_calls);
	size_t cap = 300 * 1024, len = 0;
	char *flood = malloc(cap);
	assert_non_null(flood);
	len += (size_t)snprintf(flood, cap, "GET /t/hello HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 2000; i++) {
		len += (size_t)snprintf(flood + len, cap - len, "X-Flood-%d: ", i);
		memset(flood + len, 'f', 90);
		len += 90;
		len += (size_t)snprintf(flood + len, cap - len, "\r\n");
	}
	len += (size_t)snprintf(flood + len, cap - len, "Connection: close\r\n\r\n");
	assert_true(len > 200 * 1024);

	struct response r;
	int fd = client_connect(port);
	send_some(fd, flood, len);
	read_response(fd, &r);
	/* refused by MHD (431/413) or the connection closed: never served */
	assert_true(r.status != 200);
	assert_true(r.status == 0 || r.status == 431 || r.status == 413 || r.status == 400);
	response_free(&r);
	free(flood);
	assert_int_equal(atomic_load(&handler_calls), before);

	/* and the server still answers */
	get(port, "GET", "/t/hello", NULL, &r);
	assert_int_equal(r.status, 200);
	response_free(&r);

	/* a single huge header line too */
	char *line = malloc(100 * 1024);
	assert_non_null(line);
	int k = snprintf(line, 1024, "GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(line + k, 'y', 90 * 1024);
	k += 90 * 1024;
	k += snprintf(line + k, 1024, "\r\nConnection: close\r\n\r\n");
	fd = client_connect(port);
	send_some(fd, line, (size_t)k);
	read_response(fd, &r);
	assert_true(r.status != 200);
	response_free(&r);
	free(line);

	get(port, "GET", "/t/hello", NULL, &r);
	assert_int_equal(r.status, 200);
	response_free(&r);
}

static void test_address_in_use(void **state)
{
	(void)state;
	struct http_server *other = NULL;
	struct http_config cfg = {
		.address = "127.0.0.1", .port = port, .threads = 1, .handler = test_handler,
		.app = &fake_app,
	};
	assert_int_equal(http_server_start(&other, &cfg), ERR_CONFLICT);
	assert_null(other);

	cfg.address = "not-an-address";
	cfg.port = 0;
	assert_int_equal(http_server_start(&other, &cfg), ERR_FAIL);
	assert_null(other);

	/* a stopped server frees its port for the next one */
	cfg.address = "127.0.0.1";
	assert_int_equal(http_server_start(&other, &cfg), 0);
	uint16_t p = http_server_port(other);
	assert_true(p != 0 && p != port);
	http_server_stop(other);
	cfg.port = p;
	assert_int_equal(http_server_start(&other, &cfg), 0);
	assert_int_equal(http_server_port(other), p);
	http_server_stop(other);
}

static void test_ipv6_loopback(void **state)
{
	(void)state;
	struct http_server *v6 = NULL;
	struct http_config cfg = {
		.address = "::1", .port = 0, .threads = 1, .handler = test_handler, .app = &fake_app,
	};
	if (http_server_start(&v6, &cfg) != 0)
		skip();   /* no IPv6 in this sandbox */
	assert_true(http_server_port(v6) != 0);
	http_server_stop(v6);
}

static void test_is_loopback(void **state)
{
	(void)state;
	static const struct { const char *addr; bool want; } t[] = {
		{ "127.0.0.1", true }, { "127.1.2.3", true }, { "::1", true },
		{ "localhost", true }, { "LOCALHOST", true }, { "::ffff:127.0.0.1", true },
		{ "0.0.0.0", false }, { "10.0.0.1", false }, { "::", false },
		{ "128.0.0.1", false }, { "::ffff:10.0.0.1", false }, { "", false },
		{ "127.0.0.1 ", false }, { "localhost.evil.example", false }, { NULL, false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(http_is_loopback(t[i].addr), t[i].want);
}

static void test_assets(void **state)
{
	(void)state;
	struct response r;
	char v[256];
	static const struct {
		const char *method, *path, *extra;
		int status;
		const char *type;        /* Content-Type, or NULL when not checked */
		const char *cache;       /* Cache-Control, or NULL when not checked */
		const char *body_has;    /* substring of the body, or NULL */
	} t[] = {
		{ "GET", "/", NULL, 200, "text/html; charset=utf-8", "no-cache", "<title>ihala" },
		{ "GET", "/index.html", NULL, 200, "text/html; charset=utf-8", "no-cache", "<!doctype" },
		{ "GET", "/orgs", NULL, 200, "text/html; charset=utf-8", "no-cache", "<!doctype" },
		{ "GET", "/users/42/edit", NULL, 200, "text/html; charset=utf-8", "no-cache", NULL },
		{ "GET", "/assets/app-1a2b.js", NULL, 200, "text/javascript; charset=utf-8",
		  "public, max-age=31536000, immutable", "console.log" },
		{ "GET", "/favicon.ico", NULL, 200, "image/x-icon", "no-cache", NULL },
		{ "GET", "/robots.txt", NULL, 200, "text/plain; charset=utf-8", "no-cache", "User-agent" },
		{ "GET", "/api/v1/nothing", NULL, 404, "application/json", "no-store", "\"not_found\"" },
		{ "GET", "/api/", NULL, 404, "application/json", NULL, "\"not_found\"" },
		{ "GET", "/assets/gone-1234.js", NULL, 404, "application/json", NULL, "\"not_found\"" },
		{ "GET", "/x/missing.css", NULL, 404, NULL, NULL, "\"not_found\"" },
		{ "GET", "/../index.html", NULL, 400, "application/json", NULL, "\"bad_path\"" },
		{ "GET", "/assets/..%2findex.html", NULL, 400, NULL, NULL, "\"bad_path\"" },
		{ "GET", "//index.html", NULL, 400, NULL, NULL, "\"bad_path\"" },
		{ "GET", "/a\\b", NULL, 400, NULL, NULL, "\"bad_path\"" },
		{ "GET", "/%25", NULL, 400, NULL, NULL, "\"bad_path\"" },
		{ "POST", "/index.html", NULL, 405, "application/json", NULL, "\"method_not_allowed\"" },
		{ "PUT", "/", NULL, 405, NULL, NULL, "\"method_not_allowed\"" },
		/* conditional requests */
		{ "GET", "/index.html", "If-None-Match: \"e3\"\r\n", 304, NULL, "no-cache", NULL },
		{ "GET", "/", "If-None-Match: \"x\", W/\"e3\"\r\n", 304, NULL, NULL, NULL },
		{ "GET", "/orgs", "If-None-Match: *\r\n", 304, NULL, NULL, NULL },
		{ "GET", "/assets/app-1a2b.js", "If-None-Match: \"e1\"\r\n", 304, NULL,
		  "public, max-age=31536000, immutable", NULL },
		{ "GET", "/index.html", "If-None-Match: \"e1\"\r\n", 200, NULL, NULL, "<!doctype" },
		{ "GET", "/index.html", "If-None-Match: e3\r\n", 200, NULL, NULL, "<!doctype" },
		{ "GET", "/index.html", "If-None-Match: \"e3\r\n", 200, NULL, NULL, "<!doctype" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		get(port, t[i].method, t[i].path, t[i].extra, &r);
		if (r.status != t[i].status)
			print_message("case %zu: %s %s -> %d\n", i, t[i].method, t[i].path, r.status);
		assert_int_equal(r.status, t[i].status);
		assert_security_headers(&r);
		if (t[i].type) {
			assert_non_null(header(&r, "Content-Type", v, sizeof(v)));
			assert_string_equal(v, t[i].type);
		}
		if (t[i].cache) {
			assert_non_null(header(&r, "Cache-Control", v, sizeof(v)));
			assert_string_equal(v, t[i].cache);
		}
		if (t[i].body_has)
			assert_non_null(strstr(r.body, t[i].body_has));
		if (t[i].status == 304)
			assert_int_equal(r.body_len, 0);
		if (t[i].status == 200 || t[i].status == 304)
			assert_non_null(header(&r, "ETag", v, sizeof(v)));
		if (t[i].status == 405) {
			assert_non_null(header(&r, "Allow", v, sizeof(v)));
			assert_string_equal(v, "GET, HEAD");
		}
		response_free(&r);
	}

	/* HEAD: headers with the real length, no body */
	get(port, "HEAD", "/index.html", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_non_null(header(&r, "Content-Length", v, sizeof(v)));
	assert_int_equal(strtol(v, NULL, 10), (long)(sizeof(index_data) - 1));
	assert_non_null(header(&r, "ETag", v, sizeof(v)));
	assert_string_equal(v, "\"e3\"");
	response_free(&r);
}

static void test_content_types(void **state)
{
	(void)state;
	static const struct { const char *path, *type; } t[] = {
		{ "/index.html", "text/html; charset=utf-8" },
		{ "/a.js", "text/javascript; charset=utf-8" },
		{ "/a.css", "text/css; charset=utf-8" },
		{ "/a.svg", "image/svg+xml" },
		{ "/a.png", "image/png" },
		{ "/a.ico", "image/x-icon" },
		{ "/a.json", "application/json" },
		{ "/a.woff2", "font/woff2" },
		{ "/a.js.map", "application/json" },
		{ "/a.txt", "text/plain; charset=utf-8" },
		{ "/api/v1/openapi.yaml", "application/yaml" },
		{ "/a.exe", "application/octet-stream" },
		{ "/a", "application/octet-stream" },
		{ "/dir.d/file", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(assets_content_type(t[i].path), t[i].type);
}

/* The table built into this binary: empty in C-only builds. */
static void test_embedded_assets(void **state)
{
	(void)state;
	struct http_server *srv = NULL;
	struct http_config cfg = {
		.address = "127.0.0.1", .port = 0, .threads = 1, .handler = test_handler,
		.app = &real_app,
	};
	assert_int_equal(http_server_start(&srv, &cfg), 0);
	uint16_t p = http_server_port(srv);
	struct response r;
	char v[256], etag[256], extra[300];

	/* sorted, so binary search can find every entry */
	for (size_t i = 1; i < ihala_assets_count; i++)
		assert_true(strcmp(ihala_assets[i - 1].path, ihala_assets[i].path) < 0);

	get(p, "GET", "/../etc/passwd", NULL, &r);
	assert_int_equal(r.status, 400);
	response_free(&r);
	get(p, "POST", "/", NULL, &r);
	assert_int_equal(r.status, 405);
	response_free(&r);
	get(p, "GET", "/api/v1/missing", NULL, &r);
	assert_int_equal(r.status, 404);
	response_free(&r);

	get(p, "GET", "/", NULL, &r);
	if (ihala_assets_count == 0) {
		assert_int_equal(r.status, 404);
		response_free(&r);
	} else {
		assert_int_equal(r.status, 200);
		assert_non_null(header(&r, "ETag", etag, sizeof(etag)));
		response_free(&r);
		snprintf(extra, sizeof(extra), "If-None-Match: %s\r\n", etag);
		get(p, "GET", "/", extra, &r);
		assert_int_equal(r.status, 304);
		assert_int_equal(r.body_len, 0);
		assert_non_null(header(&r, "ETag", v, sizeof(v)));
		assert_string_equal(v, etag);
		response_free(&r);
		/* every file is served with its own ETag */
		for (size_t i = 0; i < ihala_assets_count; i++) {
			get(p, "HEAD", ihala_assets[i].path, NULL, &r);
			assert_int_equal(r.status, 200);
			assert_non_null(header(&r, "ETag", v, sizeof(v)));
			assert_string_equal(v, ihala_assets[i].etag);
			response_free(&r);
		}
	}
	http_server_stop(srv);
}

/* assets_serve_table without a connection: If-None-Match cannot be read, so 200. */
static void test_assets_direct(void **state)
{
	(void)state;
	struct http_request req;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/settings";
	buf_init(&req.out, 1024);
	assets_serve_table(&req, fake_assets, sizeof(fake_assets) / sizeof(fake_assets[0]));
	assert_int_equal(req.status, 200);
	assert_ptr_equal(req.static_body, index_data);
	assert_int_equal(req.static_len, sizeof(index_data) - 1);
	assert_string_equal(req.content_type, "text/html; charset=utf-8");
	assert_int_equal(req.n_headers, 2);
	for (int i = 0; i < req.n_headers; i++) {
		free(req.headers[i].name);
		free(req.headers[i].value);
	}
	free(req.content_type);
	buf_release(&req.out);

	/* an empty table answers 404, never reads past it */
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/";
	buf_init(&req.out, 1024);
	assets_serve_table(&req, fake_assets, 0);
	assert_int_equal(req.status, 404);
	free(req.content_type);
	buf_release(&req.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_headers_everywhere),
		cmocka_unit_test(test_handler_headers),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_connections_spread),
		cmocka_unit_test(test_threads_setting),
		cmocka_unit_test(test_request_accessors),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_header_flood),
		cmocka_unit_test(test_address_in_use),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_is_loopback),
		cmocka_unit_test(test_assets),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_embedded_assets),
		cmocka_unit_test(test_assets_direct),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
