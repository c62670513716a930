-- Issue 12: conversations whose history (the messages from before this user joined) is still to
-- be fetched. Written in the same transaction as the page that made the user a participant, and
-- removed only once the history is in: a failed fetch is tried again.
CREATE TABLE pending_history (
    conversation_id TEXT PRIMARY KEY
);
