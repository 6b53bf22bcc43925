-- expect: MC203
SET lock_timeout = '2s';
ALTER TABLE customers RENAME COLUMN fname TO first_name;
