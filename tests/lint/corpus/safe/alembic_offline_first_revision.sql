BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 1a2b3c4d5e6f

CREATE TABLE account (
    id BIGSERIAL NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (email)
);

CREATE INDEX ix_account_created_at ON account (created_at);

INSERT INTO alembic_version (version_num) VALUES ('1a2b3c4d5e6f') RETURNING alembic_version.version_num;

COMMIT;
