-- expect: MC111
-- squawk: require-lock-timeout
CREATE TABLE invoices_archive (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id)
);
CREATE INDEX invoices_archive_customer_idx ON invoices_archive (customer_id);
