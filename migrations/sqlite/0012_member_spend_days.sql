-- +goose Up
-- Net spend per member per school day (yyyymmdd), kept in the purchase's and
-- the refund's transaction: the tier window sums at most ~366 rows however
-- often a member buys, instead of every purchase in the window.
CREATE TABLE member_spend_days (
  member_id INTEGER NOT NULL REFERENCES members (id),
  day INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (member_id, day)
);
INSERT INTO member_spend_days (member_id, day, amount)
  SELECT member_id, CAST(strftime('%Y%m%d', substr(at, 1, 19), '+8 hours') AS INTEGER), SUM(paid - refunded)
  FROM purchases GROUP BY member_id, CAST(strftime('%Y%m%d', substr(at, 1, 19), '+8 hours') AS INTEGER);

-- +goose Down
DROP TABLE member_spend_days;
