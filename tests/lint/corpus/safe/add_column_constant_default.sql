-- Since PostgreSQL 11 a non-volatile default is stored in the catalog: no rewrite.
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE accounts ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE accounts ADD COLUMN flags integer[] DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE accounts ADD COLUMN score numeric NOT NULL DEFAULT round(0.5);
ALTER TABLE accounts ADD COLUMN joined_on date NOT NULL DEFAULT CURRENT_DATE;
ALTER TABLE accounts ADD COLUMN trial_ends_at timestamptz DEFAULT now() + interval '14 days';
ALTER TABLE accounts ADD COLUMN tags text[] NOT NULL DEFAULT ARRAY[]::text[];
