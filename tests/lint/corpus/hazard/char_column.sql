-- expect: MC504
-- squawk: ban-char-field
-- enable: MC504
CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
