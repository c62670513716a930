-- Issue 3: second factor, key material, access + refresh tokens, the NEN 7513 access log.
-- Same shape as the SQLite migration; see migrations/server/sqlite/0003_accounts_security.sql.

ALTER TABLE credentials ADD COLUMN key_material JSONB;
ALTER TABLE credentials ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE credentials ADD COLUMN keys_were_reset BOOLEAN NOT NULL DEFAULT FALSE;

DROP TABLE sessions;
CREATE TABLE sessions (
    id                  UUID PRIMARY KEY,
    user_id             UUID NOT NULL,
    device_name         TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    access_hash         BYTEA NOT NULL UNIQUE,
    access_expires_at   TIMESTAMPTZ NOT NULL,
    refresh_hash        BYTEA NOT NULL UNIQUE,
    refresh_expires_at  TIMESTAMPTZ NOT NULL,
    revoked             BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE code_challenges (
    id              UUID PRIMARY KEY,
    user_id         UUID NOT NULL,
    username        TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    code_hash       BYTEA NOT NULL,
    issued_at       TIMESTAMPTZ NOT NULL,
    wrong_attempts  INTEGER NOT NULL DEFAULT 0,
    used            BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE access_log (
    seq              BIGINT PRIMARY KEY,
    at_micros        BIGINT NOT NULL,
    actor            UUID NOT NULL,
    organisation_id  UUID NOT NULL,
    patient_id       UUID NOT NULL,
    kind             TEXT NOT NULL,
    device           TEXT NOT NULL,
    prev_hash        BYTEA NOT NULL,
    hash             BYTEA NOT NULL
);
CREATE INDEX access_log_organisation ON access_log (organisation_id, seq);
