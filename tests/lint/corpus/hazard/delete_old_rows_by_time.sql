-- expect: MC118
-- squawk: none
DELETE FROM events WHERE created_at < now() - interval '1 year';
