-- +goose Up
ALTER TABLE members ADD COLUMN referral_source TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN card_id INTEGER NULL;
ALTER TABLE guardians ADD COLUMN payer INTEGER NOT NULL DEFAULT 0;

CREATE TABLE member_tags (
  member_id INTEGER NOT NULL REFERENCES members (id),
  tag TEXT NOT NULL,
  PRIMARY KEY (member_id, tag)
);
CREATE INDEX ix_member_tags_tag ON member_tags (tag, member_id);

CREATE TABLE member_lifecycle_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  at DATETIME NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_lifecycle_member ON member_lifecycle_history (member_id, at);

CREATE TABLE consent_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL,
  body TEXT NOT NULL,
  published_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_consent_versions_version ON consent_versions (version);

CREATE TABLE consent_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  guardian_id INTEGER NOT NULL REFERENCES guardians (id),
  consent_version_id INTEGER NOT NULL REFERENCES consent_versions (id),
  granted_at DATETIME NOT NULL,
  channel TEXT NOT NULL DEFAULT '',
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  withdrawn_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_consent_grants ON consent_grants (guardian_id, consent_version_id);

-- +goose Down
DROP TABLE consent_grants;
DROP TABLE consent_versions;
DROP TABLE member_lifecycle_history;
DROP TABLE member_tags;
ALTER TABLE guardians DROP COLUMN payer;
ALTER TABLE members DROP COLUMN card_id;
ALTER TABLE members DROP COLUMN referral_source;
