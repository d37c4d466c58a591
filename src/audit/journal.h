/*
 * journal.h: the read journal of the audit log (internal to src/audit/;
 * callers use audit_group_journal and audit_group_drain of audit.h).
 *
 * Why: on SQLite every commit empties the page cache of every other
 * connection (WAL mode keeps one cache per connection and drops it when the
 * file changed). When each audited read committed its audit row, the server's
 * connections kept reading back from the file the pages they had a moment
 * before: a third of the time of a work list (docs/benchmarks.md). On
 * PostgreSQL, an audited read took six round trips (begin, head, row, head,
 * commit) and a turn at the head's row lock, which every server of the
 * database shares. So a server writes the audit rows of reads to an
 * append-only journal file first, one line per row, and answers; the flusher
 * thread moves the journal into the chain twice a second in one transaction.
 *
 * Files: DIR/audit-journal/EPOCH-NNNNNNNNNNNN.log, mode 0600: EPOCH is a
 * random id drawn by each process when it starts (so servers with folders of
 * their own, or copies of one folder, never share a file name), NNN... its
 * files numbered up from 1. Files named NNNNNNNNNNNN.log (before migration
 * 0018) are the epoch "". DIR/audit-journal/lock is held with flock by the
 * journaling server: a second server on the same folder finds it taken and
 * commits its rows itself, as without a journal. A line is
 *	at TAB actor_id TAB org_id TAB action TAB object_type TAB object_id TAB outcome LF
 * (absent ids empty; none of the fields may hold a tab or a newline, see
 * audit_event_valid). No personal data: the same ids and tokens as the log.
 *
 * Moving (journal_drain): the file being written is closed and the next one
 * opened (only when it holds rows), then every closed file not yet moved is
 * appended to the chain in order, in one durable transaction that also sets
 * the epoch's audit_journal_done.done (migration 0018) to the last file's
 * number; the files are removed after the commit. A process that dies
 * anywhere in between leaves either the files and an older `done` or the
 * rows and the new `done`. At its start, the next process takes every other
 * epoch in the folder, oldest first: files above the epoch's done go into the
 * chain, the others are removed unread. So no row is lost to a crash of
 * ihala, and none is appended twice, even from a copy of the folder. Done
 * rows of moves older than 30 days are pruned at the start.
 *
 * Guarantee, as with the relaxed commits before it: a row is in the
 * operating system's cache before the read is answered, so a crash of the
 * process loses nothing; a power loss can take back the rows of the last
 * half second (docs/threat-model.md). A line cut short by a power loss, or
 * one that does not parse, is skipped with a warning.
 */
#ifndef IHALA_AUDIT_JOURNAL_H
#define IHALA_AUDIT_JOURNAL_H

#include "audit.h"

struct audit_journal;

/*
 * Start journaling in DIR/audit-journal (made when missing): take the lock,
 * append what earlier processes left, open a new file. 0 and *out set;
 * 1 when another process holds the journal (*out NULL: commit rows
 * directly); negative on failure.
 */
int journal_open(struct audit_journal **out, const struct audit *au, const char *dir, struct store *db)
	__attribute__((warn_unused_result));
/* Write one row's line (ev already valid). 0 once it is in the file; negative otherwise. */
int journal_append(struct audit_journal *j, const struct audit_event *ev) __attribute__((warn_unused_result));
/* Move every row written so far into the chain (durably). 0 or negative; the files stay on failure. */
int journal_drain(struct audit_journal *j, struct store *db) __attribute__((warn_unused_result));
/* Close the file and release the lock (rows not yet moved stay for the next start). */
void journal_close(struct audit_journal *j);

/* 0 when the event's fields are allowed in the log (audit.c). */
int audit_event_valid(const struct audit_event *ev);

#endif
