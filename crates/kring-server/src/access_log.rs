//! The NEN 7513 access log (toegangslog, SEC-2): who opened which patient's data, what, when and
//! from which device. Entries are appended inside store transactions ([`crate::store::Commit`]
//! `access`) and hash-chained: each entry's hash covers the previous hash and every field, so
//! [`verify_chain`] finds the first altered, removed or inserted entry.
//!
//! Sources: the server records its own fetches of patient records (issue 5 onwards: every
//! patient handler appends here in the same commit); clients report openings of decrypted
//! content with `Mutation::RecordAccess`, through their durable outbox.

use crate::auth::{may, AuthUser};
use crate::error::{ServerError, ServerResult};
use crate::mutations::Planned;
use crate::store::{Commit, Store};
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use kring_domain::{AccessKind, Action, OrganisationId, PatientId, UserId};
use kring_protocol::access_log::{AccessLogEntry, AccessLogPage, AccessRecord, ChainHead, ChainVerification};
use kring_protocol::{ChangeBody, EntityKind};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// An entry to append; the store gives it its seq and chain hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessEntry {
    pub at: OffsetDateTime,
    pub actor: UserId,
    pub organisation_id: OrganisationId,
    pub patient_id: PatientId,
    pub kind: AccessKind,
    pub device: String,
}

impl NewAccessEntry {
    /// Time as stored and hashed: whole microseconds since the epoch (both backends keep that
    /// exactly, so the hash survives the round trip).
    pub fn at_micros(&self) -> i64 {
        i64::try_from(self.at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
    }
}

/// The chain hash of entry `seq`: SHA-256 over a fixed label, the previous hash and every field,
/// length-prefixed so no two different entries encode alike.
pub fn entry_hash(prev: &[u8; 32], seq: i64, entry: &NewAccessEntry) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"kring access log v1");
    hasher.update(prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(entry.at_micros().to_be_bytes());
    hasher.update(entry.actor.0.as_bytes());
    hasher.update(entry.organisation_id.0.as_bytes());
    hasher.update(entry.patient_id.0.as_bytes());
    for text in [entry.kind.as_str(), entry.device.as_str()] {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    }
    hasher.finalize().into()
}

/// A verified link of the chain: an entry's seq and hash (seq 0 and [`GENESIS`] before the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub hash: [u8; 32],
}

impl Link {
    pub const GENESIS: Link = Link { seq: 0, hash: GENESIS };

    fn head(&self) -> Option<ChainHead> {
        (self.seq > 0).then(|| ChainHead { seq: self.seq, hash: hex(&self.hash) })
    }
}

/// Verify `entries` (consecutive, in seq order) as the continuation of `from`. Returns the last
/// link, or the seq of the first entry where the chain breaks: a seq out of line (removed or
/// inserted entry), a previous hash that is not the one before, or a hash that does not match
/// the fields.
pub fn verify_links(from: Link, entries: &[AccessLogEntry]) -> Result<Link, i64> {
    let mut prev = from;
    for entry in entries {
        let expected_seq = prev.seq + 1;
        let hash = entry_hash(&prev.hash, entry.seq, &NewAccessEntry::from(entry));
        if entry.seq != expected_seq || entry.prev_hash != hex(&prev.hash) || entry.hash != hex(&hash) {
            return Err(entry.seq.min(expected_seq));
        }
        prev = Link { seq: entry.seq, hash };
    }
    Ok(prev)
}

/// Walk a whole log from its first entry.
pub fn verify_chain(entries: &[AccessLogEntry]) -> ChainVerification {
    match verify_links(Link::GENESIS, entries) {
        Ok(last) => ChainVerification::Intact { entries: u64::try_from(last.seq).unwrap_or(0) },
        Err(at_seq) => ChainVerification::Broken { at_seq },
    }
}

/// How often a view walks the whole chain again instead of only what was added since.
pub const FULL_CHECK_EVERY: Duration = Duration::hours(1);
/// Entries read per round while verifying.
const VERIFY_BATCH: u32 = 5_000;

/// How far this server has verified the region's chain, so a view checks only what was added
/// since (and the link it verified last, so entries cut off the end are noticed), with a walk of
/// the whole chain at most every [`FULL_CHECK_EVERY`].
#[derive(Default)]
pub struct ChainCheckpoint {
    state: tokio::sync::Mutex<Checkpoint>,
}

#[derive(Default)]
struct Checkpoint {
    verified: Option<Link>,
    /// During a walk from the start: the link verified before it, which the chain must still
    /// hold (so the hourly walk cannot miss entries cut off the end meanwhile).
    anchor: Option<Link>,
    full_check_at: Option<OffsetDateTime>,
    broken_at: Option<i64>,
}

impl ChainCheckpoint {
    /// Verify what is new since the last time, and say how the chain stands and its head.
    pub async fn verify(&self, store: &dyn Store, now: OffsetDateTime) -> ServerResult<(ChainVerification, Option<ChainHead>)> {
        let mut checkpoint = self.state.lock().await;
        if checkpoint.broken_at.is_none() && checkpoint.full_check_at.is_none_or(|at| now - at >= FULL_CHECK_EVERY) {
            let anchor = checkpoint.verified.or(checkpoint.anchor);
            *checkpoint = Checkpoint { verified: None, anchor, full_check_at: Some(now), broken_at: None };
        }
        if let Some(at_seq) = checkpoint.broken_at {
            return Ok((ChainVerification::Broken { at_seq }, None));
        }
        let mut link = checkpoint.verified.unwrap_or(Link::GENESIS);
        if link.seq > 0 {
            // The link verified last must still be there, unchanged.
            let still = store.access_log_chain(link.seq - 1, 1).await?;
            if still.first().is_none_or(|entry| entry.seq != link.seq || entry.hash != hex(&link.hash)) {
                checkpoint.broken_at = Some(link.seq);
                return Ok((ChainVerification::Broken { at_seq: link.seq }, None));
            }
        }
        loop {
            let batch = store.access_log_chain(link.seq, VERIFY_BATCH).await?;
            let verified = verify_links(link, &batch).and_then(|last| match checkpoint.anchor {
                Some(anchor) if anchor.seq <= last.seq => {
                    let held = batch.iter().find(|entry| entry.seq == anchor.seq).map(|entry| entry.hash.as_str());
                    // Behind this batch: verified before; in it: must be the same link.
                    if anchor.seq <= link.seq || held == Some(hex(&anchor.hash).as_str()) {
                        Ok(last)
                    } else {
                        Err(anchor.seq)
                    }
                }
                _ => Ok(last),
            });
            match verified {
                Ok(last) => link = last,
                Err(at_seq) => {
                    checkpoint.broken_at = Some(at_seq);
                    return Ok((ChainVerification::Broken { at_seq }, None));
                }
            }
            checkpoint.verified = Some(link);
            if checkpoint.anchor.is_some_and(|anchor| anchor.seq <= link.seq) {
                checkpoint.anchor = None;
            }
            if batch.len() < VERIFY_BATCH as usize {
                break;
            }
        }
        if let Some(anchor) = checkpoint.anchor {
            // The walk ended before the link verified last time: entries were cut off the end.
            checkpoint.broken_at = Some(anchor.seq);
            return Ok((ChainVerification::Broken { at_seq: anchor.seq }, None));
        }
        let entries = u64::try_from(link.seq).unwrap_or(0);
        Ok((ChainVerification::Intact { entries }, link.head()))
    }
}

/// Entries one user may add to the log per minute. Opening a patient writes a few; a client
/// that writes hundreds is not a person reading charts.
pub const RECORDS_PER_MINUTE: u32 = 60;

/// Counts each user's reported openings per minute (per server instance).
#[derive(Default)]
pub struct RecordLimiter {
    windows: std::sync::Mutex<HashMap<UserId, (OffsetDateTime, u32)>>,
}

impl RecordLimiter {
    /// Count one report of `user`; refused with the wait once the minute's allowance is used.
    fn admit(&self, user: UserId, now: OffsetDateTime) -> ServerResult<()> {
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        windows.retain(|_, (start, _)| now - *start < Duration::minutes(1));
        let (start, count) = windows.entry(user).or_insert((now, 0));
        if *count >= RECORDS_PER_MINUTE {
            return Err(ServerError::RateLimited(Duration::minutes(1) - (now - *start)));
        }
        *count += 1;
        Ok(())
    }
}

/// `Mutation::RecordAccess`: a client reports that its user opened decrypted patient content.
/// Who and where come from the session and when from the server's clock; the reporter must see
/// the patient, and the organisation must be the patient's own.
pub(crate) async fn record(state: &AppState, user: &AuthUser, record: &AccessRecord) -> ServerResult<Planned> {
    let Some(ChangeBody::Patient(patient)) = state.store().entity(EntityKind::Patient, record.patient_id.0).await? else {
        return Err(ServerError::NotFound("patient"));
    };
    if patient.organisation_id != record.organisation_id {
        return Err(ServerError::InvalidRequest("the patient belongs to another organisation".into()));
    }
    if !crate::conversations::sees_patient(state, user.id, &patient).await? {
        return Err(ServerError::Forbidden("logging access to a patient one does not see"));
    }
    let now = state.clock().now();
    state.access_limiter().admit(user.id, now)?;
    let entry = NewAccessEntry {
        at: now,
        actor: user.id,
        organisation_id: record.organisation_id,
        patient_id: record.patient_id,
        kind: record.kind,
        device: user.device_name.clone(),
    };
    Ok(Planned { commit: Commit { access: vec![entry], ..Commit::default() }, ..Planned::default() })
}

impl From<&AccessLogEntry> for NewAccessEntry {
    /// The hashed fields of a stored entry.
    fn from(entry: &AccessLogEntry) -> Self {
        Self {
            at: entry.at,
            actor: entry.actor,
            organisation_id: entry.organisation_id,
            patient_id: entry.patient_id,
            kind: entry.kind,
            device: entry.device.clone(),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, serde::Deserialize)]
pub struct AccessLogQuery {
    pub organisation_id: OrganisationId,
    /// Entries older than this seq (the page after the one that ended there).
    pub before: Option<i64>,
    /// The head the client kept from its last view: the answer says what the chain holds there.
    pub known_head: Option<i64>,
}

/// Entries per page (newest first).
pub const PAGE: u32 = 100;

/// `GET /v1/access-log?organisation_id=…`: a page of the organisation's entries for those
/// allowed to see them (the GP), with the verification of the region's chain.
pub async fn view(
    State(state): State<AppState>,
    user: AuthUser,
    Query(query): Query<AccessLogQuery>,
) -> ServerResult<Json<AccessLogPage>> {
    if !may(&state, user.id, query.organisation_id, Action::ViewAccessLog).await? {
        return Err(ServerError::Forbidden("viewing the access log"));
    }
    let entries = state.store().access_log(query.organisation_id, query.before, PAGE).await?;
    let next_before = (entries.len() == PAGE as usize).then(|| entries.last().map(|entry| entry.seq)).flatten();
    let (verification, head) = state.access_chain().verify(state.store(), state.clock().now()).await?;
    let anchor = match query.known_head {
        Some(seq) if seq > 0 => state
            .store()
            .access_log_chain(seq - 1, 1)
            .await?
            .into_iter()
            .find(|entry| entry.seq == seq)
            .map(|entry| ChainHead { seq: entry.seq, hash: entry.hash }),
        _ => None,
    };
    tracing::info!(user_id = %user.id, organisation_id = %query.organisation_id, "access log viewed");
    Ok(Json(AccessLogPage { entries, verification, head, anchor, next_before }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn chain(n: usize) -> Vec<AccessLogEntry> {
        let mut prev = GENESIS;
        (1..=n as i64)
            .map(|seq| {
                let entry = NewAccessEntry {
                    at: datetime!(2026-11-25 09:00 UTC) + time::Duration::minutes(seq),
                    actor: UserId::new(),
                    organisation_id: OrganisationId::new(),
                    patient_id: PatientId::new(),
                    kind: AccessKind::Conversation,
                    device: "balie 2".into(),
                };
                let hash = entry_hash(&prev, seq, &entry);
                let out = AccessLogEntry {
                    seq,
                    at: entry.at,
                    actor: entry.actor,
                    organisation_id: entry.organisation_id,
                    patient_id: entry.patient_id,
                    kind: entry.kind,
                    device: entry.device,
                    prev_hash: hex(&prev),
                    hash: hex(&hash),
                };
                prev = hash;
                out
            })
            .collect()
    }

    #[test]
    fn sec_2_an_untouched_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), ChainVerification::Intact { entries: 5 });
        assert_eq!(verify_chain(&[]), ChainVerification::Intact { entries: 0 });
    }

    #[test]
    fn sec_2_changing_any_field_breaks_the_chain_at_that_entry() {
        let edits: [fn(&mut AccessLogEntry); 6] = [
            |e| e.at += time::Duration::seconds(1),
            |e| e.actor = UserId::new(),
            |e| e.organisation_id = OrganisationId::new(),
            |e| e.patient_id = PatientId::new(),
            |e| e.kind = AccessKind::PatientCard,
            |e| e.device.push('x'),
        ];
        for edit in edits {
            let mut entries = chain(5);
            edit(&mut entries[2]);
            assert_eq!(verify_chain(&entries), ChainVerification::Broken { at_seq: 3 });
        }
    }

    #[test]
    fn sec_2_removing_or_reordering_an_entry_is_detected() {
        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(verify_chain(&removed), ChainVerification::Broken { at_seq: 2 });
        let mut swapped = chain(5);
        swapped.swap(3, 4);
        assert_eq!(verify_chain(&swapped), ChainVerification::Broken { at_seq: 4 });
    }

    #[test]
    fn sec_2_rehashing_one_entry_still_breaks_at_the_next() {
        let mut entries = chain(4);
        entries[1].device = "andere werkplek".into();
        let fields = NewAccessEntry::from(&entries[1]);
        let prev: [u8; 32] = chain_bytes(&entries[0].hash);
        entries[1].hash = hex(&entry_hash(&prev, 2, &fields));
        assert_eq!(verify_chain(&entries), ChainVerification::Broken { at_seq: 3 });
    }

    fn chain_bytes(hex_text: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex_text[i * 2..i * 2 + 2], 16).unwrap();
        }
        out
    }
}
