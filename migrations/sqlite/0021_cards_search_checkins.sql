-- +goose Up
CREATE TABLE cards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  card_no TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'active',
  issued_at DATETIME NOT NULL,
  frozen_at DATETIME NULL,
  replaced_at DATETIME NULL,
  replaced_by INTEGER NULL
);
CREATE UNIQUE INDEX uq_cards_card_no ON cards (card_no);
CREATE INDEX ix_cards_member ON cards (member_id);

-- One row per searchable term of a member: name, given name, pinyin
-- initials, full pinyin, reversed guardian phones, card numbers, each with a
-- kind prefix. Searches are index range scans on term, never '%…%'.
CREATE TABLE member_search (
  term TEXT NOT NULL,
  member_id INTEGER NOT NULL,
  campus_id INTEGER NOT NULL,
  PRIMARY KEY (term, member_id)
) WITHOUT ROWID;
CREATE INDEX ix_member_search_member ON member_search (member_id);

CREATE TABLE checkins (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  campus_id INTEGER NOT NULL,
  card_id INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  at DATETIME NOT NULL,
  local_day TEXT NOT NULL,
  points_earned INTEGER NOT NULL DEFAULT 0,
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  device TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_checkins_member ON checkins (member_id, kind, at);
CREATE INDEX ix_checkins_campus_day ON checkins (campus_id, local_day);

-- +goose Down
DROP TABLE checkins;
DROP TABLE member_search;
DROP TABLE cards;
