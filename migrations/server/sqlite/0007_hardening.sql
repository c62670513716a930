-- Issue 12. Login failures decay with quiet time (last_failure_at) and are updated by
-- compare-and-set on version, so parallel attempts count one after another (ACC-7).
ALTER TABLE login_failures ADD COLUMN last_failure_at TEXT;
ALTER TABLE login_failures ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Feed epochs: one per server start, after the seq that was latest then. A client's cursor
-- names its epoch; a cursor beyond a later epoch's start (or beyond the feed's end) was handed
-- out by a timeline the database no longer has (restore, lost WAL): the client syncs again.
CREATE TABLE feed_epochs (
    n             INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    starts_after  INTEGER NOT NULL
);
