-- Issue 12. Login failures decay with quiet time (last_failure_at) and are updated by
-- compare-and-set on version, so parallel attempts count one after another (ACC-7).
ALTER TABLE login_failures ADD COLUMN last_failure_at TEXT;
ALTER TABLE login_failures ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
