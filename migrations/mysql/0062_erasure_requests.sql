-- +goose Up
-- A family's request to erase its data (PIPL art. 47), made from the portal
-- and handled by the school; one open request per family at a time.
CREATE TABLE erasure_requests (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  family_id BIGINT NOT NULL,
  guardian_id BIGINT NOT NULL,
  reason TEXT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'requested',
  open_family_id BIGINT NULL,
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  UNIQUE KEY uq_erasure_open (open_family_id),
  KEY ix_erasure_family (family_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE erasure_requests;
