-- +goose Up
ALTER TABLE outbox ADD COLUMN staff_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_holder TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN preview TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_outbox_created ON outbox (created_at);

CREATE TABLE notify_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id INTEGER NOT NULL,
  guardian_id INTEGER NOT NULL DEFAULT 0,
  staff_id INTEGER NOT NULL DEFAULT 0,
  member_id INTEGER NOT NULL DEFAULT 0,
  event TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  read_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_notify_inbox_outbox ON notify_inbox (outbox_id);
CREATE INDEX ix_notify_inbox_guardian ON notify_inbox (guardian_id, created_at);
CREATE INDEX ix_notify_inbox_staff ON notify_inbox (staff_id, created_at);

CREATE TABLE notify_prefs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guardian_id INTEGER NOT NULL DEFAULT 0,
  staff_id INTEGER NOT NULL DEFAULT 0,
  channel TEXT NOT NULL DEFAULT 'sms',
  email TEXT NOT NULL DEFAULT '',
  lang TEXT NOT NULL DEFAULT 'zh-CN',
  quiet_enabled INTEGER NOT NULL DEFAULT 1,
  quiet_start INTEGER NOT NULL DEFAULT 1320,
  quiet_end INTEGER NOT NULL DEFAULT 420,
  marketing_opt_out INTEGER NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_notify_prefs_who ON notify_prefs (guardian_id, staff_id);

CREATE TABLE notify_templates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL,
  lang TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  updated_by INTEGER NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_notify_templates_event_lang ON notify_templates (event, lang);

CREATE TABLE job_leases (
  name TEXT NOT NULL PRIMARY KEY,
  holder TEXT NOT NULL DEFAULT '',
  lease_until DATETIME NOT NULL,
  done_slot DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  slot DATETIME NOT NULL,
  attempt INTEGER NOT NULL,
  holder TEXT NOT NULL DEFAULT '',
  trigger_kind TEXT NOT NULL DEFAULT 'schedule',
  status TEXT NOT NULL DEFAULT 'running',
  result TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  started_at DATETIME NOT NULL,
  finished_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_job_runs_attempt ON job_runs (job, slot, attempt);
CREATE INDEX ix_job_runs_started ON job_runs (started_at);

CREATE TABLE holidays (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  day TEXT NOT NULL,
  name TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_holidays_day_name ON holidays (day, name);

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
DROP INDEX ix_outbox_created;
ALTER TABLE outbox DROP COLUMN preview;
ALTER TABLE outbox DROP COLUMN lease_holder;
ALTER TABLE outbox DROP COLUMN recipient;
ALTER TABLE outbox DROP COLUMN channel;
ALTER TABLE outbox DROP COLUMN staff_id;
