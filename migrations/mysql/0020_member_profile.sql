-- +goose Up
ALTER TABLE members ADD COLUMN referral_source VARCHAR(100) NOT NULL DEFAULT '', ADD COLUMN card_id BIGINT NULL;
ALTER TABLE guardians ADD COLUMN payer TINYINT(1) NOT NULL DEFAULT 0;

CREATE TABLE member_tags (
  member_id BIGINT NOT NULL,
  tag VARCHAR(32) NOT NULL,
  PRIMARY KEY (member_id, tag),
  KEY ix_member_tags_tag (tag, member_id),
  CONSTRAINT fk_member_tags_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE member_lifecycle_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status VARCHAR(16) NOT NULL,
  at DATETIME(3) NOT NULL,
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  note VARCHAR(500) NOT NULL DEFAULT '',
  KEY ix_lifecycle_member (member_id, at),
  CONSTRAINT fk_lifecycle_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE consent_versions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  version VARCHAR(20) NOT NULL,
  body TEXT NOT NULL,
  published_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_consent_versions_version (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE consent_grants (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  guardian_id BIGINT NOT NULL,
  consent_version_id BIGINT NOT NULL,
  granted_at DATETIME(3) NOT NULL,
  channel VARCHAR(16) NOT NULL DEFAULT '',
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  withdrawn_at DATETIME(3) NULL,
  UNIQUE KEY uq_consent_grants (guardian_id, consent_version_id),
  CONSTRAINT fk_consent_grants_guardian FOREIGN KEY (guardian_id) REFERENCES guardians (id),
  CONSTRAINT fk_consent_grants_version FOREIGN KEY (consent_version_id) REFERENCES consent_versions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE consent_grants;
DROP TABLE consent_versions;
DROP TABLE member_lifecycle_history;
DROP TABLE member_tags;
ALTER TABLE guardians DROP COLUMN payer;
ALTER TABLE members DROP COLUMN card_id, DROP COLUMN referral_source;
