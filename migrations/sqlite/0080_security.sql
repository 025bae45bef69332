-- +goose Up
-- Integrations' own credentials (issue 11): a name, the role and campus they
-- act as (campus_id NULL = every campus, for school-wide roles), and only a
-- hash of the secret, shown once when the client is created.
CREATE TABLE api_clients (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  campus_id INTEGER NULL REFERENCES campuses (id),
  secret_hash TEXT NOT NULL,
  created_by INTEGER NOT NULL,
  created_at DATETIME NOT NULL,
  revoked_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_api_clients_client_id ON api_clients (client_id);
CREATE UNIQUE INDEX uq_api_clients_name ON api_clients (name);

-- Counters for limits that must hold under concurrency: one row per key,
-- taken by a single conditional UPDATE (check and count in one statement).
-- locked_until marks a key (an account) locked after repeated failures.
CREATE TABLE rate_slots (
  limit_key TEXT NOT NULL PRIMARY KEY,
  window_start DATETIME NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  locked_until DATETIME NULL
);

-- +goose Down
DROP TABLE rate_slots;
DROP TABLE api_clients;
