-- Issue 12; see the SQLite migration.
ALTER TABLE login_failures ADD COLUMN last_failure_at TIMESTAMPTZ;
ALTER TABLE login_failures ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Feed epochs; see the SQLite migration.
CREATE TABLE feed_epochs (
    n             BIGSERIAL PRIMARY KEY,
    id            UUID NOT NULL UNIQUE,
    starts_after  BIGINT NOT NULL
);
