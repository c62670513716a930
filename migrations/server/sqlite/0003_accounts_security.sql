-- Issue 3: second factor, key material, access + refresh tokens, the NEN 7513 access log.

-- The user's keys (public halves, private halves sealed with their kek; KeyMaterial as JSON) and
-- the first-login / reset state. Accounts from before this migration have no keys yet, so they
-- must change their password, which also creates their keys.
ALTER TABLE credentials ADD COLUMN key_material TEXT;
ALTER TABLE credentials ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 1;
ALTER TABLE credentials ADD COLUMN keys_were_reset INTEGER NOT NULL DEFAULT 0;

-- Sessions now carry a short-lived access token and a refresh token, both by SHA-256 only.
-- Old single-token sessions are dropped: everyone logs in once more.
DROP TABLE sessions;
CREATE TABLE sessions (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL,
    device_name         TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    access_hash         BLOB NOT NULL UNIQUE,
    access_expires_at   TEXT NOT NULL,
    refresh_hash        BLOB NOT NULL UNIQUE,
    refresh_expires_at  TEXT NOT NULL,
    revoked             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Outstanding one-time login codes: a keyed hash of the code, never the code (ACC-1).
CREATE TABLE code_challenges (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    username        TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    code_hash       BLOB NOT NULL,
    issued_at       TEXT NOT NULL,
    wrong_attempts  INTEGER NOT NULL DEFAULT 0,
    used            INTEGER NOT NULL DEFAULT 0
);

-- NEN 7513 access log (SEC-2). Append-only; each row's hash covers the previous row's hash, so
-- an altered or removed row breaks the chain from there on. `seq` has no gaps by construction.
CREATE TABLE access_log (
    seq              INTEGER PRIMARY KEY,
    at_micros        INTEGER NOT NULL,
    actor            TEXT NOT NULL,
    organisation_id  TEXT NOT NULL,
    patient_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    device           TEXT NOT NULL,
    prev_hash        BLOB NOT NULL,
    hash             BLOB NOT NULL
);
CREATE INDEX access_log_organisation ON access_log (organisation_id, seq);
