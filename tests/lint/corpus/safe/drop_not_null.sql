SET lock_timeout = '2s';
ALTER TABLE users ALTER COLUMN middle_name DROP NOT NULL;
