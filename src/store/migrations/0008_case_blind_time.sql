-- 0008: the case's creation time in its blind index entries, and an index in
-- that order, so that a search for one name (or one pair of name tokens)
-- reads its matches newest first and stops at the page's end instead of
-- sorting thousands of matches of a common name (docs/design-cases.md).
ALTER TABLE case_blind ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE case_blind SET created_at = (SELECT cases.created_at FROM cases WHERE cases.id = case_blind.case_id);
CREATE INDEX case_blind_time ON case_blind(kind, value, created_at, case_id);
DROP INDEX case_blind_lookup;
