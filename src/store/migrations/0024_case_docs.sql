-- 0024: the read copy of each case. A case is kept in parts (the plain facts,
-- the sealed records of person, victim, events and consents, who recorded
-- each consent): reading one back took three statements and about ten pages
-- from as many B-trees. The copy holds the values exactly as a read answers
-- them, sealed with the case's data key and bound to the case, in one row:
-- a read opens the cases row and this one (docs/benchmarks.md, session 11).
-- Every write of a case rewrites its copy in the same transaction
-- (case_doc_put); erasure deletes it. `registry` is the fingerprint of the
-- field registry the copy was made with: a copy made under another registry
-- is not used (the parts are read instead) and is remade when a server opens
-- the folder. Cases written before this migration get theirs then too
-- (case_doc_upgrade, which needs the key, so it cannot be done in SQL).
CREATE TABLE case_docs (
  case_id TEXT PRIMARY KEY REFERENCES cases(id),
  registry TEXT NOT NULL,            -- registry_fingerprint when it was made
  doc BLOB NOT NULL                  -- the values' JSON, sealed with the case's data key
);
