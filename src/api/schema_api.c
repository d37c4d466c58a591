/* schema_api.c: GET /api/v1/schema: the field registry that drives forms, validation and exports. */
#include "api.h"
#include "../domain/registry/registry.h"

void api_schema(struct http_request *req, void *p)
{
	(void)p;
	const struct registry *r = registry_get();
	json_t *body = r ? registry_to_json(r) : NULL;

	if (!body) {
		/* registry_get logged why; an allocation failure needs no second line. */
		api_error(req, "internal", NULL);
		return;
	}
	api_json(req, 200, body);
}
