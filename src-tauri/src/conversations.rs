//! Conversation commands (CHAT-1 … CHAT-11, NET-1, NET-2) and where "Terugsturen naar HIS"
//! delivers (CHAT-6): `KRING_HIS_RETURN` = `folder:/path` (a drop folder the HIS or ZorgMail
//! client reads), `smtps://host:port` (ZorgMail's SMTP over TLS; `KRING_HIS_RETURN_USER`,
//! `KRING_HIS_RETURN_PASSWORD`, `KRING_HIS_RETURN_FROM`) or `smtp://127.0.0.1:port` (a local
//! ZorgMail client). Default: the folder `his-export` in the app's data directory.

use crate::commands::CommandResult;
use crate::core::AppCore;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kring_client::conversations::{
    AwayNotice, ConversationSummary, ConversationView, InboxView, NetworkMemberView, NewAttachment, NewConversation,
    RecipientView,
};
use kring_client::his_return::{FolderDrop, HisReturnReceipt, HisRoute, HisTransport, SmtpSettings, ZorgMailSmtp};
use kring_client::ClientError;
use kring_domain::{ConversationId, PatientId, TeamId, UserId};
use kring_protocol::conversations::ParticipantKind;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use tauri::{AppHandle, Manager, State};
use uuid::Uuid;

/// The transport `KRING_HIS_RETURN` names (see the module docs).
pub fn his_transport(data_dir: &Path) -> anyhow::Result<Arc<dyn HisTransport>> {
    let setting = std::env::var("KRING_HIS_RETURN").unwrap_or_default();
    if setting.trim().is_empty() {
        return Ok(Arc::new(FolderDrop { dir: data_dir.join("his-export") }));
    }
    if let Some(dir) = setting.strip_prefix("folder:") {
        return Ok(Arc::new(FolderDrop { dir: dir.into() }));
    }
    let url = url::Url::parse(&setting)?;
    let tls = match url.scheme() {
        "smtps" => true,
        "smtp" => false,
        other => anyhow::bail!("KRING_HIS_RETURN: unknown scheme {other} (folder:, smtp://, smtps://)"),
    };
    let settings = SmtpSettings {
        host: url.host_str().unwrap_or_default().to_owned(),
        port: url.port().unwrap_or(if tls { 465 } else { 25 }),
        tls,
        credentials: std::env::var("KRING_HIS_RETURN_USER").ok().zip(std::env::var("KRING_HIS_RETURN_PASSWORD").ok()),
        from: std::env::var("KRING_HIS_RETURN_FROM").unwrap_or_else(|_| "Kring <kring@localhost>".into()),
    };
    Ok(Arc::new(ZorgMailSmtp::new(&settings)?))
}

/// The inbox (G): all conversations, or those matching `query`; archived ones on request.
#[tauri::command]
pub async fn conversations(
    core: State<'_, AppCore>,
    query: String,
    include_archived: bool,
) -> CommandResult<Vec<ConversationSummary>> {
    let mut list =
        core.read(move |client| {
            if query.trim().is_empty() {
                client.conversations(include_archived)
            } else {
                client.search_conversations(&query)
            }
        })
        .await?;
    if !include_archived {
        list.retain(|c| !c.archived);
    }
    Ok(list)
}

#[tauri::command]
pub async fn open_conversation(core: State<'_, AppCore>, conversation_id: ConversationId) -> CommandResult<ConversationView> {
    Ok(core.client().await?.open_conversation(conversation_id).await?)
}

/// The open conversation again, after new messages arrived.
#[tauri::command]
pub async fn conversation(core: State<'_, AppCore>, conversation_id: ConversationId) -> CommandResult<ConversationView> {
    Ok(core.client().await?.refresh_conversation(conversation_id).await?)
}

#[tauri::command]
pub async fn set_conversation_in_view(core: State<'_, AppCore>, conversation_id: Option<ConversationId>) -> CommandResult<()> {
    core.set_in_view(conversation_id);
    Ok(())
}

#[tauri::command]
pub async fn recipients(core: State<'_, AppCore>, patient_id: Option<PatientId>) -> CommandResult<Vec<RecipientView>> {
    Ok(core.client().await?.recipients(patient_id)?)
}

/// Team inboxes one can write to (CHAT-3).
#[tauri::command]
pub async fn inboxes(core: State<'_, AppCore>, patient_id: Option<PatientId>) -> CommandResult<Vec<InboxView>> {
    Ok(core.client().await?.inboxes(patient_id)?)
}

#[tauri::command]
pub async fn away_notices(core: State<'_, AppCore>, recipients: Vec<UserId>) -> CommandResult<Vec<AwayNotice>> {
    Ok(core.client().await?.away_notices(&recipients)?)
}

#[tauri::command]
pub async fn start_conversation(
    core: State<'_, AppCore>,
    patient_id: Option<PatientId>,
    title: String,
    recipients: Vec<UserId>,
    inboxes: Vec<TeamId>,
    text: String,
) -> CommandResult<ConversationId> {
    let new = NewConversation { patient_id, title, recipients, inboxes, text };
    Ok(core.client().await?.start_conversation(new).await?)
}

/// CHAT-10: whether a picked file can go along, decided when it is picked rather than at
/// "Versturen": its size, its kind by name and by its first bytes (`head`, base64, at most
/// `kring_domain::conversation::ATTACHMENT_HEAD_BYTES`), and how many are attached already.
#[tauri::command]
pub fn check_attachment(name: String, size: u64, head: String, attached: usize) -> CommandResult<()> {
    use kring_domain::conversation::{check_attachment_head, AttachmentError, MAX_ATTACHMENTS};
    if attached >= MAX_ATTACHMENTS {
        return Err(ClientError::from(AttachmentError::TooMany).into());
    }
    let head = STANDARD.decode(head).map_err(|_| ClientError::Protocol("attachment encoding".into()))?;
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    check_attachment_head(&name, size, &head).map_err(ClientError::from)?;
    Ok(())
}

/// A file the window attaches: its name and content (base64).
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct FileUpload {
    name: String,
    data: String,
}

/// The window's files as attachments (CHAT-10).
pub fn attachments(files: Vec<FileUpload>) -> Result<Vec<NewAttachment>, ClientError> {
    files
        .into_iter()
        .map(|file| {
            let bytes = STANDARD.decode(file.data).map_err(|_| ClientError::Protocol("attachment encoding".into()))?;
            Ok(NewAttachment { name: file.name, bytes })
        })
        .collect()
}

#[tauri::command]
pub async fn send_message(
    core: State<'_, AppCore>,
    conversation_id: ConversationId,
    text: String,
    attachments: Vec<FileUpload>,
) -> CommandResult<Uuid> {
    let files = self::attachments(attachments)?;
    Ok(core.client().await?.send_message_with(conversation_id, &text, files).await?)
}

/// An image attachment as a `data:` URL for its preview (CHAT-10); decrypted in memory only.
#[tauri::command]
pub async fn attachment_preview(
    core: State<'_, AppCore>,
    conversation_id: ConversationId,
    message_id: Uuid,
    attachment_id: Uuid,
) -> CommandResult<String> {
    let file = core.client().await?.attachment(conversation_id, message_id, attachment_id).await?;
    if !file.kind.is_image() {
        return Err(ClientError::Protocol("not an image".into()).into());
    }
    Ok(format!("data:{};base64,{}", file.kind.mime(), STANDARD.encode(&file.bytes)))
}

/// Save an attachment in the user's Downloads folder (a new name if one exists); its path.
#[tauri::command]
pub async fn save_attachment(
    app: AppHandle,
    core: State<'_, AppCore>,
    conversation_id: ConversationId,
    message_id: Uuid,
    attachment_id: Uuid,
) -> CommandResult<String> {
    let file = core.client().await?.attachment(conversation_id, message_id, attachment_id).await?;
    let dir = downloads(&app)?;
    let path = free_path(&dir, &file.name);
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, &file.bytes))
        .map_err(|e| ClientError::Internal(e.kind().to_string()))?;
    Ok(path.display().to_string())
}

/// The user's Downloads folder: the desktop's own (XDG, Windows, macOS), else `~/Downloads` where a
/// session names none (a bare workstation image).
pub(crate) fn downloads(app: &AppHandle) -> Result<std::path::PathBuf, ClientError> {
    app.path()
        .download_dir()
        .or_else(|_| app.path().home_dir().map(|home| home.join("Downloads")))
        .map_err(|e| ClientError::Internal(e.to_string()))
}

/// `dir/name`, or `dir/name (2).ext` … when taken. Only the file name of `name` is used.
pub(crate) fn free_path(dir: &Path, name: &str) -> std::path::PathBuf {
    let name = Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "bijlage".into());
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem.to_owned(), format!(".{ext}")),
        None => (name.clone(), String::new()),
    };
    let mut candidate = dir.join(&name);
    let mut n = 2;
    while candidate.exists() {
        candidate = dir.join(format!("{stem} ({n}){extension}"));
        n += 1;
    }
    candidate
}

#[tauri::command]
pub async fn add_participants(
    core: State<'_, AppCore>,
    conversation_id: ConversationId,
    users: Vec<UserId>,
) -> CommandResult<()> {
    let users: Vec<(UserId, ParticipantKind)> = users.into_iter().map(|user| (user, ParticipantKind::Caregiver)).collect();
    Ok(core.client().await?.add_participants(conversation_id, &users).await?)
}

#[tauri::command]
pub async fn leave_conversation(core: State<'_, AppCore>, conversation_id: ConversationId, archive: bool) -> CommandResult<()> {
    Ok(core.client().await?.leave_conversation(conversation_id, archive).await?)
}

#[tauri::command]
pub async fn set_archived(core: State<'_, AppCore>, conversation_id: ConversationId, archived: bool) -> CommandResult<()> {
    Ok(core.client().await?.set_archived(conversation_id, archived).await?)
}

#[tauri::command]
pub async fn care_network(core: State<'_, AppCore>, patient_id: PatientId) -> CommandResult<Vec<NetworkMemberView>> {
    Ok(core.read(move |client| client.care_network(patient_id)).await?)
}

/// NET-2: whether this user may add caregivers to the patient's care network (a member, or the
/// practice), so the button shows only where it works.
#[tauri::command]
pub async fn may_add_to_care_network(core: State<'_, AppCore>, patient_id: PatientId) -> CommandResult<bool> {
    Ok(core.read(move |client| client.may_add_to_care_network(patient_id)).await?)
}

/// NET-2 by hand: add caregivers who see the patient to its care network.
#[tauri::command]
pub async fn join_care_network(core: State<'_, AppCore>, patient_id: PatientId, user_ids: Vec<UserId>) -> CommandResult<()> {
    let client = core.client().await?;
    for user_id in user_ids {
        client.join_care_network(patient_id, user_id).await?;
    }
    Ok(())
}

/// NET-2: take out someone one added by hand by mistake.
#[tauri::command]
pub async fn leave_care_network(core: State<'_, AppCore>, patient_id: PatientId, user_id: UserId) -> CommandResult<()> {
    Ok(core.client().await?.leave_care_network(patient_id, user_id).await?)
}

/// Where "Terugsturen naar HIS" sends from this workstation (`KRING_HIS_RETURN`), for the dialog.
#[tauri::command]
pub fn his_route(core: State<'_, AppCore>) -> HisRoute {
    core.his_transport().route()
}

#[tauri::command]
pub async fn return_to_his(
    core: State<'_, AppCore>,
    conversation_id: ConversationId,
    zorgmail_address: String,
    comment: String,
) -> CommandResult<HisReturnReceipt> {
    let transport = core.his_transport();
    Ok(core.client().await?.return_to_his(conversation_id, &zorgmail_address, &comment, transport.as_ref()).await?)
}
