-- expect: MC304
-- squawk: ban-drop-database
DROP DATABASE analytics;
