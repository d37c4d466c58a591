/*
 * plan_int.h: private to src/domain/plan/: who reaches a plan, the checks of
 * values, and reading the plan back, shared by plan.c (reads and access),
 * plan_write.c (changes) and services.c (services delivered).
 */
#ifndef IHALA_PLAN_INT_H
#define IHALA_PLAN_INT_H

#include <stdbool.h>
#include "../case/case.h"
#include "plan.h"

#define PLAN_DATE_LEN 10   /* YYYY-MM-DD */

enum plan_view { PLAN_OWNER = 1, PLAN_RECEIVER = 2 };

struct plan_access {
	struct case_handle h;
	enum plan_view view;
};

/*
 * Who the caller is for the case's plan: the owner side when case_lookup
 * with PERM_CASE_WRITE (write) or PERM_CASE_READ reaches it, else the
 * receiver side when the caller's organisation serves the case through a
 * referral now. ERR_NOT_FOUND otherwise, for an unknown or erased reference
 * alike.
 */
int plan_access_get(struct ctx *c, const char *ref, bool write, struct plan_access *a);

/* Copy src (NULL: "") into dst of size bytes, cut when longer. */
void plan_copy(char *dst, size_t size, const char *src);
/* Is s a real calendar day written YYYY-MM-DD? */
bool plan_date_ok(const char *s);
/* Today (UTC, the server's clock) as YYYY-MM-DD. */
void plan_today(char out[PLAN_DATE_LEN + 1]);
/*
 * Free text (goal, action, note): 1..max_chars characters, not only
 * spaces, no control character but line breaks and tabs. NULL when good,
 * else the problem code ("invalid", "too_long").
 */
const char *plan_text_problem(const char *s, size_t max_chars);
/* The statuses of an item: planned, in_progress, done, cancelled. */
bool plan_status_ok(const char *s);
/* Does organisation org_id exist? 1, 0 or negative. */
int plan_org_exists(struct ctx *c, const char *org_id);

/* Seal / open one text of a row with the case's data key (case_seal / case_unseal). */
int plan_seal_text(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
		   const char *row_id, const char *text, unsigned char **out, size_t *out_len);
/* *out a JSON string (or JSON null when sealed is NULL). */
int plan_open_text(struct ctx *c, const struct case_handle *h, const char *table, const char *column,
		   const char *row_id, const void *sealed, size_t len, json_t **out);

/* The plan as a's side sees it (plan.h's JSON). */
int plan_read(struct ctx *c, const struct plan_access *a, json_t **out);

/*
 * Inside an open write transaction: raise the plan's version (creating the
 * plan at version 1 when the case has none) and record who changed it.
 * With expect >= 0 the current version must be expect (0: no plan yet),
 * else ERR_CONFLICT with pb stale_version and current_version.
 */
int plan_bump(struct ctx *c, const char *case_id, int64_t expect, struct problem *pb);

#endif
