-- 0011: individual support plans and the services delivered against them
-- (docs/support-plans.md). One plan per case; its items follow the HTCDS
-- support plan (spl_Type, spl_Objectives, spl_ActionPlan, spl_PlannedEndDate,
-- spl_ActualEndDate). Who is responsible, dates, statuses and who changed
-- what are workflow data in clear, so that lists need no key; the goal and
-- action texts and the notes of services are about a person and are sealed
-- with the case's data key. Erasing the case deletes these rows.

-- The plan's own row: its version guards the whole plan (every change of an
-- item raises it), so that a client never overwrites a plan it has not seen.
CREATE TABLE plans (
  case_id TEXT PRIMARY KEY REFERENCES cases(id),
  created_by TEXT NOT NULL,          -- users.id
  created_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,          -- users.id of the last change of any item
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE plan_items (
  id TEXT PRIMARY KEY,               -- random 32 hex
  case_id TEXT NOT NULL REFERENCES plans(case_id),
  position INTEGER NOT NULL,         -- order in the plan, 0 first
  support_type TEXT NOT NULL,        -- a service code of the directory (HTCDS spl_Type or an ihala extension)
  goal BLOB NOT NULL,                -- sealed (AD plan_items/goal/<id>)
  action BLOB,                       -- sealed (AD plan_items/action/<id>); NULL when none
  responsible_org TEXT NOT NULL REFERENCES orgs(id),
  due_date TEXT,                     -- YYYY-MM-DD or NULL
  status TEXT NOT NULL,              -- planned | in_progress | done | cancelled
  completed_on TEXT,                 -- YYYY-MM-DD the status became done; NULL otherwise
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX plan_items_case ON plan_items(case_id, position);
CREATE INDEX plan_items_org ON plan_items(responsible_org, status);

-- A service delivered to the person: by the organisation of whoever logged
-- it, optionally against a plan item and through a referral. referral_id
-- is not a foreign key: erasure deletes referrals and these rows in one
-- transaction, in whatever order case_attached_deletes lists them.
CREATE TABLE plan_services (
  id TEXT PRIMARY KEY,               -- random 32 hex
  case_id TEXT NOT NULL REFERENCES cases(id),
  item_id TEXT REFERENCES plan_items(id),   -- NULL: not against an item
  support_type TEXT NOT NULL,
  service_date TEXT NOT NULL,        -- YYYY-MM-DD, never in the future when logged
  org_id TEXT NOT NULL REFERENCES orgs(id),  -- the delivering organisation
  referral_id TEXT,                  -- a referral of the case to org_id, or NULL
  note BLOB,                         -- sealed (AD plan_services/note/<id>); NULL when none
  logged_by TEXT NOT NULL,           -- users.id
  logged_at INTEGER NOT NULL
);
CREATE INDEX plan_services_case ON plan_services(case_id, service_date, logged_at);
CREATE INDEX plan_services_org ON plan_services(org_id, service_date);
CREATE INDEX plan_services_item ON plan_services(item_id);
