-- Since PostgreSQL 11 a non-volatile default is stored in the catalog: no rewrite.
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE accounts ADD COLUMN flags integer[] DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;
