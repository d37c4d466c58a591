/*
 * org.h: organisations: national committees, police, labour inspectors,
 * NGOs, shelters, international organisations. Name in Arabic and English,
 * HTCDS org_Type, ISO country. Who may list/read/change which organisations
 * is perm_scope(PERM_ORG_READ / PERM_ORG_WRITE); an organisation outside the
 * caller's scope is ERR_NOT_FOUND. Changes are audited with the change.
 */
#ifndef IHALA_ORG_H
#define IHALA_ORG_H

#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define ORG_NAME_MAX 800   /* bytes: 200 characters */

struct org {
	char id[ID_HEX_LEN + 1];
	char name_ar[ORG_NAME_MAX + 1];
	char name_en[ORG_NAME_MAX + 1];
	char type[48];
	char country[3];
	int64_t created_at;
	int64_t updated_at;
	int64_t version;
};

struct org_fields {
	const char *name_ar;   /* NULL: unchanged (update) / missing (create) */
	const char *name_en;
	const char *type;
	const char *country;
	int64_t version;       /* update: 0 = no check */
};

/* The HTCDS org_Type values ihala accepts, NULL-terminated. */
extern const char *const org_types[];
int org_check_type(const char *type);

int org_create(struct ctx *c, const struct org_fields *f, struct org *out, struct problem *pb);
int org_get(struct ctx *c, const char *id, struct org *out);
int org_list(struct ctx *c, const char *cursor, int limit, struct org **items, int *n_items,
	     char next_cursor[ID_HEX_LEN + 1]);
int org_update(struct ctx *c, const char *id, const struct org_fields *f, struct org *out,
	       struct problem *pb);
/* Find by English name (command line); ERR_NOT_FOUND. */
int org_find_by_name(struct store *db, const char *name_en, struct org *out);

#endif
