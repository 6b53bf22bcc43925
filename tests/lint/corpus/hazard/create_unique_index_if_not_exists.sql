-- expect: MC101
-- squawk: require-concurrent-index-creation
CREATE UNIQUE INDEX IF NOT EXISTS users_username_idx ON users (username);
