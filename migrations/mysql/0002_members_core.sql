-- +goose Up
CREATE TABLE families (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL DEFAULT '',
  shared_wallet TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE guardians (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  family_id BIGINT NOT NULL,
  name VARCHAR(100) NOT NULL,
  phone VARCHAR(20) NOT NULL,
  relation VARCHAR(20) NOT NULL DEFAULT '',
  occupation VARCHAR(100) NOT NULL DEFAULT '',
  position VARCHAR(100) NOT NULL DEFAULT '',
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY ix_guardians_family (family_id),
  KEY ix_guardians_phone (phone),
  CONSTRAINT fk_guardians_family FOREIGN KEY (family_id) REFERENCES families (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE classes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  name VARCHAR(100) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_classes_campus_name (campus_id, name),
  CONSTRAINT fk_classes_campus FOREIGN KEY (campus_id) REFERENCES campuses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE members (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  family_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  class_id BIGINT NULL,
  name VARCHAR(100) NOT NULL,
  gender VARCHAR(8) NOT NULL DEFAULT '',
  birth_date DATE NULL,
  lifecycle VARCHAR(16) NOT NULL DEFAULT 'enrolled',
  tier VARCHAR(16) NOT NULL DEFAULT 'silver',
  grade VARCHAR(16) NOT NULL DEFAULT 'normal',
  notes TEXT NOT NULL,
  archived_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY ix_members_family (family_id),
  KEY ix_members_campus_class (campus_id, class_id),
  CONSTRAINT fk_members_family FOREIGN KEY (family_id) REFERENCES families (id),
  CONSTRAINT fk_members_campus FOREIGN KEY (campus_id) REFERENCES campuses (id),
  CONSTRAINT fk_members_class FOREIGN KEY (class_id) REFERENCES classes (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE members;
DROP TABLE classes;
DROP TABLE guardians;
DROP TABLE families;
