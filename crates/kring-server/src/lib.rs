//! The Kring sync server, as a library (embedded in the desktop app) and as the `kring-server`
//! binary (a region's standalone server on PostgreSQL).
//!
//! It is authoritative for accounts, permissions and workflow state, and keeps the change feed
//! every client syncs from. It never sees plaintext patient content or passwords: clients send
//! sealed bodies and password-derived keys. Handlers read like the HTTP contract in
//! `docs/architecture.md`; storage sits behind the [`store::Store`] trait.
//!
//! This crate must never depend on Tauri or on kring-client.

mod access_guard;
mod access_log;
mod audience;
mod auth;
mod authz;
mod care;
mod chain;
mod consultations;
mod conversations;
mod credentials;
pub mod delivery;
mod error;
pub mod feed;
mod identity;
pub mod jobs;
mod launch;
pub mod mail;
mod mutations;
mod patients;
mod plan;
mod referrals;
pub mod seed;
pub mod serve;
mod staff;
mod state;
pub mod store;
mod sync;
#[cfg(feature = "test-support")]
pub mod testing;

use axum::routing::{get, post};
use axum::Router;
use kring_domain::SystemClock;
use std::net::SocketAddr;
use std::sync::Arc;

pub use access_guard::{FULL_CHECK_EVERY, RECORDS_PER_MINUTE};
pub use access_log::PAGE as ACCESS_LOG_PAGE;
pub use error::{ServerError, ServerResult};
pub use state::{AppState, RegionConfig};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the health check and the steps that lead to a session.
    Public,
    /// Only with a live session's bearer token (SEC-1), checked by the router's layer
    /// ([`authz::require_session`]) before the handler runs.
    Session,
}

/// The routes and who may call each, built in one place so the router and the test that walks
/// every route (`tests/scenarios/routes.rs`) cannot disagree.
struct Routes {
    public: Router<AppState>,
    session: Router<AppState>,
    /// Session routes that may take long: the HIS extraction upload.
    long: Router<AppState>,
    table: Vec<(&'static str, Access)>,
}

impl Routes {
    fn public(mut self, path: &'static str, route: axum::routing::MethodRouter<AppState>) -> Self {
        self.public = self.public.route(path, route);
        self.table.push((path, Access::Public));
        self
    }

    fn session(mut self, path: &'static str, route: axum::routing::MethodRouter<AppState>) -> Self {
        self.session = self.session.route(path, route);
        self.table.push((path, Access::Session));
        self
    }

    fn long_session(mut self, path: &'static str, route: axum::routing::MethodRouter<AppState>) -> Self {
        self.long = self.long.route(path, route);
        self.table.push((path, Access::Session));
        self
    }
}

/// How long a request may take, body included (a client trickling a body byte by byte holds a
/// connection no longer than this).
pub const REQUEST_TIME: std::time::Duration = std::time::Duration::from_secs(30);
/// How long an upload of a HIS extraction may take (256 MB at 10 Mbit/s is 3.5 minutes).
pub const LONG_REQUEST_TIME: std::time::Duration = std::time::Duration::from_secs(10 * 60);

async fn within(
    limit: std::time::Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (axum::http::StatusCode::REQUEST_TIMEOUT, "the request took too long").into_response(),
    }
}

fn routes() -> Routes {
    Routes { public: Router::new(), session: Router::new(), long: Router::new(), table: Vec::new() }
        .public("/health", get(health))
        .public("/v1/auth/prelogin", post(auth::prelogin))
        .public("/v1/auth/login", post(auth::login))
        .public("/v1/auth/verify-code", post(auth::verify_code))
        .public("/v1/auth/refresh", post(auth::refresh))
        .public("/v1/auth/launch", post(launch::launch))
        .public("/v1/activate", post(staff::activate))
        .public("/v1/activate/{token}", get(staff::invitation))
        .session("/v1/auth/password", post(auth::change_password))
        .session("/v1/auth/logout", post(auth::logout))
        .session("/v1/launch", post(launch::launch_in_session))
        .session("/v1/accounts/{user_id}/reset-password", post(auth::reset_password))
        .session("/v1/access-log", get(access_log::view))
        .session("/v1/account-requests", get(staff::list_requests))
        .session("/v1/me", get(auth::me))
        .session("/v1/sync", get(sync::sync))
        .session("/v1/ws", get(sync::websocket))
        .session("/v1/mutations", post(mutations::submit))
        // A whole HIS extraction is one request (PAT-1: one transaction), read as a stream with
        // its own limit (`patients::MAX_IMPORT_BYTES`).
        .long_session("/v1/patients/import", post(patients::import).layer(axum::extract::DefaultBodyLimit::disable()))
        .session("/v1/conversations/{id}/history", get(conversations::history))
        .session(
            "/v1/conversations/{id}/attachments/{attachment}/{index}",
            get(conversations::attachment_chunk).put(conversations::put_attachment_chunk),
        )
}

/// Every route with who may call it, in the order the router has them.
pub fn route_table() -> Vec<(&'static str, Access)> {
    routes().table
}

/// The HTTP API. Every route but the [`Access::Public`] ones refuses a request without a live
/// session (401) in a layer, before any handler runs: a route added tomorrow is protected
/// without thinking.
pub fn router(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    let Routes { public, session, long, .. } = routes();
    let require_session = from_fn_with_state(state.clone(), authz::require_session);
    let quick = public
        .merge(session.route_layer(require_session.clone()))
        .route_layer(from_fn(|request, next| within(REQUEST_TIME, request, next)));
    let long = long.route_layer(require_session).route_layer(from_fn(|request, next| within(LONG_REQUEST_TIME, request, next)));
    quick.merge(long).layer(axum::extract::DefaultBodyLimit::max(1024 * 1024)).with_state(state)
}

/// `GET /health`: "ok" while the store answers and is whole; 503 `store: broken` or
/// `store: unavailable` otherwise.
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> (axum::http::StatusCode, String) {
    match state.store().health().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok".into()),
        // The details go to the operator's log, not to whoever asks.
        Err(error @ store::StoreError::Broken(_)) => {
            tracing::warn!(%error, "health check failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "store: broken".into())
        }
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "store: unavailable".into())
        }
    }
}

/// Why the embedded server did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("the embedded region could not be opened or seeded: {0}")]
    Region(#[from] ServerError),
    #[error("no loopback port to serve on: {0}")]
    Listen(std::io::Error),
}

/// Who runs the durable jobs (mail, hiding requests) of a [`RunningServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jobs {
    /// The server's worker: every 30 seconds and whenever a commit queues work that is due.
    Worker,
    /// Only explicit calls to [`jobs::run_due`]: a test that moves the clock decides when jobs
    /// run, and no worker races it for them.
    ByHand,
}

/// A server running on a background task, as the desktop app and the tests use it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: serve::Shutdown,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Serve `state` on an already-bound listener (plain HTTP: loopback only, or behind TLS
    /// termination). Returns once the socket accepts connections.
    pub fn spawn(listener: std::net::TcpListener, state: AppState, jobs: Jobs) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        let shutdown = serve::Shutdown::new();
        if jobs == Jobs::Worker {
            jobs::spawn_worker(state.clone());
        }
        let task = tokio::spawn(serve::serve(
            listener,
            router(state.clone()),
            serve::Transport::Plain,
            serve::ConnectionLimits::for_this_process(),
            shutdown.clone(),
        ));
        Ok(Self { addr, state, shutdown, task })
    }

    /// Open `database_url`, seed the demo region if it is empty, and serve on a free loopback
    /// port, with login codes going to `outbox`. This is the desktop app's embedded server.
    pub async fn start_embedded(
        database_url: &str,
        demo: seed::DemoOptions,
        outbox: &delivery::DevOutbox,
    ) -> Result<Self, EmbeddedError> {
        let store = store::open(database_url).await.map_err(ServerError::from)?;
        seed::seed_demo_region(store.as_ref(), demo).await?;
        let state = AppState::new(store, Arc::new(SystemClock), delivery::CodeDelivery::dev(outbox)).await?;
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(EmbeddedError::Listen)?;
        Self::spawn(listener, state, Jobs::Worker).map_err(EmbeddedError::Listen)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, let open requests finish (WebSockets are cut), and wait for the end.
    pub async fn shutdown(self) {
        self.state.feed().close();
        self.shutdown.begin(std::time::Duration::from_secs(5));
        let _ = self.task.await;
    }
}
