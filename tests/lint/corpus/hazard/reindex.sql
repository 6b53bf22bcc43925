-- expect: MC114
REINDEX INDEX orders_created_at_idx;
