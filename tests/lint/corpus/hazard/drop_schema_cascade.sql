-- expect: MC304
-- squawk: ban-drop-schema
DROP SCHEMA reporting CASCADE;
