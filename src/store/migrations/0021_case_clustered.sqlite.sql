-- 0021: keep each case's rows together on SQLite. SQLite only (the
-- ".sqlite.sql" name): PostgreSQL records it without running.
--
-- case_facts, case_records and case_item_meta become WITHOUT ROWID tables
-- keyed by case first, so reading a case finds its facts, its sealed records
-- and its consents' authors each in one descent of one B-tree, usually one
-- page, instead of an index page and then table pages scattered by insertion
-- order. At 1M cases a read made 16.7 page reads from the file before and
-- 12.7 after, and the case_facts_case index (1.4 GB there) is gone
-- (docs/benchmarks.md).
--
-- case_facts gains n, the position of a value in a list field, so that a
-- list keeps the order it was entered in; it is part of the key. Existing
-- rows are numbered in insertion order (rowid).
--
-- A large database takes a while here, once: about 7 minutes at 1M cases.
CREATE TABLE case_facts_clustered (
  case_id TEXT NOT NULL REFERENCES cases(id),
  entity TEXT NOT NULL,
  item INTEGER NOT NULL,
  key TEXT NOT NULL,
  n INTEGER NOT NULL DEFAULT 0,      -- position in a list field; 0 otherwise
  value TEXT NOT NULL,
  PRIMARY KEY (case_id, entity, item, key, n)
) WITHOUT ROWID;
INSERT INTO case_facts_clustered (case_id, entity, item, key, n, value)
SELECT case_id, entity, item, key,
       row_number() OVER (PARTITION BY case_id, entity, item, key ORDER BY rowid) - 1, value
FROM case_facts ORDER BY case_id, entity, item, key, rowid;
DROP TABLE case_facts;
ALTER TABLE case_facts_clustered RENAME TO case_facts;
CREATE INDEX case_facts_key ON case_facts(entity, key, value);

CREATE TABLE case_records_clustered (
  case_id TEXT NOT NULL REFERENCES cases(id),
  entity TEXT NOT NULL,
  item INTEGER NOT NULL,
  sealed BLOB NOT NULL,              -- JSON of the identifying and sensitive values
  PRIMARY KEY (case_id, entity, item)
) WITHOUT ROWID;
INSERT INTO case_records_clustered (case_id, entity, item, sealed)
SELECT case_id, entity, item, sealed FROM case_records ORDER BY case_id, entity, item;
DROP TABLE case_records;
ALTER TABLE case_records_clustered RENAME TO case_records;

CREATE TABLE case_item_meta_clustered (
  case_id TEXT NOT NULL REFERENCES cases(id),
  entity TEXT NOT NULL,
  item INTEGER NOT NULL,
  recorded_by TEXT NOT NULL REFERENCES users(id),
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (case_id, entity, item)
) WITHOUT ROWID;
INSERT INTO case_item_meta_clustered (case_id, entity, item, recorded_by, recorded_at)
SELECT case_id, entity, item, recorded_by, recorded_at FROM case_item_meta ORDER BY case_id, entity, item;
DROP TABLE case_item_meta;
ALTER TABLE case_item_meta_clustered RENAME TO case_item_meta;
