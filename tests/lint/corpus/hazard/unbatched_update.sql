-- expect: MC118
-- squawk: none
UPDATE users SET newsletter = false WHERE newsletter IS NULL;
