-- expect: MC113
-- squawk: constraint-missing-not-valid
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE shipments ADD CONSTRAINT shipments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
ALTER TABLE shipments VALIDATE CONSTRAINT shipments_order_fk;
COMMIT;
