-- expect: MC203
-- squawk: renaming-column
SET lock_timeout = '2s';
ALTER TABLE customers RENAME COLUMN fname TO first_name;
