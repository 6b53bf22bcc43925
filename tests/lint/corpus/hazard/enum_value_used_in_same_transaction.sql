-- expect: MC401
-- squawk: none
BEGIN;
ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE id = 42;
COMMIT;
