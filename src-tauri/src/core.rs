//! The app's state: which server it talks to (embedded or remote) and the logged-in session.

use kring_client::his_return::HisTransport;
use kring_client::{ClientError, KringClient, LocalStorage, LoginAttempt, ServerUrl};
use kring_domain::ConversationId;
use kring_protocol::LaunchTarget;
use kring_server::delivery::DevOutbox;
use kring_server::RunningServer;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell};

/// Where the app's server lives.
pub enum ServerTarget {
    /// Inside this process, on a loopback port, with the demo region; login codes go to the
    /// dev outbox, which the login screen shows.
    Embedded(Box<RunningServer>, ServerUrl, DevOutbox),
    /// A region's standalone server (`KRING_SERVER_URL`).
    Remote(ServerUrl),
}

impl ServerTarget {
    pub fn url(&self) -> &ServerUrl {
        match self {
            ServerTarget::Embedded(_, url, _) | ServerTarget::Remote(url) => url,
        }
    }
}

/// A logged-in user: the client and the tasks that follow the feed for the window.
pub struct Session {
    pub client: KringClient,
    tasks: Vec<tauri::async_runtime::JoinHandle<()>>,
}

impl Session {
    pub fn new(client: KringClient, tasks: Vec<tauri::async_runtime::JoinHandle<()>>) -> Self {
        Self { client, tasks }
    }

    fn stop(self) -> KringClient {
        for task in &self.tasks {
            task.abort();
        }
        self.client
    }
}

#[derive(Clone)]
pub struct AppCore {
    inner: Arc<Inner>,
}

struct Inner {
    data_dir: PathBuf,
    configured_url: Option<String>,
    server: OnceCell<ServerTarget>,
    /// A login between password and code.
    pending: Mutex<Option<LoginAttempt>>,
    session: Mutex<Option<Session>>,
    /// Idle time before the secure session locks (ACC-7).
    idle_lock: std::sync::Mutex<Duration>,
    /// The patient of a HIS launch, until the window has opened it (PAT-3, PAT-4).
    launch_target: Mutex<Option<LaunchTarget>>,
    /// The conversation the window shows while it has focus: no OS notification for it (CHAT-11).
    in_view: tokio::sync::watch::Sender<Option<ConversationId>>,
    /// Where "Terugsturen naar HIS" delivers (CHAT-6).
    his_transport: Arc<dyn HisTransport>,
    keyring: Arc<dyn kring_client::Keyring>,
}

impl AppCore {
    pub fn new(
        data_dir: PathBuf,
        configured_url: Option<String>,
        idle_lock: Duration,
        his_transport: Arc<dyn HisTransport>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                in_view: tokio::sync::watch::Sender::new(None),
                his_transport,
                keyring: crate::keyring::os_keyring(),
                data_dir,
                configured_url,
                server: OnceCell::new(),
                pending: Mutex::new(None),
                session: Mutex::new(None),
                idle_lock: std::sync::Mutex::new(idle_lock),
                launch_target: Mutex::new(None),
            }),
        }
    }

    /// Which conversation the window shows while focused (`None`: none, or the window is away).
    pub fn set_in_view(&self, conversation: Option<ConversationId>) {
        self.inner.in_view.send_replace(conversation);
    }

    pub fn in_view(&self) -> tokio::sync::watch::Receiver<Option<ConversationId>> {
        self.inner.in_view.subscribe()
    }

    pub fn his_transport(&self) -> Arc<dyn HisTransport> {
        self.inner.his_transport.clone()
    }

    pub fn idle_lock(&self) -> Duration {
        *self.inner.idle_lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set_idle_lock(&self, idle: Duration) {
        *self.inner.idle_lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = idle;
    }

    /// Keep the login between its two steps (replacing an earlier unfinished one).
    pub async fn set_pending(&self, attempt: Option<LoginAttempt>) {
        *self.inner.pending.lock().await = attempt;
    }

    /// The code step of the pending login; the attempt stays for another try with a new code.
    pub async fn verify_pending(&self, code: &str) -> Result<KringClient, ClientError> {
        let pending = self.inner.pending.lock().await;
        let attempt = pending.as_ref().ok_or(ClientError::SessionExpired)?;
        attempt.verify(code).await
    }

    /// The server, started on first use. An invalid `KRING_SERVER_URL` is an error every time
    /// (the login screen shows it), never a silent fallback to the embedded server.
    pub async fn server(&self) -> Result<&ServerTarget, ClientError> {
        self.inner
            .server
            .get_or_try_init(|| async {
                match &self.inner.configured_url {
                    Some(url) => Ok(ServerTarget::Remote(ServerUrl::parse(url)?)),
                    None => self.start_embedded().await,
                }
            })
            .await
    }

    async fn start_embedded(&self) -> Result<ServerTarget, ClientError> {
        std::fs::create_dir_all(&self.inner.data_dir).map_err(|e| ClientError::Internal(format!("data directory: {e}")))?;
        let database = format!("sqlite:{}", self.inner.data_dir.join("server.sqlite").display());
        // Demo accounts get the real Argon2id cost and a first-login password change, so the demo
        // logs in like production does.
        let outbox = DevOutbox::default();
        let server = RunningServer::start_embedded(&database, kring_server::seed::DemoOptions::default(), &outbox)
            .await
            .map_err(|e| ClientError::Internal(format!("embedded server: {e:#}")))?;
        let url = ServerUrl::parse(&server.url())?;
        tracing::info!(addr = %server.addr, "embedded server started");
        Ok(ServerTarget::Embedded(Box::new(server), url, outbox))
    }

    pub async fn set_launch_target(&self, target: LaunchTarget) {
        *self.inner.launch_target.lock().await = Some(target);
    }

    pub async fn launch_target(&self) -> Option<LaunchTarget> {
        self.inner.launch_target.lock().await.clone()
    }

    pub async fn take_launch_target(&self) -> Option<LaunchTarget> {
        self.inner.launch_target.lock().await.take()
    }

    /// The encrypted caches' folder and the OS keyring for their keys.
    pub fn storage(&self) -> LocalStorage {
        LocalStorage { cache_dir: self.inner.data_dir.join("cache"), keyring: self.inner.keyring.clone() }
    }

    pub async fn set_session(&self, session: Session) {
        self.inner.pending.lock().await.take();
        if let Some(previous) = self.inner.session.lock().await.replace(session) {
            previous.stop();
        }
    }

    /// Add a background task to the current session (stopped with it).
    pub async fn add_session_task(&self, task: tauri::async_runtime::JoinHandle<()>) {
        match self.inner.session.lock().await.as_mut() {
            Some(session) => session.tasks.push(task),
            None => task.abort(),
        }
    }

    pub async fn client(&self) -> Result<KringClient, ClientError> {
        self.inner.session.lock().await.as_ref().map(|s| s.client.clone()).ok_or(ClientError::SessionExpired)
    }

    /// A read model from the client's cache, made on the blocking pool: it runs SQLite and opens
    /// sealed rows (the patient index opens every card), which must not hold up a runtime worker.
    pub async fn read<T, F>(&self, read: F) -> Result<T, ClientError>
    where
        T: Send + 'static,
        F: FnOnce(&KringClient) -> Result<T, ClientError> + Send + 'static,
    {
        let client = self.client().await?;
        tauri::async_runtime::spawn_blocking(move || read(&client)).await.map_err(|e| ClientError::Internal(e.to_string()))?
    }

    /// Log out: stop following the feed and end the session on the server.
    pub async fn logout(&self) -> Result<(), ClientError> {
        self.inner.pending.lock().await.take();
        self.inner.launch_target.lock().await.take();
        let session = self.inner.session.lock().await.take();
        match session {
            Some(session) => session.stop().logout().await,
            None => Ok(()),
        }
    }

    /// On exit: end the session and stop the embedded server cleanly.
    pub async fn shutdown(&self) {
        if let Err(error) = self.logout().await {
            tracing::info!(code = error.code(), "logout on exit failed");
        }
        if let Some(ServerTarget::Embedded(server, _, _)) = self.inner.server.get() {
            server.state.feed().close();
        }
    }
}
