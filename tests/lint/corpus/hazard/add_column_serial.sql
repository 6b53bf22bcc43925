-- expect: MC108
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE events ADD COLUMN seq bigserial;
