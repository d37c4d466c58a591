/*
 * export_api.c: POST /api/v1/export. The table is built in domain/case/export.c;
 * here only the body, the password check's answer and the file's headers.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../domain/case/case.h"
#include "../domain/case/export.h"
#include "api.h"

/* refs: an array of 1..EXPORT_MAX_REFS strings, each shorter than CASE_REF_MAX. */
static const char **refs_from(const json_t *arr, size_t *n)
{
	*n = json_array_size(arr);
	if (!json_is_array(arr) || *n == 0 || *n > EXPORT_MAX_REFS)
		return NULL;
	const char **refs = calloc(*n, sizeof(*refs));
	if (!refs)
		return NULL;
	for (size_t i = 0; i < *n; i++) {
		const json_t *v = json_array_get(arr, i);
		if (!json_is_string(v) || json_string_length(v) >= CASE_REF_MAX) {
			free(refs);
			return NULL;
		}
		refs[i] = json_string_value(v);
	}
	return refs;
}

void api_export(struct http_request *req, void *p)
{
	struct api_call *call = p;
	static const struct jfield fields[] = {
		{ "refs", JF_ANY, 1, 0 },
		{ "format", JF_STRING, 1, 8 },
		{ "password", JF_STRING, 1, 1024 },
	};
	json_t *body = api_body(call, fields, sizeof(fields) / sizeof(fields[0]));
	if (!body)
		return;
	const char *format = jsonin_str(body, "format");
	enum export_format fmt;
	if (!strcmp(format, "csv")) {
		fmt = EXPORT_CSV;
	} else if (!strcmp(format, "xlsx")) {
		fmt = EXPORT_XLSX;
	} else {
		json_decref(body);
		api_error(req, "invalid", "format");
		return;
	}
	size_t n_refs;
	const char **refs = refs_from(json_object_get(body, "refs"), &n_refs);
	if (!refs) {
		json_decref(body);
		api_error(req, "invalid", "refs");
		return;
	}

	int rc = export_check_password(&call->ctx, jsonin_str(body, "password"));
	if (rc < 0) {
		free(refs);
		json_decref(body);
		api_error(req, rc == ERR_UNAUTH ? "wrong_password" : "internal", rc == ERR_UNAUTH ? "password" : NULL);
		return;
	}

	struct buf file;
	size_t n_exported = 0;
	buf_init(&file, EXPORT_MAX_BYTES);
	rc = case_export(&call->ctx, refs, n_refs, fmt, &file, &n_exported);
	free(refs);
	json_decref(body);
	if (rc < 0) {
		api_error(req, rc == ERR_TOO_LARGE ? "too_large" : "internal", rc == ERR_TOO_LARGE ? "refs" : NULL);
	} else {
		char today[32], disposition[96];
		if (clock_format_iso(clock_now(), today, sizeof(today)) < 0)
			today[0] = '\0';
		/* "2026-11-22T..." -> "20261122" */
		char ymd[9] = "00000000";
		if (strlen(today) >= 10) {
			memcpy(ymd, today, 4);
			memcpy(ymd + 4, today + 5, 2);
			memcpy(ymd + 6, today + 8, 2);
		}
		snprintf(disposition, sizeof(disposition), "attachment; filename=\"ihala-export-%s.%s\"", ymd,
			 fmt == EXPORT_CSV ? "csv" : "xlsx");
		http_add_header(req, "Content-Disposition", disposition);
		http_respond(req, 200,
			     fmt == EXPORT_CSV ? "text/csv; charset=utf-8"
					       : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			     file.data ? file.data : "", file.len);
	}
	/* The response holds its own copy; this one held personal data. */
	if (file.data)
		sodium_memzero(file.data, file.cap);
	buf_release(&file);
}
