-- expect: MC117
-- squawk: none
VACUUM FULL orders;
