/*
 * directory.h: the service directory. Each organisation keeps one entry:
 * the services it offers (HTCDS spl_Type support types, plus the ihala
 * extensions the national referral mechanism needs), the regions it serves,
 * its languages (ISO 639-1), whom it accepts, its accommodation places
 * (total and free, only with the Accommodation service), whether it takes
 * referrals now, and a short note that must hold no personal data.
 *
 * Who: reading the directory needs PERM_ORG_READ, and then every entry is
 * visible (the directory exists to find other organisations). Changing an
 * entry needs PERM_DIRECTORY_WRITE over that organisation (ctx_in_scope);
 * an organisation out of reach, or one that does not exist, is
 * ERR_NOT_FOUND. Writes run in one transaction with their audit row
 * ("directory.update", "directory.capacity"; object "org", the org id).
 *
 * Errors for the client go in struct problem: code "invalid", "too_long" or
 * "missing_field" with the field ("services[2]", "capacity.free", "note",
 * "notify_email").
 */
#ifndef IHALA_DIRECTORY_H
#define IHALA_DIRECTORY_H

#include <stdbool.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"
#include "../org/org.h"

#define DIRECTORY_REGIONS_MAX 50
#define DIRECTORY_REGION_CHARS 100
#define DIRECTORY_LANGUAGES_MAX 50
#define DIRECTORY_NOTE_CHARS 500
#define DIRECTORY_CAPACITY_MAX 100000
#define DIRECTORY_LIST_MAX 64          /* elements any input list may hold (the body cap) */
#define DIRECTORY_EMAIL_MAX 254        /* notify_email, bytes */

/* One support type: the code stored and sent, and its labels. */
struct directory_service {
	const char *code;     /* HTCDS spl_Type value, or an ihala extension */
	bool htcds;           /* false: an ihala extension */
	struct {
		const char *en;
		const char *ar;
	} label;
};
extern const struct directory_service directory_services[];
extern const size_t directory_service_count;
#define DIRECTORY_SERVICES_MAX 16   /* >= directory_service_count */

/* The groups an organisation may accept: women, men, children, families. */
extern const char *const directory_accepts[];
#define DIRECTORY_ACCEPTS_MAX 4

/* The code of the service that capacity belongs to. */
#define DIRECTORY_SHELTER "Accommodation"

struct directory_entry {
	char org_id[ID_HEX_LEN + 1];
	char org_name_en[ORG_NAME_MAX + 1];
	char org_name_ar[ORG_NAME_MAX + 1];
	char org_type[48];
	const char *services[DIRECTORY_SERVICES_MAX];   /* static codes, as entered */
	int n_services;
	char *regions[DIRECTORY_REGIONS_MAX];           /* owned */
	int n_regions;
	char languages[DIRECTORY_LANGUAGES_MAX][3];
	int n_languages;
	const char *accepts[DIRECTORY_ACCEPTS_MAX];     /* static codes */
	int n_accepts;
	bool has_capacity;
	int64_t capacity_total;
	int64_t capacity_free;
	bool accepting;
	char note[DIRECTORY_NOTE_CHARS * 4 + 1];
	int64_t updated_at;
	int64_t version;
	/*
	 * Where the organisation's notification mails go (notify/mail.h), "" for
	 * none. Shown only to callers with PERM_DIRECTORY_WRITE over the
	 * organisation: directory_get and directory_search blank it for others
	 * and clear notify_email_shown.
	 */
	char notify_email[DIRECTORY_EMAIL_MAX + 1];
	bool notify_email_shown;
};

/* A whole entry as a client sends it; strings borrowed. */
struct directory_input {
	const char *services[DIRECTORY_LIST_MAX];
	int n_services;
	const char *regions[DIRECTORY_LIST_MAX];
	int n_regions;
	const char *languages[DIRECTORY_LIST_MAX];
	int n_languages;
	const char *accepts[DIRECTORY_LIST_MAX];
	int n_accepts;
	bool has_capacity;
	int64_t capacity_total;
	int64_t capacity_free;
	bool accepting;
	const char *note;     /* NULL: empty */
	/* NULL: keep the stored address (clients that do not know it); "": none; else checked by mail_address_valid. */
	const char *notify_email;
};

/* Search filters; NULL / false: no filter. Values are checked by directory_search. */
struct directory_filter {
	const char *service;
	const char *region;     /* case-insensitive exact match of one region */
	const char *language;
	const char *accepts;
	bool free_only;         /* capacity.free > 0 */
	bool accepting_only;
};

/* Free what an entry owns (its regions); the struct may be reused. */
void directory_entry_release(struct directory_entry *e);

/* The label row of a service code, or NULL. */
const struct directory_service *directory_service_find(const char *code);

/*
 * Entries matching f, sorted by the organisation's English name then id;
 * *items (caller: directory_entry_release each, then free). Bad filter
 * values: ERR_INVALID with pb's field the parameter name.
 */
int directory_search(struct ctx *c, const struct directory_filter *f, struct directory_entry **items,
		     int *n_items, struct problem *pb);

/* One organisation's entry; ERR_NOT_FOUND when it has none. */
int directory_get(struct ctx *c, const char *org_id, struct directory_entry *out);

/* Replace org_id's entry (create it on first use); out is the stored entry. */
int directory_put(struct ctx *c, const char *org_id, const struct directory_input *in,
		  struct directory_entry *out, struct problem *pb);

/*
 * The notification address of org_id's entry into out ("" when it has no
 * entry or no address), for the notification module, inside its
 * transaction: no reach check (the system writes notifications).
 */
int directory_notify_email(struct store *db, const char *org_id, char *out, size_t out_size);

/* Set the free places; 0..capacity total, and the entry must list capacity. */
int directory_set_free(struct ctx *c, const char *org_id, int64_t free_places,
		       struct directory_entry *out, struct problem *pb);

#endif
