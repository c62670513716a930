-- Failed logins per account or network address (ACC-7). `key` is 'account:<username>' or
-- 'address:<ip>'; a row is deleted when the account logs in successfully.
CREATE TABLE login_failures (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    locked_until  TEXT
);
