-- expect: MC114
-- squawk: require-concurrent-reindex
REINDEX INDEX orders_created_at_idx;
