-- expect: MC502
-- squawk: prefer-bigint-over-int
-- enable: MC502
CREATE TABLE tickets (id serial PRIMARY KEY, subject text NOT NULL);
