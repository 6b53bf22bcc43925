SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS avatar_url text;
