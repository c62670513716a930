-- Issue 6: message attachments (CHAT-10), sealed on the client with the conversation's epoch key
-- and uploaded in chunks of at most 256 KiB. The server sees only sizes and who uploaded.
CREATE TABLE attachment_chunks (
    attachment_id   UUID NOT NULL,
    idx             INTEGER NOT NULL,
    conversation_id UUID NOT NULL,
    uploaded_by     UUID NOT NULL,
    data            BYTEA NOT NULL,
    PRIMARY KEY (attachment_id, idx)
);
