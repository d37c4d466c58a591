/*
 * import_api.c: POST /api/v1/import. The file is read and the cases made in
 * domain/case/import.c; here only the body, the base64 and the answers.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/case/import.h"
#include "api.h"

/* Base64 text of an IMPORT_MAX_BYTES file, with room for line breaks. */
#define IMPORT_MAX_B64 (((IMPORT_MAX_BYTES + 2) / 3) * 4 + IMPORT_MAX_BYTES / 38 + 16)

/*
 * 400 import_rejected with the rows at fault. The message is the one of
 * "import_rejected" in reply.c's table (api_error cannot carry "rows").
 */
static void reply_rejected(struct http_request *req, json_t *rows)
{
	json_t *body = json_pack("{s:{s:s, s:s, s:{}}, s:O}", "error", "code", "import_rejected", "message",
				 "The file was not imported: some rows are not valid. / "
				 "لم يُستورد الملف: بعض الصفوف غير صالحة.",
				 "fields", "rows", rows);
	api_json(req, 400, body);
}

void api_import(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "format", JF_STRING, 1, 8 },
		{ "content", JF_STRING, 1, IMPORT_MAX_B64 },
		{ "skip_bad_rows", JF_BOOL, 0, 0 },
		{ "defaults", JF_OBJECT, 0, 0 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	const char *format = jsonin_str(body, "format");
	enum import_format fmt;
	if (!strcmp(format, "csv")) {
		fmt = IMPORT_CSV;
	} else if (!strcmp(format, "xlsx")) {
		fmt = IMPORT_XLSX;
	} else if (!strcmp(format, "xform")) {
		fmt = IMPORT_XFORM;
	} else {
		json_decref(body);
		api_error(req, "invalid", "format");
		return;
	}
	bool skip = jsonin_bool(body, "skip_bad_rows", 0) != 0;
	const json_t *content = json_object_get(body, "content");
	size_t b64_len = json_string_length(content);
	size_t cap = b64_len / 4 * 3 + 3;
	unsigned char *file = malloc(cap ? cap : 1);
	size_t len = 0;
	if (!file) {
		json_decref(body);
		api_error(req, "internal", NULL);
		return;
	}
	if (sodium_base642bin(file, cap, json_string_value(content), b64_len, " \r\n", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0) {
		free(file);
		json_decref(body);
		api_error(req, "invalid", "content");
		return;
	}

	/* Defaults for what rows leave out, each checked by the registry like a row's value. */
	struct import_defaults def = { 0 };
	const json_t *dj = json_object_get(body, "defaults");
	static const struct {
		const char *name, *entity, *key, *field;
	} dk[] = {
		{ "purpose", "case", "purpose", "defaults.purpose" },
		{ "consent_purpose", "consent", "purpose", "defaults.consent_purpose" },
		{ "consent_date", "consent", "date", "defaults.consent_date" },
	};
	const char **slots[] = { &def.purpose, &def.consent_purpose, &def.consent_date };
	const char *bad = NULL;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)dj, k, v) {
		size_t i = 0;
		while (i < 3 && strcmp(k, dk[i].name))
			i++;
		if (i == 3) {
			bad = "defaults";
			break;
		}
		struct problem pb = { 0 };
		json_t *one = json_pack("{s:O}", dk[i].key, v);
		int vrc = json_is_string(v) ? registry_validate(registry_get(), dk[i].entity, one, false, &pb) : -1;
		json_decref(one);
		if (vrc < 0) {
			bad = dk[i].field;
			break;
		}
		*slots[i] = json_string_value(v);
	}
	if (bad) {
		sodium_memzero(file, cap);
		free(file);
		json_decref(body);
		api_error(req, "invalid", bad);
		return;
	}

	struct import_result res;
	int rc = case_import(&call->ctx, fmt, file, len, skip, &def, &res);
	sodium_memzero(file, cap);   /* it held personal data */
	free(file);
	json_decref(body);
	switch (rc) {
	case 0:
		api_json(req, 200, json_pack("{s:I, s:O, s:O}", "imported", (json_int_t)res.n_imported, "refs",
					     res.refs, "rows", res.rows));
		break;
	case ERR_INVALID:
		reply_rejected(req, res.rows);
		break;
	case ERR_TOO_LARGE:
		api_error(req, "too_large", "content");
		break;
	case ERR_DENIED:
		api_error(req, "forbidden", NULL);
		break;
	default:
		api_error(req, "internal", NULL);
		break;
	}
	import_result_release(&res);
}
