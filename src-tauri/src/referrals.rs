//! Referral commands (REF-1 … REF-4) and the authorisation matrix (REF-2): each a thin call into
//! kring-client.

use crate::commands::CommandResult;
use crate::conversations::{attachments, FileUpload};
use crate::core::AppCore;
use kring_client::referrals::{MatrixView, ReferralForm, ReferralOptions, ReferralSummary, ReferralView};
use kring_domain::referral::DataCategory;
use kring_domain::referral_letter::ReferralLetter;
use kring_domain::{OrganisationKind, PatientId};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub async fn referral_options(core: State<'_, AppCore>, patient_id: PatientId) -> CommandResult<ReferralOptions> {
    Ok(core.read(move |client| client.referral_options(patient_id)).await?)
}

/// The GGZ referral letter as the form's fields make it (REF-4): the live preview.
#[tauri::command]
pub async fn referral_letter(core: State<'_, AppCore>, form: ReferralForm) -> CommandResult<ReferralLetter> {
    Ok(core.read(move |client| client.referral_letter(&form)).await?)
}

#[tauri::command]
pub async fn refer(core: State<'_, AppCore>, form: ReferralForm, files: Vec<FileUpload>) -> CommandResult<Uuid> {
    let files = attachments(files)?;
    Ok(core.client().await?.refer(form, files).await?)
}

#[tauri::command]
pub async fn referrals(core: State<'_, AppCore>) -> CommandResult<Vec<ReferralSummary>> {
    Ok(core.read(|client| client.referrals()).await?)
}

/// One patient's referrals, for the Acties tab (REF-1: where they stand).
#[tauri::command]
pub async fn patient_referrals(core: State<'_, AppCore>, patient_id: PatientId) -> CommandResult<Vec<ReferralSummary>> {
    Ok(core.read(move |client| client.patient_referrals(patient_id)).await?)
}

#[tauri::command]
pub async fn open_referral(core: State<'_, AppCore>, referral_id: Uuid) -> CommandResult<ReferralView> {
    Ok(core.client().await?.open_referral(referral_id).await?)
}

#[tauri::command]
pub async fn take_referral(core: State<'_, AppCore>, referral_id: Uuid) -> CommandResult<()> {
    Ok(core.client().await?.take_referral(referral_id).await?)
}

#[tauri::command]
pub async fn decline_referral(core: State<'_, AppCore>, referral_id: Uuid, reason: String) -> CommandResult<()> {
    Ok(core.client().await?.decline_referral(referral_id, &reason).await?)
}

#[tauri::command]
pub async fn referral_feedback(
    core: State<'_, AppCore>,
    referral_id: Uuid,
    text: String,
    files: Vec<FileUpload>,
) -> CommandResult<()> {
    let files = attachments(files)?;
    Ok(core.client().await?.referral_feedback(referral_id, &text, files).await?)
}

#[tauri::command]
pub async fn close_referral(core: State<'_, AppCore>, referral_id: Uuid) -> CommandResult<()> {
    Ok(core.client().await?.close_referral(referral_id).await?)
}

#[tauri::command]
pub async fn withdraw_referral(core: State<'_, AppCore>, referral_id: Uuid) -> CommandResult<()> {
    Ok(core.client().await?.withdraw_referral(referral_id).await?)
}

#[tauri::command]
pub async fn matrix_view(core: State<'_, AppCore>) -> CommandResult<MatrixView> {
    Ok(core.read(|client| client.matrix_view()).await?)
}

#[tauri::command]
pub async fn request_matrix_extension(
    core: State<'_, AppCore>,
    kind: OrganisationKind,
    category: DataCategory,
    explanation: String,
) -> CommandResult<Uuid> {
    Ok(core.client().await?.request_matrix_extension(kind, category, &explanation).await?)
}

#[tauri::command]
pub async fn decide_matrix_request(core: State<'_, AppCore>, request_id: Uuid, approve: bool) -> CommandResult<()> {
    Ok(core.client().await?.decide_matrix_request(request_id, approve).await?)
}
