//! The Kring client engine: everything the desktop app does, without a window.
//!
//! A [`KringClient`] is one logged-in user against one server. It keeps a local cache (rusqlite,
//! `migrations/cache/`) with the feed cursor and a durable outbox, follows the server's change
//! feed (HTTP catch-up, then WebSocket push), sends queued mutations in order when a connection
//! exists, and answers read models (the [`directory::Directory`]) from the cache, so reading
//! works offline. src-tauri wraps it in one-line commands; tests drive it directly.
//!
//! This crate must never depend on Tauri or on kring-server.

pub mod activation;
mod api;
mod cache;
pub mod care;
pub mod consultation_reports;
pub mod consultations;
pub mod conversations;
pub mod directory;
mod error;
pub mod his_return;
pub mod letter_pdf;
mod live;
mod login;
mod patient_search;
pub mod patients;
pub mod profile;
pub mod referrals;
mod secrets;
mod session;
pub mod staff;

pub use api::ServerUrl;
pub use cache::OutboxEntry;
pub use error::{ClientError, ClientResult};
pub use live::{ClientEvent, ConnectionState};
pub use login::LoginAttempt;
pub use secrets::{Keyring, LocalStorage, MemoryKeyring};
pub use session::{DEFAULT_IDLE_LOCK, MAX_UNLOCK_ATTEMPTS};

use api::ServerApi;
use cache::Cache;
use kring_crypto::AuthKey;
use kring_domain::{AccessKind, OrganisationId, PatientId};
use kring_protocol::access_log::{AccessLogPage, AccessRecord, ChainVerification};
use kring_protocol::{CodeChannel, ErrorCode, Me, Mutation, MutationOutcome, MutationRequest};
use session::SecureSession;
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
    session: SecureSession,
    /// While a forced password change is due: the login's `auth_key`, to prove the old password.
    must_change_password: std::sync::Mutex<Option<AuthKey>>,
    keys_were_reset: bool,
    /// Open referrals whose sealed content was found current against the patient as last
    /// changed (referral, patient's `updated_at`): maintenance opens them again only after the
    /// next extraction changes that patient.
    referrals_checked: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, time::OffsetDateTime>>,
}

impl KringClient {
    pub fn me(&self) -> &Me {
        &self.inner.me
    }

    /// Events for the UI: connection changes, new data, rejected mutations.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    /// Run cache work (SQLite, and sealing or opening every row) on the blocking pool: a page of
    /// hundreds of changes must not hold up a runtime worker (and with it the UI's commands).
    pub(crate) async fn on_cache<T, F>(&self, work: F) -> ClientResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Cache) -> ClientResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&inner.cache)).await.map_err(|e| ClientError::Internal(e.to_string()))?
    }

    /// Pull every change after the cursor over HTTP and apply it. Returns how many arrived.
    /// When the server no longer holds the cursor (a restored database), the cache is emptied
    /// and filled again from the start.
    pub async fn sync_now(&self) -> ClientResult<usize> {
        let mut applied = 0;
        let mut restarted = false;
        loop {
            let (cursor, epoch) = self.on_cache(|cache| Ok((cache.cursor()?, cache.feed_epoch()?))).await?;
            let (page, epoch) = match self.inner.api.sync(cursor, epoch).await {
                Ok(answer) => answer,
                // Once per sync: from cursor 0 the server never asks again, and a server that did
                // would be wiping the cache in a loop.
                Err(ClientError::Refused { code: ErrorCode::ResyncRequired, .. }) if !std::mem::replace(&mut restarted, true) => {
                    tracing::warn!(cursor, "the server no longer holds this cache's place in its feed: syncing anew");
                    self.on_cache(Cache::restart_feed).await?;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let arrived = page.changes.len();
            applied += arrived;
            let has_more = page.has_more;
            self.apply_page(page, epoch).await?;
            if arrived > 0 {
                let _ = self.inner.events.send(ClientEvent::DataChanged);
            }
            if !has_more {
                // A history that failed to arrive with an earlier page is tried again.
                self.fetch_pending_history().await?;
                self.on_cache(|cache| if cache.rebuilding()? { cache.finish_rebuild() } else { Ok(()) }).await?;
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

    /// Submit a mutation that must land now (online): the server's refusal comes back as the error.
    pub(crate) async fn submit_now(&self, mutation: Mutation) -> ClientResult<Uuid> {
        let id = self.submit(mutation).await?;
        if let Some(entry) = self.outbox()?.into_iter().find(|entry| entry.request.id == id) {
            return match entry.rejected {
                Some(code) => {
                    self.inner.cache.remove_from_outbox(id)?;
                    Err(ClientError::Refused { code, message: String::new() })
                }
                None => Err(ClientError::ServerUnreachable),
            };
        }
        self.sync_now().await?;
        Ok(id)
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
                    let code_for_ui = ClientError::Refused { code, message: message.clone() }.code();
                    let _ = self.inner.events.send(ClientEvent::MutationRejected {
                        id: entry.request.id,
                        code: code_for_ui,
                        message,
                    });
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

    /// Send one-time codes by SMS or e-mail from now on (ACC-1).
    pub async fn set_code_channel(&self, channel: CodeChannel) -> ClientResult<Uuid> {
        self.submit(Mutation::SetCodeChannel { channel }).await
    }

    /// Log that this user opened decrypted patient content (SEC-2). Durable: it waits in the
    /// outbox when offline and reaches the log as soon as the app reconnects.
    pub async fn record_access(
        &self,
        organisation_id: OrganisationId,
        patient_id: PatientId,
        kind: AccessKind,
    ) -> ClientResult<Uuid> {
        let record = AccessRecord { organisation_id, patient_id, kind };
        self.submit(Mutation::RecordAccess(record)).await
    }

    /// A page of the access log of an organisation's patients, newest first, for those allowed
    /// to see it (the GP); `before` = the previous page's `next_before`. The server verifies its
    /// chain; this client also checks that the chain still holds the newest link it saw last
    /// time, so entries cut off the end show as [`ChainVerification::Truncated`].
    pub async fn access_log(&self, organisation_id: OrganisationId, before: Option<i64>) -> ClientResult<AccessLogPage> {
        let known = self.on_cache(Cache::access_log_head).await?;
        let mut page = self.inner.api.access_log(organisation_id, before, known.as_ref().map(|head| head.seq)).await?;
        if !matches!(page.verification, ChainVerification::Intact { .. }) {
            return Ok(page);
        }
        if let Some(known) = known.filter(|known| page.anchor.as_ref() != Some(known)) {
            tracing::warn!(known_seq = known.seq, "the access log no longer holds the link this client saw");
            page.verification = ChainVerification::Truncated { known_seq: known.seq };
            return Ok(page);
        }
        if let Some(head) = page.head.clone() {
            self.on_cache(move |cache| cache.keep_access_log_head(&head)).await?;
        }
        Ok(page)
    }

    /// End the session: lock, revoke on the server, forget the refresh token. The cache stays
    /// (encrypted) for the next login.
    pub async fn logout(self) -> ClientResult<()> {
        self.inner.session.lock();
        self.inner.api.logout().await
    }
}
