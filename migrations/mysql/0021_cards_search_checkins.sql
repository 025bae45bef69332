-- +goose Up
CREATE TABLE cards (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  card_no VARCHAR(20) NOT NULL,
  version INT NOT NULL DEFAULT 1,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  issued_at DATETIME(3) NOT NULL,
  frozen_at DATETIME(3) NULL,
  replaced_at DATETIME(3) NULL,
  replaced_by BIGINT NULL,
  UNIQUE KEY uq_cards_card_no (card_no),
  KEY ix_cards_member (member_id),
  CONSTRAINT fk_cards_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per searchable term of a member (see the SQLite twin). The binary
-- collation makes "term >= ? AND term < ?" a code-point prefix range.
CREATE TABLE member_search (
  term VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  PRIMARY KEY (term, member_id),
  KEY ix_member_search_member (member_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE checkins (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  card_id BIGINT NOT NULL DEFAULT 0,
  kind VARCHAR(12) NOT NULL,
  at DATETIME(3) NOT NULL,
  local_day CHAR(10) NOT NULL,
  points_earned BIGINT NOT NULL DEFAULT 0,
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  device VARCHAR(64) NOT NULL DEFAULT '',
  KEY ix_checkins_member (member_id, kind, at),
  KEY ix_checkins_campus_day (campus_id, local_day),
  CONSTRAINT fk_checkins_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE checkins;
DROP TABLE member_search;
DROP TABLE cards;
