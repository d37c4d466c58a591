/*
 * mail.h: the optional e-mail that announces a notification, sent through
 * the SMTP server the installation configures (ihala.conf smtp_url,
 * smtp_from, smtp_user, smtp_password_file, public_url) with libcurl.
 *
 * What a mail carries, and why so little: it leaves the installation and
 * crosses mail servers nobody here controls, so it holds no personal data
 * at all, and not even the case reference or the referral id. It has a
 * fixed sentence per kind of event, in Arabic and in English ("A referral
 * was sent to your organisation."), and the link <public_url>/#/notifications,
 * where a signed-in user of the organisation sees what happened. The
 * outbox row holds the recipient, the kind and the delivery state; the
 * text is written from the kind when the mail is sent.
 *
 * Where it goes: the notify_email of the receiving organisation's entry in
 * the service directory (directory.h), a functional mailbox of the
 * organisation. No entry or no address: no mail.
 *
 * Delivery: `ihala serve` starts one sender thread (mail_sender_start). It
 * looks at the outbox every MAIL_POLL_SECONDS, claims due rows (so that
 * several servers on one PostgreSQL never send one row twice while they
 * run), sends each with libcurl's SMTP (TLS certificates verified; over
 * smtp:// STARTTLS is required unless the server is on a loopback address),
 * and marks it sent. A temporary failure is retried after a growing delay
 * (retry base, then 4x, 16x, ...), MAIL_ATTEMPTS tries in all; an SMTP
 * 5xx answer is permanent. Then the row is marked failed and the failure
 * logged. The retry base is 60 seconds (environment IHALA_SMTP_RETRY
 * overrides it, for tests). Sent and failed rows are deleted after
 * MAIL_KEEP_DAYS.
 */
#ifndef IHALA_MAIL_H
#define IHALA_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../auth/ctx.h"
#include "../../core/banned.h"
#include "../../core/buf.h"
#include "../../core/config.h"
#include "../../core/err.h"

#define MAIL_ADDRESS_MAX 254
#define MAIL_ATTEMPTS 5
#define MAIL_POLL_SECONDS 2
#define MAIL_KEEP_DAYS 30

/* Whether cfg turns notification e-mail on (smtp_url is set). */
bool mail_enabled(const struct config *cfg);

/*
 * The shape of an address we accept: local@domain, at most 254 bytes,
 * local part 1..64 of letters, digits and !#$%&'*+-/=?^_`{|}~ with single
 * inner dots; domain of dot-separated labels (letters, digits, inner
 * hyphens), at least two. No spaces, quotes, brackets or line breaks: the
 * address goes into SMTP commands and a mail header.
 */
bool mail_address_valid(const char *addr);

/*
 * Queue the mail for a notification of kind to org_id, in the caller's open
 * transaction, when mail is enabled and the organisation has a
 * notify_email; otherwise nothing. 0 or a negative enum err.
 */
int mail_queue(struct ctx *c, const char *org_id, const char *kind);

/*
 * Write the whole message (headers and body, CRLF line ends) for a mail of
 * kind to rcpt into out: From smtp_from, Subject and text in Arabic and
 * English (UTF-8, base64), Message-ID <message_id@domain of smtp_from>,
 * Date from when. 0, or the buf's error.
 */
int mail_compose(const struct config *cfg, const char *kind, const char *rcpt, const char *message_id,
		 int64_t when, struct buf *out);

/* The English and Arabic sentence for a kind (a general one for unknown kinds). */
void mail_sentence(const char *kind, const char **en, const char **ar);

struct mail_sender;

/*
 * Start the sender thread when app's configuration enables mail, after
 * checking it: smtp_from a valid address, public_url set, smtp_user and
 * smtp_password_file both or neither, the password file a regular file of
 * this user, closed to group and others, and not empty. *out is NULL when
 * mail is off. On a bad configuration ERR_INVALID with a message in err
 * (start-up refuses to run). app must outlive the sender.
 */
int mail_sender_start(const struct app *app, struct mail_sender **out, char *err, size_t err_size);

/* Stop the thread (an SMTP exchange in progress is cut short), wipe the password; NULL is fine. */
void mail_sender_stop(struct mail_sender *s);

#endif
