/*
 * screening_sets_api.c: GET /api/v1/screening/sets and
 * GET /api/v1/screening/sets/{key}[?version=N]: the indicator sets a caller
 * may screen with (permission PERM_SCREENING, checked by the router). A set
 * restricted to other countries than the caller's organisation's answers
 * 404, as an unknown key does. Sets are reference data without personal
 * data, so reading them is not audited (as GET /schema).
 */
#include <stdlib.h>
#include <string.h>

#include "../domain/screening/set.h"
#include "api.h"

void api_screening_sets_list(struct http_request *req, void *p)
{
	struct api_call *call = p;
	json_t *items = NULL;
	if (screen_sets_list(&call->ctx, &items) < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, json_pack("{s:o}", "items", items));
}

/* ?version=N: 1..1000000, decimal digits only; 0 when absent; -1 when bad. */
static int version_param(const char *text)
{
	if (!text)
		return 0;
	size_t len = strlen(text);
	if (len == 0 || len > 7 || text[0] == '0')
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		v = v * 10 + (text[i] - '0');
	}
	return v <= 1000000 ? v : -1;
}

void api_screening_sets_get(struct http_request *req, void *p)
{
	struct api_call *call = p;
	int version = version_param(http_query(req, "version"));
	if (version < 0) {
		api_error(req, "invalid", "version");
		return;
	}
	struct screen_set *s;
	int rc = screen_set_load(&call->ctx, req->params[0], version, &s);
	if (rc == ERR_NOT_FOUND || rc == ERR_DENIED) {
		api_error(req, "not_found", NULL);
		return;
	}
	if (rc < 0) {
		api_error(req, "internal", NULL);
		return;
	}
	json_t *body = screen_set_to_json(s, true);
	screen_set_free(s);
	if (!body) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, body);
}
