-- 0023: the reference of the referred case kept on each referral. A case's
-- reference never changes and a referral never moves to another case, so
-- work lists and referral lists show it without looking up each case
-- (docs/benchmarks.md, session 10). Written by referral_send with the rest of
-- the row; filled here for the referrals made before.
ALTER TABLE referrals ADD COLUMN case_ref TEXT;
UPDATE referrals SET case_ref = (SELECT ref FROM cases WHERE cases.id = referrals.case_id);
