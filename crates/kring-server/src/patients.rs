//! Patients (PAT-1, PAT-4, PAT-6): the practice's HIS extraction, patients a HIS launch adds, and
//! consent for digital network care. The server sees sealed cards and charts and the BSN's keyed
//! hash only; it deduplicates by that hash and checks who may do what.

use crate::audience::shared_with;
use crate::authz::{may, AuthUser};
use crate::chain::NewAccessEntry;
use crate::error::{ServerError, ServerResult};
use crate::plan::Planned;
use crate::store::Commit;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use kring_domain::patient::consent_text;
use kring_domain::{AccessKind, Action, ConsentGiver, OrganisationId, PatientId, UserId};
use kring_protocol::patients::{
    ConsentEntry, ImportOutcome, ImportRequest, PatientEntry, PatientNetworkEntry, PatientShareEntry, PatientSource,
    SealedPatient, Withdrawal,
};
use kring_protocol::{ChangeBody, EntityKind, Scope};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The most patients one extraction may hold (a large practice has ~10,000).
pub const MAX_IMPORT_PATIENTS: usize = 20_000;
/// The largest import request: 2,500 patients with 50,000 measurements are ~8 MB sealed.
pub const MAX_IMPORT_BYTES: usize = 256 * 1024 * 1024;
/// The largest sealed card or chart of one patient.
const MAX_SEALED_LEN: usize = 4 * 1024 * 1024;

/// `POST /v1/patients/import` (PAT-1): the whole extraction in one commit. A patient the practice
/// already has (same BSN hash) keeps its id and gets the new card and chart.
pub async fn import(State(state): State<AppState>, user: AuthUser, body: axum::body::Body) -> ServerResult<Json<ImportOutcome>> {
    // Before a byte of the body is read: only those who import for some practice, and only a
    // few uploads at a time (each holds a reader thread while it arrives).
    if !crate::identity::contracts(&state, user.id).await?.iter().any(|(_, role)| role.permits(Action::ImportHisExtraction)) {
        return Err(ServerError::Forbidden("importing the practice's HIS extraction"));
    }
    let _upload = state.imports().try_acquire().map_err(|_| ServerError::RateLimited(time::Duration::seconds(30)))?;
    let request = read_extraction(body).await?;
    let organisation = request.organisation_id;
    if !may(&state, user.id, organisation, Action::ImportHisExtraction).await? {
        return Err(ServerError::Forbidden("importing the practice's HIS extraction"));
    }
    if request.patients.is_empty() || request.patients.len() > MAX_IMPORT_PATIENTS {
        return Err(ServerError::InvalidRequest(format!("an extraction holds 1 to {MAX_IMPORT_PATIENTS} patients")));
    }
    let mut seen = HashSet::new();
    for patient in &request.patients {
        check_sealed(patient)?;
        if !seen.insert(patient.bsn_hash.as_str()) {
            return Err(ServerError::InvalidRequest("the same patient appears twice in the extraction".into()));
        }
    }
    let existing = patients_by_hash(&state, organisation).await?;
    let now = state.clock().now();
    let (mut created, mut updated) = (0u32, 0u32);
    let mut commit = Commit::default();
    for patient in request.patients {
        let entry = match existing.get(&patient.bsn_hash) {
            Some(known) => {
                updated += 1;
                PatientEntry { card: patient.card, chart: patient.chart, updated_at: now, ..known.clone() }
            }
            None => {
                created += 1;
                PatientEntry {
                    id: PatientId::new(),
                    organisation_id: organisation,
                    bsn_hash: patient.bsn_hash,
                    card: patient.card,
                    chart: patient.chart,
                    source: PatientSource::Extraction,
                    created_at: now,
                    updated_at: now,
                }
            }
        };
        commit.access.push(NewAccessEntry {
            at: now,
            actor: user.id,
            organisation_id: organisation,
            patient_id: entry.id,
            kind: AccessKind::HisImport,
            device: user.device_name.clone(),
        });
        commit.changes.push((Scope::Patients(organisation), ChangeBody::Patient(entry)));
    }
    let seq = state.commit(commit).await?;
    tracing::info!(user_id = %user.id, organisation_id = %organisation, created, updated, "HIS extraction imported");
    Ok(Json(ImportOutcome { created, updated, seq }))
}

/// Parse the upload while it arrives: the JSON reader pulls chunks from the connection, so the
/// extraction is in memory once (as the parsed request), never also as the raw body. At most
/// [`MAX_IMPORT_BYTES`].
async fn read_extraction(body: axum::body::Body) -> ServerResult<ImportRequest> {
    use futures_util::TryStreamExt;
    let mut received = 0usize;
    let stream = body.into_data_stream().map_err(std::io::Error::other).and_then(move |chunk| {
        received += chunk.len();
        let result = if received > MAX_IMPORT_BYTES {
            Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "the extraction is larger than the limit"))
        } else {
            Ok(chunk)
        };
        std::future::ready(result)
    });
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    tokio::task::spawn_blocking(move || {
        serde_json::from_reader(std::io::BufReader::with_capacity(64 * 1024, reader))
            .map_err(|error| ServerError::InvalidRequest(format!("extraction: {error}")))
    })
    .await?
}

fn check_sealed(patient: &SealedPatient) -> ServerResult<()> {
    let valid = |text: &str, max: usize| text.len() <= max && STANDARD_NO_PAD.decode(text).is_ok();
    if !valid(&patient.bsn_hash, 64) || STANDARD_NO_PAD.decode(&patient.bsn_hash).map(|hash| hash.len()) != Ok(32) {
        return Err(ServerError::InvalidRequest("bsn_hash must be 32 bytes, base64".into()));
    }
    if !valid(&patient.card, MAX_SEALED_LEN) || !valid(&patient.chart, MAX_SEALED_LEN) {
        return Err(ServerError::InvalidRequest("card and chart must be sealed, base64".into()));
    }
    Ok(())
}

async fn patients_by_hash(state: &AppState, organisation: OrganisationId) -> ServerResult<HashMap<String, PatientEntry>> {
    Ok(state
        .store()
        .children(EntityKind::Patient, organisation.0)
        .await?
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::Patient(patient) => Some((patient.bsn_hash.clone(), patient)),
            _ => None,
        })
        .collect())
}

async fn patient(state: &AppState, id: PatientId) -> ServerResult<PatientEntry> {
    match state.store().entity(EntityKind::Patient, id.0).await? {
        Some(ChangeBody::Patient(patient)) => Ok(patient),
        _ => Err(ServerError::NotFound("patient")),
    }
}

/// PAT-4: a HIS launch for a patient Kring does not know adds them, once.
pub(crate) async fn create(
    state: &AppState,
    author: UserId,
    organisation: OrganisationId,
    id: PatientId,
    sealed: &SealedPatient,
) -> ServerResult<Planned> {
    if !may(state, author, organisation, Action::ViewPatients).await? {
        return Err(ServerError::Forbidden("adding a patient"));
    }
    check_sealed(sealed)?;
    if patients_by_hash(state, organisation).await?.contains_key(&sealed.bsn_hash) {
        return Err(ServerError::InvalidRequest("the practice already has this patient".into()));
    }
    if state.store().entity(EntityKind::Patient, id.0).await?.is_some() {
        return Err(ServerError::InvalidRequest("the patient id is taken".into()));
    }
    let now = state.clock().now();
    let entry = PatientEntry {
        id,
        organisation_id: organisation,
        bsn_hash: sealed.bsn_hash.clone(),
        card: sealed.card.clone(),
        chart: sealed.chart.clone(),
        source: PatientSource::HisLaunch,
        created_at: now,
        updated_at: now,
    };
    Ok(Planned::changes(vec![(Scope::Patients(organisation), ChangeBody::Patient(entry))]))
}

/// PAT-6: record consent under a released consent text. Whoever may see the practice's patients
/// records it (the practice, a home-care nurse once the patient is shared with them).
pub(crate) async fn record_consent(
    state: &AppState,
    author: UserId,
    consent_id: Uuid,
    patient_id: PatientId,
    given_by: ConsentGiver,
    text_version: &str,
) -> ServerResult<Planned> {
    let patient = patient(state, patient_id).await?;
    if !may_record_consent(state, author, &patient).await? {
        return Err(ServerError::Forbidden("recording consent"));
    }
    if consent_text(text_version).is_none() {
        return Err(ServerError::InvalidRequest("unknown consent text version".into()));
    }
    if state.store().entity(EntityKind::Consent, consent_id).await?.is_some() {
        return Err(ServerError::InvalidRequest("the consent id is taken".into()));
    }
    let entry = ConsentEntry {
        id: consent_id,
        patient_id,
        organisation_id: patient.organisation_id,
        given_by,
        text_version: text_version.to_owned(),
        recorded_by: author,
        recorded_at: state.clock().now(),
        withdrawn: None,
    };
    Ok(Planned::changes(consent_changes(entry)))
}

/// The practice records consent, and so does a caregiver of an organisation the patient is
/// shared with (the home-care nurse, PAT-6).
async fn may_record_consent(state: &AppState, author: UserId, patient: &PatientEntry) -> ServerResult<bool> {
    if may(state, author, patient.organisation_id, Action::RecordConsent).await? {
        return Ok(true);
    }
    for (organisation, role) in crate::identity::contracts(state, author).await? {
        if role.permits(Action::RecordConsent) && shared_with(state, organisation).await?.contains(&patient.id) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A consent change reaches the practice and the patient's network.
fn consent_changes(entry: ConsentEntry) -> Vec<(Scope, ChangeBody)> {
    vec![
        (Scope::Patients(entry.organisation_id), ChangeBody::Consent(entry.clone())),
        (Scope::Patient(entry.patient_id), ChangeBody::Consent(entry)),
    ]
}

/// PAT-6: the patient withdraws consent; the entry stays, marked withdrawn.
pub(crate) async fn withdraw_consent(state: &AppState, author: UserId, consent_id: Uuid) -> ServerResult<Planned> {
    let Some(ChangeBody::Consent(entry)) = state.store().entity(EntityKind::Consent, consent_id).await? else {
        return Err(ServerError::NotFound("consent"));
    };
    if !may_record_consent(state, author, &patient(state, entry.patient_id).await?).await? {
        return Err(ServerError::Forbidden("withdrawing consent"));
    }
    if entry.withdrawn.is_some() {
        return Err(ServerError::InvalidRequest("the consent was already withdrawn".into()));
    }
    let entry = ConsentEntry { withdrawn: Some(Withdrawal { by: author, at: state.clock().now() }), ..entry };
    Ok(Planned::changes(consent_changes(entry)))
}

/// PAT-5: only the practice opens a patient's care network, only with the patient's consent in
/// force, only to organisations that exist, and only wraps the key for those organisations'
/// people. Narrowing needs no consent (withdrawing consent must be answerable by unsharing).
pub(crate) async fn set_network(state: &AppState, author: UserId, network: &PatientNetworkEntry) -> ServerResult<Planned> {
    let patient = patient(state, network.patient_id).await?;
    let practice = patient.organisation_id;
    if network.organisation_id != practice {
        return Err(ServerError::InvalidRequest("a patient's network belongs to the patient's practice".into()));
    }
    if !may(state, author, practice, Action::SharePatient).await? {
        return Err(ServerError::Forbidden("sharing a patient"));
    }
    let previous = match state.store().entity(EntityKind::PatientNetwork, network.patient_id.0).await? {
        Some(ChangeBody::PatientNetwork(previous)) => Some(previous),
        _ => None,
    };
    if previous.as_ref().is_some_and(|previous| previous.public_key != network.public_key) {
        return Err(ServerError::InvalidRequest("the network's key cannot be replaced".into()));
    }
    for sealed in [&network.public_key, &network.card, &network.practice_key] {
        if sealed.len() > MAX_SEALED_LEN || STANDARD_NO_PAD.decode(sealed).is_err() {
            return Err(ServerError::InvalidRequest("network keys and card must be base64".into()));
        }
    }
    let shared: HashSet<OrganisationId> = network.shared_with.iter().copied().collect();
    if shared.len() != network.shared_with.len() || shared.contains(&practice) {
        return Err(ServerError::InvalidRequest("share with each partner organisation once, not with the practice".into()));
    }
    let before: HashSet<OrganisationId> = previous.iter().flat_map(|p| p.shared_with.iter().copied()).collect();
    if shared.difference(&before).next().is_some() && !has_consent(state, network.patient_id).await? {
        return Err(ServerError::InvalidRequest(
            "consent_required: the patient's consent for network care is not recorded".into(),
        ));
    }
    for organisation in &shared {
        if state.store().entity(EntityKind::Organisation, organisation.0).await?.is_none() {
            return Err(ServerError::NotFound("organisation"));
        }
    }
    for member in &network.members {
        let works_there = crate::identity::contracts(state, member.user_id).await?.iter().any(|(org, _)| shared.contains(org));
        if !works_there {
            return Err(ServerError::InvalidRequest("a network key for someone outside the shared organisations".into()));
        }
    }
    let now = state.clock().now();
    let mut changes = vec![
        (Scope::Patients(practice), ChangeBody::PatientNetwork(network.clone())),
        (Scope::Patient(network.patient_id), ChangeBody::PatientNetwork(network.clone())),
    ];
    // A partner joining now has not seen the consent records, home measurements (CARE-4) and
    // health plan (CARE-2) made before: send them along.
    // (Planned on them as read: a plan item saved meanwhile is not overwritten by its older copy.)
    let mut resent = Vec::new();
    if shared.difference(&before).next().is_some() {
        for consent in consents(state, network.patient_id).await? {
            changes.push((Scope::Patient(network.patient_id), ChangeBody::Consent(consent)));
        }
        for kind in [EntityKind::HomeMeasurement, EntityKind::HealthPlanItem] {
            for earlier in state.store().children(kind, network.patient_id.0).await? {
                changes.push((Scope::Patient(network.patient_id), earlier.clone()));
                resent.push(earlier);
            }
        }
    }
    for organisation in shared.union(&before) {
        let share = PatientShareEntry {
            id: PatientShareEntry::id_for(network.patient_id, *organisation),
            patient_id: network.patient_id,
            organisation_id: *organisation,
            practice_id: practice,
            active: shared.contains(organisation),
            shared_by: author,
            changed_at: now,
        };
        changes.push((Scope::Patients(practice), ChangeBody::PatientShare(share.clone())));
        changes.push((Scope::Organisation(*organisation), ChangeBody::PatientShare(share)));
    }
    let mut planned = Planned::changes(changes);
    planned.commit.unchanged = resent;
    Ok(planned)
}

/// Whether the patient's consent for network care is in force: what sharing checks first.
pub async fn has_consent(state: &AppState, patient: PatientId) -> ServerResult<bool> {
    Ok(ConsentEntry::current(&consents(state, patient).await?).is_some())
}

async fn consents(state: &AppState, patient: PatientId) -> ServerResult<Vec<ConsentEntry>> {
    Ok(state
        .store()
        .children(EntityKind::Consent, patient.0)
        .await?
        .into_iter()
        .filter_map(|body| match body {
            ChangeBody::Consent(entry) => Some(entry),
            _ => None,
        })
        .collect())
}
