-- Index a partitioned table: ON ONLY the parent, concurrently per partition, then attach.
SET lock_timeout = '2s';
CREATE INDEX IF NOT EXISTS measurements_logdate_idx ON ONLY measurements (logdate);
DROP INDEX CONCURRENTLY IF EXISTS measurements_2025_logdate_idx;
CREATE INDEX CONCURRENTLY measurements_2025_logdate_idx ON measurements_2025 (logdate);
ALTER INDEX measurements_logdate_idx ATTACH PARTITION measurements_2025_logdate_idx;
