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
  closed INTEGER NOT NULL,
  campus_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  day INTEGER NOT NULL,
  grade TEXT NOT NULL,
  tier TEXT NOT NULL,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (closed, campus_id, kind, day, grade, tier)
);

-- +goose Down
DROP TABLE member_closed;
