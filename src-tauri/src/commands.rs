//! Tauri commands: one-line adapters from the UI's `invoke` calls to kring-client. Errors reach
//! the UI as `{ code, message }`; ui/src/lib/i18n turns the code into Dutch.

use crate::core::{AppCore, ServerTarget, Session};
use kring_client::directory::Directory;
use kring_client::{ClientError, KringClient};
use kring_domain::{TeamId, UserId};
use kring_protocol::{Me, Mutation};
use kring_server::seed::{demo_accounts, DemoAccount, DEMO_PASSWORD};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

/// The name of the event that carries `kring_client::ClientEvent`s to the window.
const CLIENT_EVENT: &str = "kring://client-event";

#[derive(Debug, Serialize)]
pub struct CommandError {
    code: &'static str,
    message: String,
    /// With `rate_limited`: seconds until a new attempt is accepted (the UI says when).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        let retry_after_seconds = match &error {
            ClientError::RateLimited { retry_after_seconds } => Some(*retry_after_seconds),
            _ => None,
        };
        Self { code: error.code(), message: error.to_string(), retry_after_seconds }
    }
}

type CommandResult<T> = Result<T, CommandError>;

#[derive(Debug, Serialize)]
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
        ServerTarget::Embedded(_, url) => AppInfo {
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

#[tauri::command]
pub async fn login(app: AppHandle, core: State<'_, AppCore>, username: String, password: String) -> CommandResult<Me> {
    let server = core.server().await?.url().clone();
    let client = KringClient::login(&server, &core.cache_dir(), &username, &password, &device_name()).await?;
    let me = client.me().clone();
    let forward = {
        let mut events = client.subscribe();
        tauri::async_runtime::spawn(async move {
            while let Ok(event) = events.recv().await {
                let _ = app.emit(CLIENT_EVENT, event);
            }
        })
    };
    let live = {
        let client = client.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(error) = client.run_live().await {
                tracing::info!(code = error.code(), "stopped following the feed");
            }
        })
    };
    core.set_session(Session::new(client, vec![forward, live])).await;
    Ok(me)
}

#[tauri::command]
pub async fn logout(core: State<'_, AppCore>) -> CommandResult<()> {
    Ok(core.logout().await?)
}

#[tauri::command]
pub async fn directory(core: State<'_, AppCore>) -> CommandResult<Directory> {
    Ok(core.client().await?.directory()?)
}

#[tauri::command]
pub async fn set_team_contact(core: State<'_, AppCore>, team_id: TeamId, contact: Option<UserId>) -> CommandResult<()> {
    core.client().await?.submit(Mutation::SetTeamContact { team_id, contact }).await?;
    Ok(())
}

/// The workstation's name, for the user's session list and the access log.
fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "werkplek".to_owned())
}
