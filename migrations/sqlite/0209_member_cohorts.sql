-- +goose Up
-- The retention triangle for any filter and any month (issue 16). Each
-- member keeps the school month it joined in (cohort, yyyymm) and, one bit
-- per month since then, the months it checked in or bought in (seen_months:
-- bit k for the k-th month after joining, the first six kept), set by the
-- app where it writes check-ins and purchases; 0210 fills both from the
-- history. member_cohorts counts the members with each bit set per campus,
-- cohort, grade and tier, kept by triggers in the write's own transaction as
-- member_days (0206) is: a cohort's retention in its k-th month is a sum of
-- a few rows, under a grade or tier filter and for a month that has ended
-- alike. Archived members stay counted, as they stay in their cohort's size.
-- It replaces cohort_seen (0204), which counted visits under the campus of
-- the moment and could not be narrowed by grade or tier.
ALTER TABLE members ADD COLUMN cohort INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN seen_months INTEGER NOT NULL DEFAULT 0;

DROP TABLE cohort_seen;

CREATE TABLE member_cohorts (
  campus_id INTEGER NOT NULL,
  cohort INTEGER NOT NULL,
  grade TEXT NOT NULL,
  tier TEXT NOT NULL,
  k INTEGER NOT NULL,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, cohort, grade, tier, k)
);

-- +goose StatementBegin
CREATE TRIGGER members_cohorts_insert AFTER INSERT ON members
BEGIN
  INSERT INTO member_cohorts (campus_id, cohort, grade, tier, k, n)
    SELECT campus_id, cohort, grade, tier, k, n FROM (
      SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 0 AS k, 1 AS n WHERE (NEW.seen_months & 1) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 1 AS k, 1 AS n WHERE (NEW.seen_months & 2) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 2 AS k, 1 AS n WHERE (NEW.seen_months & 4) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 3 AS k, 1 AS n WHERE (NEW.seen_months & 8) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 4 AS k, 1 AS n WHERE (NEW.seen_months & 16) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 5 AS k, 1 AS n WHERE (NEW.seen_months & 32) <> 0
    ) x WHERE n <> 0
    ON CONFLICT (campus_id, cohort, grade, tier, k) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_cohorts_update AFTER UPDATE OF campus_id, cohort, grade, tier, seen_months ON members
WHEN OLD.campus_id IS NOT NEW.campus_id OR OLD.cohort IS NOT NEW.cohort OR OLD.grade IS NOT NEW.grade
  OR OLD.tier IS NOT NEW.tier OR OLD.seen_months IS NOT NEW.seen_months
BEGIN
  INSERT INTO member_cohorts (campus_id, cohort, grade, tier, k, n)
    SELECT campus_id, cohort, grade, tier, k, n FROM (
      SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 0 AS k, -1 AS n WHERE (OLD.seen_months & 1) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 1 AS k, -1 AS n WHERE (OLD.seen_months & 2) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 2 AS k, -1 AS n WHERE (OLD.seen_months & 4) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 3 AS k, -1 AS n WHERE (OLD.seen_months & 8) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 4 AS k, -1 AS n WHERE (OLD.seen_months & 16) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 5 AS k, -1 AS n WHERE (OLD.seen_months & 32) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 0 AS k, 1 AS n WHERE (NEW.seen_months & 1) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 1 AS k, 1 AS n WHERE (NEW.seen_months & 2) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 2 AS k, 1 AS n WHERE (NEW.seen_months & 4) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 3 AS k, 1 AS n WHERE (NEW.seen_months & 8) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 4 AS k, 1 AS n WHERE (NEW.seen_months & 16) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 5 AS k, 1 AS n WHERE (NEW.seen_months & 32) <> 0
    ) x WHERE n <> 0
    ON CONFLICT (campus_id, cohort, grade, tier, k) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_cohorts_delete AFTER DELETE ON members
BEGIN
  INSERT INTO member_cohorts (campus_id, cohort, grade, tier, k, n)
    SELECT campus_id, cohort, grade, tier, k, n FROM (
      SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 0 AS k, -1 AS n WHERE (OLD.seen_months & 1) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 1 AS k, -1 AS n WHERE (OLD.seen_months & 2) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 2 AS k, -1 AS n WHERE (OLD.seen_months & 4) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 3 AS k, -1 AS n WHERE (OLD.seen_months & 8) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 4 AS k, -1 AS n WHERE (OLD.seen_months & 16) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 5 AS k, -1 AS n WHERE (OLD.seen_months & 32) <> 0
    ) x WHERE n <> 0
    ON CONFLICT (campus_id, cohort, grade, tier, k) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_cohorts_delete;
DROP TRIGGER members_cohorts_update;
DROP TRIGGER members_cohorts_insert;
DROP TABLE member_cohorts;
CREATE TABLE cohort_seen (
  campus_id INTEGER NOT NULL,
  cohort INTEGER NOT NULL,
  month INTEGER NOT NULL,
  slot INTEGER NOT NULL DEFAULT 0,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, cohort, month, slot)
);
ALTER TABLE members DROP COLUMN seen_months;
ALTER TABLE members DROP COLUMN cohort;
