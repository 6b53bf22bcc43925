-- expect: MC110
SET lock_timeout = '2s';
ALTER TABLE audit_log ADD PRIMARY KEY (id);
