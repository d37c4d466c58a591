/*
 * fuzz_router.c: router_match on "METHOD PATH" inputs against a small fixed
 * table. Aborts when a match hands a handler something the contract says
 * cannot reach it: a capture outside 1..128 bytes of [A-Za-z0-9._~-], or a
 * matched path with an empty, "." or ".." segment, a '%' or a '\\'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

static void h(struct http_request *req, void *ctx)
{
	(void)req;
	(void)ctx;
}

static const struct route routes[] = {
	{ "GET", "/", 0, h, 0 },
	{ "GET", "/api/v1/users", 1, h, 0 },
	{ "POST", "/api/v1/users", 2, h, 0 },
	{ "GET", "/api/v1/users/{id}", 3, h, 0 },
	{ "DELETE", "/api/v1/users/{id}", 4, h, 0 },
	{ "GET", "/api/v1/users/{id}/sessions/{sid}", 5, h, 0 },
	{ "PATCH", "/api/v1/orgs/{org}/cases/{case}/notes/{note}", 6, h, 0 },
	{ "GET", "/{a}/{b}/{c}/{d}", 7, h, 0 },
};

static int n_captures(const char *pattern)
{
	int n = 0;
	for (const char *p = pattern; *p; p++)
		n += *p == '{';
	return n;
}

static int capture_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-", s[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = malloc(size + 1);
	if (!input)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	char *sep = memchr(input, ' ', size);
	const char *method = "GET";
	const char *path = input;
	if (sep) {
		*sep = '\0';
		method = input;
		path = sep + 1;
	}
	size_t scratch_size = strlen(path) + 1;
	char *scratch = malloc(scratch_size);
	if (!scratch) {
		free(input);
		return 0;
	}
	const struct route *r = NULL;
	const char *params[HTTP_MAX_PARAMS];
	int n_params = -1;
	int rc = router_match(routes, sizeof(routes) / sizeof(routes[0]), method, path, scratch,
			      scratch_size, &r, params, &n_params);
	if (rc == ROUTER_MATCH) {
		if (!r || strcmp(r->method, method) != 0 || n_params != n_captures(r->pattern))
			abort();
		for (int i = 0; i < n_params; i++)
			if (!capture_ok(params[i]) || params[i] < scratch ||
			    params[i] >= scratch + scratch_size)
				abort();
		if (strstr(path, "//") || strchr(path, '%') || strchr(path, '\\') ||
		    strstr(path, "/./") || strstr(path, "/../") || path[0] != '/')
			abort();
		size_t len = strlen(path);
		if (len > 1 && path[len - 1] == '/')
			abort();
	} else if (rc != ROUTER_NOT_FOUND && rc != ROUTER_METHOD) {
		abort();
	} else if (r || n_params != 0) {
		abort();
	}
	free(scratch);
	free(input);
	return 0;
}
