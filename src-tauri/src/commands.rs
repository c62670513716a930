//! Tauri commands: one-line adapters from the UI's `invoke` calls to kring-client. Errors reach
//! the UI as `{ code, message }`; ui/src/lib/i18n turns the code into Dutch.

use crate::core::{AppCore, ServerTarget, Session};
use kring_client::directory::Directory;
use kring_client::profile::ProfileView;
use kring_client::staff::StaffList;
use kring_client::{ClientError, KringClient};
use kring_domain::{AccountRequestForm, FieldError, ProfileForm};
use kring_domain::{Action, OrganisationId, Role, TeamId, UserId};
use kring_protocol::access_log::AccessLogPage;
use kring_protocol::staff::{AccountRequestEntry, Activated};
use kring_protocol::{CodeChannel, CodeSent, Me, Mutation};
use kring_server::delivery::DevMessage;
use kring_server::seed::{demo_accounts, DemoAccount, DEMO_PASSWORD};
use serde::Serialize;
use std::time::Duration;
use tauri::{AppHandle, Emitter, State};
use uuid::Uuid;

/// The name of the event that carries `kring_client::ClientEvent`s to the window.
const CLIENT_EVENT: &str = "kring://client-event";

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CommandError {
    /// One of `ClientError::all_codes` (generated into the TypeScript list).
    #[ts(type = "ClientErrorCode")]
    pub(crate) code: &'static str,
    message: String,
    /// With `rate_limited`: seconds until a new attempt is accepted (the UI says when).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    retry_after_seconds: Option<u64>,
    /// With an `extraction_*` code: where in the file the problem is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    location: Option<FileLocation>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct FileLocation {
    line: Option<u64>,
    column: Option<u64>,
    field: Option<String>,
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        let retry_after_seconds = match &error {
            ClientError::RateLimited { retry_after_seconds } => Some(*retry_after_seconds),
            _ => None,
        };
        let location = match &error {
            ClientError::Extraction(refusal) => Some(FileLocation {
                line: refusal.location.line,
                column: refusal.location.column,
                field: refusal.location.field.clone(),
            }),
            _ => None,
        };
        Self { code: error.code(), message: error.to_string(), retry_after_seconds, location }
    }
}

pub(crate) type CommandResult<T> = Result<T, CommandError>;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct AppInfo {
    /// "embedded" or "remote".
    mode: &'static str,
    server_url: String,
    /// Demo accounts and their password, shown on the login screen of the embedded demo only.
    demo_accounts: Vec<DemoAccount>,
    demo_password: Option<&'static str>,
    version: &'static str,
}

#[tauri::command]
pub async fn app_info(core: State<'_, AppCore>) -> CommandResult<AppInfo> {
    let version = env!("CARGO_PKG_VERSION");
    Ok(match core.server().await? {
        ServerTarget::Embedded(_, url, _) => AppInfo {
            mode: "embedded",
            server_url: url.as_str().to_owned(),
            demo_accounts: demo_accounts(),
            demo_password: Some(DEMO_PASSWORD),
            version,
        },
        ServerTarget::Remote(url) => AppInfo {
            mode: "remote",
            server_url: url.as_str().to_owned(),
            demo_accounts: Vec::new(),
            demo_password: None,
            version,
        },
    })
}

/// Login step one: the password. A code goes out by the user's channel.
#[tauri::command]
pub async fn start_login(core: State<'_, AppCore>, username: String, password: String) -> CommandResult<CodeSent> {
    let server = core.server().await?.url().clone();
    let attempt = kring_client::LoginAttempt::start(&server, &core.storage(), &username, &password, &device_name()).await?;
    let sent = attempt.code_sent().clone();
    core.set_pending(Some(attempt)).await;
    Ok(sent)
}

/// The mail and SMS of the embedded demo (newest first), so a person can read their code. A
/// region's server sends real mail and SMS: then this is empty.
#[tauri::command]
pub async fn dev_outbox(core: State<'_, AppCore>) -> CommandResult<Vec<DevMessage>> {
    Ok(match core.server().await? {
        ServerTarget::Embedded(_, _, outbox) => outbox.messages().into_iter().rev().collect(),
        ServerTarget::Remote(_) => Vec::new(),
    })
}

/// Where the session stands, for the UI after login and after each change.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SessionState {
    me: Me,
    /// Per organisation, what the user's roles there permit: the UI shows only those actions
    /// (from the one permission table, `Role::permits`).
    permissions: Vec<OrganisationPermissions>,
    must_change_password: bool,
    keys_were_reset: bool,
    unlocked: bool,
    idle_lock_minutes: u64,
    /// Every role with its Dutch name; `practice` marks those a practice requests accounts for
    /// (STAFF-2, STAFF-5).
    roles: Vec<RoleOption>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoleOption {
    role: Role,
    name: &'static str,
    practice: bool,
    network: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct OrganisationPermissions {
    organisation_id: OrganisationId,
    actions: Vec<Action>,
}

fn permissions(me: &Me) -> Vec<OrganisationPermissions> {
    let mut out: Vec<OrganisationPermissions> = Vec::new();
    for contract in &me.contracts {
        let allowed = Action::ALL.into_iter().filter(|action| contract.role.permits(*action));
        match out.iter_mut().find(|p| p.organisation_id == contract.organisation_id) {
            Some(existing) => existing.actions.extend(allowed.filter(|a| !existing.actions.contains(a)).collect::<Vec<_>>()),
            None => out.push(OrganisationPermissions { organisation_id: contract.organisation_id, actions: allowed.collect() }),
        }
    }
    out
}

pub(crate) fn session_state(core: &AppCore, client: &KringClient) -> SessionState {
    SessionState {
        permissions: permissions(client.me()),
        me: client.me().clone(),
        must_change_password: client.must_change_password(),
        keys_were_reset: client.keys_were_reset(),
        unlocked: client.is_unlocked(),
        idle_lock_minutes: core.idle_lock().as_secs().div_ceil(60),
        roles: Role::ALL
            .iter()
            .map(|role| RoleOption {
                role: *role,
                name: role.dutch_name(),
                practice: Role::PRACTICE.contains(role),
                network: Role::NETWORK.contains(role),
            })
            .collect(),
    }
}

/// Login step two: the code. Starts following the feed and the idle lock, unless the password
/// must be changed first (then that comes first).
#[tauri::command]
pub async fn verify_code(app: AppHandle, core: State<'_, AppCore>, code: String) -> CommandResult<SessionState> {
    let client = core.verify_pending(&code).await?;
    Ok(begin_session(app, &core, client).await)
}

/// Make `client` the window's session: its events reach the UI, and the feed and idle lock run
/// unless the password must be changed first.
pub(crate) async fn begin_session(app: AppHandle, core: &AppCore, client: KringClient) -> SessionState {
    let forward = {
        let mut events = client.subscribe();
        tauri::async_runtime::spawn(async move {
            while let Ok(event) = events.recv().await {
                let _ = app.emit(CLIENT_EVENT, event);
            }
        })
    };
    core.set_session(Session::new(client.clone(), vec![forward])).await;
    if !client.must_change_password() {
        start_background(core, &client).await;
    }
    session_state(core, &client)
}

/// The feed and the idle lock, once the account may be used.
async fn start_background(core: &AppCore, client: &KringClient) {
    let live = {
        let client = client.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(error) = client.run_live().await {
                tracing::info!(code = error.code(), "stopped following the feed");
            }
        })
    };
    core.add_session_task(live).await;
    core.add_session_task(tauri::async_runtime::spawn(client.clone().run_key_maintenance())).await;
    core.add_session_task(tauri::async_runtime::spawn(crate::notifications::run_notifications(client.clone(), core.in_view())))
        .await;
    client.set_idle_lock(core.idle_lock());
    core.add_session_task(tauri::async_runtime::spawn(client.clone().run_idle_lock())).await;
}

#[tauri::command]
pub async fn change_initial_password(core: State<'_, AppCore>, new: String, repeated: String) -> CommandResult<SessionState> {
    let client = core.client().await?;
    client.change_initial_password(&new, &repeated).await?;
    start_background(&core, &client).await;
    Ok(session_state(&core, &client))
}

#[tauri::command]
pub async fn change_password(core: State<'_, AppCore>, current: String, new: String, repeated: String) -> CommandResult<()> {
    Ok(core.client().await?.change_password(&current, &new, &repeated).await?)
}

#[tauri::command]
pub async fn logout(core: State<'_, AppCore>) -> CommandResult<()> {
    Ok(core.logout().await?)
}

#[tauri::command]
pub async fn lock(core: State<'_, AppCore>) -> CommandResult<()> {
    core.client().await?.lock();
    Ok(())
}

#[tauri::command]
pub async fn unlock(core: State<'_, AppCore>, password: String) -> CommandResult<()> {
    let client = core.client().await?;
    match client.unlock(&password).await {
        Err(ClientError::TooManyUnlockAttempts) => {
            core.logout().await.ok();
            Err(ClientError::TooManyUnlockAttempts.into())
        }
        other => Ok(other?),
    }
}

/// The user did something: postpone the idle lock.
#[tauri::command]
pub async fn touch(core: State<'_, AppCore>) -> CommandResult<()> {
    core.client().await?.touch();
    Ok(())
}

/// Choose the idle time before the lock closes (1 to 60 minutes), at once and for later logins.
#[tauri::command]
pub async fn set_idle_lock_minutes(core: State<'_, AppCore>, minutes: u64) -> CommandResult<()> {
    if !(1..=60).contains(&minutes) {
        return Err(
            ClientError::Refused { code: kring_protocol::ErrorCode::InvalidRequest, message: "1 to 60 minutes".into() }.into()
        );
    }
    core.set_idle_lock(Duration::from_secs(minutes * 60));
    core.client().await?.set_idle_lock(core.idle_lock());
    Ok(())
}

#[tauri::command]
pub async fn set_code_channel(core: State<'_, AppCore>, channel: CodeChannel) -> CommandResult<()> {
    core.client().await?.set_code_channel(channel).await?;
    Ok(())
}

#[tauri::command]
pub async fn reset_password(core: State<'_, AppCore>, user_id: UserId) -> CommandResult<String> {
    Ok(core.client().await?.reset_password(user_id).await?.to_string())
}

#[tauri::command]
pub async fn access_log(
    core: State<'_, AppCore>,
    organisation_id: OrganisationId,
    before: Option<i64>,
) -> CommandResult<AccessLogPage> {
    Ok(core.client().await?.access_log(organisation_id, before).await?)
}

#[tauri::command]
pub async fn staff(core: State<'_, AppCore>, organisation_id: OrganisationId) -> CommandResult<StaffList> {
    Ok(core.client().await?.staff(organisation_id)?)
}

/// The form's problems by field, from the domain's rules (STAFF-2, STAFF-8); empty when valid.
#[tauri::command]
pub fn check_account_request(form: AccountRequestForm) -> Vec<FieldError> {
    form.validate(&[]).err().unwrap_or_default()
}

#[tauri::command]
pub async fn request_account(
    core: State<'_, AppCore>,
    organisation_id: OrganisationId,
    form: AccountRequestForm,
) -> CommandResult<()> {
    core.client().await?.request_account(organisation_id, form).await?;
    Ok(())
}

#[tauri::command]
pub async fn region_account_requests(core: State<'_, AppCore>) -> CommandResult<Vec<AccountRequestEntry>> {
    Ok(core.client().await?.region_account_requests().await?)
}

#[tauri::command]
pub async fn decide_account_request(core: State<'_, AppCore>, request_id: Uuid, approve: bool) -> CommandResult<()> {
    core.client().await?.decide_account_request(request_id, approve).await?;
    Ok(())
}

#[tauri::command]
pub async fn set_patient_data_access(
    core: State<'_, AppCore>,
    organisation_id: OrganisationId,
    user_id: UserId,
    authorised: bool,
) -> CommandResult<()> {
    core.client().await?.set_patient_data_access(organisation_id, user_id, authorised).await?;
    Ok(())
}

#[tauri::command]
pub async fn set_his_user(
    core: State<'_, AppCore>,
    organisation_id: OrganisationId,
    user_id: UserId,
    his_user_id: Option<String>,
) -> CommandResult<()> {
    core.client().await?.set_his_user(organisation_id, user_id, his_user_id).await?;
    Ok(())
}

#[tauri::command]
pub async fn deactivate(core: State<'_, AppCore>, user_id: UserId) -> CommandResult<()> {
    core.client().await?.deactivate(user_id).await?;
    Ok(())
}

/// Whose invitation an activation link is (before logging in).
#[tauri::command]
pub async fn invitation(core: State<'_, AppCore>, link: String) -> CommandResult<kring_client::activation::InvitationView> {
    let server = core.server().await?.url().clone();
    Ok(kring_client::activation::invitation(&server, &link).await?)
}

#[tauri::command]
pub async fn activate(
    core: State<'_, AppCore>,
    link: String,
    password: String,
    repeated: String,
    channel: CodeChannel,
) -> CommandResult<Activated> {
    let server = core.server().await?.url().clone();
    Ok(kring_client::activation::activate(&server, &link, &password, &repeated, channel).await?)
}

#[tauri::command]
pub async fn profile(core: State<'_, AppCore>) -> CommandResult<ProfileView> {
    Ok(core.read(|client| client.profile()).await?)
}

#[tauri::command]
pub async fn update_profile(core: State<'_, AppCore>, form: ProfileForm) -> CommandResult<()> {
    core.client().await?.update_profile(form).await?;
    Ok(())
}

#[tauri::command]
pub async fn directory(core: State<'_, AppCore>) -> CommandResult<Directory> {
    Ok(core.read(|client| client.directory()).await?)
}

#[tauri::command]
pub async fn set_team_contact(core: State<'_, AppCore>, team_id: TeamId, contact: Option<UserId>) -> CommandResult<()> {
    core.client().await?.submit(Mutation::SetTeamContact { team_id, contact }).await?;
    Ok(())
}

/// The workstation's name, for the user's session list and the access log.
pub(crate) fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "werkplek".to_owned())
}
