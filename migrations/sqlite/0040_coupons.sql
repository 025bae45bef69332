-- +goose Up
-- Coupon templates (优惠券模板). Counters issued_count/issued_value are
-- raised by a conditional UPDATE under the row lock, so quantity and budget
-- hold whatever the number of concurrent issuers.
CREATE TABLE coupon_templates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount_off INTEGER NOT NULL DEFAULT 0,
  percent_off INTEGER NOT NULL DEFAULT 0,
  max_discount INTEGER NOT NULL DEFAULT 0,
  gift_value INTEGER NOT NULL DEFAULT 0,
  min_spend INTEGER NOT NULL DEFAULT 0,
  categories TEXT NOT NULL DEFAULT '',
  valid_from DATETIME NULL,
  valid_until DATETIME NULL,
  valid_days INTEGER NOT NULL DEFAULT 0,
  per_member_limit INTEGER NOT NULL DEFAULT 0,
  total_quantity INTEGER NOT NULL DEFAULT 0,
  budget INTEGER NOT NULL DEFAULT 0,
  stackable INTEGER NOT NULL DEFAULT 0,
  issued_count INTEGER NOT NULL DEFAULT 0,
  issued_value INTEGER NOT NULL DEFAULT 0,
  used_count INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active',
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

-- Bulk issues to a segment, run in batches by a background job that keeps
-- its cursor here, so a restarted job resumes where it stopped.
CREATE TABLE coupon_campaigns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  template_id INTEGER NOT NULL REFERENCES coupon_templates (id),
  name TEXT NOT NULL DEFAULT '',
  segment TEXT NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  issued INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  cursor_id INTEGER NOT NULL DEFAULT 0,
  lease_holder TEXT NOT NULL DEFAULT '',
  lease_until DATETIME NULL,
  error TEXT NOT NULL DEFAULT '',
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  started_at DATETIME NULL,
  finished_at DATETIME NULL
);
CREATE INDEX ix_coupon_campaigns_status ON coupon_campaigns (status, lease_until);

-- Coupon instances. The template's terms are copied at issue so a later edit
-- never changes a coupon a family already holds. source_key makes every
-- automatic issue idempotent: "campaign:7:m:42", "purchase:9", "birthday:2026:m:42"…
CREATE TABLE coupons (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  template_id INTEGER NOT NULL REFERENCES coupon_templates (id),
  member_id INTEGER NOT NULL REFERENCES members (id),
  code TEXT NOT NULL,
  verify_code TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount_off INTEGER NOT NULL DEFAULT 0,
  percent_off INTEGER NOT NULL DEFAULT 0,
  max_discount INTEGER NOT NULL DEFAULT 0,
  gift_value INTEGER NOT NULL DEFAULT 0,
  min_spend INTEGER NOT NULL DEFAULT 0,
  categories TEXT NOT NULL DEFAULT '',
  stackable INTEGER NOT NULL DEFAULT 0,
  valid_from DATETIME NOT NULL,
  valid_until DATETIME NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  source_key TEXT NULL,
  campaign_id INTEGER NULL,
  issued_by_type TEXT NOT NULL DEFAULT 'system',
  issued_by INTEGER NOT NULL DEFAULT 0,
  issued_at DATETIME NOT NULL,
  used_at DATETIME NULL,
  used_purchase_id INTEGER NULL,
  used_by INTEGER NOT NULL DEFAULT 0,
  used_discount INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX uq_coupons_code ON coupons (code);
CREATE UNIQUE INDEX uq_coupons_source ON coupons (source_key);
CREATE INDEX ix_coupons_member ON coupons (member_id, status, valid_until);
CREATE INDEX ix_coupons_template_member ON coupons (template_id, member_id);
CREATE INDEX ix_coupons_purchase ON coupons (used_purchase_id);
CREATE INDEX ix_coupons_campaign ON coupons (campaign_id, member_id);

-- Failed phone + verification code attempts, counted per phone and per IP
-- over a window so that codes cannot be guessed.
CREATE TABLE coupon_redeem_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  limit_key TEXT NOT NULL,
  at DATETIME NOT NULL
);
CREATE INDEX ix_coupon_redeem_failures ON coupon_redeem_failures (limit_key, at);

-- Built-in templates the automatic triggers point at (loyalty settings name
-- them by id; an admin may edit their terms like any other template).
INSERT INTO coupon_templates (id, name, kind, amount_off, percent_off, max_discount, gift_value, min_spend, categories,
  valid_days, per_member_limit, stackable, status, created_at, updated_at) VALUES
  (1, '消费满200元返券', 'next_order', 2000, 0, 0, 0, 10000, '', 30, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (2, '生日礼金券', 'amount', 2000, 0, 0, 0, 0, '', 30, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (3, '转介绍感谢礼品', 'gift', 0, 0, 0, 20000, 0, '', 90, 0, 0, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (4, '转介绍新生学费优惠', 'percent', 0, 15, 0, 0, 0, 'tuition', 90, 0, 0, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (5, '升级礼券', 'amount', 5000, 0, 0, 0, 50000, '', 60, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (6, '集章奖励：免费课时一节', 'gift', 0, 0, 0, 15000, 0, 'tuition,interest_class', 60, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00');

-- +goose Down
DROP TABLE coupon_redeem_failures;
DROP TABLE coupons;
DROP TABLE coupon_campaigns;
DROP TABLE coupon_templates;
