-- pg-version: 14
SET lock_timeout = '2s';
ALTER TABLE measurements DETACH PARTITION measurements_2019 CONCURRENTLY;
