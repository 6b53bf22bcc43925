-- expect: MC110
-- squawk: disallowed-unique-constraint
SET lock_timeout = '2s';
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
