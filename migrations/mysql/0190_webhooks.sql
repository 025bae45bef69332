-- +goose Up
-- Issue 20: signed webhooks. Endpoints an admin manages, one delivery row per
-- endpoint and event written in the event's transaction (the outbox), and a
-- log of every attempt with its status code and timing.
CREATE TABLE webhook_endpoints (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  url VARCHAR(500) NOT NULL,
  description VARCHAR(200) NOT NULL DEFAULT '',
  events VARCHAR(1000) NOT NULL,
  campus_id BIGINT NOT NULL DEFAULT 0,
  secret VARCHAR(100) NOT NULL,
  old_secret VARCHAR(100) NOT NULL DEFAULT '',
  old_secret_until DATETIME(3) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  failing_since DATETIME(3) NULL,
  paused_at DATETIME(3) NULL,
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_settings (
  id BIGINT NOT NULL PRIMARY KEY,
  allow_private TINYINT(1) NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  endpoint_id BIGINT NOT NULL,
  event_id VARCHAR(40) NOT NULL,
  event_type VARCHAR(40) NOT NULL,
  payload MEDIUMTEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  retry_until DATETIME(3) NOT NULL,
  lease_holder VARCHAR(64) NOT NULL DEFAULT '',
  last_status INT NOT NULL DEFAULT 0,
  last_error VARCHAR(500) NOT NULL DEFAULT '',
  last_duration_ms INT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  delivered_at DATETIME(3) NULL,
  UNIQUE KEY ux_webhook_deliveries_event (endpoint_id, event_id),
  KEY ix_webhook_deliveries_due (status, next_attempt_at),
  KEY ix_webhook_deliveries_endpoint (endpoint_id, id),
  CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_attempts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id BIGINT NOT NULL,
  endpoint_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  status_code INT NOT NULL DEFAULT 0,
  duration_ms INT NOT NULL DEFAULT 0,
  error VARCHAR(500) NOT NULL DEFAULT '',
  KEY ix_webhook_attempts_endpoint (endpoint_id, id),
  KEY ix_webhook_attempts_delivery (delivery_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_settings;
DROP TABLE webhook_endpoints;
