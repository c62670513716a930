-- Issue 4: account activation links and durable jobs.

-- Single-use activation links from invitation e-mails, by SHA-256 of the token only.
CREATE TABLE activation_tokens (
    token_hash  BLOB PRIMARY KEY,
    user_id     TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0
);

-- Durable jobs (e.g. hide an account request after 30 days). A worker leases a due job, does
-- it, and marks it done; a lease that runs out (a crashed worker) makes the job due again.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    run_at        TEXT NOT NULL,
    leased_until  TEXT,
    done          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_due ON jobs (done, run_at);
