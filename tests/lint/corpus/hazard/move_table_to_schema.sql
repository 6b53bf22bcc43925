-- expect: MC202
SET lock_timeout = '2s';
ALTER TABLE public.ledger SET SCHEMA finance;
