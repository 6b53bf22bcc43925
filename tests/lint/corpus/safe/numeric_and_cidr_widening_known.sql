-- The current type is known from the file: numeric(10, 2) to numeric is metadata-only.
SET lock_timeout = '2s';
ALTER TABLE prices ADD COLUMN amount numeric(10, 2);
ALTER TABLE prices ALTER COLUMN amount TYPE numeric;
