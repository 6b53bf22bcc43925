-- expect: MC501
-- squawk: prefer-timestamp-tz
-- enable: MC501
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN shipped_at timestamp;
