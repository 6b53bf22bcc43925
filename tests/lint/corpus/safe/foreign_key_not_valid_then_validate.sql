DROP INDEX CONCURRENTLY IF EXISTS order_lines_order_id_idx;
CREATE INDEX CONCURRENTLY order_lines_order_id_idx ON order_lines (order_id);
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_fk
    FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE order_lines VALIDATE CONSTRAINT order_lines_order_fk;
COMMIT;
