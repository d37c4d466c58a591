-- 0007: the version of the blind search index. Version 2 adds the pairs of
-- name tokens ("name2"). A database that already holds cases starts at 1 and
-- is reindexed once when ihala opens it (case_search_index_upgrade, which
-- needs the key, so it cannot be done in SQL); an empty one starts at 2.
CREATE TABLE search_index (
  version INTEGER NOT NULL
);
INSERT INTO search_index (version) SELECT CASE WHEN EXISTS (SELECT 1 FROM cases) THEN 1 ELSE 2 END;
