-- expect: MC110
-- squawk: disallowed-unique-constraint
SET lock_timeout = '2s';
ALTER TABLE customers ADD COLUMN external_ref text UNIQUE;
