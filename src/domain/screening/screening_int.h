/*
 * screening_int.h: private to src/domain/screening/: what screening.c (the
 * records) and screening_attach.c (turning a result into a case) share.
 * Nothing outside this folder includes it.
 */
#ifndef IHALA_SCREENING_INT_H
#define IHALA_SCREENING_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../crypto/seal.h"
#include "../case/case.h"
#include "set.h"

#define SCR_DEK_BYTES 32
#define SCR_TABLE "screenings"
#define SCR_URGENT_CHILD "ChildProtection"   /* the urgent need every child screening adds */

/* A stored row. */

struct scr_row {
	char id[ID_HEX_LEN + 1];
	char case_id[ID_HEX_LEN + 1];   /* "" when anonymous */
	char case_ref[CASE_REF_MAX];    /* "" when anonymous */
	char org_id[ID_HEX_LEN + 1];
	char created_by[ID_HEX_LEN + 1];
	int64_t created_at;
	char set_key[SCREEN_KEY_MAX];
	int set_version;
	bool child;
	enum screen_assessment assessment;
	enum screen_result dim[DIM_COUNT];
	char context[32];               /* "" when none */
	bool has_dek;
	unsigned char dek_sealed[SEAL_OVERHEAD + SCR_DEK_BYTES];
	unsigned char *sealed;          /* owned */
	size_t sealed_len;
};

void scr_copy(char *out, size_t size, const char *s);
void scr_row_release(struct scr_row *r);
/* The row of screening id: ERR_NOT_FOUND when there is none (or id is malformed). */
int scr_row_load(struct ctx *c, const char *id, struct scr_row *r);
/* Is r within the caller's PERM_SCREENING scope (by creator or organisation)? */
bool scr_in_scope(const struct ctx *c, const struct scr_row *r);
/* Open what an anonymous screening sealed with its own data key. */
int scr_own_open(struct ctx *c, const struct scr_row *r, unsigned char **plain, size_t *plain_len);
/* Wipe len bytes of p, then free it (NULL is fine). */
void scr_wipe_free(void *p, size_t len);
/* The result's "next_steps" (screening.h). */
json_t *scr_next_steps(enum screen_assessment a, bool child, bool has_case);

#endif
