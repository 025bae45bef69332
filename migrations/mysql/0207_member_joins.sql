-- +goose Up
-- Members put on file per campus, UTC day of created_at, grade and tier —
-- archived ones included, as the report's "new members" and cohort sizes
-- count them: a period's new members are the sum of its whole UTC days plus
-- the two part-days at its ends read from the members' created_at index,
-- instead of counting a year of that index (issue 16). Triggers keep it from
-- every insert, delete and campus, grade or tier change of members, as
-- member_counts (0201); on TiDB (no triggers) the reports count the members.
CREATE TABLE member_joins (
  campus_id BIGINT NOT NULL,
  day INT NOT NULL,
  grade VARCHAR(16) NOT NULL,
  tier VARCHAR(16) NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, day, grade, tier)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO member_joins (campus_id, day, grade, tier, n)
  SELECT campus_id, CAST(DATE_FORMAT(m.created_at, '%Y%m%d') AS SIGNED), grade, tier, COUNT(*) FROM members m GROUP BY 1, 2, 3, 4;

-- +goose StatementBegin
CREATE TRIGGER members_joins_insert AFTER INSERT ON members FOR EACH ROW
BEGIN
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (NEW.campus_id, CAST(DATE_FORMAT(NEW.created_at, '%Y%m%d') AS SIGNED), NEW.grade, NEW.tier, 1)
    ON DUPLICATE KEY UPDATE n = member_joins.n + VALUES(n);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_joins_update AFTER UPDATE ON members FOR EACH ROW
BEGIN
  IF NOT (OLD.campus_id <=> NEW.campus_id AND OLD.grade <=> NEW.grade AND OLD.tier <=> NEW.tier AND OLD.created_at <=> NEW.created_at) THEN
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (OLD.campus_id, CAST(DATE_FORMAT(OLD.created_at, '%Y%m%d') AS SIGNED), OLD.grade, OLD.tier, -1)
    ON DUPLICATE KEY UPDATE n = member_joins.n + VALUES(n);
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (NEW.campus_id, CAST(DATE_FORMAT(NEW.created_at, '%Y%m%d') AS SIGNED), NEW.grade, NEW.tier, 1)
    ON DUPLICATE KEY UPDATE n = member_joins.n + VALUES(n);
  END IF;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_joins_delete AFTER DELETE ON members FOR EACH ROW
BEGIN
  INSERT INTO member_joins (campus_id, day, grade, tier, n) VALUES (OLD.campus_id, CAST(DATE_FORMAT(OLD.created_at, '%Y%m%d') AS SIGNED), OLD.grade, OLD.tier, -1)
    ON DUPLICATE KEY UPDATE n = member_joins.n + VALUES(n);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_joins_delete;
DROP TRIGGER members_joins_update;
DROP TRIGGER members_joins_insert;
DROP TABLE member_joins;
