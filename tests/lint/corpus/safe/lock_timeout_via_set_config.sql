SELECT set_config('lock_timeout', '3s', false);
ALTER TABLE users ADD COLUMN last_seen_at timestamptz;
