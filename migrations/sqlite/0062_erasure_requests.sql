-- +goose Up
CREATE TABLE erasure_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  family_id INTEGER NOT NULL,
  guardian_id INTEGER NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'requested',
  open_family_id INTEGER NULL,
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_erasure_open ON erasure_requests (open_family_id);
CREATE INDEX ix_erasure_family ON erasure_requests (family_id, id);

-- +goose Down
DROP TABLE erasure_requests;
