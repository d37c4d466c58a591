-- 0022: the name a list shows for a case ("Given Middle Family (Latin
-- twins)"), sealed with the case's data key beside the row, so that a list or
-- a search page opens one row per case instead of the person record as well
-- (docs/benchmarks.md, session 10). NULL once the case is erased, and in the
-- cases written before this migration until ihala opens the folder and seals
-- theirs (case_display_upgrade, which needs the key, so it cannot be done in
-- SQL); the partial index finds those few without a full scan.
ALTER TABLE cases ADD COLUMN display BLOB;
CREATE INDEX cases_display_unsealed ON cases(id) WHERE display IS NULL AND dek IS NOT NULL;
