-- +goose Up
-- Issue 14: the staff side of complaints (owner rules, SLA escalation, root
-- cause before archiving, compensation) and satisfaction surveys with NPS.
ALTER TABLE complaints ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN root_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN corrective_action TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN recorded_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN escalated_at DATETIME NULL;
ALTER TABLE complaints ADD COLUMN escalated2_at DATETIME NULL;
ALTER TABLE complaints ADD COLUMN auto_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN archived_at DATETIME NULL;
CREATE INDEX ix_complaints_created ON complaints (created_at);
ALTER TABLE complaint_updates ADD COLUMN kind TEXT NOT NULL DEFAULT 'status';

CREATE TABLE care_settings (
  id INTEGER PRIMARY KEY,
  sla_hours INTEGER NOT NULL DEFAULT 24,
  escalate2_hours INTEGER NOT NULL DEFAULT 24,
  confirm_days INTEGER NOT NULL DEFAULT 7,
  resolve_days INTEGER NOT NULL DEFAULT 7,
  updated_at DATETIME NOT NULL
);

CREATE TABLE complaint_routes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  category TEXT NOT NULL DEFAULT '',
  campus_id INTEGER NOT NULL DEFAULT 0,
  owner_id INTEGER NOT NULL REFERENCES staff_users (id),
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_complaint_routes ON complaint_routes (category, campus_id);

CREATE TABLE complaint_compensations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  kind TEXT NOT NULL,
  points INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0,
  journal_id INTEGER NOT NULL DEFAULT 0,
  coupon_id INTEGER NOT NULL DEFAULT 0,
  refund_id INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_complaint_comp ON complaint_compensations (complaint_id);

CREATE TABLE surveys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL DEFAULT 'survey',
  title TEXT NOT NULL,
  title_tw TEXT NOT NULL DEFAULT '',
  title_en TEXT NOT NULL DEFAULT '',
  dimensions TEXT NOT NULL,
  ask_nps INTEGER NOT NULL DEFAULT 1,
  points INTEGER NOT NULL DEFAULT 0,
  segment TEXT NOT NULL,
  complaint_id INTEGER NULL,
  status TEXT NOT NULL DEFAULT 'open',
  sent INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE INDEX ix_surveys_created ON surveys (created_at);

CREATE TABLE survey_recipients (
  survey_id INTEGER NOT NULL REFERENCES surveys (id),
  family_id INTEGER NOT NULL,
  member_id INTEGER NOT NULL,
  campus_id INTEGER NOT NULL,
  class_id INTEGER NOT NULL DEFAULT 0,
  grade TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (survey_id, family_id)
);
CREATE INDEX ix_survey_recipients_family ON survey_recipients (family_id, survey_id);

CREATE TABLE survey_responses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  survey_id INTEGER NOT NULL REFERENCES surveys (id),
  family_id INTEGER NOT NULL,
  guardian_id INTEGER NOT NULL,
  member_id INTEGER NOT NULL,
  campus_id INTEGER NOT NULL,
  class_id INTEGER NOT NULL DEFAULT 0,
  grade TEXT NOT NULL DEFAULT '',
  nps INTEGER NULL,
  comment TEXT NOT NULL,
  points_awarded INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_survey_responses ON survey_responses (survey_id, family_id);

CREATE TABLE survey_scores (
  response_id INTEGER NOT NULL REFERENCES survey_responses (id),
  survey_id INTEGER NOT NULL,
  dimension TEXT NOT NULL,
  score INTEGER NOT NULL,
  PRIMARY KEY (response_id, dimension)
);
CREATE INDEX ix_survey_scores_survey ON survey_scores (survey_id, dimension);

CREATE TABLE improvement_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  survey_id INTEGER NULL REFERENCES surveys (id),
  title TEXT NOT NULL,
  owner_id INTEGER NOT NULL DEFAULT 0,
  due_on TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  note TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_improvement_actions_survey ON improvement_actions (survey_id);

-- +goose Down
DROP TABLE improvement_actions;
DROP TABLE survey_scores;
DROP TABLE survey_responses;
DROP TABLE survey_recipients;
DROP TABLE surveys;
DROP TABLE complaint_compensations;
DROP TABLE complaint_routes;
DROP TABLE care_settings;
DROP INDEX ix_complaints_created;
ALTER TABLE complaint_updates DROP COLUMN kind;
ALTER TABLE complaints DROP COLUMN archived_at;
ALTER TABLE complaints DROP COLUMN auto_confirmed;
ALTER TABLE complaints DROP COLUMN escalated2_at;
ALTER TABLE complaints DROP COLUMN escalated_at;
ALTER TABLE complaints DROP COLUMN recorded_by;
ALTER TABLE complaints DROP COLUMN corrective_action;
ALTER TABLE complaints DROP COLUMN root_cause;
ALTER TABLE complaints DROP COLUMN cause;
