-- expect: MC103
-- squawk: none
-- pg-version: 11
BEGIN;
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
COMMIT;
