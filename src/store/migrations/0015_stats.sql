-- 0015: statistics (src/domain/stats/stats.h, docs/statistics.md).
--
-- stat_cases: one row per case, derived from its plain facts, workflow
-- dates, person, referrals and services whenever one of them changes (in the
-- same transaction). row is a small JSON text of statistical values only;
-- NULL once the case is erased (a tombstone). seq orders the rows by commit:
-- it comes from stat_seq, whose single row every writer updates, so a reader
-- that has seen seq n only needs the rows above n.
CREATE TABLE stat_cases (
  case_id TEXT PRIMARY KEY REFERENCES cases(id),
  seq INTEGER NOT NULL,
  row TEXT
);
CREATE INDEX stat_cases_seq ON stat_cases(seq);

CREATE TABLE stat_seq (
  id INTEGER PRIMARY KEY,
  next INTEGER NOT NULL,
  fields TEXT NOT NULL,             -- the statistical fields the rows were derived under
  token TEXT NOT NULL               -- random, set once: tells a reader which database it has seen
);
INSERT INTO stat_seq (id, next, fields, token) VALUES (1, 1, '', '');
