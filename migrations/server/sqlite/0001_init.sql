-- Kring server store, SQLite backend. Append-only: never edit a migration that has shipped.

-- The change feed. `seq` is the server-assigned, monotonic position every client syncs by.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    scope   TEXT NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX changes_scope_seq ON changes (scope, seq);

-- The current state of every synced entity (the last change per kind + id).
CREATE TABLE entities (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    parent  TEXT,
    scope   TEXT NOT NULL,
    body    TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX entities_parent ON entities (kind, parent);

-- Login material. Never synced. `auth_hash` is an Argon2id PHC string of the client's auth_key.
CREATE TABLE credentials (
    user_id   TEXT PRIMARY KEY,
    username  TEXT NOT NULL UNIQUE,
    salt      TEXT NOT NULL,
    kdf       TEXT NOT NULL,
    auth_hash TEXT NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1
);

-- Sessions by SHA-256 of the bearer token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     TEXT NOT NULL,
    device_name TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Applied mutations by client id: a resent mutation returns its first outcome.
CREATE TABLE mutations (
    id        TEXT PRIMARY KEY,
    author    TEXT NOT NULL,
    request   TEXT NOT NULL,
    outcome   TEXT NOT NULL
);

-- Server-wide secrets (e.g. the seed for decoy salts), created once.
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
