-- +goose Up
-- Customer grading (DOMAIN §3.9/§4b): the member keeps its current grade and
-- the ids of the conditions that held; guardians gain coded employer type and
-- position level (the free-text occupation/position stay); the enrolment date
-- (YYYY-MM-DD, '' = unknown) feeds tenure conditions.
ALTER TABLE members ADD COLUMN grade_reasons VARCHAR(255) NOT NULL DEFAULT '',
  ADD COLUMN enrolled_on VARCHAR(10) NOT NULL DEFAULT '';
ALTER TABLE guardians ADD COLUMN employer_type VARCHAR(24) NOT NULL DEFAULT '',
  ADD COLUMN position_level VARCHAR(16) NOT NULL DEFAULT '';
CREATE INDEX ix_members_grade ON members (grade, campus_id);

CREATE TABLE crm_grade_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  scheme VARCHAR(24) NOT NULL,
  from_grade VARCHAR(16) NOT NULL,
  to_grade VARCHAR(16) NOT NULL,
  reasons VARCHAR(255) NOT NULL DEFAULT '',
  cause VARCHAR(16) NOT NULL,
  detail VARCHAR(255) NOT NULL DEFAULT '',
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL,
  KEY ix_crm_grade_history_member (member_id, id),
  KEY ix_crm_grade_history_at (at),
  CONSTRAINT fk_crm_grade_history_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_grade_overrides (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  grade VARCHAR(16) NOT NULL,
  reason VARCHAR(255) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  ended_at DATETIME(3) NULL,
  KEY ix_crm_grade_overrides_member (member_id, expires_at),
  CONSTRAINT fk_crm_grade_overrides_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_class_teachers (
  class_id BIGINT NOT NULL PRIMARY KEY,
  staff_id BIGINT NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY ix_crm_class_teachers_staff (staff_id),
  CONSTRAINT fk_crm_class_teachers_class FOREIGN KEY (class_id) REFERENCES classes (id),
  CONSTRAINT fk_crm_class_teachers_staff FOREIGN KEY (staff_id) REFERENCES staff_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_tasks (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  kind VARCHAR(24) NOT NULL,
  role VARCHAR(16) NOT NULL DEFAULT 'homeroom',
  period_key VARCHAR(40) NOT NULL,
  assignee_id BIGINT NULL,
  due_on VARCHAR(10) NOT NULL,
  due_time VARCHAR(5) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  outcome VARCHAR(255) NOT NULL DEFAULT '',
  note VARCHAR(500) NOT NULL DEFAULT '',
  source VARCHAR(64) NOT NULL DEFAULT '',
  created_at DATETIME(3) NOT NULL,
  done_at DATETIME(3) NULL,
  done_by BIGINT NULL,
  UNIQUE KEY uq_crm_tasks_period (member_id, kind, period_key),
  KEY ix_crm_tasks_assignee (assignee_id, status, due_on),
  KEY ix_crm_tasks_due (status, due_on),
  CONSTRAINT fk_crm_tasks_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_contacts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  staff_id BIGINT NOT NULL DEFAULT 0,
  actor_type VARCHAR(16) NOT NULL DEFAULT 'staff',
  channel VARCHAR(16) NOT NULL,
  content TEXT NOT NULL,
  outcome VARCHAR(255) NOT NULL,
  next_step VARCHAR(255) NOT NULL DEFAULT '',
  next_on VARCHAR(10) NOT NULL DEFAULT '',
  task_id BIGINT NULL,
  next_task_id BIGINT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_crm_contacts_member (member_id, id),
  CONSTRAINT fk_crm_contacts_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_point_budgets (
  staff_id BIGINT NOT NULL PRIMARY KEY,
  monthly_points BIGINT NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_crm_point_budgets_staff FOREIGN KEY (staff_id) REFERENCES staff_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_behaviour_awards (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  staff_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  month INT NOT NULL,
  points BIGINT NOT NULL,
  reason VARCHAR(100) NOT NULL,
  journal_id BIGINT NOT NULL,
  batch VARCHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_crm_behaviour_batch (batch, member_id),
  KEY ix_crm_behaviour_staff (staff_id, month),
  KEY ix_crm_behaviour_member (member_id, id),
  CONSTRAINT fk_crm_behaviour_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE crm_roll_calls (
  member_id BIGINT NOT NULL,
  day VARCHAR(10) NOT NULL,
  status VARCHAR(8) NOT NULL,
  staff_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  PRIMARY KEY (member_id, day),
  CONSTRAINT fk_crm_roll_calls_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE crm_roll_calls;
DROP TABLE crm_behaviour_awards;
DROP TABLE crm_point_budgets;
DROP TABLE crm_contacts;
DROP TABLE crm_tasks;
DROP TABLE crm_class_teachers;
DROP TABLE crm_grade_overrides;
DROP TABLE crm_grade_history;
DROP INDEX ix_members_grade ON members;
ALTER TABLE guardians DROP COLUMN position_level, DROP COLUMN employer_type;
ALTER TABLE members DROP COLUMN enrolled_on, DROP COLUMN grade_reasons;
