/*
 * link_clk_api.c: POST /api/v1/link/match. Another agency's CLK encoding
 * file is matched with the cases of this installation (src/domain/link/clk.h,
 * clk_match_cases); here only the body and the answer.
 */
#include <string.h>

#include "../domain/link/clk.h"
#include "api.h"

/* The encoding file's text; the body cap (max_body) is the real bound. */
#define LINK_MATCH_MAX_TEXT ((size_t)64 * 1024 * 1024)

void api_link_match(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "encodings", JF_STRING, 1, LINK_MATCH_MAX_TEXT },
		{ "threshold", JF_ANY, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	double threshold = 0.75;   /* as `ihala link match` */
	const json_t *t = json_object_get(body, "threshold");
	if (t && !json_is_number(t)) {
		json_decref(body);
		api_error(req, "wrong_type", "threshold");
		return;
	}
	if (t)
		threshold = json_number_value(t);
	const json_t *enc = json_object_get(body, "encodings");
	struct problem pb = { 0 };
	json_t *out = NULL;
	int rc = clk_match_cases(&call->ctx, json_string_value(enc), json_string_length(enc), threshold, &out, &pb);
	json_decref(body);
	if (rc == 0)
		api_json(req, 200, out);
	else if (pb.code)
		api_problem(req, &pb);
	else
		api_error_rc(req, rc);
}
