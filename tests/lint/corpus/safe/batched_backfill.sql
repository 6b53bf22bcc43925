UPDATE users SET newsletter = false WHERE id >= 1 AND id < 10001 AND newsletter IS NULL;
UPDATE users SET newsletter = false WHERE id IN (SELECT id FROM users WHERE newsletter IS NULL LIMIT 5000);
DELETE FROM sessions WHERE id = 7;
