-- 0016: differentially private releases of statistics and the yearly
-- privacy budget (src/domain/stats/release.h, docs/statistics.md).
--
-- stats_releases: every release made, as published: its question (unit,
-- dimensions, filters, dates), what it spent (epsilon in thousandths) and
-- the noisy table itself (JSON, the shape of GET /api/v1/stats with a
-- "noise" member). Nothing in it is exact: the rows may be shown to anyone
-- who reads statistics. year: the calendar year (UTC) of created_at, whose
-- budget the release spent.
CREATE TABLE stats_releases (
  id TEXT PRIMARY KEY,               -- random 32 hex
  year INTEGER NOT NULL,
  epsilon INTEGER NOT NULL,          -- thousandths: 500 = 0.5
  sensitivity INTEGER NOT NULL,      -- cells one unit can change (L1), the noise's scale divisor
  unit TEXT NOT NULL,                -- persons | cases | referrals | services
  dims TEXT NOT NULL,                -- JSON array of dimension names
  filters TEXT NOT NULL,             -- JSON object: dimension name -> array of values
  dates TEXT NOT NULL,               -- JSON object: date basis, from, to
  result TEXT NOT NULL,              -- JSON: the noisy table
  created_by TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX stats_releases_created ON stats_releases(created_at, id);
CREATE INDEX stats_releases_year ON stats_releases(year);

-- The ledger: epsilon spent per year, in thousandths. A release adds to it
-- with one conditional UPDATE (spent + e <= the configured budget) in the
-- transaction that inserts the release and its audit row: two releases at
-- once cannot both pass when only one fits.
CREATE TABLE stats_dp_budget (
  year INTEGER PRIMARY KEY,
  spent INTEGER NOT NULL
);
