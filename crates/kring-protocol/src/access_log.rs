//! The NEN 7513 access log (SEC-2) on the wire: what a client reports when it opens decrypted
//! patient content, and what `GET /v1/access-log` shows a GP.

use kring_domain::{AccessKind, OrganisationId, PatientId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One opening of patient data, as the client reports it. Who, from which device and when come
/// from the session and the server's clock, never from the report; the server checks that the
/// reporter may see the patient of this organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// The organisation responsible for the patient's data (the GP practice).
    pub organisation_id: OrganisationId,
    pub patient_id: PatientId,
    pub kind: AccessKind,
}

/// One entry of the log as the server keeps it. `hash` = SHA-256 over the previous entry's hash
/// and this entry's fields, so altering or removing an entry breaks the chain from there on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccessLogEntry {
    pub seq: i64,
    #[ts(type = "string")]
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

/// `GET /v1/access-log?organisation_id=…[&before=N][&known_head=M]`: one page of the
/// organisation's entries, newest first, and whether the region's chain verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccessLogPage {
    pub entries: Vec<AccessLogEntry>,
    pub verification: ChainVerification,
    /// The newest entry of the region's chain: the client keeps it, and asks next time whether
    /// the chain still holds it (a log cut back to before it shows as truncated).
    pub head: Option<ChainHead>,
    /// The entry at the client's `known_head` seq as the chain holds it now (`None`: gone).
    pub anchor: Option<ChainHead>,
    /// Ask with `before` = this for the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// One link of the chain: an entry's seq and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChainHead {
    pub seq: i64,
    /// Hex of the entry's hash.
    pub hash: String,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainVerification {
    Intact {
        entries: u64,
    },
    /// The first entry (by seq) where the chain no longer holds: altered, removed or inserted.
    Broken {
        at_seq: i64,
    },
    /// The chain no longer holds an entry this client saw before (entries cut off the end, or
    /// the log was replaced): found by the client against the head it kept.
    Truncated {
        known_seq: i64,
    },
}
