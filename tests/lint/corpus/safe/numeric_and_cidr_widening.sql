SET lock_timeout = '2s';
ALTER TABLE prices ALTER COLUMN amount TYPE numeric;
