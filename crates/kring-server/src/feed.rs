//! Wakes WebSocket connections when the feed grows. Carries only the latest seq: each connection
//! then reads what it may see from the store, so a slow connection never holds up the others.

use kring_protocol::Seq;
use tokio::sync::watch;

#[derive(Clone)]
pub struct FeedNotifier {
    latest: watch::Sender<Seq>,
}

impl FeedNotifier {
    pub fn new(latest: Seq) -> Self {
        Self { latest: watch::Sender::new(latest) }
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

    pub fn subscribe(&self) -> watch::Receiver<Seq> {
        self.latest.subscribe()
    }
}
