-- 0002: cases. Workflow columns in clear; identifying and sensitive values
-- sealed per entity item with the case's own data key; statistical and
-- workflow values of the field registry as facts; blind indexes for search.
-- See docs/design-cases.md.

CREATE TABLE case_seq (
  country TEXT NOT NULL,
  year INTEGER NOT NULL,
  next INTEGER NOT NULL,
  PRIMARY KEY (country, year)
);

CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  ref TEXT NOT NULL UNIQUE,          -- CC-YYYY-NNNNN, readable, never reused
  org_id TEXT NOT NULL REFERENCES orgs(id),
  created_by TEXT NOT NULL REFERENCES users(id),
  assigned_to TEXT REFERENCES users(id),
  status TEXT NOT NULL,              -- HTCDS cas_Status
  external_ref TEXT,                 -- the source record id of an import
  dek BLOB,                          -- the case's data key, sealed with KEY_KEK; NULL once erased
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_org ON cases(org_id);
CREATE INDEX cases_created_by ON cases(created_by);

CREATE TABLE case_records (
  case_id TEXT NOT NULL REFERENCES cases(id),
  entity TEXT NOT NULL,
  item INTEGER NOT NULL,
  sealed BLOB NOT NULL,              -- JSON of the identifying and sensitive values
  PRIMARY KEY (case_id, entity, item)
);

CREATE TABLE case_facts (
  case_id TEXT NOT NULL REFERENCES cases(id),
  entity TEXT NOT NULL,
  item INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX case_facts_case ON case_facts(case_id);
CREATE INDEX case_facts_key ON case_facts(entity, key, value);

CREATE TABLE case_blind (
  case_id TEXT NOT NULL REFERENCES cases(id),
  kind TEXT NOT NULL,                -- name, doc, birth_year
  value BLOB NOT NULL                -- keyed BLAKE2b-128 of the normal form
);
CREATE INDEX case_blind_value ON case_blind(kind, value);
CREATE INDEX case_blind_case ON case_blind(case_id);

-- Who recorded each event or consent, and when (shown with consents).
CREATE TABLE case_item_meta (
  case_id TEXT NOT NULL REFERENCES cases(id),
  entity TEXT NOT NULL,
  item INTEGER NOT NULL,
  recorded_by TEXT NOT NULL REFERENCES users(id),
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (case_id, entity, item)
);

CREATE TABLE case_comments (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  author_id TEXT NOT NULL REFERENCES users(id),
  at INTEGER NOT NULL,
  sealed BLOB NOT NULL               -- the text, sealed with the case's data key
);
CREATE INDEX case_comments_case ON case_comments(case_id, at);
