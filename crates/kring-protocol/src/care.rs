//! Care planning on the wire (CARE-1 … CARE-4). So far: home measurements (CARE-4) and the
//! health plan (CARE-2).
//!
//! A home measurement is sealed to the patient's network vault (the one the practice made when it
//! shared the patient, PAT-5), so the practice (through its vault) and every partner caregiver in
//! the network read it, and signed by the caregiver who measured: the network's public key alone
//! would let anyone (the server included) seal values to it.

use kring_domain::{OrganisationId, PatientId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One entry of home measurements (one kind at one moment: blood pressure holds two values), as
/// the server keeps it and syncs it to the patient's care network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeMeasurementEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub practice_id: OrganisationId,
    pub recorded_by: UserId,
    /// When the server took it (the moment measured is in the sealed values).
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Base64 of the `Vec<kring_domain::home_measurement::HomeValue>` (JSON) sealed to the
    /// patient's network vault.
    pub sealed: String,
    /// Base64 of the Ed25519 signature of [`HomeMeasurementEntry::signed_bytes`] by `recorded_by`.
    pub signature: String,
}

impl HomeMeasurementEntry {
    /// What the signature covers: the entry, the patient and the sealed values, under a label of
    /// their own.
    pub fn signed_bytes(id: Uuid, patient: PatientId, sealed: &str) -> Vec<u8> {
        format!("kring/home-measurement/v1|{id}|{patient}|{sealed}").into_bytes()
    }
}

/// One item of a patient's health plan (CARE-2) with every version, as the server keeps it and
/// syncs it to the practice and the care network. The contents are sealed to the patient's
/// network vault and signed by whoever wrote the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthPlanItemEntry {
    pub id: Uuid,
    pub patient_id: PatientId,
    pub practice_id: OrganisationId,
    /// Oldest first; the last is the item as it stands.
    pub versions: Vec<HealthPlanVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthPlanVersion {
    /// 1 for the first.
    pub number: u32,
    pub by: UserId,
    /// When the server took it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Base64 of the `kring_domain::health_plan::HealthPlanItem` (JSON) sealed to the network vault.
    pub sealed: String,
    /// Base64 of the Ed25519 signature of [`HealthPlanVersion::signed_bytes`] by `by`.
    pub signature: String,
}

impl HealthPlanVersion {
    pub fn signed_bytes(item: Uuid, patient: PatientId, number: u32, sealed: &str) -> Vec<u8> {
        format!("kring/health-plan-item/v1|{item}|{patient}|{number}|{sealed}").into_bytes()
    }
}
