/*
 * assets.h: the embedded web interface (ihala_assets of core/embedded.h)
 * served over GET and HEAD.
 *
 *	"/"                      -> "/index.html"
 *	a path in the table      -> the file, strong ETag, 304 on If-None-Match
 *	"/assets/..."            -> Cache-Control: public, max-age=31536000, immutable
 *	anything else served     -> Cache-Control: no-cache
 *	no '.' in last segment,
 *	  not under "/api/"      -> index.html (single-page app routes: /orgs, /users)
 *	unknown file             -> 404 {"error":{"code":"not_found",...}}
 *	"..", "//", '\\', '%'    -> 400 {"error":{"code":"bad_path",...}}
 *	not GET or HEAD          -> 405 {"error":{"code":"method_not_allowed",...}}
 */
#ifndef IHALA_ASSETS_H
#define IHALA_ASSETS_H

#include <stddef.h>
#include "../core/banned.h"
#include "../core/embedded.h"
#include "http.h"

/* Answer req from the embedded UI table. */
void assets_serve(struct http_request *req);

/* The same from any table sorted by path (strcmp order); for tests. */
void assets_serve_table(struct http_request *req, const struct embedded_file *files,
			size_t n_files);

/* Content-Type for a path, from its extension; never NULL. */
const char *assets_content_type(const char *path);

#endif
