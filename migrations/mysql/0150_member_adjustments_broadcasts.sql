-- +goose Up
-- A manual points or stored-value adjustment (DOMAIN §3.13): applied at once
-- below the threshold, else waiting for a second person's approval. The
-- request key makes a double-submitted form one request.
CREATE TABLE member_adjustments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_key VARCHAR(64) NOT NULL,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  asset VARCHAR(16) NOT NULL,
  amount BIGINT NOT NULL,
  reason VARCHAR(255) NOT NULL,
  status VARCHAR(16) NOT NULL,
  maker_id BIGINT NOT NULL,
  checker_id BIGINT NOT NULL DEFAULT 0,
  journal_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  decided_at DATETIME(3) NULL,
  UNIQUE KEY uq_member_adjustments_key (request_key),
  KEY ix_member_adjustments_member (member_id, id),
  KEY ix_member_adjustments_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A message to the families of a segment (product news, a promotion, an
-- activity invitation), sent once at its time through the outbox.
CREATE TABLE broadcasts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_key VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  title VARCHAR(100) NOT NULL,
  body TEXT NOT NULL,
  segment TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  scheduled_at DATETIME(3) NOT NULL,
  families BIGINT NOT NULL DEFAULT 0,
  recipients BIGINT NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  queued_at DATETIME(3) NULL,
  UNIQUE KEY uq_broadcasts_key (request_key),
  KEY ix_broadcasts_due (status, scheduled_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE broadcasts;
DROP TABLE member_adjustments;
