-- expect: MC202
SET lock_timeout = '2s';
ALTER TABLE clients RENAME TO customers;
