/* problem.c: struct problem of err.h. */
#include <stdio.h>

#include "err.h"

int problem_set(struct problem *p, int err, const char *code, const char *field)
{
	if (p) {
		p->code = code;
		snprintf(p->field, sizeof(p->field), "%s", field ? field : "");
	}
	return err;
}
