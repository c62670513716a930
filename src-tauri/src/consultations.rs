//! Consultation commands (CONS-1 … CONS-5) and their reports (STAFF-5): each a thin call into
//! kring-client.

use crate::commands::CommandResult;
use crate::conversations::{attachments, FileUpload};
use crate::core::AppCore;
use kring_client::consultation_reports::{DashboardRow, DeclarationRow, Period};
use kring_client::consultations::{ConsultationForm, ConsultationGroupView, ConsultationSummary};
use kring_domain::PatientId;
use tauri::{AppHandle, State};
use uuid::Uuid;

#[tauri::command]
pub async fn consultation_groups(core: State<'_, AppCore>) -> CommandResult<Vec<ConsultationGroupView>> {
    Ok(core.read(|client| client.consultation_groups()).await?)
}

#[tauri::command]
pub async fn ask_consultation(core: State<'_, AppCore>, form: ConsultationForm, files: Vec<FileUpload>) -> CommandResult<Uuid> {
    let files = attachments(files)?;
    Ok(core.client().await?.ask_consultation(form, files).await?)
}

/// The C tab.
#[tauri::command]
pub async fn consultations(core: State<'_, AppCore>) -> CommandResult<Vec<ConsultationSummary>> {
    Ok(core.read(|client| client.consultations()).await?)
}

/// One patient's consultations, for the timeline (CONS-3).
#[tauri::command]
pub async fn patient_consultations(core: State<'_, AppCore>, patient_id: PatientId) -> CommandResult<Vec<ConsultationSummary>> {
    Ok(core.read(move |client| client.patient_consultations(patient_id)).await?)
}

#[tauri::command]
pub async fn consultation(core: State<'_, AppCore>, consultation_id: Uuid) -> CommandResult<ConsultationSummary> {
    Ok(core.read(move |client| client.consultation(consultation_id)).await?)
}

#[tauri::command]
pub async fn pick_up_consultation(core: State<'_, AppCore>, consultation_id: Uuid) -> CommandResult<()> {
    Ok(core.client().await?.pick_up_consultation(consultation_id).await?)
}

#[tauri::command]
pub async fn close_consultation(core: State<'_, AppCore>, consultation_id: Uuid) -> CommandResult<()> {
    Ok(core.client().await?.close_consultation(consultation_id).await?)
}

#[tauri::command]
pub async fn declare_consultation(core: State<'_, AppCore>, consultation_id: Uuid, code: String) -> CommandResult<()> {
    Ok(core.client().await?.declare_consultation(consultation_id, &code).await?)
}

/// STAFF-5: the quality dashboard's rows (per month and group).
#[tauri::command]
pub async fn consultation_dashboard(core: State<'_, AppCore>) -> CommandResult<Vec<DashboardRow>> {
    Ok(core.read(|client| client.consultation_dashboard()).await?)
}

/// STAFF-5: the declarations of a period, for the finance screen.
#[tauri::command]
pub async fn declarations(core: State<'_, AppCore>, period: Period) -> CommandResult<Vec<DeclarationRow>> {
    Ok(core.read(move |client| client.declarations(period)).await?)
}

/// STAFF-5: the declarations of a period as CSV in the downloads folder; returns where.
#[tauri::command]
pub async fn save_declarations_csv(app: AppHandle, core: State<'_, AppCore>, period: Period) -> CommandResult<String> {
    let csv = core.read(move |client| client.declarations_csv(period)).await?;
    let dir = crate::conversations::downloads(&app)?;
    let name = format!("kring-declaraties-{}-{}.csv", period.from, period.until);
    let path = crate::conversations::free_path(&dir, &name);
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, csv))
        .map_err(|e| kring_client::ClientError::Internal(e.kind().to_string()))?;
    Ok(path.display().to_string())
}
