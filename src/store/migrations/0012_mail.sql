-- 0012: the optional notification e-mail (src/domain/notify/mail.h).
-- An organisation may name one address where announcements of its
-- notifications go (a functional mailbox of the organisation, not a person's
-- own); the outbox holds the mails waiting for the sender thread of
-- `ihala serve`. A mail row holds the address, the kind of event and the
-- delivery state: no case reference, no name, nothing about a person. The
-- text is written from the kind when the mail is sent.

ALTER TABLE directory_entries ADD COLUMN notify_email TEXT NOT NULL DEFAULT '';

CREATE TABLE mail_outbox (
  id TEXT PRIMARY KEY,               -- random 32 hex; also the Message-ID's left part
  org_id TEXT NOT NULL,              -- the organisation it announces to (no foreign key: kept after an org change)
  rcpt TEXT NOT NULL,                -- the organisation's notify_email when queued
  kind TEXT NOT NULL,                -- the notification's kind (referral.sent, ...)
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,               -- queued | sent | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,          -- when a queued mail may be tried (next); also a sender's claim
  sent_at INTEGER,                   -- set with state sent
  last_error TEXT                    -- libcurl's message of the last failed try (no personal data)
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_at);
CREATE INDEX mail_outbox_created ON mail_outbox(created_at);
