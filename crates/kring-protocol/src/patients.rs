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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
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

/// The patient's care network as far as the practice opened it (PAT-5): which partner
/// organisations may see the patient, and the network vault their members read the card with. The
/// practice's client makes the vault on the first share, seals the card to it, and wraps its key
/// for each partner caregiver (and once for the practice vault, so any key holder of the practice
/// can share later). The chart (measurements, medication) stays with the practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientNetworkEntry {
    pub patient_id: PatientId,
    /// The practice the patient belongs to.
    pub organisation_id: OrganisationId,
    /// Base64 of the network vault's X25519 public key; fixed once made.
    pub public_key: String,
    /// Base64 of the `PatientCard` sealed to the network vault.
    pub card: String,
    /// Base64 of the network vault's secret sealed to the practice vault.
    pub practice_key: String,
    /// The partner organisations that see the patient. Empty: nobody outside the practice.
    pub shared_with: Vec<OrganisationId>,
    /// The network key wrapped for each partner caregiver who has keys.
    pub members: Vec<NetworkKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkKey {
    pub user_id: UserId,
    pub wrapped_key: String,
}

/// One partner organisation's share of one patient: how the server finds, per organisation,
/// which patients' networks its caregivers may follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientShareEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    /// The partner organisation.
    pub organisation_id: OrganisationId,
    /// The practice that shared.
    pub practice_id: OrganisationId,
    pub active: bool,
    pub shared_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub changed_at: OffsetDateTime,
}

impl PatientShareEntry {
    pub fn id_for(patient: PatientId, organisation: OrganisationId) -> Uuid {
        Uuid::new_v5(&patient.0, organisation.0.as_bytes())
    }
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
