-- Issue 6: message attachments (CHAT-10), sealed on the client with the conversation's epoch key
-- and uploaded in chunks of at most 256 KiB. The server sees only sizes and who uploaded.
CREATE TABLE attachment_chunks (
    attachment_id   TEXT NOT NULL,
    idx             INTEGER NOT NULL,
    conversation_id TEXT NOT NULL,
    uploaded_by     TEXT NOT NULL,
    data            BLOB NOT NULL,
    PRIMARY KEY (attachment_id, idx)
);
