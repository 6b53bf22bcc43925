SET lock_timeout = '2s';
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'payments_order_fk') THEN
        ALTER TABLE payments ADD CONSTRAINT payments_order_fk
            FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
    END IF;
END
$$;
ALTER TABLE payments VALIDATE CONSTRAINT payments_order_fk;
