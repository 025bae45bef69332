-- +goose Up
-- The school's closing of each month start (issue 16): per campus, grade
-- and tier, the members on file active ('active') and churned ('churned')
-- as of that day, and how many bought last ('buy') and last but one
-- ('buy2') on each day of the year before it. A report for a period that
-- ended at a month's start (last month, last quarter) sums these rows
-- instead of reading the period's purchases and check-ins. The reports job
-- writes a closing from the history when the month starts, and the earlier
-- months' one a run; a row of kind 'closed' (campus 0) marks it complete.
CREATE TABLE member_closed (
  closed INT NOT NULL,
  campus_id BIGINT NOT NULL,
  kind VARCHAR(8) NOT NULL,
  day INT NOT NULL,
  grade VARCHAR(16) NOT NULL,
  tier VARCHAR(16) NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (closed, campus_id, kind, day, grade, tier)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE member_closed;
