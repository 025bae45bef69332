-- +goose Up
ALTER TABLE outbox
  ADD COLUMN staff_id BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN channel VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN recipient VARCHAR(191) NOT NULL DEFAULT '',
  ADD COLUMN lease_holder VARCHAR(64) NOT NULL DEFAULT '',
  ADD COLUMN preview VARCHAR(1000) NOT NULL DEFAULT '',
  ADD KEY ix_outbox_created (created_at);

CREATE TABLE notify_inbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  outbox_id BIGINT NOT NULL,
  guardian_id BIGINT NOT NULL DEFAULT 0,
  staff_id BIGINT NOT NULL DEFAULT 0,
  member_id BIGINT NOT NULL DEFAULT 0,
  event VARCHAR(32) NOT NULL,
  title VARCHAR(200) NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  read_at DATETIME(3) NULL,
  UNIQUE KEY uq_notify_inbox_outbox (outbox_id),
  KEY ix_notify_inbox_guardian (guardian_id, created_at),
  KEY ix_notify_inbox_staff (staff_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notify_prefs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  guardian_id BIGINT NOT NULL DEFAULT 0,
  staff_id BIGINT NOT NULL DEFAULT 0,
  channel VARCHAR(16) NOT NULL DEFAULT 'sms',
  email VARCHAR(191) NOT NULL DEFAULT '',
  lang VARCHAR(8) NOT NULL DEFAULT 'zh-CN',
  quiet_enabled TINYINT(1) NOT NULL DEFAULT 1,
  quiet_start SMALLINT NOT NULL DEFAULT 1320,
  quiet_end SMALLINT NOT NULL DEFAULT 420,
  marketing_opt_out TINYINT(1) NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_notify_prefs_who (guardian_id, staff_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notify_templates (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event VARCHAR(32) NOT NULL,
  lang VARCHAR(8) NOT NULL,
  subject VARCHAR(200) NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  updated_by BIGINT NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_notify_templates_event_lang (event, lang)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE job_leases (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  holder VARCHAR(64) NOT NULL DEFAULT '',
  lease_until DATETIME(3) NOT NULL,
  done_slot DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE job_runs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job VARCHAR(64) NOT NULL,
  slot DATETIME(3) NOT NULL,
  attempt INT NOT NULL,
  holder VARCHAR(64) NOT NULL DEFAULT '',
  trigger_kind VARCHAR(16) NOT NULL DEFAULT 'schedule',
  status VARCHAR(16) NOT NULL DEFAULT 'running',
  result VARCHAR(500) NOT NULL DEFAULT '',
  error VARCHAR(1000) NOT NULL DEFAULT '',
  started_at DATETIME(3) NOT NULL,
  finished_at DATETIME(3) NULL,
  UNIQUE KEY uq_job_runs_attempt (job, slot, attempt),
  KEY ix_job_runs_started (started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE holidays (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  day CHAR(10) NOT NULL,
  name VARCHAR(100) NOT NULL,
  message VARCHAR(500) NOT NULL DEFAULT '',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_holidays_day_name (day, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO holidays (day, name, message, enabled, created_at, updated_at) VALUES
  ('2026-02-17', '春节', '新春快乐，马年大吉！', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2026-06-01', '儿童节', '祝小朋友们六一儿童节快乐！', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2026-09-10', '教师节', '感谢您一直以来对老师们的支持与信任。', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2026-09-25', '中秋节', '中秋佳节，阖家团圆！', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2026-10-01', '国庆节', '国庆快乐，假期出行注意安全。', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2027-02-06', '春节', '新春快乐，羊年吉祥！', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2027-06-01', '儿童节', '祝小朋友们六一儿童节快乐！', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2027-09-10', '教师节', '感谢您一直以来对老师们的支持与信任。', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2027-09-15', '中秋节', '中秋佳节，阖家团圆！', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  ('2027-10-01', '国庆节', '国庆快乐，假期出行注意安全。', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00');

-- +goose Down
DROP TABLE holidays;
DROP TABLE job_runs;
DROP TABLE job_leases;
DROP TABLE notify_templates;
DROP TABLE notify_prefs;
DROP TABLE notify_inbox;
ALTER TABLE outbox
  DROP KEY ix_outbox_created,
  DROP COLUMN preview,
  DROP COLUMN lease_holder,
  DROP COLUMN recipient,
  DROP COLUMN channel,
  DROP COLUMN staff_id;
