-- expect: MC202
-- squawk: renaming-table
SET lock_timeout = '2s';
ALTER TABLE clients RENAME TO customers;
