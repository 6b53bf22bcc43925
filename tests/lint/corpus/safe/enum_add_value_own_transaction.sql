ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';
BEGIN;
UPDATE orders SET status = 'refunded' WHERE id = 42;
COMMIT;
