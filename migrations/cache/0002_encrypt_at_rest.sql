-- Issue 3: entity bodies and outbox requests are now sealed with the cache key from the OS
-- keyring (XChaCha20-Poly1305, bound to their row). Plaintext rows from before cannot stay:
-- drop them and sync again from the start.
DELETE FROM entities;
DELETE FROM sync_state;
DELETE FROM outbox;
