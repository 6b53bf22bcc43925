-- expect: MC105
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE sessions ADD COLUMN sid uuid;
UPDATE sessions SET sid = gen_random_uuid() WHERE id BETWEEN 1 AND 5000;
CREATE UNIQUE INDEX CONCURRENTLY sessions_sid_idx ON sessions (sid);
ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY USING INDEX sessions_sid_idx;
