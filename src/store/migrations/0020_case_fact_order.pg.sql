-- 0020: the position of a value in a list field (citizenship, languages,
-- forms of exploitation...), so that a case shows its lists in the order they
-- were entered on either backend. PostgreSQL only (the ".pg.sql" name): on
-- SQLite, 0021 rebuilds case_facts with this column as part of its key.
--
-- Rows written before this migration are numbered in their physical order,
-- which is the order they were inserted in (a case's facts are only ever
-- inserted, never updated in place).
ALTER TABLE case_facts ADD COLUMN n INTEGER NOT NULL DEFAULT 0;

UPDATE case_facts f SET n = o.n
FROM (SELECT ctid AS row_ctid,
	     row_number() OVER (PARTITION BY case_id, entity, item, key ORDER BY ctid) - 1 AS n
      FROM case_facts) o
WHERE f.ctid = o.row_ctid AND o.n > 0;
