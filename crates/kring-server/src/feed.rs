//! Wakes WebSocket connections when the feed grows, and tells them when the server stops.
//!
//! Two signals: the latest committed seq (a `watch`), and the changes of each commit made by this
//! instance (a `broadcast` of [`CommittedBatch`]). A connection filters a batch against its own
//! scopes in memory, so a commit costs the store nothing per connection that cannot see it. When
//! a connection cannot follow from batches alone (a commit of another instance, a batch out of
//! order, or it fell behind the broadcast), it reads its audience's changes from the store; a
//! slow connection never holds up the others.

use kring_protocol::{Change, ChangeBody, Scope, Seq};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// Batches kept for connections that are momentarily busy; one further behind reads the store.
const BATCH_BACKLOG: usize = 4096;

/// The changes of one commit, with their seqs (`first ..= last`, consecutive).
#[derive(Debug)]
pub struct CommittedBatch {
    pub first: Seq,
    pub last: Seq,
    pub changes: Vec<Change>,
}

#[derive(Clone)]
pub struct FeedNotifier {
    latest: watch::Sender<Seq>,
    batches: broadcast::Sender<Arc<CommittedBatch>>,
    closed: watch::Sender<bool>,
}

/// One connection's view of the feed.
pub struct FeedSubscription {
    latest: watch::Receiver<Seq>,
    batches: broadcast::Receiver<Arc<CommittedBatch>>,
    closed: watch::Receiver<bool>,
}

/// What a connection learns when it wakes.
pub enum FeedWake {
    /// A commit of this instance, in full.
    Batch(Arc<CommittedBatch>),
    /// The feed grew past what the batches said (or batches were missed): read the store.
    Grown,
    /// The server stops.
    Closed,
}

impl FeedNotifier {
    pub fn new(latest: Seq) -> Self {
        Self {
            latest: watch::Sender::new(latest),
            batches: broadcast::Sender::new(BATCH_BACKLOG),
            closed: watch::Sender::new(false),
        }
    }

    /// Announce that changes up to `seq` are committed (their content is in the store).
    pub fn publish(&self, seq: Seq) {
        self.latest.send_if_modified(|current| {
            let grew = seq > *current;
            if grew {
                *current = seq;
            }
            grew
        });
    }

    /// Announce a commit of this instance with its changes; `last` is the seq the store gave
    /// its last change (a commit's changes get consecutive seqs).
    pub fn publish_commit(&self, last: Seq, changes: Vec<(Scope, ChangeBody)>) {
        if !changes.is_empty() {
            let first = last - changes.len() as Seq + 1;
            let changes = changes.into_iter().zip(first..).map(|((scope, body), seq)| Change { seq, scope, body }).collect();
            // Nobody listening is fine: connections catch up from the store.
            let _ = self.batches.send(Arc::new(CommittedBatch { first, last, changes }));
        }
        self.publish(last);
    }

    /// The server is stopping: every open feed connection ends. (Upgraded WebSockets live on
    /// their own tasks, so the HTTP server's graceful shutdown alone would not end them.)
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    pub fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// Resolves once `close` has been called.
    pub async fn closed(&self) {
        let mut closed = self.closed.subscribe();
        let _ = closed.wait_for(|closed| *closed).await;
    }

    pub fn subscribe(&self) -> FeedSubscription {
        FeedSubscription { latest: self.latest.subscribe(), batches: self.batches.subscribe(), closed: self.closed.subscribe() }
    }
}

impl FeedSubscription {
    /// The latest committed seq.
    pub fn latest(&self) -> Seq {
        *self.latest.borrow()
    }

    /// Wait until the feed grows or the server stops.
    pub async fn next(&mut self) -> FeedWake {
        if *self.closed.borrow() {
            return FeedWake::Closed;
        }
        tokio::select! {
            biased;
            _ = self.closed.wait_for(|closed| *closed) => FeedWake::Closed,
            batch = self.batches.recv() => match batch {
                Ok(batch) => FeedWake::Batch(batch),
                Err(broadcast::error::RecvError::Lagged(_)) => FeedWake::Grown,
                Err(broadcast::error::RecvError::Closed) => FeedWake::Closed,
            },
            changed = self.latest.changed() => if changed.is_ok() { FeedWake::Grown } else { FeedWake::Closed },
        }
    }

    /// A batch already waiting, without waiting.
    pub fn try_batch(&mut self) -> Option<Arc<CommittedBatch>> {
        loop {
            match self.batches.try_recv() {
                Ok(batch) => return Some(batch),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return None,
            }
        }
    }
}
