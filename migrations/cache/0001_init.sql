-- Kring client cache. One file per user per server. Append-only migrations.

-- Synced entities, keyed like the server's. Applying a change twice is an upsert.
CREATE TABLE entities (
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    scope   TEXT NOT NULL,
    body    TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Key/value sync state: the feed cursor.
CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Mutations waiting to reach the server, in the order the user made them. `state` is
-- 'pending' until the server answers; a rejected one stays with its reason so the UI can show it.
CREATE TABLE outbox (
    position   INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    request    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending',
    error_code TEXT,
    created_at TEXT NOT NULL
);
