//! Wire types shared by the Kring client and server: JSON over HTTP (`/v1/...`) and WebSocket.
//!
//! The protocol is versioned by path prefix ([`API_VERSION`]); fields are only ever added, and
//! enums are tagged so a newer peer's unknown variants fail loudly instead of being misread.
//! This crate holds data only: no I/O, no business rules (those live in kring-domain).

pub mod access_log;
pub mod auth;
pub mod care;
pub mod consultations;
pub mod conversations;
pub mod directory;
pub mod error;
pub mod patients;
pub mod referrals;
pub mod staff;
pub mod sync;

pub use auth::{
    ChangePasswordRequest, CodeChannel, CodeSent, KeyMaterial, LaunchGrant, LaunchRequest, LaunchTarget, LoginGrant,
    LoginRequest, Me, NewPassword, PreloginRequest, PreloginResponse, RefreshRequest, ResetPasswordRequest, TokenGrant,
    VerifyCodeRequest,
};
pub use directory::{AccountEntry, ContractEntry, OrganisationEntry, PersonEntry, TeamEntry};
pub use error::{ErrorBody, ErrorCode};
pub use sync::{Change, ChangeBody, EntityKind, Mutation, MutationOutcome, MutationRequest, Scope, Seq, ServerEvent, SyncPage};

/// The path prefix of this protocol version.
pub const API_VERSION: &str = "v1";

/// The header that carries the session token: `Authorization: Bearer <token>`.
pub const AUTHORIZATION: &str = "authorization";

/// The response header of `/v1/sync` and `/v1/ws` naming the feed epoch the cursors in the
/// answer belong to. The client sends it back as `epoch=` with its cursor; a cursor the feed no
/// longer holds (a restored or rolled-back database) is answered with `resync_required`.
pub const FEED_EPOCH_HEADER: &str = "kring-feed-epoch";
