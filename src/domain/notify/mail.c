/*
 * mail.c: the notification e-mail, its outbox and its sender thread
 * (mail.h).
 */
#include "mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/hash.h"
#include "../directory/directory.h"

#define MAIL_BATCH 16
#define MAIL_LEASE_SECONDS 600     /* a claimed row is free again after this, should its sender die */
#define MAIL_PASSWORD_MAX 1024
#define MAIL_KIND_MAX 64
#define MAIL_ERROR_MAX 200

/* One fixed sentence per kind of event: nothing in it comes from a case. */
static const struct {
	const char *kind;
	const char *en;
	const char *ar;
} sentences[] = {
	{ "referral.sent", "A referral was sent to your organisation.", "أُرسلت إحالة إلى منظمتكم." },
	{ "referral.acknowledged", "A referral sent by your organisation was acknowledged.",
	  "أُقِرّ باستلام إحالة أرسلتها منظمتكم." },
	{ "referral.accepted", "A referral sent by your organisation was accepted.", "قُبلت إحالة أرسلتها منظمتكم." },
	{ "referral.declined", "A referral sent by your organisation was declined.", "رُفضت إحالة أرسلتها منظمتكم." },
	{ "referral.in_service", "A service under a referral of your organisation has started.",
	  "بدأ تقديم خدمة بموجب إحالة أرسلتها منظمتكم." },
	{ "referral.completed", "A referral of your organisation was completed.", "اكتملت إحالة أرسلتها منظمتكم." },
	{ "referral.withdrawn", "A referral to your organisation was withdrawn.", "سُحبت إحالة موجّهة إلى منظمتكم." },
	{ "case.transferred", "A case was transferred to your organisation.", "نُقلت حالة إلى منظمتكم." },
};

void mail_sentence(const char *kind, const char **en, const char **ar)
{
	for (size_t i = 0; kind && i < sizeof(sentences) / sizeof(sentences[0]); i++) {
		if (!strcmp(kind, sentences[i].kind)) {
			*en = sentences[i].en;
			*ar = sentences[i].ar;
			return;
		}
	}
	*en = "There is a new notification for your organisation.";
	*ar = "لدى منظمتكم إشعار جديد.";
}

bool mail_enabled(const struct config *cfg)
{
	return cfg && cfg->smtp_url[0] != '\0';
}

static bool local_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch));
}

static bool label_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-';
}

bool mail_address_valid(const char *addr)
{
	if (!addr)
		return false;
	size_t len = strlen(addr);
	const char *at = strchr(addr, '@');
	if (len == 0 || len > MAIL_ADDRESS_MAX || !at || strchr(at + 1, '@'))
		return false;
	size_t local_len = (size_t)(at - addr);
	if (local_len == 0 || local_len > 64 || addr[0] == '.' || at[-1] == '.')
		return false;
	for (const char *p = addr; p < at; p++) {
		if (*p == '.') {
			if (p[1] == '.')
				return false;
		} else if (!local_char(*p)) {
			return false;
		}
	}
	int labels = 0;
	const char *p = at + 1;
	for (;;) {
		size_t n = 0;
		while (label_char(p[n]))
			n++;
		if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-')
			return false;
		labels++;
		p += n;
		if (*p == '\0')
			break;
		if (*p != '.')
			return false;
		p++;
	}
	return labels >= 2;
}

int mail_queue(struct ctx *c, const char *org_id, const char *kind)
{
	char rcpt[MAIL_ADDRESS_MAX + 1];
	int rc = directory_notify_email(c->db, org_id, rcpt, sizeof(rcpt));
	if (rc < 0)
		return rc;
	if (!rcpt[0] || !mail_address_valid(rcpt) || strlen(kind) >= MAIL_KIND_MAX)
		return 0;
	char id[ID_HEX_LEN + 1];
	random_id(id);
	int64_t now = clock_now();
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO mail_outbox (id, org_id, rcpt, kind, created_at, state, attempts, next_at)"
			  " VALUES (?, ?, ?, ?, ?, 'queued', 0, ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, org_id);
	store_bind_text(st, 3, rcpt);
	store_bind_text(st, 4, kind);
	store_bind_int64(st, 5, now);
	store_bind_int64(st, 6, now);
	rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

/* ---- The message ---------------------------------------------------- */

static void put_base64(struct buf *out, const void *data, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);
	if (!b64) {
		if (!out->err)
			out->err = ERR_NOMEM;   /* the buf's sticky error */
		return;
	}
	sodium_bin2base64(b64, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
	buf_puts(out, b64);
	free(b64);
}

/*
 * A header value in RFC 2047 encoded words (UTF-8, base64), each at most 75
 * characters and holding whole characters, folded onto continuation lines.
 */
static void put_encoded_words(struct buf *out, const char *text)
{
	size_t len = strlen(text), pos = 0;
	bool first = true;
	while (pos < len) {
		size_t n = len - pos > 36 ? 36 : len - pos;   /* 48 base64 characters: the line stays under 76 */
		/* Do not cut a UTF-8 sequence: back off to the start of a character. */
		while (n > 0 && pos + n < len && ((unsigned char)text[pos + n] & 0xC0) == 0x80)
			n--;
		if (!first)
			buf_puts(out, "\r\n ");
		buf_puts(out, "=?UTF-8?B?");
		put_base64(out, text + pos, n);
		buf_puts(out, "?=");
		pos += n;
		first = false;
	}
}

static void put_date(struct buf *out, int64_t when)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)when;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		if (!out->err)
			out->err = ERR_INVALID;
		return;
	}
	buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int mail_compose(const struct config *cfg, const char *kind, const char *rcpt, const char *message_id,
		 int64_t when, struct buf *out)
{
	const char *en, *ar;
	mail_sentence(kind, &en, &ar);
	const char *domain = strchr(cfg->smtp_from, '@');
	domain = domain ? domain + 1 : "localhost";
	size_t base_len = strlen(cfg->public_url);
	while (base_len > 0 && cfg->public_url[base_len - 1] == '/')
		base_len--;

	struct buf body;
	buf_init(&body, 16 * 1024);
	buf_printf(&body,
		   "%s\r\n"
		   "لمعرفة التفاصيل، سجّلوا الدخول إلى نظام إحالة:\r\n"
		   "%.*s/#/notifications\r\n"
		   "\r\n"
		   "%s\r\n"
		   "To see what happened, sign in to ihala:\r\n"
		   "%.*s/#/notifications\r\n"
		   "\r\n"
		   "-- \r\n"
		   "رسالة آلية لا تحتوي أي بيانات شخصية. لا تردّوا عليها.\r\n"
		   "An automatic message that holds no personal data. Please do not reply.\r\n",
		   ar, (int)base_len, cfg->public_url, en, (int)base_len, cfg->public_url);
	int rc = buf_error(&body);
	if (rc < 0) {
		buf_release(&body);
		return rc;
	}

	buf_puts(out, "Date: ");
	put_date(out, when);
	buf_printf(out, "\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: ", cfg->smtp_from, rcpt);
	put_encoded_words(out, "إحالة: إشعار جديد | ihala: new notification");
	buf_printf(out,
		   "\r\nMessage-ID: <%s@%s>\r\n"
		   "MIME-Version: 1.0\r\n"
		   "Content-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "Content-Language: ar, en\r\n"
		   "Auto-Submitted: auto-generated\r\n"
		   "\r\n",
		   message_id, domain);
	/* The body in base64 lines of 76 characters. */
	struct buf b64;
	buf_init(&b64, 32 * 1024);
	put_base64(&b64, body.data, body.len);
	buf_release(&body);
	if ((rc = buf_error(&b64)) < 0) {
		buf_release(&b64);
		return rc;
	}
	for (size_t i = 0; i < b64.len; i += 76) {
		buf_append(out, b64.data + i, b64.len - i > 76 ? 76 : b64.len - i);
		buf_puts(out, "\r\n");
	}
	buf_release(&b64);
	return buf_error(out);
}

/* ---- The sender ----------------------------------------------------- */

struct mail_sender {
	const struct app *app;       /* borrowed */
	char *password;              /* owned, sodium_malloc; NULL without smtp_user */
	long use_ssl;                /* CURLOPT_USE_SSL for smtp:// */
	int64_t retry_base;          /* seconds before the second try */
	int64_t last_prune;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool stop;
};

enum outcome { OUT_SENT, OUT_RETRY, OUT_PERMANENT, OUT_UNTRIED };

struct outbox_row {
	char id[ID_HEX_LEN + 1];
	char rcpt[MAIL_ADDRESS_MAX + 1];
	char kind[MAIL_KIND_MAX];
	int64_t attempts;            /* before this try */
	enum outcome outcome;
	char error[MAIL_ERROR_MAX];
};

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Keep printable ASCII only, and no quotes: the text goes to a log line and a row. */
static void clean_error(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
			*s = '?';
}

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t upload_read(char *dst, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t room = size * nitems, left = u->len - u->pos;
	size_t n = left < room ? left : room;
	memcpy(dst, u->data + u->pos, n);
	u->pos += n;
	return n;
}

static int progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct mail_sender *s = arg;
	return atomic_load(&s->stop) ? 1 : 0;   /* non-zero aborts the transfer */
}

/* Send one row's mail; sets row->outcome and row->error. */
static void send_one(struct mail_sender *s, struct outbox_row *row)
{
	const struct config *cfg = &s->app->cfg;
	row->outcome = OUT_RETRY;
	row->error[0] = '\0';
	struct buf msg;
	buf_init(&msg, 64 * 1024);
	CURL *h = NULL;
	struct curl_slist *rcpts = NULL;
	char from[sizeof(cfg->smtp_from) + 2], to[MAIL_ADDRESS_MAX + 3];
	snprintf(from, sizeof(from), "<%s>", cfg->smtp_from);
	snprintf(to, sizeof(to), "<%s>", row->rcpt);
	if (mail_compose(cfg, row->kind, row->rcpt, row->id, clock_now(), &msg) < 0) {
		copy(row->error, sizeof(row->error), "cannot compose the message");
		goto out;
	}
	h = curl_easy_init();
	rcpts = curl_slist_append(NULL, to);
	if (!h || !rcpts) {
		copy(row->error, sizeof(row->error), "out of memory");
		goto out;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	struct upload up = { .data = msg.data, .len = msg.len, .pos = 0 };
	curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(h, CURLOPT_USE_SSL, s->use_ssl);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->smtp_user[0] && s->password) {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode res = curl_easy_perform(h);
	if (res == CURLE_OK) {
		row->outcome = OUT_SENT;
		goto out;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_ABORTED_BY_CALLBACK && atomic_load(&s->stop))
		row->outcome = OUT_UNTRIED;   /* cut short by the server stopping: try again later */
	else if (code >= 500 && code <= 599)
		row->outcome = OUT_PERMANENT;
	snprintf(row->error, sizeof(row->error), "%.150s (smtp %ld)", errbuf[0] ? errbuf : curl_easy_strerror(res), code);
	clean_error(row->error);
out:
	curl_slist_free_all(rcpts);
	if (h)
		curl_easy_cleanup(h);
	buf_release(&msg);
}

/* Claim up to max due rows: each moved past the lease so no other sender takes it. */
static int claim(struct store *db, struct outbox_row *rows, int max, int64_t now, int *n_out)
{
	*n_out = 0;
	int n = 0, rc;
	if (store_begin(db) < 0)
		return ERR_FAIL;
	struct store_stmt *st;
	int64_t due[MAIL_BATCH];
	if (store_prepare(db, &st,
			  "SELECT id, rcpt, kind, attempts, next_at FROM mail_outbox WHERE state = 'queued' AND next_at <= ?"
			  " ORDER BY next_at, id LIMIT ?") < 0)
		goto fail;
	store_bind_int64(st, 1, now);
	store_bind_int64(st, 2, max);
	while ((rc = store_step(st)) == STORE_ROW && n < max) {
		memset(&rows[n], 0, sizeof(rows[n]));
		copy(rows[n].id, sizeof(rows[n].id), store_column_text(st, 0));
		copy(rows[n].rcpt, sizeof(rows[n].rcpt), store_column_text(st, 1));
		copy(rows[n].kind, sizeof(rows[n].kind), store_column_text(st, 2));
		rows[n].attempts = store_column_int64(st, 3);
		due[n] = store_column_int64(st, 4);
		n++;
	}
	store_finalize(st);
	if (rc < 0)
		goto fail;
	if (n == 0) {
		store_rollback(db);
		return 0;
	}
	if (store_prepare(db, &st, "UPDATE mail_outbox SET next_at = ? WHERE id = ? AND state = 'queued' AND next_at = ?") < 0)
		goto fail;
	int kept = 0;
	for (int i = 0; i < n; i++) {
		if (store_reset(st) < 0)
			break;
		store_bind_int64(st, 1, now + MAIL_LEASE_SECONDS);
		store_bind_text(st, 2, rows[i].id);
		store_bind_int64(st, 3, due[i]);
		if (store_step(st) < 0) {
			store_finalize(st);
			goto fail;
		}
		if (store_changes(st) == 1)
			rows[kept++] = rows[i];
	}
	store_finalize(st);
	if (store_commit(db) < 0)
		goto fail;
	*n_out = kept;
	return 0;
fail:
	store_rollback(db);
	return ERR_FAIL;
}

/* The next try's delay after `attempts` failed tries: base, 4 base, 16 base, ... */
static int64_t backoff(int64_t base, int64_t attempts)
{
	int64_t d = base;
	for (int64_t i = 1; i < attempts && d < 86400; i++)
		d *= 4;
	return d;
}

static int record(struct mail_sender *s, struct store *db, struct outbox_row *rows, int n, int64_t now)
{
	if (store_begin(db) < 0)
		return ERR_FAIL;
	for (int i = 0; i < n; i++) {
		struct outbox_row *r = &rows[i];
		int64_t attempts = r->attempts + 1;
		struct store_stmt *st;
		int rc;
		switch (r->outcome) {
		case OUT_SENT:
			rc = store_prepare(db, &st, "UPDATE mail_outbox SET state = 'sent', sent_at = ?, attempts = ?,"
						    " last_error = NULL WHERE id = ?");
			if (rc < 0)
				goto fail;
			store_bind_int64(st, 1, now);
			store_bind_int64(st, 2, attempts);
			store_bind_text(st, 3, r->id);
			log_info("mail sent", "mail=%s attempts=%lld", r->id, (long long)attempts);
			break;
		case OUT_UNTRIED:
			rc = store_prepare(db, &st, "UPDATE mail_outbox SET next_at = ? WHERE id = ? AND state = 'queued'");
			if (rc < 0)
				goto fail;
			store_bind_int64(st, 1, now);
			store_bind_text(st, 2, r->id);
			break;
		default:
			if (r->outcome == OUT_PERMANENT || attempts >= MAIL_ATTEMPTS) {
				rc = store_prepare(db, &st, "UPDATE mail_outbox SET state = 'failed', attempts = ?,"
							    " last_error = ? WHERE id = ?");
				if (rc < 0)
					goto fail;
				store_bind_int64(st, 1, attempts);
				store_bind_text(st, 2, r->error);
				store_bind_text(st, 3, r->id);
				log_error("mail not sent, giving up", "mail=%s attempts=%lld err=\"%s\"", r->id,
					  (long long)attempts, r->error);
			} else {
				int64_t delay = backoff(s->retry_base, attempts);
				rc = store_prepare(db, &st, "UPDATE mail_outbox SET attempts = ?, next_at = ?,"
							    " last_error = ? WHERE id = ?");
				if (rc < 0)
					goto fail;
				store_bind_int64(st, 1, attempts);
				store_bind_int64(st, 2, now + delay);
				store_bind_text(st, 3, r->error);
				store_bind_text(st, 4, r->id);
				log_warn("mail not sent, will retry", "mail=%s attempts=%lld retry_in=%lld err=\"%s\"", r->id,
					 (long long)attempts, (long long)delay, r->error);
			}
			break;
		}
		rc = store_step(st);
		store_finalize(st);
		if (rc < 0)
			goto fail;
	}
	return store_commit(db) < 0 ? ERR_FAIL : 0;
fail:
	store_rollback(db);
	return ERR_FAIL;
}

/* Delete sent and failed rows older than MAIL_KEEP_DAYS, about once an hour. */
static void prune(struct mail_sender *s, struct store *db, int64_t now)
{
	if (now - s->last_prune < 3600)
		return;
	s->last_prune = now;
	struct store_stmt *st;
	if (store_prepare(db, &st, "DELETE FROM mail_outbox WHERE state <> 'queued' AND created_at < ?") < 0)
		return;
	store_bind_int64(st, 1, now - (int64_t)MAIL_KEEP_DAYS * 86400);
	if (store_step(st) < 0)
		log_error("mail outbox prune failed", "rows=%s", "old");
	store_finalize(st);
}

/* One look at the outbox: claim what is due, send it, record the outcome. */
static void sender_pass(struct mail_sender *s)
{
	struct outbox_row rows[MAIL_BATCH];
	int n = 0;
	struct store *db = store_pool_acquire(s->app->pool);
	if (!db)
		return;
	int64_t now = clock_now();
	prune(s, db, now);
	int rc = claim(db, rows, MAIL_BATCH, now, &n);
	store_pool_release(s->app->pool, db);
	if (rc < 0) {
		log_error("mail outbox read failed", "rows=%d", 0);
		return;
	}
	if (n == 0)
		return;
	/* Each outcome is recorded as soon as it is known: a crash resends at most one mail. */
	for (int i = 0; i < n; i++) {
		if (atomic_load(&s->stop)) {
			rows[i].outcome = OUT_UNTRIED;
		} else if (!mail_address_valid(rows[i].rcpt)) {
			rows[i].outcome = OUT_PERMANENT;   /* mail_queue never stores one; a row changed by hand */
			copy(rows[i].error, sizeof(rows[i].error), "not a valid recipient address");
		} else {
			send_one(s, &rows[i]);
		}
		db = store_pool_acquire(s->app->pool);
		if (!db)
			return;
		if (record(s, db, &rows[i], 1, clock_now()) < 0)
			log_error("mail outbox update failed", "mail=%s", rows[i].id);
		store_pool_release(s->app->pool, db);
	}
}

static void *sender_run(void *arg)
{
	struct mail_sender *s = arg;
	for (;;) {
		sender_pass(s);
		pthread_mutex_lock(&s->mu);
		if (!atomic_load(&s->stop)) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += MAIL_POLL_SECONDS;
			pthread_cond_timedwait(&s->cv, &s->mu, &until);
		}
		bool stop = atomic_load(&s->stop);
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
	}
	return NULL;
}

/* Read the password file: a regular file of ours, closed to others. */
static int read_password(const char *path, char **out, char *err, size_t err_size)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, err_size, "smtp_password_file %s cannot be opened: %s", path, strerror(errno));
		return ERR_INVALID;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(err, err_size, "smtp_password_file %s is not a regular file", path);
		return ERR_INVALID;
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & 077)) {
		close(fd);
		snprintf(err, err_size,
			 "smtp_password_file %s must belong to the server's user and be closed to others (chmod 600)",
			 path);
		return ERR_INVALID;
	}
	char *pw = sodium_malloc(MAIL_PASSWORD_MAX + 1);
	if (!pw) {
		close(fd);
		snprintf(err, err_size, "out of memory");
		return ERR_NOMEM;
	}
	size_t len = 0;
	ssize_t got;
	while (len < MAIL_PASSWORD_MAX && (got = read(fd, pw + len, MAIL_PASSWORD_MAX - len)) > 0)
		len += (size_t)got;
	char extra;
	bool too_long = len == MAIL_PASSWORD_MAX && read(fd, &extra, 1) > 0;
	close(fd);
	while (len > 0 && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
		len--;
	pw[len] = '\0';
	if (len == 0 || too_long || memchr(pw, '\n', len) || memchr(pw, '\0', len)) {
		sodium_free(pw);
		snprintf(err, err_size, "smtp_password_file %s must hold the password on one line (at most %d bytes)",
			 path, MAIL_PASSWORD_MAX);
		return ERR_INVALID;
	}
	*out = pw;
	return 0;
}

/* Check smtp_url: smtp or smtps, a host, no password in it; *use_ssl for smtp://. */
static int check_url(const char *url, long *use_ssl, char *err, size_t err_size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *password = NULL;
	int rc = ERR_INVALID;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
		snprintf(err, err_size, "smtp_url must be smtp://HOST:PORT or smtps://HOST:PORT");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
		snprintf(err, err_size, "smtp_url must not hold a password: put it in smtp_password_file");
		goto out;
	}
	if (!strcasecmp(scheme, "smtps")) {
		*use_ssl = (long)CURLUSESSL_ALL;
	} else if (!strcasecmp(scheme, "smtp")) {
		bool loopback = !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "[::1]");
		/* A relay on this machine may speak plain SMTP; anything farther must use STARTTLS. */
		*use_ssl = loopback ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL;
	} else {
		snprintf(err, err_size, "smtp_url must be smtp://HOST:PORT or smtps://HOST:PORT");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(password);
	curl_url_cleanup(u);
	return rc;
}

int mail_sender_start(const struct app *app, struct mail_sender **out, char *err, size_t err_size)
{
	*out = NULL;
	const struct config *cfg = &app->cfg;
	if (!mail_enabled(cfg))
		return 0;
	if (!mail_address_valid(cfg->smtp_from)) {
		snprintf(err, err_size, "smtp_url is set: smtp_from must be the sender's e-mail address");
		return ERR_INVALID;
	}
	if (!cfg->public_url[0]) {
		snprintf(err, err_size, "smtp_url is set: public_url must say where users open ihala (https://...)");
		return ERR_INVALID;
	}
	if (!cfg->smtp_user[0] != !cfg->smtp_password_file[0]) {
		snprintf(err, err_size, "smtp_user and smtp_password_file go together: set both or neither");
		return ERR_INVALID;
	}
	long use_ssl = 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, err_size, "libcurl cannot start");
		return ERR_FAIL;
	}
	struct mail_sender *s = calloc(1, sizeof(*s));
	if (!s) {
		curl_global_cleanup();
		snprintf(err, err_size, "out of memory");
		return ERR_NOMEM;
	}
	int rc = check_url(cfg->smtp_url, &use_ssl, err, err_size);
	if (rc == 0 && cfg->smtp_password_file[0])
		rc = read_password(cfg->smtp_password_file, &s->password, err, err_size);
	if (rc < 0) {
		free(s);
		curl_global_cleanup();
		return rc;
	}
	s->app = app;
	s->use_ssl = use_ssl;
	s->retry_base = 60;
	const char *env = getenv("IHALA_SMTP_RETRY");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v >= 1 && v <= 3600)
			s->retry_base = v;
	}
	atomic_init(&s->stop, false);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, sender_run, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		if (s->password)
			sodium_free(s->password);
		free(s);
		curl_global_cleanup();
		snprintf(err, err_size, "cannot start the mail sender thread");
		return ERR_FAIL;
	}
	log_info("mail sender started", "tls=%s", use_ssl == (long)CURLUSESSL_ALL ? "required" : "if offered");
	*out = s;
	return 0;
}

void mail_sender_stop(struct mail_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stop, true);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	if (s->password)
		sodium_free(s->password);   /* wipes it */
	free(s);
	curl_global_cleanup();
}
