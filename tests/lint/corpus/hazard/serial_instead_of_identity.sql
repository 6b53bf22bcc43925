-- expect: MC506
-- squawk: prefer-identity
-- enable: MC506
CREATE TABLE invoices (id bigserial PRIMARY KEY, total numeric(12, 2) NOT NULL);
