-- +goose Up
CREATE TABLE member_adjustments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_key TEXT NOT NULL,
  member_id INTEGER NOT NULL,
  campus_id INTEGER NOT NULL,
  asset TEXT NOT NULL,
  amount INTEGER NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL,
  maker_id INTEGER NOT NULL,
  checker_id INTEGER NOT NULL DEFAULT 0,
  journal_id INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  decided_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_member_adjustments_key ON member_adjustments (request_key);
CREATE INDEX ix_member_adjustments_member ON member_adjustments (member_id, id);
CREATE INDEX ix_member_adjustments_status ON member_adjustments (status, id);

CREATE TABLE broadcasts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  segment TEXT NOT NULL,
  status TEXT NOT NULL,
  scheduled_at DATETIME NOT NULL,
  families INTEGER NOT NULL DEFAULT 0,
  recipients INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER NOT NULL,
  created_at DATETIME NOT NULL,
  queued_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_broadcasts_key ON broadcasts (request_key);
CREATE INDEX ix_broadcasts_due ON broadcasts (status, scheduled_at);

-- +goose Down
DROP TABLE broadcasts;
DROP TABLE member_adjustments;
