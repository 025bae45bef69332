-- +goose Up
-- One row per phone that has asked to log in to the parent portal: the
-- optional password and the wrong-try counter behind the lock-out. The row is
-- locked (FOR UPDATE) while a code is sent or checked, so the hourly send
-- limit and the lock-out hold across app instances.
CREATE TABLE guardian_logins (
  phone VARCHAR(20) NOT NULL PRIMARY KEY,
  password_hash VARCHAR(100) NOT NULL DEFAULT '',
  password_set_at DATETIME(3) NULL,
  failed_count INT NOT NULL DEFAULT 0,
  last_failed_at DATETIME(3) NULL,
  locked_until DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One-time login codes, stored as an HMAC only.
CREATE TABLE guardian_otps (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone VARCHAR(20) NOT NULL,
  code_hash CHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  KEY ix_guardian_otps_phone (phone, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Parent sessions, apart from staff sessions. The id is the SHA-256 of the
-- cookie's token, so the table alone cannot open a session.
CREATE TABLE guardian_sessions (
  id CHAR(64) NOT NULL PRIMARY KEY,
  phone VARCHAR(20) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  ip VARCHAR(64) NOT NULL DEFAULT '',
  user_agent VARCHAR(255) NOT NULL DEFAULT '',
  KEY ix_guardian_sessions_phone (phone)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE guardian_sessions;
DROP TABLE guardian_otps;
DROP TABLE guardian_logins;
