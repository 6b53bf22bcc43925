-- expect: MC104
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE products ADD COLUMN weight_grams integer CHECK (weight_grams > 0);
