SET lock_timeout = '2s';
ALTER INDEX orders_created_idx RENAME TO orders_created_at_idx;
ALTER TABLE orders RENAME CONSTRAINT orders_fk TO orders_user_fk;
