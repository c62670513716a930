//! The state every handler shares. Its fields are private to this module, so the one way a
//! change reaches the store is [`AppState::commit`], which also hands it to the feed.

use crate::access_guard::{ChainCheckpoint, RecordLimiter};
use crate::error::ServerResult;
use crate::store::{self, Store};
use crate::{delivery, feed};
use kring_domain::Clock;
use std::sync::Arc;
use time::OffsetDateTime;

/// HIS extraction uploads read at the same time; another waits for one to finish (429).
const MAX_PARALLEL_IMPORTS: usize = 2;

/// Changes in one commit above which the feed reads it from the store rather than from memory.
const LARGE_COMMIT: usize = feed::PAGE_SIZE as usize;

/// What every handler gets: the store, the clock, the feed notifier and how login codes are
/// delivered. No global state. Fields are private: every change reaches the store through
/// [`AppState::commit`], which also hands it to the feed.

#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    feed: feed::FeedNotifier,
    delivery: delivery::CodeDelivery,
    config: RegionConfig,
    /// Strictly increasing message times (CHAT-8 read markers depend on them).
    messages: Arc<MessageClock>,
    /// How far the access log's chain is verified (SEC-2).
    access_chain: Arc<ChainCheckpoint>,
    /// Reported openings per user per minute (SEC-2).
    access_limiter: Arc<RecordLimiter>,
    /// HIS extraction uploads being read at once.
    imports: Arc<tokio::sync::Semaphore>,
    /// The secret decoy salts are derived from, read once.
    decoy_secret: Arc<tokio::sync::OnceCell<Vec<u8>>>,
    /// Wakes the job worker when a commit queued work that is due now.
    jobs_due: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub async fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, delivery: delivery::CodeDelivery) -> ServerResult<Self> {
        // A broken store still serves `/health` (which says so) and refuses everything else.
        let latest = match store.latest_seq().await {
            Ok(latest) => {
                store.begin_feed_epoch().await?;
                latest
            }
            Err(store::StoreError::Broken(problem)) => {
                tracing::error!(%problem, "starting on a broken store: every request but /health is refused");
                0
            }
            Err(error) => return Err(error.into()),
        };
        let feed = feed::FeedNotifier::new(latest);
        store.follow_other_instances(feed.clone());
        Ok(Self {
            store,
            clock,
            feed,
            delivery,
            config: RegionConfig::default(),
            messages: Arc::default(),
            access_chain: Arc::default(),
            access_limiter: Arc::default(),
            decoy_secret: Arc::default(),
            jobs_due: Arc::default(),
            imports: Arc::new(tokio::sync::Semaphore::new(MAX_PARALLEL_IMPORTS)),
        })
    }

    /// The store, for reads and for what is not a feed change (sessions, login material,
    /// throttles). Changes go through [`AppState::commit`].
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn feed(&self) -> &feed::FeedNotifier {
        &self.feed
    }

    /// The secret behind decoy salts for unknown login names (read from the store once).
    pub(crate) async fn decoy_secret(&self) -> store::StoreResult<&[u8]> {
        let secret = self.decoy_secret.get_or_try_init(|| self.store.server_secret("decoy-salt")).await?;
        Ok(secret.as_slice())
    }

    pub fn config(&self) -> &RegionConfig {
        &self.config
    }

    pub fn delivery(&self) -> &delivery::CodeDelivery {
        &self.delivery
    }

    pub(crate) fn messages(&self) -> &MessageClock {
        &self.messages
    }

    pub(crate) fn imports(&self) -> &tokio::sync::Semaphore {
        &self.imports
    }

    pub(crate) fn access_chain(&self) -> &ChainCheckpoint {
        &self.access_chain
    }

    pub(crate) fn access_limiter(&self) -> &RecordLimiter {
        &self.access_limiter
    }

    /// Ask the job worker to run due jobs now rather than at its next round. Without a worker
    /// (a test that runs jobs itself, `RunningServer::spawn` with `Jobs::ByHand`) nothing runs.
    pub(crate) fn wake_jobs(&self) {
        self.jobs_due.notify_one();
    }

    /// Resolves when [`AppState::wake_jobs`] was called (also if before this was awaited).
    pub(crate) async fn jobs_woken(&self) {
        self.jobs_due.notified().await;
    }

    /// The same state with login codes and mail going another way (a test's SMTP sink).
    pub fn with_delivery(self, delivery: delivery::CodeDelivery) -> Self {
        Self { delivery, ..self }
    }

    pub fn with_config(self, config: RegionConfig) -> Self {
        Self { config, ..self }
    }

    /// Write a commit and hand its changes to the connections that may see them: how every
    /// change this server makes reaches the feed.
    pub async fn commit(&self, commit: store::Commit) -> store::StoreResult<kring_protocol::Seq> {
        if commit.changes.len() > LARGE_COMMIT {
            // A large commit (a HIS extraction) is not copied for the feed: connections read it
            // from the store, a page at a time.
            let seq = self.store.commit(commit).await?;
            self.feed.publish_in_store(seq);
            return Ok(seq);
        }
        let changes = commit.changes.clone();
        let seq = self.store.commit(commit).await?;
        self.feed.publish_commit(seq, changes);
        Ok(seq)
    }
}

/// Message times: the server clock, but strictly increasing within this server, so the order and
/// the read markers hold even for messages within one clock tick.
#[derive(Debug)]
pub struct MessageClock(std::sync::Mutex<OffsetDateTime>);

impl Default for MessageClock {
    fn default() -> Self {
        Self(std::sync::Mutex::new(OffsetDateTime::UNIX_EPOCH))
    }
}

impl MessageClock {
    /// The time for a message sent `now`.
    pub fn next(&self, now: OffsetDateTime) -> OffsetDateTime {
        let mut last = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *last = if now > *last { now } else { *last + time::Duration::microseconds(1) };
        *last
    }

    /// The time of the latest message so far.
    pub fn latest(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

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
