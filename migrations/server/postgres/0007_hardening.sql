-- Issue 12; see the SQLite migration.
ALTER TABLE login_failures ADD COLUMN last_failure_at TIMESTAMPTZ;
ALTER TABLE login_failures ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
