//! The Kring client engine: everything the desktop app does, without a window.
//!
//! A [`KringClient`] is one logged-in user against one server. It keeps a local cache (rusqlite,
//! `migrations/cache/`) with the feed cursor and a durable outbox, follows the server's change
//! feed (HTTP catch-up, then WebSocket push), sends queued mutations in order when a connection
//! exists, and answers read models (the [`directory::Directory`]) from the cache, so reading
//! works offline. src-tauri wraps it in one-line commands; tests drive it directly.
//!
//! This crate must never depend on Tauri or on kring-server.

mod api;
mod cache;
pub mod directory;
mod error;
mod live;

pub use api::ServerUrl;
pub use cache::OutboxEntry;
pub use error::{ClientError, ClientResult};
pub use live::{ClientEvent, ConnectionState};

use api::ServerApi;
use cache::Cache;
use kring_protocol::{LoginOutcome, Me, Mutation, MutationOutcome, MutationRequest};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{broadcast, Mutex};
use uuid::Uuid;

/// A logged-in user's client. Cheap to clone; clones share the cache and connection state.
#[derive(Clone)]
pub struct KringClient {
    inner: Arc<Inner>,
}

struct Inner {
    api: ServerApi,
    me: Me,
    cache: Cache,
    events: broadcast::Sender<ClientEvent>,
    /// One flush at a time, so the outbox leaves in order.
    flushing: Mutex<()>,
}

impl KringClient {
    /// Log in with username and password. The password stays here: it is stretched into
    /// `auth_key` (sent) and `kek` (kept for the key hierarchy of issue 3).
    /// The cache lives in `cache_dir`, one file per server and user.
    pub async fn login(
        server: &ServerUrl,
        cache_dir: &Path,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> ClientResult<Self> {
        if username.trim().is_empty() || password.is_empty() {
            return Err(ClientError::MissingCredentials);
        }
        let api = ServerApi::new(server.clone())?;
        let prelogin = api.prelogin(username).await?;
        let salt = kring_crypto::Salt::from_base64(&prelogin.salt)?;
        let password = zeroize::Zeroizing::new(password.to_owned());
        let keys = tokio::task::spawn_blocking(move || kring_crypto::derive_login_keys(&password, &salt, prelogin.kdf))
            .await
            .map_err(|e| ClientError::Internal(e.to_string()))??;
        let outcome = api.login(username, &keys.auth_key, device_name).await?;
        let LoginOutcome::Authenticated { session, me } = outcome;
        let api = api.with_token(session.token);
        let cache = Cache::open(&cache_dir.join(Cache::file_name(server, me.user_id)))?;
        let (events, _) = broadcast::channel(64);
        tracing::info!(user_id = %me.user_id, "logged in");
        Ok(Self { inner: Arc::new(Inner { api, me, cache, events, flushing: Mutex::new(()) }) })
    }

    pub fn me(&self) -> &Me {
        &self.inner.me
    }

    /// Events for the UI: connection changes, new data, rejected mutations.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    /// Pull every change after the cursor over HTTP and apply it. Returns how many arrived.
    pub async fn sync_now(&self) -> ClientResult<usize> {
        let mut applied = 0;
        loop {
            let page = self.inner.api.sync(self.inner.cache.cursor()?).await?;
            applied += page.changes.len();
            let has_more = page.has_more;
            self.inner.cache.apply(&page)?;
            if !page.changes.is_empty() {
                let _ = self.inner.events.send(ClientEvent::DataChanged);
            }
            if !has_more {
                return Ok(applied);
            }
        }
    }

    /// Queue a mutation durably and try to send it at once. Offline, it waits in the outbox and
    /// leaves on the next connection, in order, exactly once (the server dedupes by id).
    pub async fn submit(&self, mutation: Mutation) -> ClientResult<Uuid> {
        let request = MutationRequest { id: Uuid::now_v7(), mutation };
        self.inner.cache.enqueue(&request)?;
        match self.flush_outbox().await {
            Ok(()) | Err(ClientError::ServerUnreachable) => Ok(request.id),
            Err(error) => Err(error),
        }
    }

    /// Send queued mutations in order. Stops at the first network failure (the rest wait).
    pub async fn flush_outbox(&self) -> ClientResult<()> {
        let _guard = self.inner.flushing.lock().await;
        for entry in self.inner.cache.pending()? {
            match self.inner.api.mutate(&entry.request).await? {
                MutationOutcome::Applied { seq } => {
                    tracing::debug!(mutation_id = %entry.request.id, seq, "mutation applied");
                    self.inner.cache.remove_from_outbox(entry.request.id)?;
                }
                MutationOutcome::Rejected { code, message } => {
                    tracing::info!(mutation_id = %entry.request.id, ?code, "mutation rejected");
                    self.inner.cache.mark_rejected(entry.request.id, code)?;
                    let _ = self.inner.events.send(ClientEvent::MutationRejected { id: entry.request.id, code, message });
                }
            }
        }
        Ok(())
    }

    /// Mutations not yet accepted by the server: pending ones and rejected ones with the reason.
    pub fn outbox(&self) -> ClientResult<Vec<OutboxEntry>> {
        self.inner.cache.outbox()
    }

    /// The organisation directory, from the cache (works offline).
    pub fn directory(&self) -> ClientResult<directory::Directory> {
        directory::Directory::from_cache(&self.inner.cache)
    }

    /// End the session on the server. The cache stays for the next login.
    pub async fn logout(self) -> ClientResult<()> {
        self.inner.api.logout().await
    }
}
