//! The NEN 7513 access log (SEC-2) on the wire: what a client reports when it opens decrypted
//! patient content, and what `GET /v1/access-log` shows a GP.

use kring_domain::{AccessKind, OrganisationId, PatientId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One opening of patient data, as the client reports it. Who and from which device come from
/// the session, never from the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// The organisation responsible for the patient's data (the GP practice).
    pub organisation_id: OrganisationId,
    pub patient_id: PatientId,
    pub kind: AccessKind,
    /// When it was opened on the client (it may reach the server later, from the outbox).
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
}

/// One entry of the log as the server keeps it. `hash` = SHA-256 over the previous entry's hash
/// and this entry's fields, so altering or removing an entry breaks the chain from there on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: UserId,
    pub organisation_id: OrganisationId,
    pub patient_id: PatientId,
    pub kind: AccessKind,
    pub device: String,
    /// Hex of the previous entry's hash (all zeros for the first).
    pub prev_hash: String,
    /// Hex of this entry's hash.
    pub hash: String,
}

/// `GET /v1/access-log?organisation_id=…`: the organisation's entries, newest first, and
/// whether the whole chain verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogPage {
    pub entries: Vec<AccessLogEntry>,
    pub verification: ChainVerification,
}

/// The result of checking every link of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainVerification {
    Intact { entries: u64 },
    /// The first entry (by seq) where the chain no longer holds: altered, removed or inserted.
    Broken { at_seq: i64 },
}
