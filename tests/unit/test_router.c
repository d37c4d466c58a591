/* test_router.c: router_match over a fixed table, case by case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "http/router.h"

static void h_list(struct http_request *req, void *ctx) { (void)req; (void)ctx; }
static void h_get(struct http_request *req, void *ctx) { (void)req; (void)ctx; }
static void h_create(struct http_request *req, void *ctx) { (void)req; (void)ctx; }
static void h_sessions(struct http_request *req, void *ctx) { (void)req; (void)ctx; }
static void h_root(struct http_request *req, void *ctx) { (void)req; (void)ctx; }
static void h_many(struct http_request *req, void *ctx) { (void)req; (void)ctx; }
static void h_five(struct http_request *req, void *ctx) { (void)req; (void)ctx; }

static const struct route routes[] = {
	{ "GET", "/", 0, h_root, 0 },
	{ "GET", "/api/v1/users", 1, h_list, 0 },
	{ "POST", "/api/v1/users", 2, h_create, 0 },
	{ "GET", "/api/v1/users/{id}", 3, h_get, 0 },
	{ "DELETE", "/api/v1/users/{id}", 4, h_get, 0 },
	{ "GET", "/api/v1/users/{id}/sessions", 5, h_sessions, 0 },
	{ "GET", "/api/v1/orgs/me", 6, h_list, 0 },
	{ "GET", "/api/v1/orgs/{org}", 7, h_get, 0 },
	{ "PUT", "/a/{p1}/{p2}/{p3}/{p4}", 8, h_many, 0 },
	/* more captures than HTTP_MAX_PARAMS: never matches */
	{ "GET", "/b/{p1}/{p2}/{p3}/{p4}/{p5}", 9, h_five, 0 },
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

struct match_case {
	const char *method;
	const char *path;
	int want;          /* ROUTER_* */
	int perm;          /* of the matched route, when ROUTER_MATCH */
	int n_params;
	const char *p[HTTP_MAX_PARAMS];
};

static const struct match_case cases[] = {
	{ "GET", "/", ROUTER_MATCH, 0, 0, { 0 } },
	{ "GET", "/api/v1/users", ROUTER_MATCH, 1, 0, { 0 } },
	{ "POST", "/api/v1/users", ROUTER_MATCH, 2, 0, { 0 } },
	{ "PATCH", "/api/v1/users", ROUTER_METHOD, 0, 0, { 0 } },
	{ "get", "/api/v1/users", ROUTER_METHOD, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/42", ROUTER_MATCH, 3, 1, { "42" } },
	{ "DELETE", "/api/v1/users/u-1_a.b~c", ROUTER_MATCH, 4, 1, { "u-1_a.b~c" } },
	{ "PUT", "/api/v1/users/42", ROUTER_METHOD, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/42/sessions", ROUTER_MATCH, 5, 1, { "42" } },
	{ "POST", "/api/v1/users/42/sessions", ROUTER_METHOD, 0, 0, { 0 } },
	/* literal wins when listed first; capture otherwise */
	{ "GET", "/api/v1/orgs/me", ROUTER_MATCH, 6, 0, { 0 } },
	{ "GET", "/api/v1/orgs/other", ROUTER_MATCH, 7, 1, { "other" } },
	{ "PUT", "/a/1/2/3/4", ROUTER_MATCH, 8, 4, { "1", "2", "3", "4" } },
	{ "GET", "/b/1/2/3/4/5", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	/* shape */
	{ "GET", "", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "api/v1/users", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api//v1/users", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "//api/v1/users", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/42/", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/42/sessions/x", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/user", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/usersx", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/API/v1/users", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	/* dot segments and forbidden bytes */
	{ "GET", "/api/v1/users/.", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/..", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/./users", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/../v1/users", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/%2e%2e", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/a%20b", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/a\\b", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users\\42", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	/* capture contents */
	{ "GET", "/api/v1/users/a b", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/a\tb", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/a;b", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/\xd8\xa7", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/\x01", ROUTER_NOT_FOUND, 0, 0, { 0 } },
	{ "GET", "/api/v1/users/...", ROUTER_MATCH, 3, 1, { "..." } },
	{ "GET", "/api/v1/users/.x", ROUTER_MATCH, 3, 1, { ".x" } },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct match_case *c = &cases[i];
		char scratch[512];
		const struct route *r = (const struct route *)1;
		const char *params[HTTP_MAX_PARAMS] = { 0 };
		int n_params = -1;
		int got = router_match(routes, N_ROUTES, c->method, c->path, scratch,
				       sizeof(scratch), &r, params, &n_params);
		if (got != c->want || (got == ROUTER_MATCH && r->perm != c->perm))
			print_message("case %zu: %s %s -> %d\n", i, c->method, c->path, got);
		assert_int_equal(got, c->want);
		if (got != ROUTER_MATCH) {
			assert_null(r);
			assert_int_equal(n_params, 0);
			continue;
		}
		assert_non_null(r);
		assert_int_equal(r->perm, c->perm);
		assert_int_equal(n_params, c->n_params);
		for (int k = 0; k < c->n_params; k++)
			assert_string_equal(params[k], c->p[k]);
	}
}

/* A capture is 1..128 bytes: 128 matches, 129 does not. */
static void test_capture_length(void **state)
{
	(void)state;
	char path[300], scratch[300];
	const struct route *r;
	const char *params[HTTP_MAX_PARAMS];
	int n;
	size_t prefix = strlen("/api/v1/users/");
	memcpy(path, "/api/v1/users/", prefix);
	memset(path + prefix, 'a', 128);
	path[prefix + 128] = '\0';
	assert_int_equal(router_match(routes, N_ROUTES, "GET", path, scratch, sizeof(scratch), &r,
				      params, &n), ROUTER_MATCH);
	assert_int_equal(strlen(params[0]), 128);
	path[prefix + 128] = 'a';
	path[prefix + 129] = '\0';
	assert_int_equal(router_match(routes, N_ROUTES, "GET", path, scratch, sizeof(scratch), &r,
				      params, &n), ROUTER_NOT_FOUND);
}

/* Params point into scratch, not into the caller's path. */
static void test_params_in_scratch(void **state)
{
	(void)state;
	char path[] = "/api/v1/users/77/sessions";
	char scratch[64];
	const struct route *r;
	const char *params[HTTP_MAX_PARAMS];
	int n;
	assert_int_equal(router_match(routes, N_ROUTES, "GET", path, scratch, sizeof(scratch), &r,
				      params, &n), ROUTER_MATCH);
	assert_true(params[0] >= scratch && params[0] < scratch + sizeof(scratch));
	path[14] = 'X';
	assert_string_equal(params[0], "77");
	assert_string_equal(path, "/api/v1/users/X7/sessions");
}

/* Scratch smaller than strlen(path)+1 is refused, never overrun. */
static void test_small_scratch(void **state)
{
	(void)state;
	const char *path = "/api/v1/users/42";
	char scratch[64];
	const struct route *r;
	const char *params[HTTP_MAX_PARAMS];
	int n;
	assert_int_equal(router_match(routes, N_ROUTES, "GET", path, scratch, strlen(path), &r,
				      params, &n), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(routes, N_ROUTES, "GET", path, scratch, strlen(path) + 1, &r,
				      params, &n), ROUTER_MATCH);
}

static void test_null_inputs(void **state)
{
	(void)state;
	char scratch[64];
	const struct route *r;
	const char *params[HTTP_MAX_PARAMS];
	int n;
	assert_int_equal(router_match(routes, N_ROUTES, NULL, "/", scratch, sizeof(scratch), &r,
				      params, &n), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(routes, N_ROUTES, "GET", NULL, scratch, sizeof(scratch), &r,
				      params, &n), ROUTER_NOT_FOUND);
	assert_int_equal(router_match(routes, 0, "GET", "/", scratch, sizeof(scratch), &r,
				      params, &n), ROUTER_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_capture_length),
		cmocka_unit_test(test_params_in_scratch),
		cmocka_unit_test(test_small_scratch),
		cmocka_unit_test(test_null_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
