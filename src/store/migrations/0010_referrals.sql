-- 0010: referrals between organisations, case transfers, in-app
-- notifications (docs/referrals.md). Workflow data (who, to whom, which
-- services, state, deadlines) is in clear so that lists, work lists and the
-- coordinator's overview need no key; the reason of a referral, a consent
-- override's reason and the notes of transitions are about a person and are
-- sealed with the case's data key. Erasing the case deletes these rows.

CREATE TABLE referral_profiles (
  id TEXT PRIMARY KEY,               -- random 32 hex (built-in profiles live in the binary)
  org_id TEXT NOT NULL REFERENCES orgs(id),   -- the organisation that may use it
  name_en TEXT NOT NULL,
  name_ar TEXT NOT NULL,
  fields TEXT NOT NULL,              -- registry paths, space-separated ("person.given_name", "events")
  created_by TEXT NOT NULL,          -- users.id, '' for the command line
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX referral_profiles_org ON referral_profiles(org_id);

CREATE TABLE referrals (
  id TEXT PRIMARY KEY,               -- random 32 hex
  case_id TEXT NOT NULL REFERENCES cases(id),
  from_org TEXT NOT NULL REFERENCES orgs(id),   -- the case's organisation when sent
  to_org TEXT NOT NULL REFERENCES orgs(id),
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  urgency TEXT NOT NULL,             -- immediate | urgent | routine
  services TEXT NOT NULL,            -- support type codes, space-separated
  profile TEXT NOT NULL,             -- the profile it was made from (built-in key or id)
  fields TEXT NOT NULL,              -- the profile's field list when sent: what the receiver sees
  reason BLOB NOT NULL,              -- sealed (AD referrals/reason/<id>)
  consent TEXT NOT NULL,             -- given | override
  override_reason BLOB,              -- sealed (AD referrals/override_reason/<id>); NULL with consent given
  override_by TEXT,                  -- users.id of the supervisor who overrode
  state TEXT NOT NULL,               -- sent | acknowledged | accepted | declined | in_service | completed | withdrawn
  ack_due INTEGER NOT NULL,          -- acknowledge by (Unix seconds)
  answer_due INTEGER NOT NULL,       -- accept or decline by
  next_due INTEGER,                  -- the deadline of the current state; NULL when none runs
  planned_start TEXT,                -- YYYY-MM-DD, set on acceptance
  decline_reason TEXT,               -- a code, set on decline
  outcome TEXT,                      -- a code, set on completion
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX referrals_to ON referrals(to_org, next_due);
CREATE INDEX referrals_from ON referrals(from_org, next_due);
CREATE INDEX referrals_due ON referrals(next_due);
CREATE INDEX referrals_case ON referrals(case_id);
CREATE INDEX referrals_state ON referrals(state, created_at);

CREATE TABLE referral_services (
  referral_id TEXT NOT NULL REFERENCES referrals(id),
  service TEXT NOT NULL,
  PRIMARY KEY (referral_id, service)
);
CREATE INDEX referral_services_service ON referral_services(service);

CREATE TABLE referral_transitions (
  referral_id TEXT NOT NULL REFERENCES referrals(id),
  seq INTEGER NOT NULL,              -- 1 is the sending
  from_state TEXT,                   -- NULL for the sending
  to_state TEXT NOT NULL,
  by_user TEXT NOT NULL,             -- users.id
  by_org TEXT NOT NULL,
  at INTEGER NOT NULL,
  note BLOB,                         -- sealed (AD referral_transitions/note/<referral id>:<seq>); NULL when none
  PRIMARY KEY (referral_id, seq)
);

CREATE TABLE case_transfers (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  from_org TEXT NOT NULL REFERENCES orgs(id),
  to_org TEXT NOT NULL REFERENCES orgs(id),
  by_user TEXT NOT NULL,
  at INTEGER NOT NULL,
  consent TEXT NOT NULL,             -- given | override
  reason BLOB NOT NULL,              -- sealed (AD case_transfers/reason/<id>)
  override_by TEXT
);
CREATE INDEX case_transfers_case ON case_transfers(case_id, at);

-- In-app notifications, addressed to an organisation; each user marks them
-- read. They hold a kind, the referral or case they are about and its case
-- reference: never a name or any other personal value.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,                -- referral.sent, referral.accepted, ..., case.transferred
  object_type TEXT NOT NULL,         -- referral | case
  object_id TEXT NOT NULL,           -- the referral id, or the case ref
  case_ref TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX notifications_org ON notifications(org_id, created_at);

CREATE TABLE notification_reads (
  notification_id TEXT NOT NULL REFERENCES notifications(id),
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (notification_id, user_id)
);
