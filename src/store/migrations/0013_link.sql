-- 0013: duplicates inside one installation (docs/linkage.md, "Duplicates
-- inside one installation"; src/domain/link/dedup.h).
--
-- link_cases: per case, the person it belongs to and the comparison
-- signature of that person's record: short keyed hashes (never names) of
-- name tokens, of their one-letter variants and cross-script keys, of the
-- birth date and document number and their variants, of sex and
-- citizenship. Written with the blind index (a new case gets a person of
-- its own, a random id); "same person" folds one person into another.
-- Statistics count distinct person_id, not cases.
CREATE TABLE link_cases (
  case_id TEXT PRIMARY KEY REFERENCES cases(id),
  person_id TEXT NOT NULL,
  sig BLOB NOT NULL
);
CREATE INDEX link_cases_person ON link_cases(person_id);

-- Candidate pairs: case_a < case_b (by id). score in hundredths of a bit
-- (the Fellegi-Sunter match weight); class review | likely; status open |
-- same | different. levels: the comparison vector, one character per field
-- (given, family, birth, doc, sex, citizenship): the level's digit, '-' when
-- a side has no value. seen_at: the last time a check found the pair.
CREATE TABLE link_pairs (
  id TEXT PRIMARY KEY,
  case_a TEXT NOT NULL REFERENCES cases(id),
  case_b TEXT NOT NULL REFERENCES cases(id),
  score INTEGER NOT NULL,
  class TEXT NOT NULL,
  status TEXT NOT NULL,
  levels TEXT NOT NULL,
  found_at INTEGER NOT NULL,
  seen_at INTEGER NOT NULL,
  decided_by TEXT REFERENCES users(id),
  decided_at INTEGER,
  merge_id TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  UNIQUE (case_a, case_b)
);
CREATE INDEX link_pairs_queue ON link_pairs(status, score, id);
CREATE INDEX link_pairs_b ON link_pairs(case_b);

-- "Same person" decisions that folded person_from into person_into, in
-- order (seq); the cases moved are in link_merge_cases, so that an undo
-- gives exactly those cases their person back.
CREATE TABLE link_merges (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  pair_id TEXT NOT NULL,
  person_into TEXT NOT NULL,
  person_from TEXT NOT NULL,
  merged_by TEXT NOT NULL REFERENCES users(id),
  merged_at INTEGER NOT NULL,
  undone_by TEXT REFERENCES users(id),
  undone_at INTEGER
);
CREATE INDEX link_merges_pair ON link_merges(pair_id);

CREATE TABLE link_merge_cases (
  merge_id TEXT NOT NULL REFERENCES link_merges(id),
  case_id TEXT NOT NULL REFERENCES cases(id),
  PRIMARY KEY (merge_id, case_id)
);
CREATE INDEX link_merge_cases_case ON link_merge_cases(case_id);

-- The m and u probabilities last estimated by `ihala link dedup` (JSON),
-- used to score new cases when they are saved. One row.
CREATE TABLE link_model (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  fitted_at INTEGER NOT NULL
);

-- Search index version 3 (case.h) adds the cross-script keys and the
-- signatures above; an installation without cases has nothing to rebuild.
UPDATE search_index SET version = 3 WHERE NOT EXISTS (SELECT 1 FROM cases);
