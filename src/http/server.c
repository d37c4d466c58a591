/*
 * server.c: the libmicrohttpd adapter of http.h.
 *
 * One struct req_ctx per request (MHD's con_cls): it accumulates the body
 * under the max_body cap, then holds the struct http_request the handler
 * fills. Every response, including the 413 and 500 ones made here, gets the
 * security headers. Nothing a client sent (body, cookies, query, path) is
 * ever logged: the access line carries method, status and duration only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http.h"

#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)
#define HTTP_OUT_MAX ((size_t)64 * 1024 * 1024)
/* Per-connection MHD memory pool: request line + headers must fit, so a
 * header flood is refused by MHD (431) instead of growing memory. */
#define HTTP_CONN_MEMORY (64 * 1024)
#define HTTP_CONN_TIMEOUT_S 30
#define HTTP_CONN_LIMIT 1000
#define HTTP_LISTEN_BACKLOG 128
/*
 * A body over the cap is read and dropped, so the client, still sending,
 * gets its 413 instead of a reset connection; past this much more it is a
 * flood and the connection is closed without an answer. A declared
 * Content-Length beyond cap + slack is refused at once.
 */
#define HTTP_DISCARD_SLACK ((size_t)8 * 1024 * 1024)

struct http_server {
	struct MHD_Daemon *daemon;
	int listen_fd;             /* accepted from by the acceptor thread */
	int stop_pipe[2];          /* written to stop the acceptor */
	pthread_t acceptor;
	bool acceptor_started;
	uint16_t port;
	size_t max_body;
	bool tls;
	http_handler_fn handler;
	void *app;                 /* borrowed */
};

struct req_ctx {
	struct buf body;           /* the upload, capped at max_body */
	size_t discarded;          /* bytes dropped past the cap */
	bool too_large;
	bool answered;             /* a response was queued already */
	uint64_t start_ns;
};

static const char JSON_TYPE[] = "application/json";
static const char BODY_TOO_LARGE[] =
	"{\"error\":{\"code\":\"body_too_large\","
	"\"message\":\"Request body too large / حجم الطلب كبير جدًا\",\"fields\":{}}}";
static const char INTERNAL_ERROR[] =
	"{\"error\":{\"code\":\"internal\","
	"\"message\":\"Internal error / خطأ داخلي\",\"fields\":{}}}";

static const struct {
	const char *name;
	const char *value;
} security_headers[] = {
	{ "Content-Security-Policy",
	  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
	  "form-action 'self'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
};
static const char HSTS_NAME[] = "Strict-Transport-Security";
static const char HSTS_VALUE[] = "max-age=63072000; includeSubDomains";

/* ---- request accessors and response builders (used by handlers) ---- */

const char *http_header(const struct http_request *req, const char *name)
{
	if (!req || !req->conn || !name)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const struct http_request *req, const char *name)
{
	if (!req || !req->conn || !name)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *http_query(const struct http_request *req, const char *name)
{
	if (!req || !req->conn || !name)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Claim the response slot; false (and a warning) when already responded. */
static bool respond_begin(struct http_request *req, int status, const char *content_type)
{
	if (req->status != 0) {
		log_warn("http_respond_twice", "status=%d", status);
		return false;
	}
	if (status < 100 || status > 599)
		status = 500;
	req->status = status;
	free(req->content_type);
	req->content_type = content_type ? xstrdup(content_type) : NULL;
	if (content_type && !req->content_type) {
		log_error("http_respond_nomem", "status=%d", status);
		req->status = -1;   /* answered, but the adapter sends 500 */
		return false;
	}
	return true;
}

void http_respond(struct http_request *req, int status, const char *content_type,
		  const void *body, size_t len)
{
	if (!respond_begin(req, status, content_type))
		return;
	buf_reset(&req->out);
	if (body && len > 0)
		buf_append(&req->out, body, len);
}

void http_respond_static(struct http_request *req, int status, const char *content_type,
			 const void *body, size_t len)
{
	if (!respond_begin(req, status, content_type))
		return;
	req->static_body = body ? body : "";
	req->static_len = body ? len : 0;
}

/* A header name is an RFC 9110 token; a value holds no CR, LF or NUL. */
static bool header_ok(const char *name, const char *value)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 127 || c == ':' || c == '"' || c == '(' || c == ')' ||
		    c == ',' || c == '/' || c == ';' || c == '<' || c == '=' || c == '>' ||
		    c == '?' || c == '@' || c == '[' || c == '\\' || c == ']' || c == '{' || c == '}')
			return false;
	}
	for (const char *p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return false;
	return true;
}

int http_add_header(struct http_request *req, const char *name, const char *value)
{
	if (!req || !name || !value || req->n_headers >= HTTP_MAX_EXTRA_HEADERS)
		return -1;
	if (!header_ok(name, value)) {
		log_warn("http_bad_header", "reason=\"%s\"", "invalid name or value");
		return -1;
	}
	struct http_header_kv *kv = &req->headers[req->n_headers];
	kv->name = xstrdup(name);
	kv->value = xstrdup(value);
	if (!kv->name || !kv->value) {
		free(kv->name);
		free(kv->value);
		kv->name = kv->value = NULL;
		return -1;
	}
	req->n_headers++;
	return 0;
}

static void request_release(struct http_request *req)
{
	free(req->content_type);
	req->content_type = NULL;
	buf_release(&req->out);
	for (int i = 0; i < req->n_headers; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	req->n_headers = 0;
}

bool http_is_loopback(const char *address)
{
	if (!address)
		return false;
	if (strcasecmp(address, "localhost") == 0)
		return true;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, address, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, address, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return false;
}

/* ---- building and sending responses ---- */

static bool is_security_header(const char *name)
{
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		if (strcasecmp(name, security_headers[i].name) == 0)
			return true;
	return strcasecmp(name, HSTS_NAME) == 0;
}

/*
 * Queue a response: the security headers always, Cache-Control: no-store
 * unless the handler chose one, then the handler's headers (req may be NULL
 * for the adapter's own error answers).
 */
static enum MHD_Result send_response(struct MHD_Connection *conn, const struct http_server *srv,
				     int status, const char *content_type,
				     struct MHD_Response *resp, const struct http_request *req)
{
	if (!resp)
		return MHD_NO;
	bool ok = true, has_cache = false;
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		ok &= MHD_add_response_header(resp, security_headers[i].name,
					      security_headers[i].value) == MHD_YES;
	if (srv->tls)
		ok &= MHD_add_response_header(resp, HSTS_NAME, HSTS_VALUE) == MHD_YES;
	if (content_type)
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES;
	for (int i = 0; req && i < req->n_headers; i++) {
		const char *name = req->headers[i].name;
		if (is_security_header(name) || strcasecmp(name, MHD_HTTP_HEADER_CONTENT_TYPE) == 0)
			continue;   /* fixed by the adapter; a handler cannot weaken them */
		if (strcasecmp(name, MHD_HTTP_HEADER_CACHE_CONTROL) == 0)
			has_cache = true;
		ok &= MHD_add_response_header(resp, name, req->headers[i].value) == MHD_YES;
	}
	if (!has_cache)
		ok &= MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
	enum MHD_Result rc = MHD_NO;
	if (ok)
		rc = MHD_queue_response(conn, (unsigned)status, resp);
	else
		log_error("http_response_headers", "status=%d", status);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result send_static_json(struct MHD_Connection *conn, const struct http_server *srv,
					int status, const char *body)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	return send_response(conn, srv, status, JSON_TYPE, resp, NULL);
}

static const char *method_for_log(const char *method)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "PATCH",
					     "DELETE", "OPTIONS" };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(method, known[i]) == 0)
			return known[i];
	return "other";
}

static void access_log(const char *method, int status, const struct req_ctx *ctx)
{
	uint64_t ns = clock_mono_ns() - ctx->start_ns;
	log_debug("http_request", "method=%s status=%d ms=%llu", method_for_log(method), status,
		  (unsigned long long)(ns / 1000000u));
}

static void peer_address(struct MHD_Connection *conn, char *out, size_t out_size)
{
	snprintf(out, out_size, "%s", "");
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!info || !info->client_addr)
		return;
	const struct sockaddr *sa = info->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)out_size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)out_size);
}

/* Run the handler on the complete request and queue its answer. */
static enum MHD_Result dispatch(struct http_server *srv, struct MHD_Connection *conn,
				const char *url, const char *method, struct req_ctx *ctx)
{
	char remote[INET6_ADDRSTRLEN];
	peer_address(conn, remote, sizeof(remote));

	struct http_request req;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.body = ctx->body.data ? ctx->body.data : "";
	req.body_len = ctx->body.len;
	req.remote_addr = remote;
	req.tls = srv->tls;
	req.conn = conn;
	buf_init(&req.out, HTTP_OUT_MAX);

	srv->handler(&req, srv->app);

	enum MHD_Result rc;
	int status = req.status;
	if (status <= 0 || buf_error(&req.out)) {
		if (status == 0)
			log_error("http_no_response", "method=%s", method_for_log(method));
		else if (status > 0)
			log_error("http_response_body", "status=%d err=%d", status, buf_error(&req.out));
		status = 500;
		rc = send_static_json(conn, srv, status, INTERNAL_ERROR);
	} else {
		struct MHD_Response *resp;
		if (req.static_body)
			resp = MHD_create_response_from_buffer(req.static_len, (void *)req.static_body,
							       MHD_RESPMEM_PERSISTENT);
		else
			resp = MHD_create_response_from_buffer(req.out.len,
							       req.out.data ? req.out.data : (char *)"",
							       MHD_RESPMEM_MUST_COPY);
		rc = send_response(conn, srv, status, req.content_type, resp, &req);
	}
	access_log(method, status, ctx);
	request_release(&req);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct req_ctx *ctx = *con_cls;
	(void)version;

	if (!ctx) {
		ctx = xcalloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		buf_init(&ctx->body, srv->max_body);
		ctx->start_ns = clock_mono_ns();
		*con_cls = ctx;
		/* A declared length over the cap is refused before reading the body. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end = NULL;
			errno = 0;
			unsigned long long n = strtoull(cl, &end, 10);
			if (errno == ERANGE || n > srv->max_body + HTTP_DISCARD_SLACK) {
				ctx->too_large = true;
				ctx->answered = true;
				access_log(method, 413, ctx);
				return send_static_json(conn, srv, 413, BODY_TOO_LARGE);
			}
			if (n > srv->max_body)
				ctx->too_large = true;   /* read and drop it, then answer 413 */
		}
		return MHD_YES;
	}

	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (!ctx->too_large && ctx->body.len + n > srv->max_body)
			ctx->too_large = true;
		if (ctx->too_large) {
			ctx->discarded += n;
			if (ctx->discarded > HTTP_DISCARD_SLACK) {
				log_warn("http_body_flood", "max_body=%zu", srv->max_body);
				return MHD_NO;
			}
			return MHD_YES;
		}
		buf_append(&ctx->body, upload_data, n);
		if (buf_error(&ctx->body)) {
			log_error("http_body_buffer", "err=%d", buf_error(&ctx->body));
			return MHD_NO;
		}
		return MHD_YES;
	}

	/* The request is complete. */
	if (ctx->answered)
		return MHD_YES;
	ctx->answered = true;
	if (ctx->too_large) {
		access_log(method, 413, ctx);
		return send_static_json(conn, srv, 413, BODY_TOO_LARGE);
	}
	return dispatch(srv, conn, url, method, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req_ctx *ctx = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (!ctx)
		return;
	buf_release(&ctx->body);
	free(ctx);
	*con_cls = NULL;
}

/*
 * Percent-decoding for the path and query arguments, like MHD's own except
 * that "%00" stays as it is: a NUL byte would silently cut the C string a
 * handler sees ("/x%00.html" read as "/x"), and the remaining '%' makes the
 * router and the asset server refuse the path.
 */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (r[0] == '%' && r[1] && r[2]) {
			int hi = hex_value(r[1]), lo = hex_value(r[2]);
			if (hi >= 0 && lo >= 0 && (hi | lo) != 0) {
				*w++ = (char)(hi * 16 + lo);
				r += 2;
				continue;
			}
		}
		*w++ = *r;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* MHD's own diagnostics, on one sanitised line (they hold no request data). */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < ' ' || *p == '"' || *p == '\\' || (unsigned char)*p == 127)
			*p = ' ';
	log_warn("mhd", "detail=\"%s\"", line);
}

/* ---- start and stop ---- */

/* Create, bind and listen; ERR_CONFLICT when the address is in use. */
static int listen_socket(const char *address, uint16_t port, int *fd_out, uint16_t *port_out)
{
	struct sockaddr_storage ss;
	socklen_t ss_len;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		ss_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		ss_len = sizeof(*sin6);
	} else {
		log_error("http_bad_address", "reason=\"%s\"", "not an IPv4 or IPv6 address");
		return ERR_FAIL;
	}

	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("http_socket", "errno=%d", errno);
		return ERR_FAIL;
	}
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		log_warn("http_reuseaddr", "errno=%d", errno);
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, ss_len) != 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE) {
			log_error("http_address_in_use", "address=%s port=%u hint=\"%s\"", address,
				  (unsigned)port, "another process listens there; stop it or pick another port");
			return ERR_CONFLICT;
		}
		log_error("http_bind", "address=%s port=%u errno=%d", address, (unsigned)port, e);
		return ERR_FAIL;
	}
	if (listen(fd, HTTP_LISTEN_BACKLOG) != 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE) {
			log_error("http_address_in_use", "address=%s port=%u", address, (unsigned)port);
			return ERR_CONFLICT;
		}
		log_error("http_listen", "errno=%d", e);
		return ERR_FAIL;
	}
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
		log_error("http_getsockname", "errno=%d", errno);
		close(fd);
		return ERR_FAIL;
	}
	if (bound.ss_family == AF_INET)
		*port_out = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	else
		*port_out = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	*fd_out = fd;
	return 0;
}

/*
 * The acceptor thread: waits for a connection or the stop pipe, and hands
 * each accepted connection to MHD (which closes it when it cannot take it).
 */
static void *accept_run(void *arg)
{
	struct http_server *srv = arg;
	for (;;) {
		struct pollfd pf[2] = { { srv->listen_fd, POLLIN, 0 }, { srv->stop_pipe[0], POLLIN, 0 } };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("http_accept", "op=poll errno=%d", errno);
			return NULL;
		}
		if (pf[1].revents)
			return NULL;
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		int fd = accept4(srv->listen_fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors or memory: wait a little rather than spin. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("http_accept", "errno=%d", errno);
				poll(&pf[1], 1, 100);
			}
			continue;   /* EAGAIN, ECONNABORTED, EINTR: the next one */
		}
		(void)MHD_add_connection(srv->daemon, fd, (struct sockaddr *)&sa, len);
	}
}

int http_server_start(struct http_server **out, const struct http_config *cfg)
{
	*out = NULL;
	if (!cfg || !cfg->handler || !cfg->address) {
		log_error("http_config", "reason=\"%s\"", "missing address or handler");
		return ERR_FAIL;
	}
	bool tls = cfg->tls_cert_pem != NULL;
	if (tls && (!cfg->tls_key_pem || MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)) {
		log_error("http_tls", "reason=\"%s\"", cfg->tls_key_pem ? "libmicrohttpd without TLS"
								      : "certificate without key");
		return ERR_FAIL;
	}

	struct http_server *srv = xcalloc(1, sizeof(*srv));
	if (!srv)
		return ERR_NOMEM;
	srv->max_body = cfg->max_body ? cfg->max_body : HTTP_DEFAULT_MAX_BODY;
	srv->tls = tls;
	srv->handler = cfg->handler;
	srv->app = cfg->app;

	int fd = -1;
	int rc = listen_socket(cfg->address, cfg->port, &fd, &srv->port);
	if (rc != 0) {
		free(srv);
		return rc;
	}

	/*
	 * The server accepts connections itself and hands each to the pool
	 * (MHD_add_connection), which gives it to a worker by its descriptor
	 * number: connections opened together spread over the workers evenly.
	 * Left to accept on their own, the workers race for each connection, and
	 * a client that keeps a few connections open (a proxy, a load test)
	 * could find most of them on one worker, whose requests then wait
	 * behind each other while another worker idles (docs/benchmarks.md,
	 * session 11).
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else
		flags |= MHD_USE_POLL;
	if (tls)
		flags |= MHD_USE_TLS;
	unsigned threads = cfg->threads ? cfg->threads : 1;

	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
		{ MHD_OPTION_THREAD_POOL_SIZE, threads, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONN_TIMEOUT_S, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, HTTP_CONN_LIMIT, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv },
		{ MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, srv },
		{ tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cfg->tls_cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem },
		{ MHD_OPTION_END, 0, NULL },
	};
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				       MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	srv->listen_fd = fd;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	if (!srv->daemon || pipe2(srv->stop_pipe, O_CLOEXEC) != 0 ||
	    pthread_create(&srv->acceptor, NULL, accept_run, srv) != 0) {
		log_error("http_start", "address=%s port=%u tls=%d", cfg->address,
			  (unsigned)srv->port, (int)tls);
		http_server_stop(srv);
		return ERR_FAIL;
	}
	srv->acceptor_started = true;
	log_info("http_listening", "address=%s port=%u tls=%d threads=%u", cfg->address,
		 (unsigned)srv->port, (int)tls, threads);
	*out = srv;
	return 0;
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv ? srv->port : 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	if (srv->acceptor_started) {
		ssize_t w;
		do
			w = write(srv->stop_pipe[1], "x", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(srv->acceptor, NULL);
	}
	close(srv->listen_fd);
	for (int i = 0; i < 2; i++)
		if (srv->stop_pipe[i] >= 0)
			close(srv->stop_pipe[i]);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	free(srv);
}
