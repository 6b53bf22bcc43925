-- expect: MC304
DROP SCHEMA reporting CASCADE;
