-- expect: MC122
CREATE DOMAIN positive_amount AS numeric(12, 2) CHECK (VALUE > 0);
