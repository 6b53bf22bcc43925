-- expect: MC101
CREATE INDEX orders_created_at_idx ON orders (created_at);
