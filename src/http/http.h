/*
 * http.h: the libmicrohttpd adapter. It reads a request (headers, a capped
 * body), calls one application handler per request, and sends the response
 * the handler built, with the security headers added to every response:
 *
 *	Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self';
 *	  img-src 'self' data:; connect-src 'self'; object-src 'none';
 *	  base-uri 'none'; frame-ancestors 'none'; form-action 'self'
 *	X-Content-Type-Options: nosniff
 *	Referrer-Policy: no-referrer
 *	X-Frame-Options: DENY
 *	Cross-Origin-Opener-Policy: same-origin
 *	Strict-Transport-Security: max-age=63072000; includeSubDomains   (TLS only)
 *	Cache-Control: no-store   (unless the handler set Cache-Control itself)
 *
 * The handler runs on one of MHD's pool threads. It must call http_respond*
 * exactly once; if it does not, the adapter answers 500.
 * A body over max_body answers 413 {"error":{"code":"body_too_large",...}}
 * without calling the handler. Too many or too large headers are refused by
 * MHD itself (431/413), and the server stays up.
 */
#ifndef IHALA_HTTP_H
#define IHALA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/banned.h"
#include "../core/buf.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_EXTRA_HEADERS 8

struct http_header_kv {
	char *name;    /* owned */
	char *value;   /* owned */
};

struct http_request {
	/* Input (borrowed from the adapter, valid during the handler call). */
	const char *method;          /* "GET", "POST", ... */
	const char *path;            /* URL path as received, percent-decoded by MHD, no query */
	const char *body;            /* NUL-terminated copy of the body, or "" */
	size_t body_len;
	const char *remote_addr;     /* textual IP address of the peer */
	bool tls;                    /* served over HTTPS */
	void *conn;                  /* struct MHD_Connection *, for http_header() etc. */

	/* Filled by router_match (borrowed pointers into a request-owned copy). */
	const char *params[HTTP_MAX_PARAMS];
	int n_params;

	/* Output, set through http_respond*(). */
	int status;                  /* 0 until responded */
	char *content_type;          /* owned */
	struct buf out;              /* response body (cap 64 MiB) */
	struct http_header_kv headers[HTTP_MAX_EXTRA_HEADERS];
	int n_headers;
	/* Static bodies (embedded assets) are sent without a copy. */
	const void *static_body;     /* borrowed, lives for the process */
	size_t static_len;
};

/* Request header value (case-insensitive name) or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/* Cookie value or NULL. */
const char *http_cookie(const struct http_request *req, const char *name);
/* Query-string argument (decoded) or NULL. */
const char *http_query(const struct http_request *req, const char *name);

/* Respond with a copy of body (len bytes). content_type NULL means none. */
void http_respond(struct http_request *req, int status, const char *content_type,
		  const void *body, size_t len);
/* Respond with a body that lives for the whole process (embedded assets). */
void http_respond_static(struct http_request *req, int status, const char *content_type,
			 const void *body, size_t len);
/* Add a response header (Set-Cookie, ETag, Cache-Control, Location...). 0 or -1 when full. */
int http_add_header(struct http_request *req, const char *name, const char *value);

typedef void (*http_handler_fn)(struct http_request *req, void *app);

struct http_config {
	const char *address;       /* "127.0.0.1", "::1", "0.0.0.0" ... */
	uint16_t port;             /* 0 picks a free port; see http_server_port */
	unsigned threads;          /* MHD thread pool size */
	size_t max_body;           /* bytes; default 1 MiB when 0 */
	const char *tls_cert_pem;  /* borrowed; NULL for plain HTTP */
	const char *tls_key_pem;   /* borrowed */
	http_handler_fn handler;
	void *app;                 /* borrowed; passed to handler */
};

struct http_server;

/*
 * Bind and start. ERR_CONFLICT when the address is in use (message logged),
 * ERR_FAIL otherwise.
 */
int http_server_start(struct http_server **out, const struct http_config *cfg)
	__attribute__((warn_unused_result));
uint16_t http_server_port(const struct http_server *srv);
void http_server_stop(struct http_server *srv);

/* True for 127.0.0.0/8, ::1 and "localhost". */
bool http_is_loopback(const char *address);

#endif
