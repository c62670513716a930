-- Issue 5: HIS single sign-on; see the SQLite migration.
CREATE TABLE his_bridges (
    id               TEXT PRIMARY KEY,
    organisation_id  UUID NOT NULL,
    public_key       TEXT NOT NULL
);

CREATE TABLE used_launch_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  TIMESTAMPTZ NOT NULL
);
