-- expect: MC115
-- squawk: require-concurrent-partition-detach
-- pg-version: 14
SET lock_timeout = '2s';
ALTER TABLE measurements DETACH PARTITION measurements_2019;
