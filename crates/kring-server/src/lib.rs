//! The Kring sync server, as a library (embedded in the desktop app) and as the `kring-server`
//! binary (a region's standalone server on PostgreSQL).
//!
//! It is authoritative for accounts, permissions and workflow state, and keeps the change feed
//! every client syncs from. It never sees plaintext patient content or passwords: clients send
//! sealed bodies and password-derived keys. Handlers read like the HTTP contract in
//! `docs/architecture.md`; storage sits behind the [`store::Store`] trait.
//!
//! This crate must never depend on Tauri or on kring-client.

pub mod access_log;
pub mod auth;
pub mod conversations;
pub mod delivery;
pub mod error;
pub mod feed;
pub mod jobs;
pub mod launch;
pub mod mail;
pub mod mutations;
pub mod patients;
pub mod seed;
pub mod serve;
pub mod staff;
pub mod store;
pub mod state;
pub mod sync;
#[cfg(feature = "test-support")]
pub mod testing;

use axum::routing::{get, post};
use axum::Router;
use kring_domain::SystemClock;
use std::net::SocketAddr;
use std::sync::Arc;

pub use error::{ServerError, ServerResult};
pub use state::AppState;

/// What a region decides for itself.
#[derive(Debug, Clone)]
pub struct RegionConfig {
    /// Approve account requests at once instead of waiting for the region's operator.
    pub auto_approve_account_requests: bool,
    /// Consumer e-mail domains refused for professional accounts, beyond the built-in list
    /// (STAFF-8).
    pub private_email_domains: Vec<String>,
    /// This server's name in HIS launch tokens (`aud`): a token for another region is refused.
    pub region_id: String,
}

impl Default for RegionConfig {
    fn default() -> Self {
        Self { auto_approve_account_requests: false, private_email_domains: Vec::new(), region_id: "kring".into() }
    }
}

/// The HTTP API. Every route under `/v1` except login requires a bearer token.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/auth/prelogin", post(auth::prelogin))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/verify-code", post(auth::verify_code))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/password", post(auth::change_password))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/auth/launch", post(launch::launch))
        .route("/v1/launch", post(launch::launch_in_session))
        .route("/v1/accounts/{user_id}/reset-password", post(auth::reset_password))
        .route("/v1/access-log", get(access_log::view))
        .route("/v1/account-requests", get(staff::list_requests))
        .route("/v1/activate", post(staff::activate))
        .route("/v1/activate/{token}", get(staff::invitation))
        .route("/v1/me", get(auth::me))
        .route("/v1/sync", get(sync::sync))
        .route("/v1/ws", get(sync::websocket))
        .route("/v1/mutations", post(mutations::submit))
        .route("/v1/conversations/{id}/history", get(conversations::history))
        .route(
            "/v1/conversations/{id}/attachments/{attachment}/{index}",
            get(conversations::attachment_chunk).put(conversations::put_attachment_chunk),
        )
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .merge(
            // A whole HIS extraction is one request (PAT-1: one transaction).
            Router::new()
                .route("/v1/patients/import", post(patients::import))
                .layer(axum::extract::DefaultBodyLimit::max(patients::MAX_IMPORT_BYTES)),
        )
        .with_state(state)
}

/// `GET /health`: "ok" while the store answers and is whole; 503 with the reason otherwise.
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> (axum::http::StatusCode, String) {
    match state.store().health().await {
        Ok(()) => (axum::http::StatusCode::OK, "ok".into()),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, format!("store: {error}"))
        }
    }
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
    pub fn spawn(listener: std::net::TcpListener, state: AppState) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        let shutdown = serve::Shutdown::new();
        jobs::spawn_worker(state.clone());
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
    ) -> anyhow::Result<Self> {
        let store = store::open(database_url).await?;
        seed::seed_demo_region(store.as_ref(), demo).await?;
        let state = AppState::new(store, Arc::new(SystemClock), delivery::CodeDelivery::dev(outbox)).await?;
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        Ok(Self::spawn(listener, state)?)
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
