-- +goose Up
-- member_days counts the members on file (not archived) per campus, kind,
-- school day, grade and tier, from the columns 0204 added: 'seen' by
-- last_seen_day, 'buy' by last_buy_day, 'buy2' by prev_buy_day, and among
-- the members who can churn (not prospects, graduates or churned already)
-- 'idle' by last_seen_day or, never seen, 'never' by the UTC day of
-- created_at. A report ending today sums a range of days instead of reading
-- the window's purchases and check-ins (issue 16): active = seen in the last
-- 30 days, buyers and repeat buyers = buy / buy2 since the period's start,
-- churned = the churnable minus those idle or new within 90 days. Triggers
-- keep it from every write of members in the write's own transaction, as
-- member_counts (0201); on TiDB (no triggers) the reports read the history.
CREATE TABLE member_days (
  campus_id BIGINT NOT NULL,
  kind VARCHAR(8) NOT NULL,
  day INT NOT NULL,
  grade VARCHAR(16) NOT NULL,
  tier VARCHAR(16) NOT NULL,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, kind, day, grade, tier)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO member_days (campus_id, kind, day, grade, tier, n)
  SELECT campus_id, kind, day, grade, tier, SUM(n) FROM (
    SELECT m.campus_id AS campus_id, 'seen' AS kind, m.last_seen_day AS day, m.grade AS grade, m.tier AS tier, 1 AS n FROM members m WHERE m.archived_at IS NULL AND m.last_seen_day > 0
    UNION ALL SELECT m.campus_id AS campus_id, 'buy' AS kind, m.last_buy_day AS day, m.grade AS grade, m.tier AS tier, 1 AS n FROM members m WHERE m.archived_at IS NULL AND m.last_buy_day > 0
    UNION ALL SELECT m.campus_id AS campus_id, 'buy2' AS kind, m.prev_buy_day AS day, m.grade AS grade, m.tier AS tier, 1 AS n FROM members m WHERE m.archived_at IS NULL AND m.prev_buy_day > 0
    UNION ALL SELECT m.campus_id AS campus_id, 'idle' AS kind, m.last_seen_day AS day, m.grade AS grade, m.tier AS tier, 1 AS n FROM members m WHERE m.archived_at IS NULL AND m.last_seen_day > 0 AND m.lifecycle NOT IN ('prospect', 'graduated', 'churned')
    UNION ALL SELECT m.campus_id AS campus_id, 'never' AS kind, CAST(DATE_FORMAT(m.created_at, '%Y%m%d') AS SIGNED) AS day, m.grade AS grade, m.tier AS tier, 1 AS n FROM members m WHERE m.archived_at IS NULL AND m.last_seen_day = 0 AND m.lifecycle NOT IN ('prospect', 'graduated', 'churned')
  ) k GROUP BY campus_id, kind, day, grade, tier;

-- +goose StatementBegin
CREATE TRIGGER members_days_insert AFTER INSERT ON members FOR EACH ROW
BEGIN
  INSERT INTO member_days (campus_id, kind, day, grade, tier, n)
    SELECT campus_id, kind, day, grade, tier, n FROM (
      SELECT NEW.campus_id AS campus_id, 'seen' AS kind, NEW.last_seen_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_seen_day > 0
      UNION ALL SELECT NEW.campus_id AS campus_id, 'buy' AS kind, NEW.last_buy_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_buy_day > 0
      UNION ALL SELECT NEW.campus_id AS campus_id, 'buy2' AS kind, NEW.prev_buy_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.prev_buy_day > 0
      UNION ALL SELECT NEW.campus_id AS campus_id, 'idle' AS kind, NEW.last_seen_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_seen_day > 0 AND NEW.lifecycle NOT IN ('prospect', 'graduated', 'churned')
      UNION ALL SELECT NEW.campus_id AS campus_id, 'never' AS kind, CAST(DATE_FORMAT(NEW.created_at, '%Y%m%d') AS SIGNED) AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_seen_day = 0 AND NEW.lifecycle NOT IN ('prospect', 'graduated', 'churned')
    ) k WHERE n <> 0
    ON DUPLICATE KEY UPDATE n = member_days.n + VALUES(n);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_days_update AFTER UPDATE ON members FOR EACH ROW
BEGIN
  IF NOT (OLD.campus_id <=> NEW.campus_id AND OLD.tier <=> NEW.tier AND OLD.grade <=> NEW.grade AND OLD.lifecycle <=> NEW.lifecycle
      AND (OLD.archived_at IS NULL) = (NEW.archived_at IS NULL) AND OLD.last_seen_day <=> NEW.last_seen_day
      AND OLD.last_buy_day <=> NEW.last_buy_day AND OLD.prev_buy_day <=> NEW.prev_buy_day AND OLD.created_at <=> NEW.created_at) THEN
  INSERT INTO member_days (campus_id, kind, day, grade, tier, n)
    SELECT campus_id, kind, day, grade, tier, n FROM (
      SELECT OLD.campus_id AS campus_id, 'seen' AS kind, OLD.last_seen_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_seen_day > 0
      UNION ALL SELECT OLD.campus_id AS campus_id, 'buy' AS kind, OLD.last_buy_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_buy_day > 0
      UNION ALL SELECT OLD.campus_id AS campus_id, 'buy2' AS kind, OLD.prev_buy_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.prev_buy_day > 0
      UNION ALL SELECT OLD.campus_id AS campus_id, 'idle' AS kind, OLD.last_seen_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_seen_day > 0 AND OLD.lifecycle NOT IN ('prospect', 'graduated', 'churned')
      UNION ALL SELECT OLD.campus_id AS campus_id, 'never' AS kind, CAST(DATE_FORMAT(OLD.created_at, '%Y%m%d') AS SIGNED) AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_seen_day = 0 AND OLD.lifecycle NOT IN ('prospect', 'graduated', 'churned')
      UNION ALL SELECT NEW.campus_id AS campus_id, 'seen' AS kind, NEW.last_seen_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_seen_day > 0
      UNION ALL SELECT NEW.campus_id AS campus_id, 'buy' AS kind, NEW.last_buy_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_buy_day > 0
      UNION ALL SELECT NEW.campus_id AS campus_id, 'buy2' AS kind, NEW.prev_buy_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.prev_buy_day > 0
      UNION ALL SELECT NEW.campus_id AS campus_id, 'idle' AS kind, NEW.last_seen_day AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_seen_day > 0 AND NEW.lifecycle NOT IN ('prospect', 'graduated', 'churned')
      UNION ALL SELECT NEW.campus_id AS campus_id, 'never' AS kind, CAST(DATE_FORMAT(NEW.created_at, '%Y%m%d') AS SIGNED) AS day, NEW.grade AS grade, NEW.tier AS tier, 1 AS n FROM DUAL WHERE NEW.archived_at IS NULL AND NEW.last_seen_day = 0 AND NEW.lifecycle NOT IN ('prospect', 'graduated', 'churned')
    ) k WHERE n <> 0
    ON DUPLICATE KEY UPDATE n = member_days.n + VALUES(n);
  END IF;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_days_delete AFTER DELETE ON members FOR EACH ROW
BEGIN
  INSERT INTO member_days (campus_id, kind, day, grade, tier, n)
    SELECT campus_id, kind, day, grade, tier, n FROM (
      SELECT OLD.campus_id AS campus_id, 'seen' AS kind, OLD.last_seen_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_seen_day > 0
      UNION ALL SELECT OLD.campus_id AS campus_id, 'buy' AS kind, OLD.last_buy_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_buy_day > 0
      UNION ALL SELECT OLD.campus_id AS campus_id, 'buy2' AS kind, OLD.prev_buy_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.prev_buy_day > 0
      UNION ALL SELECT OLD.campus_id AS campus_id, 'idle' AS kind, OLD.last_seen_day AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_seen_day > 0 AND OLD.lifecycle NOT IN ('prospect', 'graduated', 'churned')
      UNION ALL SELECT OLD.campus_id AS campus_id, 'never' AS kind, CAST(DATE_FORMAT(OLD.created_at, '%Y%m%d') AS SIGNED) AS day, OLD.grade AS grade, OLD.tier AS tier, -1 AS n FROM DUAL WHERE OLD.archived_at IS NULL AND OLD.last_seen_day = 0 AND OLD.lifecycle NOT IN ('prospect', 'graduated', 'churned')
    ) k WHERE n <> 0
    ON DUPLICATE KEY UPDATE n = member_days.n + VALUES(n);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER members_days_delete;
DROP TRIGGER members_days_update;
DROP TRIGGER members_days_insert;
DROP TABLE member_days;
