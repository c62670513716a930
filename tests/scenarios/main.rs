//! Scenario tests: several people's clients against one in-process server, as in a region.

mod access_log;
mod care;
mod connections;
mod consultations;
mod conversations;
mod directory_sync;
mod fan_out;
mod launch;
mod login;
mod mail;
mod outbox;
mod passwords;
mod patients;
mod profile;
mod referrals;
mod roles;
mod routes;
mod sealed;
mod secure_session;
mod staff;
mod store_health;
mod throttle;
