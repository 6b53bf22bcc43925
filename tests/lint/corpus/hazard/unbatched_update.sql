-- expect: MC118
UPDATE users SET newsletter = false WHERE newsletter IS NULL;
