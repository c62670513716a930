//! Care planning (CARE-1 … CARE-4). So far: home measurements (CARE-4). The server checks that
//! the caregiver sees the patient, that the patient has a care network to seal to, and that the
//! sealed values are signed by the caregiver; the values stay sealed.

use crate::audience::sees_patient;
use crate::error::{ServerError, ServerResult};
use crate::plan::Planned;
use crate::AppState;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::{PatientId, UserId};
use kring_protocol::care::HomeMeasurementEntry;
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
    let patient = match state.store().entity(EntityKind::Patient, patient_id.0).await? {
        Some(ChangeBody::Patient(patient)) => patient,
        _ => return Err(ServerError::NotFound("patient")),
    };
    if !sees_patient(state, author, &patient).await? {
        return Err(ServerError::Forbidden("recording a measurement of a patient one does not see"));
    }
    if !matches!(state.store().entity(EntityKind::PatientNetwork, patient_id.0).await?, Some(ChangeBody::PatientNetwork(_))) {
        return Err(ServerError::InvalidRequest("the practice has not shared this patient: there is no care network".into()));
    }
    if state.store().entity(EntityKind::HomeMeasurement, id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the measurement id is taken".into()));
    }
    crate::conversations::check_sealed(sealed, MAX_SEALED, "measurement")?;
    let key = match state.store().entity(EntityKind::Person, author.0).await? {
        Some(ChangeBody::Person(person)) => person.signing_key(),
        _ => None,
    };
    let signed = HomeMeasurementEntry::signed_bytes(id, patient_id, sealed);
    let valid =
        key.is_some_and(|key| STANDARD_NO_PAD.decode(signature).is_ok_and(|signature| key.verify(&signed, &signature).is_ok()));
    if !valid {
        return Err(ServerError::InvalidRequest("the measurement is not signed by who recorded it".into()));
    }
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
