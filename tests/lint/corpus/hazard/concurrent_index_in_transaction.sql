-- expect: MC103
BEGIN;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);
COMMIT;
