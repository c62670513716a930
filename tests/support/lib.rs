//! Shared set-up for the scenario tests: a demo region on an in-process server, and logged-in
//! clients for its people. Every test gets its own database and caches in temp dirs.

use kring_client::{ClientEvent, KringClient, ServerUrl};
use kring_server::seed::{seed_demo_region, DEMO_PASSWORD};
use kring_server::store::{SqliteStore, Store};
use kring_server::{AppState, RunningServer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// How long a test waits for something to happen before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestRegion {
    pub dir: TempDir,
    /// The server's clock: starts at the real time and moves only when a test advances it.
    pub clock: kring_domain::ManualClock,
    pub server: Option<RunningServer>,
    pub url: ServerUrl,
    addr: SocketAddr,
}

impl TestRegion {
    /// An embedded-style server on SQLite with the demo region, on a free loopback port.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open_store(&dir).await;
        seed_demo_region(store.as_ref(), kring_crypto::KdfParams::TESTING).await.expect("seed");
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
        let clock = kring_domain::ManualClock::new(time::OffsetDateTime::now_utc());
        let server = spawn(listener, store, &clock).await;
        let addr = server.addr;
        let url = ServerUrl::parse(&server.url()).expect("server url");
        Self { dir, clock, server: Some(server), url, addr }
    }

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("server is running")
    }

    /// Stop the server (clients see it go away).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Start the server again on the same database and port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let store = open_store(&self.dir).await;
        let listener = std::net::TcpListener::bind(self.addr).expect("rebind the same port");
        self.server = Some(spawn(listener, store, &self.clock).await);
    }

    /// Log in a demo user with the demo password; each user gets their own cache dir.
    pub async fn login(&self, username: &str) -> KringClient {
        let cache = self.dir.path().join(format!("cache-{username}"));
        KringClient::login(&self.url, &cache, username, DEMO_PASSWORD, "testwerkplek").await.expect("login")
    }
}

async fn open_store(dir: &TempDir) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(&dir.path().join("server.sqlite")).await.expect("open store"))
}

async fn spawn(listener: std::net::TcpListener, store: Arc<dyn Store>, clock: &kring_domain::ManualClock) -> RunningServer {
    let state = AppState::new(store, Arc::new(clock.clone())).await.expect("state");
    RunningServer::spawn(listener, state).expect("spawn server")
}


/// Wait until `condition` holds for the client, re-checking whenever it reports an event.
pub async fn wait_until<F>(client: &KringClient, mut condition: F)
where
    F: FnMut(&KringClient) -> bool,
{
    let mut events = client.subscribe();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition(client) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(error)) => panic!("event stream ended: {error}"),
            Err(_) => panic!("condition not met within {PATIENCE:?}"),
        }
    }
}

/// Wait for the first event that `matches`.
pub async fn wait_for_event<F>(events: &mut tokio::sync::broadcast::Receiver<ClientEvent>, mut matches: F) -> ClientEvent
where
    F: FnMut(&ClientEvent) -> bool,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) if matches(&event) => return event,
            Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(error)) => panic!("event stream ended: {error}"),
            Err(_) => panic!("expected event did not arrive within {PATIENCE:?}"),
        }
    }
}

/// The demo practice's "Praktijkteam" as the client's directory shows it now.
pub fn practice_team(client: &KringClient) -> kring_client::directory::TeamView {
    let directory = client.directory().expect("directory");
    directory
        .organisations
        .into_iter()
        .filter(|o| o.name == "Huisartsenpraktijk De Linde")
        .flat_map(|o| o.teams)
        .find(|t| t.name == "Praktijkteam")
        .expect("the demo practice has a Praktijkteam")
}

/// The server's HTTP API without the client engine, for tests that look at the raw protocol.
pub struct RawApi {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl RawApi {
    pub fn anonymous(region: &TestRegion) -> Self {
        Self { base: region.url.as_str().to_owned(), http: reqwest::Client::new(), token: None }
    }

    /// Log in as a demo user the way the client does (prelogin, derive, login).
    pub async fn login(region: &TestRegion, username: &str) -> Self {
        let mut api = Self::anonymous(region);
        let prelogin: kring_protocol::PreloginResponse =
            api.post("v1/auth/prelogin", &serde_json::json!({ "username": username })).await.json().await.expect("prelogin");
        let salt = kring_crypto::Salt::from_base64(&prelogin.salt).expect("salt");
        let keys = kring_crypto::derive_login_keys(DEMO_PASSWORD, &salt, prelogin.kdf).expect("derive");
        let request = kring_protocol::LoginRequest {
            username: username.into(),
            auth_key: keys.auth_key.to_base64().to_string(),
            device_name: "test".into(),
        };
        let kring_protocol::LoginOutcome::Authenticated { session, .. } =
            api.post("v1/auth/login", &request).await.json().await.expect("login");
        api.token = Some(session.token);
        api
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.authorise(self.http.get(format!("{}{path}", self.base))).send().await.expect("GET")
    }

    pub async fn post<B: serde::Serialize>(&self, path: &str, body: &B) -> reqwest::Response {
        self.authorise(self.http.post(format!("{}{path}", self.base)).json(body)).send().await.expect("POST")
    }

    fn authorise(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }
}
