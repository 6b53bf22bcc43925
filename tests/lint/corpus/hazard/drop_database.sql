-- expect: MC304
DROP DATABASE analytics;
