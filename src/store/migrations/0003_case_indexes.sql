-- 0003: indexes for a million cases. Lists and searches are newest first
-- inside the caller's reach (organisation, or cases the caller created), so
-- the reach and the time share one index and a page is read without a sort.
-- Blind-index look-ups carry the case id in the index, so intersecting the
-- tokens of a name never visits the table.
CREATE INDEX cases_org_time ON cases(org_id, created_at, id);
CREATE INDEX cases_creator_time ON cases(created_by, created_at, id);
CREATE INDEX cases_time ON cases(created_at, id);
DROP INDEX cases_org;
DROP INDEX cases_created_by;
CREATE INDEX case_blind_lookup ON case_blind(kind, value, case_id);
DROP INDEX case_blind_value;
CREATE INDEX cases_org_external ON cases(org_id, external_ref);
