-- expect: MC104
-- squawk: adding-foreign-key-constraint
SET lock_timeout = '2s';
ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
