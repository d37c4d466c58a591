-- 0018: the read journal on every backend, several servers per database.
--
-- Each server process writes its journal under a new random name (its
-- epoch): DIR/audit-journal/EPOCH-NNNNNNNNNNNN.log. audit_journal_done holds,
-- per epoch, the number of the last file whose rows are in the chain, set in
-- the transaction that appends them, so that no file is appended twice, even
-- when two servers' folders hold copies of the same files. Files named before
-- this migration (NNNNNNNNNNNN.log) are the epoch '' and keep their counter.
-- `at` is the time of the last move; rows older than 30 days are pruned.
CREATE TABLE audit_journal_done (
  journal TEXT PRIMARY KEY,
  done BIGINT NOT NULL,
  at BIGINT NOT NULL
);
INSERT INTO audit_journal_done (journal, done, at) SELECT '', done, 0 FROM audit_journal;
DROP TABLE audit_journal;
