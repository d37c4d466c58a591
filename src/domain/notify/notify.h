/*
 * notify.h: in-app notifications for organisations, and the optional
 * e-mail that announces them.
 *
 * A notification is addressed to an organisation and says that something
 * happened to a referral or a case: its kind ("referral.sent",
 * "referral.acknowledged", "referral.accepted", "referral.declined",
 * "referral.in_service", "referral.completed", "referral.withdrawn",
 * "case.transferred"), the referral id or case reference it is about, and
 * the case reference. Never a name or any other value of the person: a
 * notification may reach an e-mail server outside the installation.
 * Every user of the organisation sees it; each marks it read for
 * themselves.
 *
 * Who: every signed-in user reads the notifications of their own
 * organisation, and only those (the command line, with no user, has no
 * organisation and sees none). Reading them is not audited: they hold a
 * kind, ids and a case reference, nothing about a person, and each page
 * would otherwise add a row to the audit chain. Marking them read is one
 * transaction with its audit row ("notification.read", object
 * "notification": the id when one was named, else "all" or "ids:N").
 *
 * E-mail (mail.h): when the installation configures an SMTP server and the
 * receiving organisation's directory entry names a notify_email,
 * notify_org also queues a mail in the same transaction. The mail says
 * only that something of this kind happened, with a link to ihala.
 */
#ifndef IHALA_NOTIFY_H
#define IHALA_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/err.h"

#define NOTIFY_READ_IDS_MAX 64      /* ids one mark-read request may name (the body's list cap) */
#define NOTIFY_CURSOR_MAX 64

/*
 * Add a notification for org_id, inside the caller's open write
 * transaction (it commits or rolls back with the change it announces).
 * object_type "referral" or "case"; object_id the referral id or the case
 * reference. Queues the e-mail too (see above). 0 or a negative enum err.
 */
int notify_org(struct ctx *c, const char *org_id, const char *kind, const char *object_type,
	       const char *object_id, const char *case_ref);

/*
 * One page of the actor's organisation's notifications, newest first
 * (created_at, then id, both descending: a total order for the cursor).
 * unread_only: only those the actor has not marked read. cursor: NULL/""
 * for the first page, else the next_cursor of the page before ("T:ID");
 * anything else is ERR_INVALID. limit 1..200.
 * *items: a JSON array of {"id", "kind", "object_type", "object_id",
 * "case_ref", "created_at" (Unix seconds), "read" (bool)} (caller decrefs);
 * *next_cursor: "" when this is the last page; *unread: how many of the
 * organisation's notifications the actor has not read (all pages).
 */
int notify_list(struct ctx *c, bool unread_only, const char *cursor, int limit, json_t **items,
		char next_cursor[NOTIFY_CURSOR_MAX], int64_t *unread);

/*
 * Mark notifications read for the actor: the n_ids ids (1..NOTIFY_READ_IDS_MAX,
 * each 32 lower-case hex digits), or with all every notification of the
 * actor's organisation. Ids of another organisation, or of none, are
 * ignored: they are not counted and reveal nothing. Marking one already
 * read again changes nothing. *marked: how many became read now; *unread:
 * how many stay unread afterwards.
 * Problems: invalid ("ids", "ids[i]"), internal.
 */
int notify_mark_read(struct ctx *c, const char *const *ids, int n_ids, bool all, int64_t *marked,
		     int64_t *unread, struct problem *pb);

#endif
