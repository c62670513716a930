-- Kring server store, PostgreSQL backend. Append-only: never edit a migration that has shipped.
-- Same shape as the SQLite schema; see migrations/server/sqlite/0001_init.sql for the comments.

CREATE TABLE changes (
    seq     BIGSERIAL PRIMARY KEY,
    kind    TEXT NOT NULL,
    id      UUID NOT NULL,
    scope   TEXT NOT NULL,
    body    JSONB NOT NULL
);
CREATE INDEX changes_scope_seq ON changes (scope, seq);

CREATE TABLE entities (
    kind    TEXT NOT NULL,
    id      UUID NOT NULL,
    parent  UUID,
    scope   TEXT NOT NULL,
    body    JSONB NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX entities_parent ON entities (kind, parent);

CREATE TABLE credentials (
    user_id   UUID PRIMARY KEY,
    username  TEXT NOT NULL UNIQUE,
    salt      TEXT NOT NULL,
    kdf       JSONB NOT NULL,
    auth_hash TEXT NOT NULL,
    active    BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE sessions (
    token_hash  BYTEA PRIMARY KEY,
    user_id     UUID NOT NULL,
    device_name TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE mutations (
    id        UUID PRIMARY KEY,
    author    UUID NOT NULL,
    request   JSONB NOT NULL,
    outcome   JSONB NOT NULL
);

CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    value  BYTEA NOT NULL
);
