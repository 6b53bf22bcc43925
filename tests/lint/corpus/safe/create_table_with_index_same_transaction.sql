BEGIN;
CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_name_idx ON api_keys (name);
ALTER TABLE api_keys ADD CONSTRAINT api_keys_name_key UNIQUE (name);
ALTER TABLE api_keys ADD COLUMN secret text NOT NULL;
ALTER TABLE api_keys ALTER COLUMN name TYPE varchar(64);
COMMIT;
