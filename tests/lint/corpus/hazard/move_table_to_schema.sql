-- expect: MC202
-- squawk: ban-set-schema
SET lock_timeout = '2s';
ALTER TABLE public.ledger SET SCHEMA finance;
