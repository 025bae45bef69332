-- +goose Up
-- Members on file (not archived) counted per campus, tier, grade and
-- lifecycle, so the members report reads a few hundred rows instead of a
-- million members (issue 16). Triggers keep the counts from every write of
-- members — creation, imports, tier and grade changes, lifecycle moves,
-- archiving, campus moves — in the write's own transaction, whichever code
-- makes it; slot (member id mod 8) spreads one campus's new members over
-- several rows. Verify proves the counts equal to the members. (On TiDB,
-- which has no triggers, verify reports them as wrong.)
CREATE TABLE member_counts (
  campus_id BIGINT NOT NULL,
  tier VARCHAR(16) NOT NULL,
  grade VARCHAR(16) NOT NULL,
  lifecycle VARCHAR(16) NOT NULL,
  slot SMALLINT NOT NULL DEFAULT 0,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, tier, grade, lifecycle, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
  SELECT campus_id, tier, grade, lifecycle, 0, COUNT(*) FROM members WHERE archived_at IS NULL
  GROUP BY campus_id, tier, grade, lifecycle;

-- +goose StatementBegin
CREATE TRIGGER members_count_insert AFTER INSERT ON members FOR EACH ROW
BEGIN
  IF NEW.archived_at IS NULL THEN
    INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
      VALUES (NEW.campus_id, NEW.tier, NEW.grade, NEW.lifecycle, NEW.id % 8, 1)
      ON DUPLICATE KEY UPDATE n = n + 1;
  END IF;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_count_update AFTER UPDATE ON members FOR EACH ROW
BEGIN
  IF NOT (OLD.campus_id <=> NEW.campus_id AND OLD.tier <=> NEW.tier AND OLD.grade <=> NEW.grade
      AND OLD.lifecycle <=> NEW.lifecycle AND (OLD.archived_at IS NULL) = (NEW.archived_at IS NULL)) THEN
    IF OLD.archived_at IS NULL THEN
      INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
        VALUES (OLD.campus_id, OLD.tier, OLD.grade, OLD.lifecycle, OLD.id % 8, -1)
        ON DUPLICATE KEY UPDATE n = n - 1;
    END IF;
    IF NEW.archived_at IS NULL THEN
      INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
        VALUES (NEW.campus_id, NEW.tier, NEW.grade, NEW.lifecycle, NEW.id % 8, 1)
        ON DUPLICATE KEY UPDATE n = n + 1;
    END IF;
  END IF;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_count_delete AFTER DELETE ON members FOR EACH ROW
BEGIN
  IF OLD.archived_at IS NULL THEN
    INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
      VALUES (OLD.campus_id, OLD.tier, OLD.grade, OLD.lifecycle, OLD.id % 8, -1)
      ON DUPLICATE KEY UPDATE n = n - 1;
  END IF;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_count_delete;
DROP TRIGGER members_count_update;
DROP TRIGGER members_count_insert;
DROP TABLE member_counts;
