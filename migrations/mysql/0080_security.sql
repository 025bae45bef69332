-- +goose Up
-- Integrations' own credentials (issue 11): a name, the role and campus they
-- act as (campus_id NULL = every campus, for school-wide roles), and only a
-- hash of the secret, shown once when the client is created.
CREATE TABLE api_clients (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  client_id VARCHAR(64) NOT NULL,
  name VARCHAR(100) NOT NULL,
  role VARCHAR(32) NOT NULL,
  campus_id BIGINT NULL,
  secret_hash VARCHAR(128) NOT NULL,
  created_by BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  UNIQUE KEY uq_api_clients_client_id (client_id),
  UNIQUE KEY uq_api_clients_name (name),
  CONSTRAINT fk_api_clients_campus FOREIGN KEY (campus_id) REFERENCES campuses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Counters for limits that must hold under concurrency: one row per key,
-- taken by a single conditional UPDATE (check and count in one statement).
-- locked_until marks a key (an account) locked after repeated failures.
-- The key is compared in binary: limits are keyed on exact normalised values.
CREATE TABLE rate_slots (
  limit_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  window_start DATETIME(3) NOT NULL,
  hits INT NOT NULL DEFAULT 0,
  locked_until DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE rate_slots;
DROP TABLE api_clients;
