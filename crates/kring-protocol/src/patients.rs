//! Patients on the wire (PAT-1, PAT-4, PAT-6). The server holds a pseudonymous id, the practice,
//! the BSN only as the practice vault's keyed hash, and the card and chart sealed to the practice
//! vault: it can route and deduplicate, never read. Consent is workflow state and stays readable.

use kring_domain::patient::ConsentGiver;
use kring_domain::{OrganisationId, PatientId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A patient of a practice, as the server stores and syncs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientEntry {
    pub id: PatientId,
    pub organisation_id: OrganisationId,
    /// Base64 of `Vault::lookup_hash(BSN)` under the practice vault.
    pub bsn_hash: String,
    /// Base64 of the `PatientCard` (JSON) sealed to the practice vault.
    pub card: String,
    /// Base64 of the `PatientChart` (JSON) sealed to the practice vault.
    pub chart: String,
    pub source: PatientSource,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the HIS extraction last updated the patient.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// How the patient came into Kring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatientSource {
    /// The practice's HIS extraction (PAT-1).
    Extraction,
    /// A launch from the HIS for a patient Kring did not know yet (PAT-4).
    HisLaunch,
}

/// One patient of an extraction, sealed on the importing client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPatient {
    pub bsn_hash: String,
    pub card: String,
    pub chart: String,
}

/// `POST /v1/patients/import`: a whole extraction, applied in one transaction. A patient whose
/// `bsn_hash` the practice already has is updated, never duplicated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub organisation_id: OrganisationId,
    pub patients: Vec<SealedPatient>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: u32,
    pub updated: u32,
    /// The feed position after the import: the client syncs up to here before showing it.
    pub seq: crate::Seq,
}

/// A recorded consent for digital network care (PAT-6). Withdrawal is recorded on the same
/// entry; a new consent after a withdrawal is a new entry, so the history stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    /// The practice responsible for the patient.
    pub organisation_id: OrganisationId,
    pub given_by: ConsentGiver,
    /// The version of the consent text agreed to (`kring_domain::patient::CONSENT_TEXTS`).
    pub text_version: String,
    pub recorded_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub withdrawn: Option<Withdrawal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl ConsentEntry {
    /// The consent in force among a patient's entries: the latest not withdrawn.
    pub fn current<'a>(entries: impl IntoIterator<Item = &'a ConsentEntry>) -> Option<&'a ConsentEntry> {
        entries.into_iter().filter(|entry| entry.withdrawn.is_none()).max_by_key(|entry| entry.recorded_at)
    }
}
