-- expect: MC104
-- squawk: constraint-missing-not-valid
SET lock_timeout = '2s';
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0);
