-- +goose Up
-- Members on file (not archived) counted per campus, tier, grade and
-- lifecycle, so the members report reads a few hundred rows instead of a
-- million members (issue 16). Triggers keep the counts from every write of
-- members — creation, imports, tier and grade changes, lifecycle moves,
-- archiving, campus moves — in the write's own transaction, whichever code
-- makes it; slot (member id mod 8) spreads one campus's new members over
-- several rows. Verify proves the counts equal to the members.
CREATE TABLE member_counts (
  campus_id INTEGER NOT NULL,
  tier TEXT NOT NULL,
  grade TEXT NOT NULL,
  lifecycle TEXT NOT NULL,
  slot INTEGER NOT NULL DEFAULT 0,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, tier, grade, lifecycle, slot)
);

INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
  SELECT campus_id, tier, grade, lifecycle, 0, COUNT(*) FROM members WHERE archived_at IS NULL
  GROUP BY campus_id, tier, grade, lifecycle;

-- +goose StatementBegin
CREATE TRIGGER members_count_insert AFTER INSERT ON members WHEN NEW.archived_at IS NULL
BEGIN
  INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
    VALUES (NEW.campus_id, NEW.tier, NEW.grade, NEW.lifecycle, NEW.id % 8, 1)
    ON CONFLICT (campus_id, tier, grade, lifecycle, slot) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_count_update AFTER UPDATE OF campus_id, tier, grade, lifecycle, archived_at ON members
WHEN OLD.campus_id IS NOT NEW.campus_id OR OLD.tier IS NOT NEW.tier OR OLD.grade IS NOT NEW.grade
  OR OLD.lifecycle IS NOT NEW.lifecycle OR (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL)
BEGIN
  INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
    SELECT OLD.campus_id, OLD.tier, OLD.grade, OLD.lifecycle, OLD.id % 8, -1 WHERE OLD.archived_at IS NULL
    ON CONFLICT (campus_id, tier, grade, lifecycle, slot) DO UPDATE SET n = n - 1;
  INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
    SELECT NEW.campus_id, NEW.tier, NEW.grade, NEW.lifecycle, NEW.id % 8, 1 WHERE NEW.archived_at IS NULL
    ON CONFLICT (campus_id, tier, grade, lifecycle, slot) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_count_delete AFTER DELETE ON members WHEN OLD.archived_at IS NULL
BEGIN
  INSERT INTO member_counts (campus_id, tier, grade, lifecycle, slot, n)
    VALUES (OLD.campus_id, OLD.tier, OLD.grade, OLD.lifecycle, OLD.id % 8, -1)
    ON CONFLICT (campus_id, tier, grade, lifecycle, slot) DO UPDATE SET n = n - 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_count_delete;
DROP TRIGGER members_count_update;
DROP TRIGGER members_count_insert;
DROP TABLE member_counts;
