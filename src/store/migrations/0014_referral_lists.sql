-- 0014: open referrals newest first (GET /api/v1/referrals?overdue=1, with
-- or without role=sent|received) without sorting every overdue referral of
-- the country or of an organisation: partial indexes over the referrals
-- whose deadline runs (next_due IS NOT NULL: sent or acknowledged), in the
-- list's order, carrying next_due so the overdue test needs no table row.
CREATE INDEX referrals_open_created ON referrals(created_at, id, next_due) WHERE next_due IS NOT NULL;
CREATE INDEX referrals_open_to ON referrals(to_org, created_at, id, next_due) WHERE next_due IS NOT NULL;
CREATE INDEX referrals_open_from ON referrals(from_org, created_at, id, next_due) WHERE next_due IS NOT NULL;
