/*
 * assets.c: serving the embedded web interface (see assets.h).
 *
 * The table is generated sorted by path, so lookup is a binary search.
 * Files are sent without a copy (http_respond_static). Vite puts hashed,
 * never-changing names under /assets/, which may be cached for a year;
 * index.html and the rest are revalidated with their strong ETag.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http/assets.h"

#define JSON_TYPE "application/json"
#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_REVALIDATE "no-cache"

static const char ERR_BAD_PATH[] =
	"{\"error\":{\"code\":\"bad_path\",\"message\":\"Bad path / مسار غير صالح\",\"fields\":{}}}";
static const char ERR_NOT_FOUND[] =
	"{\"error\":{\"code\":\"not_found\",\"message\":\"Not found / غير موجود\",\"fields\":{}}}";
static const char ERR_METHOD[] =
	"{\"error\":{\"code\":\"method_not_allowed\","
	"\"message\":\"Method not allowed / الطريقة غير مسموح بها\",\"fields\":{}}}";

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "json", "application/json" },
	{ "webmanifest", "application/manifest+json" },
	{ "woff2", "font/woff2" },
	{ "woff", "font/woff" },
	{ "map", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "yaml", "application/yaml" },
	{ "yml", "application/yaml" },
};

const char *assets_content_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (dot) {
		for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++)
			if (strcmp(dot + 1, content_types[i].ext) == 0)
				return content_types[i].type;
	}
	return "application/octet-stream";
}

static const struct embedded_file *lookup(const struct embedded_file *files, size_t n_files,
					  const char *path)
{
	size_t lo = 0, hi = n_files;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, files[mid].path);
		if (c == 0)
			return &files[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static bool path_ok(const char *path)
{
	return path[0] == '/' && !strstr(path, "..") && !strstr(path, "//") &&
	       !strchr(path, '\\') && !strchr(path, '%');
}

/* A client route of the single-page app: no '.' in the last segment, not the API. */
static bool spa_route(const char *path)
{
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
		return false;
	const char *last = strrchr(path, '/');
	return !strchr(last ? last : path, '.');
}

/*
 * If-None-Match (RFC 9110 13.1.2): "*" or a comma-separated list of entity
 * tags, compared weakly (a W/ prefix is ignored).
 */
static bool etag_matches(const char *header, const char *etag)
{
	size_t etag_len = strlen(etag);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 1 && p[0] == '*')
			return true;
		const char *tag = p;
		if (n >= 2 && tag[0] == 'W' && tag[1] == '/') {
			tag += 2;
			n -= 2;
		}
		if (n == etag_len && memcmp(tag, etag, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

void assets_serve_table(struct http_request *req, const struct embedded_file *files,
			size_t n_files)
{
	const char *method = req->method ? req->method : "";
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		(void)http_add_header(req, "Allow", "GET, HEAD");
		http_respond_static(req, 405, JSON_TYPE, ERR_METHOD, sizeof(ERR_METHOD) - 1);
		return;
	}
	const char *path = req->path ? req->path : "";
	if (!path_ok(path)) {
		http_respond_static(req, 400, JSON_TYPE, ERR_BAD_PATH, sizeof(ERR_BAD_PATH) - 1);
		return;
	}
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	const struct embedded_file *file = lookup(files, n_files, path);
	if (!file && spa_route(path))
		file = lookup(files, n_files, "/index.html");
	if (!file) {
		http_respond_static(req, 404, JSON_TYPE, ERR_NOT_FOUND, sizeof(ERR_NOT_FOUND) - 1);
		return;
	}

	bool immutable = strncmp(file->path, "/assets/", 8) == 0;
	(void)http_add_header(req, "Cache-Control", immutable ? CACHE_IMMUTABLE : CACHE_REVALIDATE);
	if (file->etag) {
		(void)http_add_header(req, "ETag", file->etag);
		const char *inm = http_header(req, "If-None-Match");
		if (inm && etag_matches(inm, file->etag)) {
			http_respond_static(req, 304, NULL, "", 0);
			return;
		}
	}
	http_respond_static(req, 200, assets_content_type(file->path), file->data, file->len);
}

void assets_serve(struct http_request *req)
{
	assets_serve_table(req, ihala_assets, ihala_assets_count);
}
