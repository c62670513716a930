//! The access log's hash chain (SEC-2), pure: how an entry is hashed and how a run of entries is
//! verified. The stores append with it; the access-log handlers and the hourly walk verify with it.

use kring_domain::{AccessKind, OrganisationId, PatientId, UserId};
use kring_protocol::access_log::{AccessLogEntry, ChainHead};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

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

    pub(crate) fn head(&self) -> Option<ChainHead> {
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

/// Walk a whole log from its first entry (the tests and the store conformance suite do).
#[cfg(any(test, feature = "test-support"))]
pub fn verify_chain(entries: &[AccessLogEntry]) -> kring_protocol::access_log::ChainVerification {
    use kring_protocol::access_log::ChainVerification;
    match verify_links(Link::GENESIS, entries) {
        Ok(last) => ChainVerification::Intact { entries: u64::try_from(last.seq).unwrap_or(0) },
        Err(at_seq) => ChainVerification::Broken { at_seq },
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use kring_protocol::access_log::ChainVerification;
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
