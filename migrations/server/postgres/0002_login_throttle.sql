-- Failed logins per account or network address (ACC-7); see the SQLite migration.
CREATE TABLE login_failures (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    locked_until  TIMESTAMPTZ
);
