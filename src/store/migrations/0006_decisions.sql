-- 0006: identification decisions (docs/identification.md). A decision is
-- written once and never changed: a later one supersedes it, and seq orders
-- a case's history (the highest is the current decision; the unique pair
-- refuses two decisions taking the same place). Status, dates and who
-- decided are workflow data in clear, so that deadlines and the work list
-- are computed without a key; the reasons are about a person and are sealed
-- with the case's data key. Erasing the case deletes these rows.

CREATE TABLE ident_decisions (
  id TEXT PRIMARY KEY,               -- random 32 hex
  case_id TEXT NOT NULL REFERENCES cases(id),
  seq INTEGER NOT NULL,              -- 1, 2, ... within the case
  status TEXT NOT NULL,              -- possible | presumed | identified | not_a_victim
  org_id TEXT NOT NULL REFERENCES orgs(id),   -- the deciding organisation
  decided_by_type TEXT NOT NULL,     -- HTCDS vic_TraffickingStatusDecisionMakingOrg
  decision_date TEXT NOT NULL,       -- YYYY-MM-DD
  decision_day INTEGER NOT NULL,     -- the same as days since 1970-01-01, for deadline arithmetic
  reasons BLOB,                      -- sealed (AD ident_decisions/reasons/<id>); NULL when none
  screenings TEXT NOT NULL,          -- ids of the screenings relied on, space-separated; '' when none
  recorded_by TEXT NOT NULL REFERENCES users(id),
  recorded_at INTEGER NOT NULL,
  supersedes TEXT,                   -- the decision that was current before, NULL for the first
  UNIQUE (case_id, seq)
);
