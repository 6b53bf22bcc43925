-- expect: MC502
-- enable: MC502
CREATE TABLE tickets (id serial PRIMARY KEY, subject text NOT NULL);
