//! Shared set-up for the scenario tests: a demo region on an in-process server, and logged-in
//! clients for its people. Every test gets its own database and caches in temp dirs.

use kring_client::{ClientError, ClientEvent, KringClient, LoginAttempt, ServerUrl};
use kring_protocol::{ChangeBody, EntityKind};
use kring_server::delivery::{CodeDelivery, DevOutbox};
use kring_server::seed::{seed_demo_region, DemoOptions, DEMO_PASSWORD};
use kring_server::store::{SqliteStore, Store};
use kring_server::{AppState, Jobs, RegionConfig, RunningServer};
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
    /// Where the server's login codes (mail and SMS) land.
    pub outbox: DevOutbox,
    config: RegionConfig,
    addr: SocketAddr,
    /// The workstations' keyring: one for the whole test, so a cache written before a new login
    /// opens after it, as the OS keyring keeps it (the desktop's kernel keyring has its own test).
    keyring: Arc<dyn kring_client::Keyring>,
}

impl TestRegion {
    /// An embedded-style server on SQLite with the demo region, on a free loopback port. The demo
    /// users have changed their first password already; see [`TestRegion::start_first_login`].
    pub async fn start() -> Self {
        Self::start_with(false, RegionConfig::default()).await
    }

    /// As [`TestRegion::start`], but every demo user still has to change the demo password.
    pub async fn start_first_login() -> Self {
        Self::start_with(true, RegionConfig::default()).await
    }

    /// As [`TestRegion::start`], with the region's own settings.
    pub async fn start_configured(config: RegionConfig) -> Self {
        Self::start_with(false, config).await
    }

    async fn start_with(must_change_password: bool, config: RegionConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = open_store(&dir).await;
        let options = DemoOptions { kdf: kring_crypto::KdfParams::TESTING, must_change_password };
        seed_demo_region(store.as_ref(), options).await.expect("seed");
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
        let clock = kring_domain::ManualClock::new(time::OffsetDateTime::now_utc());
        let outbox = DevOutbox::default();
        let server = spawn(listener, store, &clock, &outbox, &config).await;
        let addr = server.addr;
        let url = ServerUrl::parse(&server.url()).expect("server url");
        let keyring: Arc<dyn kring_client::Keyring> = Arc::new(kring_client::MemoryKeyring::default());
        Self { dir, clock, server: Some(server), url, outbox, config, addr, keyring }
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
        self.server = Some(spawn(listener, store, &self.clock, &self.outbox, &self.config).await);
    }

    /// A consistent copy of the server's database as it is now (`VACUUM INTO`), as a backup is.
    pub fn backup_database(&self, to: &std::path::Path) {
        let database = rusqlite::Connection::open(self.database_path()).expect("open the database");
        database.execute("VACUUM INTO ?1", [to.to_string_lossy()]).expect("back up");
    }

    /// Stop the server, put `backup` in place of its database (as an operator's restore does) and
    /// start it again.
    pub async fn restore_database(&mut self, backup: &std::path::Path) {
        self.stop().await;
        let database = self.database_path();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
        }
        std::fs::copy(backup, &database).expect("restore the backup");
        self.restart().await;
    }

    pub fn database_path(&self) -> std::path::PathBuf {
        self.dir.path().join("server.sqlite")
    }

    /// Log in a demo user with the demo password and the code from the outbox; each user gets
    /// their own cache dir.
    pub async fn login(&self, username: &str) -> KringClient {
        self.try_login(username, DEMO_PASSWORD).await.expect("login")
    }

    /// Both login steps, as a person at the app does them.
    pub async fn try_login(&self, username: &str, password: &str) -> Result<KringClient, ClientError> {
        let attempt = self.start_login(username, password).await?;
        let code = self.code_for(username).await;
        attempt.verify(&code).await
    }

    /// Step one only: the password. The code waits in [`TestRegion::outbox`].
    pub async fn start_login(&self, username: &str, password: &str) -> Result<LoginAttempt, ClientError> {
        LoginAttempt::start(&self.url, &self.storage(username), username, password, "testwerkplek").await
    }

    /// Where `username`'s workstation keeps its cache, with the region's keyring.
    pub fn storage(&self, username: &str) -> kring_client::LocalStorage {
        kring_client::LocalStorage { cache_dir: self.cache_dir(username), keyring: self.keyring.clone() }
    }

    pub fn cache_dir(&self, username: &str) -> std::path::PathBuf {
        self.dir.path().join(format!("cache-{username}"))
    }

    /// An account made directly in the region's store, with the demo password, for what the API
    /// cannot make yet: someone placed in a team or holding a role no account request names
    /// (a request names a practice role, not a team), and an inhabitant's own account (issue 17).
    /// Its feed change is published as a commit's would be; all that follows goes through the API.
    pub async fn create_account_outside_the_api(&self, spec: kring_server::seed::AccountSpec) -> kring_domain::UserId {
        let options = kring_server::seed::DemoOptions { kdf: kring_crypto::KdfParams::TESTING, must_change_password: false };
        let state = &self.server().state;
        let (user, seq) = kring_server::seed::create_account(state.store(), spec, DEMO_PASSWORD, options).await.expect("account");
        state.feed().publish_in_store(seq);
        user
    }

    /// Run the jobs that are due by the region's clock (as the server's worker would): the only
    /// way jobs run in a test region.
    pub async fn run_jobs(&self) -> usize {
        kring_server::jobs::run_due(&self.server().state).await.expect("jobs")
    }

    /// The activation link in the newest invitation to `email`, after the due jobs ran (which send it).
    pub async fn activation_link(&self, email: &str) -> String {
        let mut sent = self.outbox.subscribe();
        self.run_jobs().await;
        let find = |outbox: &DevOutbox| {
            outbox
                .messages()
                .into_iter()
                .rev()
                .find(|m| m.to == email && m.subject.contains("activeren"))
                .and_then(|m| m.body.lines().find(|line| line.starts_with("kring://activeer?token=")).map(str::to_owned))
        };
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(link) = find(&self.outbox) {
                return link;
            }
            tokio::time::timeout_at(deadline, sent.changed()).await.expect("no invitation arrived").expect("outbox");
        }
    }

    /// The six digits of the newest code sent to `username`'s e-mail address or mobile number.
    pub async fn code_for(&self, username: &str) -> String {
        let store = &self.server().state.store();
        let credentials = store.credentials(username).await.expect("store").expect("known user");
        let Some(ChangeBody::Account(account)) = store.entity(EntityKind::Account, credentials.user_id.0).await.expect("store")
        else {
            panic!("no account for {username}");
        };
        let destinations: Vec<String> =
            account.email.map(|e| e.as_str().to_owned()).into_iter().chain(account.mobile.map(|m| m.e164().to_owned())).collect();
        let message = self
            .outbox
            .messages()
            .into_iter()
            .rev()
            .find(|m| destinations.contains(&m.to))
            .unwrap_or_else(|| panic!("no code was sent to {username}"));
        message.body.chars().filter(char::is_ascii_digit).take(6).collect()
    }
}

async fn open_store(dir: &TempDir) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(&dir.path().join("server.sqlite")).await.expect("open store"))
}

async fn spawn(
    listener: std::net::TcpListener,
    store: Arc<dyn Store>,
    clock: &kring_domain::ManualClock,
    outbox: &DevOutbox,
    config: &RegionConfig,
) -> RunningServer {
    let state = AppState::new(store, Arc::new(clock.clone()), CodeDelivery::dev(outbox))
        .await
        .expect("state")
        .with_config(config.clone());
    // The tests move the region's clock and run the jobs themselves: no worker races them.
    RunningServer::spawn(listener, state, Jobs::ByHand).expect("spawn server")
}

/// A workstation of its own: caches under `cache_dir`, secrets in a keyring of their own.
pub fn storage(cache_dir: std::path::PathBuf) -> kring_client::LocalStorage {
    kring_client::LocalStorage { cache_dir, keyring: Arc::new(kring_client::MemoryKeyring::default()) }
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

/// The GP with the practice vault and `patients` sample patients imported (kring_extraction's
/// sample, no measurements), consent recorded for each: where the benches start.
pub async fn gp_with_sample_patients(
    region: &TestRegion,
    patients: usize,
) -> (KringClient, Vec<kring_client::patients::PatientSummary>) {
    let gp = region.login("huisarts").await;
    gp.sync_now().await.expect("sync");
    gp.maintain_practice_keys().await.expect("practice vault");
    gp.sync_now().await.expect("sync");
    let practice = gp.me().contracts[0].organisation_id;
    let bundle = kring_extraction::sample::fhir_bundle(patients, 0, time::OffsetDateTime::now_utc().date()).to_string();
    gp.import_extraction(practice, bundle.into_bytes(), |_| {}).await.expect("import");
    let found = gp.search_patients("", patients).expect("patients");
    for patient in &found {
        gp.record_consent(patient.id, kring_domain::ConsentGiver::Patient).await.expect("consent");
    }
    (gp, found)
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

    /// Log in as a demo user the way the client does (prelogin, derive, login, code).
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
        let sent: kring_protocol::CodeSent = api.post("v1/auth/login", &request).await.json().await.expect("login");
        let code = region.code_for(username).await;
        let verify = kring_protocol::VerifyCodeRequest { challenge_id: sent.challenge_id, code };
        let grant: kring_protocol::LoginGrant = api.post("v1/auth/verify-code", &verify).await.json().await.expect("verify");
        api.token = Some(grant.tokens.access_token);
        api
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.authorise(self.http.get(format!("{}{path}", self.base))).send().await.expect("GET")
    }

    pub async fn post<B: serde::Serialize>(&self, path: &str, body: &B) -> reqwest::Response {
        self.authorise(self.http.post(format!("{}{path}", self.base)).json(body)).send().await.expect("POST")
    }

    /// The session's access token (for a WebSocket of the test's own).
    pub fn access_token(&self) -> &str {
        self.token.as_deref().expect("logged in")
    }

    /// POST a body as it is (already serialised), as the client uploads an extraction.
    pub async fn post_bytes(&self, path: &str, body: reqwest::Body) -> reqwest::Response {
        let request = self.http.post(format!("{}{path}", self.base)).header("content-type", "application/json").body(body);
        self.authorise(request).send().await.expect("POST")
    }

    fn authorise(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }
}
