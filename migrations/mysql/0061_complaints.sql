-- +goose Up
-- Feedback and complaints from families (DOMAIN §3.10). The portal writes
-- them as 'received'; the complaints workflow moves them on and every move is
-- a row in complaint_updates (public rows are shown to the family).
CREATE TABLE complaints (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  family_id BIGINT NOT NULL,
  guardian_id BIGINT NOT NULL,
  member_id BIGINT NULL,
  campus_id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL DEFAULT 'complaint',
  category VARCHAR(32) NOT NULL,
  body TEXT NOT NULL,
  photo VARCHAR(128) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL DEFAULT 'received',
  priority VARCHAR(16) NOT NULL DEFAULT 'normal',
  owner_id BIGINT NOT NULL DEFAULT 0,
  channel VARCHAR(16) NOT NULL DEFAULT 'portal',
  first_answer_due_at DATETIME(3) NOT NULL,
  first_answer_at DATETIME(3) NULL,
  resolved_at DATETIME(3) NULL,
  confirmed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY ix_complaints_family (family_id, id),
  KEY ix_complaints_status (status, first_answer_due_at),
  KEY ix_complaints_campus (campus_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE complaint_updates (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  note TEXT NOT NULL,
  public TINYINT(1) NOT NULL DEFAULT 1,
  KEY ix_complaint_updates_complaint (complaint_id, id),
  CONSTRAINT fk_complaint_updates_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE complaint_updates;
DROP TABLE complaints;
