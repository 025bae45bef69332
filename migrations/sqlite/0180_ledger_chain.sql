-- +goose Up
-- Tamper-evident ledger: each journal carries a SHA-256 hash over its fields,
-- its postings and the previous hash of every member or family account it
-- moves; each such account keeps the hash of the last journal that moved it.
-- Journals written before this version keep an empty hash: migration 0181
-- computes their chain and stores the resulting heads (see ledger_chain_seals).
ALTER TABLE ledger_journals ADD COLUMN chain_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger_accounts ADD COLUMN chain_hash TEXT NOT NULL DEFAULT '';
-- When the existing ledger was sealed, and up to which journal: every later
-- journal must carry its own hash.
CREATE TABLE ledger_chain_seals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  through_journal_id INTEGER NOT NULL,
  sealed_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE ledger_chain_seals;
ALTER TABLE ledger_accounts DROP COLUMN chain_hash;
ALTER TABLE ledger_journals DROP COLUMN chain_hash;
