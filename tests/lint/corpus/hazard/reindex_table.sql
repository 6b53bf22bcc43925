-- expect: MC114
-- squawk: require-concurrent-reindex
SET lock_timeout = '2s';
REINDEX TABLE orders;
