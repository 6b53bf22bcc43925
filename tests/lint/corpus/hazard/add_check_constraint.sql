-- expect: MC104
SET lock_timeout = '2s';
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0);
