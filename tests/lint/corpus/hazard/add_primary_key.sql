-- expect: MC110
-- squawk: adding-serial-primary-key-field
SET lock_timeout = '2s';
ALTER TABLE audit_log ADD PRIMARY KEY (id);
