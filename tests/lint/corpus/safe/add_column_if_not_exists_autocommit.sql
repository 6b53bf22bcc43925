SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN IF NOT EXISTS timezone text;
DROP INDEX CONCURRENTLY IF EXISTS users_timezone_idx;
CREATE INDEX CONCURRENTLY users_timezone_idx ON users (timezone);
