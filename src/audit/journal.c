/*
 * journal.c: the read journal of the audit log (journal.h says why and the
 * file format; audit.h how a server turns it on).
 */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../crypto/hash.h"

#define JOURNAL_LINE_MAX 512     /* at + 6 fields of at most 64 characters, tabs */
#define JOURNAL_NAME_DIGITS 12
#define JOURNAL_KEEP_DONE (30 * 86400)   /* audit_journal_done rows of older moves are pruned */

struct audit_journal {
	pthread_mutex_t mu;         /* fd, no, rows: appenders and the rotation */
	int fd;                     /* the file being written */
	int64_t no;                 /* its number */
	int64_t rows;               /* lines written to it */
	pthread_mutex_t drain_mu;   /* one mover at a time */
	int64_t first;              /* lowest file number not yet in the chain */
	int lock_fd;                /* DIR/audit-journal/lock, held with flock */
	const struct audit *au;     /* borrowed: signer and checkpoint interval */
	char epoch[ID_HEX_LEN + 1]; /* this process's files: EPOCH-NNNNNNNNNNNN.log */
	char dir[PATH_MAX];         /* DIR/audit-journal */
};

/* The path of file no of epoch ("" : the name before migration 0018, NNNNNNNNNNNN.log). */
static int file_path(char *out, size_t size, const struct audit_journal *j, const char *epoch, int64_t no)
{
	int n = snprintf(out, size, "%s/%s%s%0*" PRId64 ".log", j->dir, epoch, *epoch ? "-" : "", JOURNAL_NAME_DIGITS,
			 no);
	return n < 0 || (size_t)n >= size ? ERR_FAIL : 0;
}

/* Open file number no for appending; it must not exist yet. */
static int open_file(struct audit_journal *j, int64_t no)
{
	char path[PATH_MAX];
	if (file_path(path, sizeof(path), j, j->epoch, no) < 0)
		return ERR_FAIL;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		log_error("cannot open the audit journal", "errno=%d", errno);
		return ERR_FAIL;
	}
	return fd;
}

/*
 * The number in a journal file's name, or -1 when the name is not one; its
 * epoch into epoch ("" for a name from before migration 0018).
 */
static int64_t name_number(const char *name, char epoch[ID_HEX_LEN + 1])
{
	size_t len = strlen(name);
	epoch[0] = '\0';
	if (len == ID_HEX_LEN + 1 + JOURNAL_NAME_DIGITS + 4 && name[ID_HEX_LEN] == '-' &&
	    strspn(name, "0123456789abcdef") == ID_HEX_LEN) {
		memcpy(epoch, name, ID_HEX_LEN);
		epoch[ID_HEX_LEN] = '\0';
		name += ID_HEX_LEN + 1;
		len -= ID_HEX_LEN + 1;
	}
	if (len != JOURNAL_NAME_DIGITS + 4 || strcmp(name + JOURNAL_NAME_DIGITS, ".log") != 0 ||
	    strspn(name, "0123456789") != JOURNAL_NAME_DIGITS)
		return -1;
	return strtoll(name, NULL, 10);
}

/* The epoch's audit_journal_done.done, 0 when none of its files was moved yet. */
static int read_done(struct store *db, const char *epoch, int64_t *done)
{
	struct store_stmt *st;
	*done = 0;
	if (store_prepare(db, &st, "SELECT done FROM audit_journal_done WHERE journal = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, epoch);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		*done = store_column_int64(st, 0);
	store_finalize(st);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : ERR_FAIL;
}

static int write_done(struct store *db, const char *epoch, int64_t done)
{
	struct store_stmt *st;
	if (store_prepare(db, &st, "INSERT INTO audit_journal_done (journal, done, at) VALUES (?, ?, ?) "
				   "ON CONFLICT (journal) DO UPDATE SET done = excluded.done, at = excluded.at") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, epoch);
	store_bind_int64(st, 2, done);
	store_bind_int64(st, 3, clock_now());
	int rc = store_step(st);
	store_finalize(st);
	return rc == STORE_DONE ? 0 : ERR_FAIL;
}

/*
 * Split one line (without its newline) into an event; 0, or -1 when it does
 * not parse. The fields point into line, which is modified.
 */
static int parse_line(char *line, struct audit_event *ev)
{
	char *field[7];
	int n = 0;
	for (char *p = line; n < 7; n++) {
		field[n] = p;
		char *tab = strchr(p, '\t');
		if (!tab) {
			n++;
			break;
		}
		*tab = '\0';
		p = tab + 1;
	}
	if (n != 7 || strchr(field[6], '\t'))
		return -1;
	char *end;
	errno = 0;
	long long at = strtoll(field[0], &end, 10);
	if (end == field[0] || *end || errno || at <= 0)
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->at = at;
	ev->actor_id = field[1][0] ? field[1] : NULL;
	ev->org_id = field[2][0] ? field[2] : NULL;
	ev->action = field[3];
	ev->object_type = field[4][0] ? field[4] : NULL;
	ev->object_id = field[5][0] ? field[5] : NULL;
	ev->outcome = field[6];
	return audit_event_valid(ev) == 0 ? 0 : -1;
}

/* Sort helper for file numbers. */
static int cmp_no(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The numbers of epoch's journal files in j->dir within [lo, hi], ascending,
 * in *out (malloc'd, *n of them). 0 or negative.
 */
static int list_files(struct audit_journal *j, const char *epoch, int64_t lo, int64_t hi, int64_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(j->dir);
	if (!d) {
		log_error("cannot list the audit journal", "errno=%d", errno);
		return ERR_FAIL;
	}
	size_t cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char ep[ID_HEX_LEN + 1];
		int64_t no = name_number(e->d_name, ep);
		if (no < lo || no > hi || strcmp(ep, epoch) != 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			int64_t *grown = realloc(*out, ncap * sizeof(**out));
			if (!grown) {
				rc = ERR_NOMEM;
				break;
			}
			*out = grown;
			cap = ncap;
		}
		(*out)[(*n)++] = no;
	}
	closedir(d);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_no);
	return 0;
}

/* Lines read from a file before they are appended together (audit_append_many). */
#define JOURNAL_BATCH 256

struct batch {
	char lines[JOURNAL_BATCH][JOURNAL_LINE_MAX + 2];
	struct audit_event evs[JOURNAL_BATCH];
	size_t n;
};

static int batch_flush(struct audit_journal *j, struct store *db, struct batch *bt)
{
	int rc = audit_append_many(db, j->au, bt->evs, bt->n);
	bt->n = 0;
	return rc;
}

/* Append every line of epoch's file no to the chain, inside the caller's transaction. */
static int move_file(struct audit_journal *j, struct store *db, const char *epoch, int64_t no, struct batch *bt)
{
	char path[PATH_MAX];
	if (file_path(path, sizeof(path), j, epoch, no) < 0)
		return ERR_FAIL;
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			log_warn("audit journal file missing", "file=%" PRId64, no);
			return 0;
		}
		log_error("cannot read the audit journal", "errno=%d", errno);
		return ERR_FAIL;
	}
	int rc = 0;
	int64_t skipped = 0;
	while (rc == 0) {
		char *line = bt->lines[bt->n];
		if (!fgets(line, JOURNAL_LINE_MAX + 2, f))
			break;
		size_t len = strlen(line);
		if (len == 0 || line[len - 1] != '\n') {
			/* Cut short (a power loss) or too long: skip it, and the rest of a long one. */
			skipped++;
			int ch;
			if (len == JOURNAL_LINE_MAX + 1)
				while ((ch = fgetc(f)) != EOF && ch != '\n')
					;
			continue;
		}
		line[len - 1] = '\0';
		if (parse_line(line, &bt->evs[bt->n]) < 0) {
			skipped++;
			continue;
		}
		if (++bt->n == JOURNAL_BATCH)
			rc = batch_flush(j, db, bt);
	}
	if (rc == 0 && ferror(f)) {
		log_error("cannot read the audit journal", "file=%" PRId64, no);
		rc = ERR_FAIL;
	}
	fclose(f);
	if (skipped)
		log_warn("audit journal lines skipped", "file=%" PRId64 " lines=%" PRId64, no, skipped);
	return rc;
}

int journal_append(struct audit_journal *j, const struct audit_event *ev)
{
	char line[JOURNAL_LINE_MAX + 2];
	int64_t at = ev->at ? ev->at : clock_now();
	int n = snprintf(line, sizeof(line), "%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\n", at,
			 ev->actor_id ? ev->actor_id : "", ev->org_id ? ev->org_id : "", ev->action,
			 ev->object_type ? ev->object_type : "", ev->object_id ? ev->object_id : "", ev->outcome);
	if (n < 0 || n > JOURNAL_LINE_MAX)
		return ERR_INVALID;
	pthread_mutex_lock(&j->mu);
	/* One write(2) of the whole line on an O_APPEND file: no other line cuts into it. */
	ssize_t w = write(j->fd, line, (size_t)n);
	if (w == n)
		j->rows++;
	pthread_mutex_unlock(&j->mu);
	if (w != n) {
		log_error("cannot write the audit journal", "errno=%d", w < 0 ? errno : 0);
		return ERR_FAIL;
	}
	return 0;
}

/*
 * Append epoch's files numbered lo..hi to the chain in one durable
 * transaction that sets the epoch's done to hi, then remove them. 0 or
 * negative (the files stay for the next try).
 */
static int move_range(struct audit_journal *j, struct store *db, const char *epoch, int64_t lo, int64_t hi)
{
	int64_t *files;
	size_t n_files;
	int rc = list_files(j, epoch, lo, hi, &files, &n_files);
	if (rc < 0)
		return rc;
	struct batch *bt = malloc(sizeof(*bt));
	if (!bt) {
		free(files);
		return ERR_NOMEM;
	}
	bt->n = 0;
	rc = store_begin(db);
	for (size_t i = 0; rc == 0 && i < n_files; i++)
		rc = move_file(j, db, epoch, files[i], bt);
	if (rc == 0)
		rc = batch_flush(j, db, bt);
	free(bt);
	if (rc == 0)
		rc = write_done(db, epoch, hi);
	if (rc == 0)
		rc = store_commit(db);
	if (rc < 0) {
		store_rollback(db);
		log_error("audit journal not moved; it stays for the next try", "files=%zu", n_files);
		free(files);
		return rc;
	}
	for (size_t i = 0; i < n_files; i++) {
		char path[PATH_MAX];
		if (file_path(path, sizeof(path), j, epoch, files[i]) == 0 && unlink(path) < 0 && errno != ENOENT)
			log_warn("cannot remove a moved audit journal file", "errno=%d", errno);
	}
	free(files);
	return 0;
}

int journal_drain(struct audit_journal *j, struct store *db)
{
	int rc = 0;
	pthread_mutex_lock(&j->drain_mu);
	/* Close the file being written when it holds rows; appenders go on in the next. */
	pthread_mutex_lock(&j->mu);
	if (j->rows > 0) {
		int fd = open_file(j, j->no + 1);
		if (fd >= 0) {
			close(j->fd);
			j->fd = fd;
			j->no++;
			j->rows = 0;
		} else {
			rc = fd;
		}
	}
	int64_t last = j->no - 1;
	pthread_mutex_unlock(&j->mu);
	if (rc == 0 && last >= j->first && (rc = move_range(j, db, j->epoch, j->first, last)) == 0)
		j->first = last + 1;
	pthread_mutex_unlock(&j->drain_mu);
	return rc;
}

/* An earlier process's files found at the start. */
struct left_epoch {
	char epoch[ID_HEX_LEN + 1];
	int64_t max;       /* its highest file number */
	time_t oldest;     /* the earliest change time of its files: the order of replay */
};

static int cmp_left(const void *a, const void *b)
{
	const struct left_epoch *x = a, *y = b;
	return x->oldest < y->oldest ? -1 : x->oldest > y->oldest ? 1 : strcmp(x->epoch, y->epoch);
}

/* The epochs of the files in j->dir but j's own, oldest first, in *out (malloc'd, *n of them). */
static int list_epochs(struct audit_journal *j, struct left_epoch **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(j->dir);
	if (!d) {
		log_error("cannot list the audit journal", "errno=%d", errno);
		return ERR_FAIL;
	}
	size_t cap = 0;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		char ep[ID_HEX_LEN + 1];
		int64_t no = name_number(e->d_name, ep);
		struct stat sb;
		if (no < 0 || !strcmp(ep, j->epoch) || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;   /* not a journal file, or this process's own */
		size_t i = 0;
		while (i < *n && strcmp((*out)[i].epoch, ep) != 0)
			i++;
		if (i == *n) {
			if (*n == cap) {
				size_t ncap = cap ? cap * 2 : 4;
				struct left_epoch *grown = realloc(*out, ncap * sizeof(**out));
				if (!grown) {
					rc = ERR_NOMEM;
					break;
				}
				*out = grown;
				cap = ncap;
			}
			memcpy((*out)[i].epoch, ep, sizeof(ep));
			(*out)[i].max = no;
			(*out)[i].oldest = sb.st_mtime;
			(*n)++;
		}
		if (no > (*out)[i].max)
			(*out)[i].max = no;
		if (sb.st_mtime < (*out)[i].oldest)
			(*out)[i].oldest = sb.st_mtime;
	}
	closedir(d);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_left);
	return 0;
}

/*
 * What earlier processes left, epoch by epoch: the files not yet moved go
 * into the chain; those moved before (at or below the epoch's done, when a
 * process died between its commit and its unlink) are removed unread. Then
 * done rows of moves older than JOURNAL_KEEP_DONE are pruned.
 */
static int replay(struct audit_journal *j, struct store *db)
{
	struct left_epoch *eps;
	size_t n;
	int rc = list_epochs(j, &eps, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int64_t done;
		if ((rc = read_done(db, eps[i].epoch, &done)) < 0)
			break;
		if (eps[i].max > done && (rc = move_range(j, db, eps[i].epoch, done + 1, eps[i].max)) < 0)
			break;
		int64_t *files;
		size_t n_files;
		if ((rc = list_files(j, eps[i].epoch, 0, done, &files, &n_files)) < 0)
			break;
		for (size_t k = 0; k < n_files; k++) {
			char path[PATH_MAX];
			if (file_path(path, sizeof(path), j, eps[i].epoch, files[k]) == 0)
				unlink(path);
		}
		free(files);
	}
	free(eps);
	if (rc < 0)
		return rc;
	struct store_stmt *st;
	if (store_prepare(db, &st, "DELETE FROM audit_journal_done WHERE at < ?") < 0)
		return ERR_FAIL;
	store_bind_int64(st, 1, clock_now() - JOURNAL_KEEP_DONE);
	rc = store_step(st);
	store_finalize(st);
	return rc == STORE_DONE ? 0 : ERR_FAIL;
}

int journal_open(struct audit_journal **out, const struct audit *au, const char *dir, struct store *db)
{
	*out = NULL;
	struct audit_journal *j = calloc(1, sizeof(*j));
	if (!j)
		return ERR_NOMEM;
	j->fd = -1;
	j->lock_fd = -1;
	j->au = au;
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->drain_mu, NULL);
	int rc = ERR_FAIL;
	int n = snprintf(j->dir, sizeof(j->dir), "%s/audit-journal", dir);
	if (n < 0 || (size_t)n >= sizeof(j->dir))
		goto fail;
	if (mkdir(j->dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot make the audit journal folder", "errno=%d", errno);
		goto fail;
	}
	char lock_path[PATH_MAX];
	n = snprintf(lock_path, sizeof(lock_path), "%s/lock", j->dir);
	if (n < 0 || (size_t)n >= sizeof(lock_path))
		goto fail;
	j->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->lock_fd < 0) {
		log_error("cannot open the audit journal lock", "errno=%d", errno);
		goto fail;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			log_warn("another server journals this folder's audit rows; this one commits its own",
				 "dir=%s", "audit-journal");
			rc = 1;
		} else {
			log_error("cannot lock the audit journal", "errno=%d", errno);
		}
		goto fail;
	}
	/* A new epoch for this process: its file names are its own, whatever other folders hold. */
	random_id(j->epoch);
	j->first = 1;
	j->no = 1;
	j->fd = open_file(j, j->no);
	if (j->fd < 0)
		goto fail;
	/* What an earlier process left goes into the chain now, before any request. */
	if (replay(j, db) < 0)
		goto fail;
	*out = j;
	return 0;
fail:
	journal_close(j);
	return rc;
}

void journal_close(struct audit_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd);   /* releases the flock */
	pthread_mutex_destroy(&j->mu);
	pthread_mutex_destroy(&j->drain_mu);
	free(j);
}
