/*
 * router.c: exact matching of (method, path) against a table of routes.
 *
 * The path is checked once (shape, forbidden bytes), copied into the
 * caller's scratch with each '/' turned into a NUL, and then compared
 * segment by segment with each pattern. A {name} capture accepts only
 * 1..128 bytes of [A-Za-z0-9._~-], so ids reach handlers already free of
 * separators, escapes and control bytes.
 */
#include <stdbool.h>
#include <string.h>

#include "http/router.h"

#define CAPTURE_MAX 128

static bool capture_byte(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '~' || c == '-';
}

/*
 * A routable path: starts with '/', and is "/" or has non-empty segments
 * that are not "." or "..", with no '%' or '\\' anywhere.
 */
static bool path_ok(const char *path, size_t len)
{
	if (len == 0 || path[0] != '/')
		return false;
	if (len == 1)
		return true;
	if (path[len - 1] == '/')
		return false;
	const char *seg = path + 1;
	for (size_t i = 1; i <= len; i++) {
		char c = path[i];   /* path[len] is the NUL */
		if (c == '%' || c == '\\')
			return false;
		if (c == '/' || c == '\0') {
			size_t seg_len = (size_t)(path + i - seg);
			if (seg_len == 0)
				return false;
			if ((seg_len == 1 && seg[0] == '.') ||
			    (seg_len == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			seg = path + i + 1;
		}
	}
	return true;
}

static bool capture_ok(const char *seg)
{
	size_t n = 0;
	for (; seg[n]; n++)
		if (n >= CAPTURE_MAX || !capture_byte((unsigned char)seg[n]))
			return false;
	return n >= 1;
}

/*
 * Compare the pattern with the split path (n_segs NUL-terminated segments
 * starting at segs). On a match fills params/n_params and returns true.
 */
static bool pattern_match(const char *pattern, const char *segs, size_t n_segs,
			  const char *params[HTTP_MAX_PARAMS], int *n_params)
{
	if (!pattern || pattern[0] != '/')
		return false;
	const char *p = pattern + 1;
	const char *seg = segs;
	int n_caps = 0;
	size_t i = 0;
	if (*p == '\0')   /* the pattern "/" */
		return n_segs == 0;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t p_len = slash ? (size_t)(slash - p) : strlen(p);
		if (i >= n_segs)
			return false;
		size_t s_len = strlen(seg);
		if (p_len >= 2 && p[0] == '{' && p[p_len - 1] == '}') {
			if (n_caps >= HTTP_MAX_PARAMS || !capture_ok(seg))
				return false;
			params[n_caps++] = seg;
		} else if (p_len != s_len || memcmp(p, seg, p_len) != 0) {
			return false;
		}
		i++;
		seg += s_len + 1;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (i != n_segs)
		return false;
	*n_params = n_caps;
	return true;
}

int router_match(const struct route *routes, size_t n_routes, const char *method,
		 const char *path, char *scratch, size_t scratch_size,
		 const struct route **out, const char *params[HTTP_MAX_PARAMS], int *n_params)
{
	*out = NULL;
	*n_params = 0;
	if (!routes || !method || !path || !scratch)
		return ROUTER_NOT_FOUND;
	size_t len = strlen(path);
	if (len + 1 > scratch_size || !path_ok(path, len))
		return ROUTER_NOT_FOUND;

	/* Split "/a/b" into "a\0b\0" at scratch. */
	size_t n_segs = 0;
	if (len > 1) {
		memcpy(scratch, path + 1, len);   /* includes the NUL */
		n_segs = 1;
		for (size_t i = 0; i < len - 1; i++) {
			if (scratch[i] == '/') {
				scratch[i] = '\0';
				n_segs++;
			}
		}
	} else {
		scratch[0] = '\0';
	}

	bool path_seen = false;
	for (size_t r = 0; r < n_routes; r++) {
		const char *caps[HTTP_MAX_PARAMS] = { 0 };
		int n_caps = 0;
		if (!pattern_match(routes[r].pattern, scratch, n_segs, caps, &n_caps))
			continue;
		if (!routes[r].method || strcmp(routes[r].method, method) != 0) {
			path_seen = true;
			continue;
		}
		for (int i = 0; i < HTTP_MAX_PARAMS; i++)
			params[i] = i < n_caps ? caps[i] : NULL;
		*n_params = n_caps;
		*out = &routes[r];
		return ROUTER_MATCH;
	}
	return path_seen ? ROUTER_METHOD : ROUTER_NOT_FOUND;
}
