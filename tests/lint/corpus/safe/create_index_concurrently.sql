-- A concurrent build outside any transaction, rerunnable.
DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);
