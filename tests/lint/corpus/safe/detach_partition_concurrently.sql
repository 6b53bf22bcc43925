-- pg-version: 14
ALTER TABLE measurements DETACH PARTITION measurements_2019 CONCURRENTLY;
-- if the concurrent detach was interrupted:
ALTER TABLE measurements DETACH PARTITION measurements_2019 FINALIZE;
