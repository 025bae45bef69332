-- +goose Up
-- The part-days at the edges of a period's new members and cohort sizes
-- are counted from this index (issue 16); with the grade and tier in it, a
-- count narrowed by them reads the index alone instead of a member row per
-- child (the cohorts under a grade filter took 0.5 s at a million members).
CREATE INDEX ix_members_joined ON members (created_at, campus_id, grade, tier);
DROP INDEX ix_members_created ON members;

-- +goose Down
CREATE INDEX ix_members_created ON members (created_at, campus_id);
DROP INDEX ix_members_joined ON members;
