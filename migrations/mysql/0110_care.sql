-- +goose Up
-- Issue 14: the staff side of complaints (owner rules, SLA escalation, root
-- cause before archiving, compensation) and satisfaction surveys with NPS.
ALTER TABLE complaints
  ADD COLUMN cause VARCHAR(32) NOT NULL DEFAULT '',
  ADD COLUMN root_cause VARCHAR(1000) NOT NULL DEFAULT '',
  ADD COLUMN corrective_action VARCHAR(1000) NOT NULL DEFAULT '',
  ADD COLUMN recorded_by BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN escalated_at DATETIME(3) NULL,
  ADD COLUMN escalated2_at DATETIME(3) NULL,
  ADD COLUMN auto_confirmed TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN archived_at DATETIME(3) NULL,
  ADD KEY ix_complaints_created (created_at);
ALTER TABLE complaint_updates ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'status';

CREATE TABLE care_settings (
  id BIGINT NOT NULL PRIMARY KEY,
  sla_hours INT NOT NULL DEFAULT 24,
  escalate2_hours INT NOT NULL DEFAULT 24,
  confirm_days INT NOT NULL DEFAULT 7,
  resolve_days INT NOT NULL DEFAULT 7,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE complaint_routes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  category VARCHAR(32) NOT NULL DEFAULT '',
  campus_id BIGINT NOT NULL DEFAULT 0,
  owner_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_complaint_routes (category, campus_id),
  CONSTRAINT fk_complaint_routes_owner FOREIGN KEY (owner_id) REFERENCES staff_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE complaint_compensations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  points BIGINT NOT NULL DEFAULT 0,
  amount BIGINT NOT NULL DEFAULT 0,
  journal_id BIGINT NOT NULL DEFAULT 0,
  coupon_id BIGINT NOT NULL DEFAULT 0,
  refund_id BIGINT NOT NULL DEFAULT 0,
  note TEXT NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  KEY ix_complaint_comp (complaint_id),
  CONSTRAINT fk_complaint_comp FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE surveys (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(16) NOT NULL DEFAULT 'survey',
  title VARCHAR(200) NOT NULL,
  title_tw VARCHAR(200) NOT NULL DEFAULT '',
  title_en VARCHAR(200) NOT NULL DEFAULT '',
  dimensions VARCHAR(200) NOT NULL,
  ask_nps TINYINT(1) NOT NULL DEFAULT 1,
  points BIGINT NOT NULL DEFAULT 0,
  segment TEXT NOT NULL,
  complaint_id BIGINT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  sent INT NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  KEY ix_surveys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE survey_recipients (
  survey_id BIGINT NOT NULL,
  family_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  class_id BIGINT NOT NULL DEFAULT 0,
  grade VARCHAR(32) NOT NULL DEFAULT '',
  PRIMARY KEY (survey_id, family_id),
  KEY ix_survey_recipients_family (family_id, survey_id),
  CONSTRAINT fk_survey_recipients FOREIGN KEY (survey_id) REFERENCES surveys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE survey_responses (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  survey_id BIGINT NOT NULL,
  family_id BIGINT NOT NULL,
  guardian_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  class_id BIGINT NOT NULL DEFAULT 0,
  grade VARCHAR(32) NOT NULL DEFAULT '',
  nps INT NULL,
  comment TEXT NOT NULL,
  points_awarded BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_survey_responses (survey_id, family_id),
  CONSTRAINT fk_survey_responses FOREIGN KEY (survey_id) REFERENCES surveys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE survey_scores (
  response_id BIGINT NOT NULL,
  survey_id BIGINT NOT NULL,
  dimension VARCHAR(32) NOT NULL,
  score INT NOT NULL,
  PRIMARY KEY (response_id, dimension),
  KEY ix_survey_scores_survey (survey_id, dimension),
  CONSTRAINT fk_survey_scores FOREIGN KEY (response_id) REFERENCES survey_responses (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE improvement_actions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  survey_id BIGINT NULL,
  title VARCHAR(200) NOT NULL,
  owner_id BIGINT NOT NULL DEFAULT 0,
  due_on VARCHAR(10) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  note TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY ix_improvement_actions_survey (survey_id),
  CONSTRAINT fk_improvement_actions_survey FOREIGN KEY (survey_id) REFERENCES surveys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE improvement_actions;
DROP TABLE survey_scores;
DROP TABLE survey_responses;
DROP TABLE survey_recipients;
DROP TABLE surveys;
DROP TABLE complaint_compensations;
DROP TABLE complaint_routes;
DROP TABLE care_settings;
ALTER TABLE complaint_updates DROP COLUMN kind;
ALTER TABLE complaints DROP KEY ix_complaints_created, DROP COLUMN archived_at, DROP COLUMN auto_confirmed,
  DROP COLUMN escalated2_at, DROP COLUMN escalated_at, DROP COLUMN recorded_by, DROP COLUMN corrective_action,
  DROP COLUMN root_cause, DROP COLUMN cause;
