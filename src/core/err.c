/*
 * err.c: names of the error codes.
 */
#include "err.h"

const char *err_name(int err)
{
	switch (err) {
	case ERR_OK: return "ok";
	case ERR_FAIL: return "internal";
	case ERR_NOMEM: return "no_memory";
	case ERR_INVALID: return "invalid";
	case ERR_NOT_FOUND: return "not_found";
	case ERR_CONFLICT: return "conflict";
	case ERR_DENIED: return "denied";
	case ERR_UNAUTH: return "unauthenticated";
	case ERR_TOO_LARGE: return "too_large";
	case ERR_THROTTLED: return "throttled";
	case ERR_CRYPTO: return "crypto";
	}
	return "unknown";
}
