-- expect: MC207
-- squawk: renaming-object
SET lock_timeout = '2s';
ALTER VIEW active_users RENAME TO active_accounts;
