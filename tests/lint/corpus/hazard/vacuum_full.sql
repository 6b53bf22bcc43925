-- expect: MC117
VACUUM FULL orders;
