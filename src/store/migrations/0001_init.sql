-- 0001: organisations, users with their roles, sessions, login throttling, the
-- audit chain and its checkpoints, settings.
-- Common SQL subset: TEXT, INTEGER (BIGINT on PostgreSQL), BLOB (BYTEA on
-- PostgreSQL). Times are Unix seconds. Ids are 32 hex chars, random.

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name_ar TEXT NOT NULL,
  name_en TEXT NOT NULL,
  org_type TEXT NOT NULL,          -- HTCDS org_Type value
  country TEXT NOT NULL,           -- ISO 3166-1 alpha-2
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  username TEXT NOT NULL UNIQUE,   -- lower case, [a-z0-9._-]
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,             -- role names, comma-separated, e.g. 'case_manager,coordinator'
  password_hash TEXT NOT NULL,     -- Argon2id string
  must_change_password INTEGER NOT NULL DEFAULT 1,
  totp_secret BLOB,                -- sealed with KEY_FIELD, AD users/totp_secret/<id>
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER NOT NULL DEFAULT 0,  -- last accepted time step (single use)
  locale TEXT NOT NULL DEFAULT 'ar',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,     -- keyed BLAKE2b-256 of the token (KEY_SESSION)
  user_id TEXT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  expires_at INTEGER NOT NULL      -- absolute limit
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE login_throttle (
  key_hash BLOB PRIMARY KEY,       -- keyed hash of "u:<username>" or "a:<address>"
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  blocked_until INTEGER NOT NULL
);

CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL
);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id TEXT,
  org_id TEXT,
  action TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  outcome TEXT NOT NULL,
  hash BLOB NOT NULL
);

CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  hash BLOB NOT NULL,
  at INTEGER NOT NULL,
  signature BLOB NOT NULL
);
