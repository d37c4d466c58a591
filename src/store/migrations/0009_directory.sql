-- 0009: the service directory. One entry per organisation (what it offers,
-- whether it takes referrals now, shelter places), and one row per listed
-- value (service, region, language, accepted group) so that every search is
-- plain SQL on an index. No personal data: organisations only.

CREATE TABLE directory_entries (
  org_id TEXT PRIMARY KEY REFERENCES orgs(id),
  accepting INTEGER NOT NULL,       -- 1: takes referrals now
  capacity_total INTEGER,           -- accommodation places; NULL: no capacity listed
  capacity_free INTEGER,            -- 0..capacity_total; NULL with capacity_total
  note TEXT NOT NULL DEFAULT '',    -- at most 500 characters, no personal data
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,         -- users.id, or '' for the command line
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE directory_items (
  org_id TEXT NOT NULL REFERENCES directory_entries(org_id),
  kind TEXT NOT NULL,               -- 'service', 'region', 'language', 'accepts'
  value TEXT NOT NULL,              -- as entered (service and accepts codes, ISO 639-1, region name)
  value_key TEXT NOT NULL,          -- case-folded value, what searches compare
  position INTEGER NOT NULL,        -- order as entered
  PRIMARY KEY (org_id, kind, value_key)
);
CREATE INDEX directory_items_search ON directory_items(kind, value_key, org_id);
