//! Wakes WebSocket connections when the feed grows, and tells them when the server stops.
//! Carries only the latest seq: each connection then reads what it may see from the store, so a
//! slow connection never holds up the others.

use kring_protocol::Seq;
use tokio::sync::watch;

#[derive(Clone)]
pub struct FeedNotifier {
    latest: watch::Sender<Seq>,
    closed: watch::Sender<bool>,
}

/// One connection's view of the feed.
pub struct FeedSubscription {
    latest: watch::Receiver<Seq>,
    closed: watch::Receiver<bool>,
}

impl FeedNotifier {
    pub fn new(latest: Seq) -> Self {
        Self { latest: watch::Sender::new(latest), closed: watch::Sender::new(false) }
    }

    /// Announce that changes up to `seq` are committed.
    pub fn publish(&self, seq: Seq) {
        self.latest.send_if_modified(|current| {
            let grew = seq > *current;
            if grew {
                *current = seq;
            }
            grew
        });
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
        FeedSubscription { latest: self.latest.subscribe(), closed: self.closed.subscribe() }
    }
}

impl FeedSubscription {
    /// Wait until the feed grows (true) or the server stops (false).
    pub async fn grown(&mut self) -> bool {
        if *self.closed.borrow() {
            return false;
        }
        let grown = tokio::select! {
            changed = self.latest.changed() => changed.is_ok(),
            _ = self.closed.wait_for(|closed| *closed) => false,
        };
        grown && !*self.closed.borrow()
    }
}
