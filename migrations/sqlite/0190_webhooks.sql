-- +goose Up
-- Issue 20: signed webhooks. Endpoints an admin manages, one delivery row per
-- endpoint and event written in the event's transaction (the outbox), and a
-- log of every attempt with its status code and timing.
CREATE TABLE webhook_endpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  events TEXT NOT NULL,
  campus_id INTEGER NOT NULL DEFAULT 0,
  secret TEXT NOT NULL,
  old_secret TEXT NOT NULL DEFAULT '',
  old_secret_until DATETIME NULL,
  status TEXT NOT NULL DEFAULT 'active',
  failing_since DATETIME NULL,
  paused_at DATETIME NULL,
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

CREATE TABLE webhook_settings (
  id INTEGER PRIMARY KEY,
  allow_private INTEGER NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL
);

CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id),
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL,
  retry_until DATETIME NOT NULL,
  lease_holder TEXT NOT NULL DEFAULT '',
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  last_duration_ms INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  delivered_at DATETIME NULL
);
CREATE UNIQUE INDEX ux_webhook_deliveries_event ON webhook_deliveries (endpoint_id, event_id);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id INTEGER NOT NULL,
  endpoint_id INTEGER NOT NULL,
  at DATETIME NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_settings;
DROP TABLE webhook_endpoints;
