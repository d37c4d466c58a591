-- 0017: the read journal of the audit log (src/audit/journal.c).
--
-- A server on SQLite writes the audit rows of reads first to numbered
-- journal files in DIR/audit-journal/ and moves them into the chain
-- (audit_log) twice a second. audit_journal.done is the number of the last
-- journal file whose rows are in the chain: it is set in the transaction
-- that appends them, so that a file is never appended twice, whenever the
-- process stops. One row (id 1), made at the first move.
CREATE TABLE audit_journal (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  done BIGINT NOT NULL
);
