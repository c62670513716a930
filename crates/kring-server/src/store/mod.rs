//! The server's storage: one [`Store`] trait, two backends (SQLite for the embedded server,
//! PostgreSQL for a region), one conformance suite run against both (`testing::conformance`).
//!
//! The store knows no business rules. It keeps the change feed and the current state of every
//! synced entity, writes each [`Commit`] atomically (entities, feed and mutation record together),
//! and holds login material and sessions. All SQL of the server lives in this module.

mod postgres;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::chain::NewAccessEntry;
use crate::feed::FeedNotifier;
use async_trait::async_trait;
use kring_crypto::KdfParams;
use kring_domain::{CodeChallenge, OrganisationId, Throttle, UserId};
use kring_protocol::access_log::AccessLogEntry;
use kring_protocol::{ChangeBody, EntityKind, KeyMaterial, MutationOutcome, MutationRequest, Scope, Seq, SyncPage};
use std::sync::Arc;
use thiserror::Error;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite:PATH or postgres://…)")]
    UnsupportedUrl,
    #[error("the mutation id was already used")]
    DuplicateMutation,
    #[error("the username is already taken")]
    DuplicateUsername,
    #[error("the activation link is used, expired or unknown")]
    ActivationUnavailable,
    /// An entity the commit was planned on changed in the meantime (`Commit::unchanged`).
    #[error("an entity changed while the commit was planned")]
    Stale,
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database failed its integrity check, at start or in use: writes are refused.
    #[error("the store is broken: {0}")]
    Broken(String),
    #[error("store task failed: {0}")]
    Task(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything one transaction writes.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    /// The client mutation this commit carries out, recorded for idempotency. Its outcome is
    /// `Applied` with the last seq of `changes`.
    pub mutation: Option<(UserId, MutationRequest)>,
    /// New accounts created with this commit.
    pub credentials: Vec<NewCredentials>,
    /// New entity states, appended to the feed in this order.
    pub changes: Vec<(Scope, ChangeBody)>,
    /// Access-log entries (SEC-2), chained onto the log in this order.
    pub access: Vec<NewAccessEntry>,
    /// Activation links created with this commit.
    pub activations: Vec<NewActivation>,
    /// An invited colleague's activation (STAFF-3) carried out with this commit: the link is
    /// spent, the password and keys stored and the account switched on, all or nothing.
    pub activation: Option<Activation>,
    /// Jobs scheduled with this commit. A job whose id is already scheduled is not added again
    /// (how a batch of messages coalesces into one e-mail).
    pub jobs: Vec<NewJob>,
    /// Entities as the plan read them: the commit fails with [`StoreError::Stale`] when one of
    /// them changed since (compare-and-set: of two caregivers taking one referral, one wins).
    pub unchanged: Vec<ChangeBody>,
    /// Entities the plan found absent: the commit fails with [`StoreError::Stale`] when one of
    /// them exists by now (the first stored authorisation matrix, made by one approval only).
    pub absent: Vec<(EntityKind, Uuid)>,
}

/// A single-use activation link, by the SHA-256 of its token.
#[derive(Debug, Clone)]
pub struct NewActivation {
    pub token_hash: [u8; 32],
    pub user_id: UserId,
    pub request_id: Uuid,
    pub expires_at: OffsetDateTime,
}

/// Spending an activation link live at `now` for `user_id`, with the login it sets. The commit
/// fails with [`StoreError::ActivationUnavailable`] when the link is spent, expired or not theirs.
#[derive(Debug, Clone)]
pub struct Activation {
    pub token_hash: [u8; 32],
    pub now: OffsetDateTime,
    pub user_id: UserId,
    pub login: LoginUpdate,
}

/// A job to run at (or after) `run_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: OffsetDateTime,
}

/// A job leased to this worker.
#[derive(Debug, Clone, PartialEq)]
pub struct LeasedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// Login material for a new account.
#[derive(Debug, Clone)]
pub struct NewCredentials {
    pub user_id: UserId,
    /// Lower-cased login name.
    pub username: String,
    pub salt: String,
    pub kdf: KdfParams,
    pub auth_hash: String,
    pub keys: Option<KeyMaterial>,
    /// True for a real first login (ACC-2).
    pub must_change_password: bool,
    /// False for an invited account until it is activated.
    pub active: bool,
}

/// Login material as stored.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: UserId,
    pub username: String,
    pub salt: String,
    pub kdf: KdfParams,
    pub auth_hash: String,
    pub active: bool,
    pub keys: Option<KeyMaterial>,
    pub must_change_password: bool,
    pub keys_were_reset: bool,
}

/// New login material replacing the old: after a password change (same keys, re-sealed) or an
/// administrator reset (new keys, `must_change_password` and `keys_were_reset` set).
#[derive(Debug, Clone)]
pub struct LoginUpdate {
    pub salt: String,
    pub kdf: KdfParams,
    pub auth_hash: String,
    /// `None` after a reset: the user's client makes new keys at the forced password change.
    pub keys: Option<KeyMaterial>,
    pub must_change_password: bool,
    pub keys_were_reset: bool,
}

/// A new session: access and refresh token, each by its SHA-256 only.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub user_id: UserId,
    pub device_name: String,
    pub created_at: OffsetDateTime,
    pub tokens: SessionTokens,
}

/// The hashes and expiries of a session's current token pair.
#[derive(Debug, Clone, Copy)]
pub struct SessionTokens {
    pub access_hash: [u8; 32],
    pub access_expires_at: OffsetDateTime,
    pub refresh_hash: [u8; 32],
    pub refresh_expires_at: OffsetDateTime,
}

/// A live session as an access token finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    pub id: Uuid,
    pub user_id: UserId,
    pub device_name: String,
    pub must_change_password: bool,
}

/// A one-time code challenge as stored: the code only as its keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChallenge {
    pub id: Uuid,
    pub user_id: UserId,
    pub username: String,
    pub device_name: String,
    pub code_hash: [u8; 32],
    pub state: CodeChallenge,
}

/// What is counted under one throttle key, and the version it was stored at: updates are
/// compare-and-set on the version, so parallel attempts count one after another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredThrottle {
    pub throttle: Throttle,
    pub version: i64,
}

/// One sealed chunk of a message attachment (CHAT-10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentChunk {
    pub attachment_id: Uuid,
    pub index: u32,
    pub conversation_id: kring_domain::ConversationId,
    pub uploaded_by: UserId,
    pub data: Vec<u8>,
}

/// What is known of an attachment's upload: where, by whom, how many chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentUpload {
    pub conversation_id: kring_domain::ConversationId,
    pub uploaded_by: UserId,
    pub chunks: u32,
}

/// A mutation already applied: who sent it, what it was, what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedMutation {
    pub author: UserId,
    pub request: MutationRequest,
    pub outcome: MutationOutcome,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Write a commit atomically and return the seq of its last change (or the current latest
    /// seq when it has none). Fails with `DuplicateMutation` if the mutation id exists.
    async fn commit(&self, commit: Commit) -> StoreResult<Seq>;

    /// The current state of one entity.
    async fn entity(&self, kind: EntityKind, id: Uuid) -> StoreResult<Option<ChangeBody>>;

    /// The current state of several entities of one kind (those that exist), in one query.
    async fn entities_by_id(&self, kind: EntityKind, ids: &[Uuid]) -> StoreResult<Vec<ChangeBody>>;

    /// The entities of `kind` whose parent is `parent` (a user's contracts, an organisation's
    /// teams), in feed order.
    async fn children(&self, kind: EntityKind, parent: Uuid) -> StoreResult<Vec<ChangeBody>>;

    /// Changes after `since` in any of `scopes`, at most `limit`, in seq order.
    async fn changes_since(&self, since: Seq, scopes: &[Scope], limit: u32) -> StoreResult<SyncPage>;

    /// The highest seq committed so far (0 when the feed is empty).
    async fn latest_seq(&self) -> StoreResult<Seq>;

    /// A mutation already applied, by its client id.
    async fn recorded_mutation(&self, id: Uuid) -> StoreResult<Option<RecordedMutation>>;

    /// Login material for a lower-cased username.
    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>>;

    /// Login material by user id.
    async fn credentials_of(&self, user: UserId) -> StoreResult<Option<Credentials>>;

    /// Replace a user's password verifier and key material.
    async fn update_login(&self, user: UserId, update: LoginUpdate) -> StoreResult<()>;

    async fn create_session(&self, session: NewSession) -> StoreResult<()>;

    /// The session of an access token: not revoked, access not expired at `now`, account active.
    async fn session_by_access(&self, access_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<LiveSession>>;

    /// Spend a refresh token (live at `now`) for the session's next token pair, atomically: a
    /// refresh token works once. Returns the session's user, or `None` when it is not live.
    async fn rotate_session(
        &self,
        refresh_hash: [u8; 32],
        now: OffsetDateTime,
        next: SessionTokens,
    ) -> StoreResult<Option<UserId>>;

    async fn revoke_session(&self, id: Uuid) -> StoreResult<()>;

    /// Revoke all sessions of `user` except `keep` (after a password change or reset).
    async fn revoke_sessions_of(&self, user: UserId, keep: Option<Uuid>) -> StoreResult<()>;

    async fn create_challenge(&self, challenge: StoredChallenge) -> StoreResult<()>;

    async fn challenge(&self, id: Uuid) -> StoreResult<Option<StoredChallenge>>;

    /// Move a challenge from `from` to `to`, only if it is still in `from` (two parallel tries
    /// with the right code cannot both win). Returns whether it moved.
    async fn update_challenge(&self, id: Uuid, from: CodeChallenge, to: CodeChallenge) -> StoreResult<bool>;

    /// Every current entity of one kind (e.g. all account requests, for the region's operator).
    async fn entities_of_kind(&self, kind: EntityKind) -> StoreResult<Vec<ChangeBody>>;

    /// Activate or deactivate an account (STAFF-6); a deactivated account cannot log in.
    async fn set_account_active(&self, user: UserId, active: bool) -> StoreResult<()>;

    /// The (user, account request) of a live activation token, without spending it.
    async fn peek_activation(&self, token_hash: [u8; 32], now: OffsetDateTime) -> StoreResult<Option<(UserId, Uuid)>>;

    /// Lease the oldest due job until `lease_until`, so no other worker takes it meanwhile.
    async fn lease_due_job(&self, now: OffsetDateTime, lease_until: OffsetDateTime) -> StoreResult<Option<LeasedJob>>;

    /// Mark a job done and forget its payload (it may hold a secret, such as an invitation token).
    async fn finish_job(&self, id: Uuid) -> StoreResult<()>;

    /// Keep one attachment chunk. Sending the same chunk again (a retry) changes nothing.
    async fn put_attachment_chunk(&self, chunk: AttachmentChunk) -> StoreResult<()>;

    /// One stored attachment chunk.
    async fn attachment_chunk(&self, attachment: Uuid, index: u32) -> StoreResult<Option<AttachmentChunk>>;

    /// An attachment's upload so far (`None` before its first chunk).
    async fn attachment_upload(&self, attachment: Uuid) -> StoreResult<Option<AttachmentUpload>>;

    /// Register (or replace) a practice's HIS bridge key (base64 Ed25519 public key).
    async fn register_his_bridge(&self, id: &str, organisation: OrganisationId, public_key: &str) -> StoreResult<()>;

    /// A registered bridge: its practice and public key.
    async fn his_bridge(&self, id: &str) -> StoreResult<Option<(OrganisationId, String)>>;

    /// Spend a launch token id: true the first time, false for a replay. Kept until `expires_at`.
    async fn use_launch_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<bool>;

    /// The organisation's access-log entries, newest first, before seq `before` (all when
    /// `None`), at most `limit`.
    async fn access_log(&self, organisation: OrganisationId, before: Option<i64>, limit: u32)
        -> StoreResult<Vec<AccessLogEntry>>;

    /// The region's access log after seq `after`, in seq order, at most `limit`: the stretch
    /// `access_log::ChainCheckpoint` verifies next.
    async fn access_log_chain(&self, after: i64, limit: u32) -> StoreResult<Vec<AccessLogEntry>>;

    /// What is counted under a throttle key (`account:<username>`, `address:<ip>`).
    async fn login_throttle(&self, key: &str) -> StoreResult<Option<StoredThrottle>>;

    /// Replace what is counted under `key`, only if it is still at version `expected` (`None`:
    /// nothing stored); `next` `None` forgets the key. Returns whether it was replaced.
    async fn replace_login_throttle(&self, key: &str, expected: Option<i64>, next: Option<Throttle>) -> StoreResult<bool>;

    /// A random secret created on first use and stable afterwards (across restarts and
    /// instances), e.g. to derive decoy salts for unknown usernames.
    async fn server_secret(&self, name: &str) -> StoreResult<Vec<u8>>;

    /// Start a feed epoch after the latest seq (a server does at start).
    async fn begin_feed_epoch(&self) -> StoreResult<()>;

    /// The newest feed epoch: what answers name, so a cursor is measured against every epoch
    /// that started before it was handed out (`None` before the first start).
    async fn newest_feed_epoch(&self) -> StoreResult<Option<Uuid>>;

    /// Whether a cursor handed out in `epoch` still points into this feed: the epoch is known,
    /// and neither the feed's end nor the start of a later epoch lies before the cursor (after a
    /// restore or a lost write-ahead log, seqs after that point were handed out twice).
    async fn feed_epoch_holds(&self, epoch: Uuid, cursor: Seq) -> StoreResult<bool>;

    /// `Ok` when the store answers and passed its integrity check; the reason otherwise.
    async fn health(&self) -> StoreResult<()>;

    /// Tell `feed` about commits made by *other* server instances on the same database, for as
    /// long as the feed is open. A store only one process can use (SQLite) has none to report.
    fn follow_other_instances(&self, feed: FeedNotifier) {
        let _ = feed;
    }
}

/// Open the store a database URL names and bring its schema up to date.
pub async fn open(database_url: &str) -> StoreResult<Arc<dyn Store>> {
    if let Some(path) = database_url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        Ok(Arc::new(SqliteStore::open(std::path::Path::new(path)).await?))
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(database_url).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

/// The entity an entity hangs under, for `Store::children`.
fn parent_of(body: &ChangeBody) -> Option<Uuid> {
    match body {
        ChangeBody::Team(team) => Some(team.organisation_id.0),
        ChangeBody::Contract(contract) => Some(contract.user_id.0),
        ChangeBody::AccountRequest(request) => Some(request.inviting_organisation_id.0),
        ChangeBody::PatientDataAccess(access) => Some(access.organisation_id.0),
        ChangeBody::HisLink(link) => Some(link.organisation_id.0),
        ChangeBody::Patient(patient) => Some(patient.organisation_id.0),
        ChangeBody::Consent(consent) => Some(consent.patient_id.0),
        ChangeBody::PatientNetwork(network) => Some(network.organisation_id.0),
        ChangeBody::PatientShare(share) => Some(share.organisation_id.0),
        ChangeBody::Message(message) => Some(message.conversation_id.0),
        ChangeBody::Participation(participation) => Some(participation.user_id.0),
        ChangeBody::CareNetworkMember(member) => Some(member.patient_id.0),
        ChangeBody::HisReturn(back) => Some(back.conversation_id.0),
        ChangeBody::Referral(referral) => Some(referral.patient_id.0),
        ChangeBody::Consultation(consultation) => Some(consultation.patient_id.0),
        ChangeBody::ConsultationRecord(record) => Some(record.practice_id.0),
        ChangeBody::HomeMeasurement(measurement) => Some(measurement.patient_id.0),
        ChangeBody::HealthPlanItem(item) => Some(item.patient_id.0),
        ChangeBody::MatrixRequest(_)
        | ChangeBody::AuthorisationMatrix(_)
        | ChangeBody::ConsultationGroup(_)
        | ChangeBody::RegionCalendar(_) => None,
        ChangeBody::Organisation(_)
        | ChangeBody::Person(_)
        | ChangeBody::Account(_)
        | ChangeBody::PracticeVault(_)
        | ChangeBody::Conversation(_) => None,
    }
}

fn random_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut bytes = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Migrations are embedded so the binary carries its schema; the list is append-only.
struct Migration {
    version: i64,
    sql: &'static str,
}
