//! Care planning (CARE-1 … CARE-4). So far: home measurements (CARE-4) and the health plan
//! (CARE-2). The server checks that the caregiver sees the patient, that the patient has a care
//! network to seal to, and that what is sealed is signed by the caregiver; the contents stay
//! sealed.

use crate::audience::sees_patient;
use crate::error::{ServerError, ServerResult};
use crate::plan::Planned;
use crate::AppState;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::health_plan::HealthPlanError;
use kring_domain::{PatientId, UserId};
use kring_protocol::care::{HealthPlanItemEntry, HealthPlanVersion, HomeMeasurementEntry};
use kring_protocol::patients::PatientEntry;
use kring_protocol::{ChangeBody, EntityKind, Scope};
use uuid::Uuid;

/// The largest sealed entry (base64): two values with their labels, with room to spare.
const MAX_SEALED: usize = 4096;

/// CARE-4: a caregiver who sees the patient (the practice, or a partner it shared the patient
/// with) records a home measurement for the patient's care network.
pub(crate) async fn record_home_measurement(
    state: &AppState,
    author: UserId,
    id: Uuid,
    patient_id: PatientId,
    sealed: &str,
    signature: &str,
) -> ServerResult<Planned> {
    let patient = network_patient(state, author, patient_id).await?;
    if state.store().entity(EntityKind::HomeMeasurement, id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the measurement id is taken".into()));
    }
    crate::conversations::check_sealed(sealed, MAX_SEALED, "measurement")?;
    check_signed(state, author, &HomeMeasurementEntry::signed_bytes(id, patient_id, sealed), signature).await?;
    let entry = HomeMeasurementEntry {
        id,
        patient_id,
        practice_id: patient.organisation_id,
        recorded_by: author,
        recorded_at: state.clock().now(),
        sealed: sealed.to_owned(),
        signature: signature.to_owned(),
    };
    tracing::info!(%patient_id, measurement_id = %id, "home measurement recorded");
    // The practice and the partners in the patient's network.
    Ok(Planned::changes(vec![
        (Scope::Patients(entry.practice_id), ChangeBody::HomeMeasurement(entry.clone())),
        (Scope::Patient(patient_id), ChangeBody::HomeMeasurement(entry)),
    ]))
}

/// The largest sealed health plan item (base64): a title and an explanation of 2,000 characters.
const MAX_SEALED_ITEM: usize = 16 * 1024;

/// CARE-2: anyone who sees the patient adds an item to the health plan or writes a new version of
/// one; the version number is a compare-and-set (two editing at once: the second is told someone
/// changed it meanwhile, and sees the new version first).
pub(crate) async fn save_health_plan_item(
    state: &AppState,
    author: UserId,
    id: Uuid,
    patient_id: PatientId,
    number: u32,
    sealed: &str,
    signature: &str,
) -> ServerResult<Planned> {
    let patient = network_patient(state, author, patient_id).await?;
    crate::conversations::check_sealed(sealed, MAX_SEALED_ITEM, "health plan item")?;
    check_signed(state, author, &HealthPlanVersion::signed_bytes(id, patient_id, number, sealed), signature).await?;
    let read = match state.store().entity(EntityKind::HealthPlanItem, id).await? {
        Some(ChangeBody::HealthPlanItem(item)) if item.patient_id == patient_id => Some(item),
        Some(_) => return Err(ServerError::InvalidRequest("the item id is taken".into())),
        None => None,
    };
    let versions = read.as_ref().map_or(0, |item| item.versions.len());
    if usize::try_from(number).ok() != Some(versions + 1) {
        return Err(ServerError::InvalidRequest(HealthPlanError::ChangedMeanwhile.to_string()));
    }
    let mut entry = read.clone().unwrap_or(HealthPlanItemEntry {
        id,
        patient_id,
        practice_id: patient.organisation_id,
        versions: Vec::new(),
    });
    entry.versions.push(HealthPlanVersion {
        number,
        by: author,
        at: state.clock().now(),
        sealed: sealed.to_owned(),
        signature: signature.to_owned(),
    });
    tracing::info!(%patient_id, item_id = %id, number, "health plan item saved");
    let mut planned = Planned::changes(vec![
        (Scope::Patients(entry.practice_id), ChangeBody::HealthPlanItem(entry.clone())),
        (Scope::Patient(patient_id), ChangeBody::HealthPlanItem(entry)),
    ]);
    match read {
        Some(read) => planned.commit.unchanged.push(ChangeBody::HealthPlanItem(read)),
        None => planned.commit.absent.push((EntityKind::HealthPlanItem, id)),
    }
    Ok(planned)
}

/// The patient, when the author sees them and the practice has shared them (a care network to
/// seal to).
async fn network_patient(state: &AppState, author: UserId, patient_id: PatientId) -> ServerResult<PatientEntry> {
    let patient = match state.store().entity(EntityKind::Patient, patient_id.0).await? {
        Some(ChangeBody::Patient(patient)) => patient,
        _ => return Err(ServerError::NotFound("patient")),
    };
    if !sees_patient(state, author, &patient).await? {
        return Err(ServerError::Forbidden("the care plan of a patient one does not see"));
    }
    if !matches!(state.store().entity(EntityKind::PatientNetwork, patient_id.0).await?, Some(ChangeBody::PatientNetwork(_))) {
        return Err(ServerError::InvalidRequest("the practice has not shared this patient: there is no care network".into()));
    }
    Ok(patient)
}

/// What is sealed is signed by its author: the network's public key alone would let anyone, the
/// server included, seal contents to it.
async fn check_signed(state: &AppState, author: UserId, signed: &[u8], signature: &str) -> ServerResult<()> {
    let key = match state.store().entity(EntityKind::Person, author.0).await? {
        Some(ChangeBody::Person(person)) => person.signing_key(),
        _ => None,
    };
    let valid =
        key.is_some_and(|key| STANDARD_NO_PAD.decode(signature).is_ok_and(|signature| key.verify(signed, &signature).is_ok()));
    if !valid {
        return Err(ServerError::InvalidRequest("not signed by its author".into()));
    }
    Ok(())
}
