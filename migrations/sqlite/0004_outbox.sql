-- +goose Up
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL,
  event TEXT NOT NULL,
  member_id INTEGER NOT NULL DEFAULT 0,
  guardian_id INTEGER NOT NULL,
  data TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  sent_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_outbox_dedupe ON outbox (dedupe_key);
CREATE INDEX ix_outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX ix_outbox_guardian ON outbox (guardian_id, created_at);

-- +goose Down
DROP TABLE outbox;
