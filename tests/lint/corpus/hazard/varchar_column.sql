-- expect: MC503
-- squawk: prefer-text-field
-- enable: MC503
CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body varchar(255));
