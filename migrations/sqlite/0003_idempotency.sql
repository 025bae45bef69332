-- +goose Up
CREATE TABLE idempotency_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response BLOB NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_idempotency_scope_key ON idempotency_keys (scope, idem_key);

-- +goose Down
DROP TABLE idempotency_keys;
