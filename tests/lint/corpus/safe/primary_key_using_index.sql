DROP INDEX CONCURRENTLY IF EXISTS audit_log_pkey;
CREATE UNIQUE INDEX CONCURRENTLY audit_log_pkey ON audit_log (id);
SET lock_timeout = '2s';
ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY USING INDEX audit_log_pkey;
