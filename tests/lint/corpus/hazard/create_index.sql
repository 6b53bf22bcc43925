-- expect: MC101
-- squawk: require-concurrent-index-creation
CREATE INDEX orders_created_at_idx ON orders (created_at);
