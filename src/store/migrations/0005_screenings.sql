-- 0005: screenings. A first responder screens a person against an indicator
-- set (see 0004 and docs/screening.md). The result (assessment, the six
-- dimension results, the child-protection flag) is workflow data kept in
-- clear; the answers and the interviewer's notes are sealed. An anonymous
-- screening (no case) has its own data key, sealed with KEY_KEK; attaching
-- it to a case re-seals the answers with the case's key and drops its own,
-- so erasing the case (which deletes these rows) leaves nothing readable.

CREATE TABLE screenings (
  id TEXT PRIMARY KEY,               -- random 32 hex, never sequential
  case_id TEXT REFERENCES cases(id), -- NULL while anonymous
  org_id TEXT NOT NULL REFERENCES orgs(id),
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  set_key TEXT NOT NULL,
  set_version INTEGER NOT NULL,
  child INTEGER NOT NULL,            -- 1: screened on a child set (child-protection procedures)
  assessment TEXT NOT NULL,          -- likely_victim | not_established | insufficient_information
  dims TEXT NOT NULL,                -- JSON {dimension key: present | absent | unknown}
  context TEXT,                      -- hotline | outreach | labour_inspection | police | shelter | border | other
  dek BLOB,                          -- own data key sealed with KEY_KEK; NULL once attached to a case
  sealed BLOB NOT NULL               -- JSON {"answers","notes"}, sealed with the case's key or the own key
);
CREATE INDEX screenings_case ON screenings(case_id);
CREATE INDEX screenings_org_time ON screenings(org_id, created_at);
CREATE INDEX screenings_creator_time ON screenings(created_by, created_at);
