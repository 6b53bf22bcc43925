SET lock_timeout = '2s';
ALTER TABLE users ALTER COLUMN display_name TYPE varchar(200);
ALTER TABLE users ALTER COLUMN bio TYPE text;
