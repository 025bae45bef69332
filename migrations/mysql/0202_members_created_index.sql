-- +goose Up
-- The reports count new members and build the enrolment cohorts by
-- created_at (issue 16): a range of this index instead of every member.
CREATE INDEX ix_members_created ON members (created_at, campus_id);

-- +goose Down
DROP INDEX ix_members_created ON members;
