//! Scenario tests: several people's clients against one in-process server, as in a region.

mod directory_sync;
mod login;
mod outbox;
