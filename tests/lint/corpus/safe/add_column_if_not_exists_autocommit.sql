SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN IF NOT EXISTS timezone text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_timezone_idx ON users (timezone);
