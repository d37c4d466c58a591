/*
 * router.h: match a method and a path against a table of routes.
 *
 * Patterns are literal segments and `{name}` captures of one segment, e.g.
 * "/api/v1/users/{id}/sessions". A capture matches 1..128 bytes without '/'.
 * Matching is exact: no trailing slash, no empty segment, no "." or ".."
 * segment, no NUL, no percent sign left after decoding. The table is data; the
 * router knows nothing of permissions beyond carrying route->perm.
 */
#ifndef IHALA_ROUTER_H
#define IHALA_ROUTER_H

#include "../core/banned.h"
#include "http.h"

struct route {
	const char *method;    /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *pattern;
	int perm;              /* an enum perm of auth/perm.h, opaque here */
	void (*handler)(struct http_request *req, void *ctx);
	unsigned flags;        /* the application's (api.c: ROUTE_READ_ONLY); opaque here */
};

enum router_result { ROUTER_MATCH = 0, ROUTER_NOT_FOUND = -4, ROUTER_METHOD = -20 };

/*
 * Find the route for (method, path). On ROUTER_MATCH sets *out and fills
 * params[]/n_params with pointers into scratch (size scratch_size >= strlen(path)+1).
 * ROUTER_METHOD when the path matches a route but not with this method.
 */
int router_match(const struct route *routes, size_t n_routes, const char *method,
		 const char *path, char *scratch, size_t scratch_size,
		 const struct route **out, const char *params[HTTP_MAX_PARAMS], int *n_params);

#endif
