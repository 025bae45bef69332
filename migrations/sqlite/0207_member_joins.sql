-- +goose Up
-- Members put on file per campus, UTC day of created_at, grade and tier —
-- archived ones included, as the report's "new members" and cohort sizes
-- count them: a period's new members are the sum of its whole UTC days plus
-- the two part-days at its ends read from the members' created_at index,
-- instead of counting a year of that index (issue 16). Triggers keep it from
-- every insert, delete and campus, grade or tier change of members, as
-- member_counts (0201); on TiDB (no triggers) the reports count the members.
CREATE TABLE member_joins (
  campus_id INTEGER NOT NULL,
  day INTEGER NOT NULL,
  grade TEXT NOT NULL,
  tier TEXT NOT NULL,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, day, grade, tier)
);

INSERT INTO member_joins (campus_id, day, grade, tier, n)
  SELECT campus_id, CAST(REPLACE(SUBSTR(m.created_at, 1, 10), '-', '') AS INTEGER), grade, tier, COUNT(*) FROM members m GROUP BY 1, 2, 3, 4;

-- +goose StatementBegin
CREATE TRIGGER members_joins_insert AFTER INSERT ON members
BEGIN
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (NEW.campus_id, CAST(REPLACE(SUBSTR(NEW.created_at, 1, 10), '-', '') AS INTEGER), NEW.grade, NEW.tier, 1)
    ON CONFLICT (campus_id, day, grade, tier) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_joins_update AFTER UPDATE OF campus_id, grade, tier, created_at ON members
WHEN OLD.campus_id IS NOT NEW.campus_id OR OLD.grade IS NOT NEW.grade OR OLD.tier IS NOT NEW.tier OR OLD.created_at IS NOT NEW.created_at
BEGIN
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (OLD.campus_id, CAST(REPLACE(SUBSTR(OLD.created_at, 1, 10), '-', '') AS INTEGER), OLD.grade, OLD.tier, -1)
    ON CONFLICT (campus_id, day, grade, tier) DO UPDATE SET n = n + excluded.n;
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (NEW.campus_id, CAST(REPLACE(SUBSTR(NEW.created_at, 1, 10), '-', '') AS INTEGER), NEW.grade, NEW.tier, 1)
    ON CONFLICT (campus_id, day, grade, tier) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_joins_delete AFTER DELETE ON members
BEGIN
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (OLD.campus_id, CAST(REPLACE(SUBSTR(OLD.created_at, 1, 10), '-', '') AS INTEGER), OLD.grade, OLD.tier, -1)
    ON CONFLICT (campus_id, day, grade, tier) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_joins_delete;
DROP TRIGGER members_joins_update;
DROP TRIGGER members_joins_insert;
DROP TABLE member_joins;
