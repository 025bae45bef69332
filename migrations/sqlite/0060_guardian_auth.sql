-- +goose Up
CREATE TABLE guardian_logins (
  phone TEXT NOT NULL PRIMARY KEY,
  password_hash TEXT NOT NULL DEFAULT '',
  password_set_at DATETIME NULL,
  failed_count INTEGER NOT NULL DEFAULT 0,
  last_failed_at DATETIME NULL,
  locked_until DATETIME NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

CREATE TABLE guardian_otps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  phone TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME NULL,
  ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_guardian_otps_phone ON guardian_otps (phone, created_at);

CREATE TABLE guardian_sessions (
  id TEXT NOT NULL PRIMARY KEY,
  phone TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_guardian_sessions_phone ON guardian_sessions (phone);

-- +goose Down
DROP TABLE guardian_sessions;
DROP TABLE guardian_otps;
DROP TABLE guardian_logins;
