-- 0004: indicator sets for screening (docs/screening.md). Each row is one
-- version of one set, kept as the file it was read from, so that a screening
-- that names (key, version) can always be shown against the exact questions
-- and rule it used. The highest version of a key is the one in use. Rows
-- are never changed or deleted: a new version is a new row.
-- The built-in ILO/European Commission 2009 lists are added at start when
-- their key has no version yet (source 'builtin'); `ihala screening
-- import-set` adds the others (source 'import').

CREATE TABLE screening_sets (
  key TEXT NOT NULL,                 -- [a-z0-9-], e.g. 'adult-labour'
  version INTEGER NOT NULL,          -- >= 1, from the file's `version` line
  body TEXT NOT NULL,                -- the set file, UTF-8, as imported
  body_hash TEXT NOT NULL,           -- BLAKE2b-256 of body, lowercase hex
  imported_at INTEGER NOT NULL,
  imported_by TEXT REFERENCES users(id),   -- NULL: the system (command line, built-in)
  source TEXT NOT NULL CHECK (source IN ('builtin', 'import')),
  PRIMARY KEY (key, version)
);
