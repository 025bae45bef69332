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
ALTER TABLE members ADD COLUMN cohort INT NOT NULL DEFAULT 0,
  ADD COLUMN seen_months INT NOT NULL DEFAULT 0;

DROP TABLE cohort_seen;

CREATE TABLE member_cohorts (
  campus_id BIGINT NOT NULL,
  cohort INT NOT NULL,
  grade VARCHAR(16) NOT NULL,
  tier VARCHAR(16) NOT NULL,
  k SMALLINT NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, cohort, grade, tier, k)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose StatementBegin
CREATE TRIGGER members_cohorts_insert AFTER INSERT ON members FOR EACH ROW
BEGIN
  INSERT INTO member_cohorts (campus_id, cohort, grade, tier, k, n)
    SELECT campus_id, cohort, grade, tier, k, n FROM (
      SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 0 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 1) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 1 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 2) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 2 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 4) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 3 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 8) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 4 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 16) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 5 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 32) <> 0
    ) x WHERE n <> 0
    ON DUPLICATE KEY UPDATE n = member_cohorts.n + VALUES(n);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_cohorts_update AFTER UPDATE ON members FOR EACH ROW
BEGIN
  IF NOT (OLD.campus_id <=> NEW.campus_id AND OLD.cohort <=> NEW.cohort AND OLD.grade <=> NEW.grade
      AND OLD.tier <=> NEW.tier AND OLD.seen_months <=> NEW.seen_months) THEN
  INSERT INTO member_cohorts (campus_id, cohort, grade, tier, k, n)
    SELECT campus_id, cohort, grade, tier, k, n FROM (
      SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 0 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 1) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 1 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 2) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 2 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 4) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 3 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 8) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 4 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 16) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 5 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 32) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 0 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 1) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 1 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 2) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 2 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 4) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 3 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 8) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 4 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 16) <> 0
      UNION ALL SELECT NEW.campus_id AS campus_id, NEW.cohort AS cohort, NEW.grade AS grade, NEW.tier AS tier, 5 AS k, 1 AS n FROM DUAL WHERE (NEW.seen_months & 32) <> 0
    ) x WHERE n <> 0
    ON DUPLICATE KEY UPDATE n = member_cohorts.n + VALUES(n);
  END IF;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_cohorts_delete AFTER DELETE ON members FOR EACH ROW
BEGIN
  INSERT INTO member_cohorts (campus_id, cohort, grade, tier, k, n)
    SELECT campus_id, cohort, grade, tier, k, n FROM (
      SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 0 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 1) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 1 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 2) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 2 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 4) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 3 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 8) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 4 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 16) <> 0
      UNION ALL SELECT OLD.campus_id AS campus_id, OLD.cohort AS cohort, OLD.grade AS grade, OLD.tier AS tier, 5 AS k, -1 AS n FROM DUAL WHERE (OLD.seen_months & 32) <> 0
    ) x WHERE n <> 0
    ON DUPLICATE KEY UPDATE n = member_cohorts.n + VALUES(n);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_cohorts_delete;
DROP TRIGGER members_cohorts_update;
DROP TRIGGER members_cohorts_insert;
DROP TABLE member_cohorts;
CREATE TABLE cohort_seen (
  campus_id BIGINT NOT NULL,
  cohort INT NOT NULL,
  month INT NOT NULL,
  slot SMALLINT NOT NULL DEFAULT 0,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, cohort, month, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
ALTER TABLE members DROP COLUMN seen_months, DROP COLUMN cohort;
