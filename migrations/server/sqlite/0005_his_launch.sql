-- Issue 5: HIS single sign-on. A practice registers its HIS bridge's Ed25519 public key; every
-- launch token's id is kept until it expires, so a token opens one session only.
CREATE TABLE his_bridges (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL,
    public_key       TEXT NOT NULL
);

CREATE TABLE used_launch_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  TEXT NOT NULL
);
