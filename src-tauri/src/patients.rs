//! Patient commands (PAT-1, PAT-2, PAT-4 … PAT-6) and `kring://` links, at start-up or forwarded
//! by a second instance: `kring://launch` (PAT-3) logs the linked colleague in (locked) and opens
//! the patient once the password is entered; `kring://activeer` (the invitation mail, STAFF-3)
//! opens the activation on the login screen.

use crate::commands::{begin_session, device_name, session_state, CommandResult, SessionState};
use crate::core::{AppCore, ServerTarget};
use kring_client::patients::{ImportProgress, ImportSummary, LaunchOpening, PatientSummary, PatientView};
use kring_client::{ClientError, KringClient};
use kring_domain::{ConsentGiver, OrganisationId, PatientId};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use uuid::Uuid;

/// Import progress, for the progress bar.
const IMPORT_PROGRESS: &str = "kring://import-progress";
/// A HIS launch logged someone in; the payload is the new session state.
const LAUNCHED: &str = "kring://his-launch";
/// A HIS launch was refused; the payload is the error (`launch_*` codes).
const LAUNCH_FAILED: &str = "kring://his-launch-failed";
/// An invitation's activation link was opened (STAFF-3); the payload is the link.
const ACTIVATION_LINK: &str = "kring://activation-link";
/// The overview shows at most this many rows; the search narrows it.
const OVERVIEW_LIMIT: usize = 200;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct PatientOverview {
    total: usize,
    patients: Vec<PatientSummary>,
}

#[tauri::command]
pub async fn patients(core: State<'_, AppCore>, query: String) -> CommandResult<PatientOverview> {
    let overview =
        core.read(move |client| Ok((client.patient_count()?, client.search_patients(&query, OVERVIEW_LIMIT)?))).await?;
    Ok(PatientOverview { total: overview.0, patients: overview.1 })
}

/// The names of the patients in an access-log page that this user can read (empty while locked).
#[tauri::command]
pub async fn patient_names(
    core: State<'_, AppCore>,
    patient_ids: Vec<PatientId>,
) -> CommandResult<std::collections::HashMap<PatientId, String>> {
    Ok(core.read(move |client| client.patient_names(&patient_ids)).await?.into_iter().collect())
}

#[tauri::command]
pub async fn open_patient(core: State<'_, AppCore>, patient_id: PatientId) -> CommandResult<PatientView> {
    Ok(core.client().await?.open_patient(patient_id).await?)
}

/// Import a HIS extraction (the file's text); progress arrives as `kring://import-progress`.
#[tauri::command]
pub async fn import_extraction(
    app: AppHandle,
    core: State<'_, AppCore>,
    organisation_id: OrganisationId,
    contents: String,
) -> CommandResult<ImportSummary> {
    let client = core.client().await?;
    let progress = move |progress: ImportProgress| {
        let _ = app.emit(IMPORT_PROGRESS, progress);
    };
    Ok(client.import_extraction(organisation_id, contents.into_bytes(), progress).await?)
}

/// The embedded demo's fictitious extraction (25 patients), to try the import without a HIS.
#[tauri::command]
pub async fn import_demo_extraction(
    app: AppHandle,
    core: State<'_, AppCore>,
    organisation_id: OrganisationId,
) -> CommandResult<ImportSummary> {
    if !matches!(core.server().await?, ServerTarget::Embedded(..)) {
        return Err(ClientError::Refused { code: kring_protocol::ErrorCode::Forbidden, message: "demo only".into() }.into());
    }
    let contents = kring_extraction::sample::fhir_bundle(25, 400, time::OffsetDateTime::now_utc().date()).to_string();
    import_extraction(app, core, organisation_id, contents).await
}

/// Save the import report (issue 14) as a text file in the user's Downloads folder; its path.
/// The UI writes it from the report's reasons and places: no patient data.
#[tauri::command]
pub fn save_import_report(app: AppHandle, text: String) -> CommandResult<String> {
    let dir = crate::conversations::downloads(&app)?;
    let path = crate::conversations::free_path(&dir, "kring-importrapport.txt");
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| ClientError::Internal(e.kind().to_string()))?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn record_consent(core: State<'_, AppCore>, patient_id: PatientId, given_by: ConsentGiver) -> CommandResult<()> {
    core.client().await?.record_consent(patient_id, given_by).await?;
    Ok(())
}

/// Make the patient visible to a partner organisation, or stop it (PAT-5).
#[tauri::command]
pub async fn share_patient(
    core: State<'_, AppCore>,
    patient_id: PatientId,
    organisation_id: OrganisationId,
    shared: bool,
) -> CommandResult<()> {
    Ok(core.client().await?.share_patient(patient_id, organisation_id, shared).await?)
}

#[tauri::command]
pub async fn withdraw_consent(core: State<'_, AppCore>, consent_id: Uuid) -> CommandResult<()> {
    core.client().await?.withdraw_consent(consent_id).await?;
    Ok(())
}

/// After a HIS launch and the password: which patient to open, or ask the birth date (PAT-4).
/// `None` when no launch waits.
#[tauri::command]
pub async fn pending_launch(core: State<'_, AppCore>) -> CommandResult<Option<LaunchOpening>> {
    let Some(target) = core.launch_target().await else { return Ok(None) };
    let opening = core.client().await?.open_launch(&target).await?;
    if matches!(opening, LaunchOpening::Open { .. }) {
        core.take_launch_target().await;
    }
    Ok(Some(opening))
}

/// The birth date for an unknown launched patient (PAT-4), `YYYY-MM-DD`.
#[tauri::command]
pub async fn add_launched_patient(core: State<'_, AppCore>, birth_date: String) -> CommandResult<PatientId> {
    let date = time::Date::parse(&birth_date, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| ClientError::InvalidBirthDate)?;
    let target = core.launch_target().await.ok_or(ClientError::NotSynced)?;
    let patient_id = core.client().await?.add_launched_patient(&target, date).await?;
    core.take_launch_target().await;
    Ok(patient_id)
}

/// Handle a `kring://` link (at start-up or from a second instance): log in from the HIS and tell
/// the window. The token is spent by the server once; nothing of it is logged.
pub fn open_link(app: AppHandle, link: String) {
    if link.starts_with("kring://activeer") {
        // The invitation mail's link: the login screen opens the activation with it.
        let _ = app.emit(ACTIVATION_LINK, link);
        focus(&app);
        return;
    }
    tauri::async_runtime::spawn(async move {
        let core = app.state::<AppCore>().inner().clone();
        match launch(&app, &core, &link).await {
            Ok(state) => {
                let _ = app.emit(LAUNCHED, state);
            }
            Err(error) => {
                tracing::info!(code = error.code(), "HIS launch refused");
                let _ = app.emit(LAUNCH_FAILED, crate::commands::CommandError::from(error));
            }
        }
        focus(&app);
    });
}

fn focus(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

async fn launch(app: &AppHandle, core: &AppCore, link: &str) -> Result<SessionState, ClientError> {
    // The same colleague already at work here keeps the open session (no second password).
    if let Ok(current) = core.client().await {
        match current.launch_here(link, &device_name()).await {
            Ok(target) => {
                core.set_launch_target(target).await;
                return Ok(session_state(core, &current));
            }
            // Another colleague (the token is still unspent), or this session is over: log in anew.
            Err(ClientError::Refused { code: kring_protocol::ErrorCode::LaunchOtherUser, .. } | ClientError::SessionExpired) => {}
            Err(error) => return Err(error),
        }
    }
    let server = core.server().await?.url().clone();
    let (client, target) = KringClient::launch(&server, &core.storage(), link, &device_name()).await?;
    core.set_launch_target(target).await;
    Ok(begin_session(app.clone(), core, client).await)
}

/// CARE-4: a home measurement for the patient's care network.
#[tauri::command]
pub async fn record_home_measurement(
    core: State<'_, AppCore>,
    form: kring_client::care::HomeMeasurementForm,
) -> CommandResult<Uuid> {
    Ok(core.client().await?.record_home_measurement(form).await?)
}

/// CARE-2: the patient's health plan.
#[tauri::command]
pub async fn health_plan(
    core: State<'_, AppCore>,
    patient_id: PatientId,
) -> CommandResult<Vec<kring_client::care::HealthPlanItemView>> {
    Ok(core.read(move |client| client.health_plan(patient_id)).await?)
}

/// CARE-2: add an item (`item_id` none) or save a new version of the one edited at `version`.
#[tauri::command]
pub async fn save_health_plan_item(
    core: State<'_, AppCore>,
    patient_id: PatientId,
    item_id: Option<Uuid>,
    version: u32,
    item: kring_domain::health_plan::HealthPlanItem,
) -> CommandResult<Uuid> {
    Ok(core.client().await?.save_health_plan_item(patient_id, item_id, version, item).await?)
}
