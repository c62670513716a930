-- Issue 4: account activation links and durable jobs; see the SQLite migration.
CREATE TABLE activation_tokens (
    token_hash  BYTEA PRIMARY KEY,
    user_id     UUID NOT NULL,
    request_id  UUID NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used        BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE jobs (
    id            UUID PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       JSONB NOT NULL,
    run_at        TIMESTAMPTZ NOT NULL,
    leased_until  TIMESTAMPTZ,
    done          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX jobs_due ON jobs (done, run_at);
