-- expect: MC110
SET lock_timeout = '2s';
ALTER TABLE customers ADD COLUMN external_ref text UNIQUE;
