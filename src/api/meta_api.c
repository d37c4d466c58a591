/* meta_api.c: public endpoints: health, installation facts, the API description. */
#include <string.h>

#include "../core/embedded.h"
#include "api.h"
#include "../core/version.h"

void api_health(struct http_request *req, void *p)
{
	struct api_call *call = p;
	/* A trivial query proves the database answers. */
	struct store_stmt *st = NULL;
	int ok = store_prepare(call->ctx.db, &st, "SELECT 1") == 0 && store_step(st) == STORE_ROW;
	store_finalize(st);
	if (!ok) {
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void api_meta(struct http_request *req, void *p)
{
	struct api_call *call = p;
	api_json(req, 200, json_pack("{s:b, s:s}", "demo", call->ctx.app->cfg.demo, "version", IHALA_VERSION));
}

void api_openapi(struct http_request *req, void *p)
{
	(void)p;
	for (size_t i = 0; i < ihala_docs_count; i++) {
		if (!strcmp(ihala_docs[i].path, "openapi.yaml")) {
			http_respond_static(req, 200, "application/yaml; charset=utf-8", ihala_docs[i].data,
					    ihala_docs[i].len);
			return;
		}
	}
	api_error(req, "not_found", NULL);
}
