//! Delivers committed changes to WebSocket connections, and tells them when the server stops.
//!
//! Each connection registers the scopes it may see. A commit of this instance is handed, in full,
//! only to the connections registered for one of its changes' scopes ([`FeedNotifier::publish_commit`]):
//! the work per commit follows the number of recipients, not of connections, and nothing is read
//! from the store. What the instance did not commit itself (another instance's commit on the same
//! PostgreSQL, [`FeedNotifier::publish_in_store`]), or a connection that fell behind, is read from
//! the store. A slow connection never holds up the others.
//!
//! Cursors: a connection may tell its client "you have everything up to N" only when every commit
//! up to N was handed out here. Batches carry `contiguous`, the highest such N when they were
//! published; publishing and handing out happen under one lock, so a connection that processed a
//! batch has also received every earlier batch meant for it.

use kring_domain::UserId;
use kring_protocol::{Change, ChangeBody, Scope, Seq};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, watch};

/// Changes per page. Large enough that a first sync of a region takes few round trips.
pub const PAGE_SIZE: u32 = 500;

/// Batches waiting per connection; one further behind reads the store instead.
const CONNECTION_BACKLOG: usize = 1024;

/// The changes of one commit, with their seqs (`first ..= last`, consecutive).
#[derive(Debug)]
pub struct CommittedBatch {
    pub first: Seq,
    pub last: Seq,
    /// Every commit up to here was handed out when this batch was.
    pub contiguous: Seq,
    pub changes: Vec<Change>,
    /// The whole batch as one pushed page, serialised once for all its recipients.
    page: std::sync::OnceLock<Option<axum::extract::ws::Utf8Bytes>>,
}

impl CommittedBatch {
    /// `{"type":"changes",…}` with every change of the batch and `contiguous` as cursor: what
    /// most recipients get (those who see all of it), shared rather than serialised per socket.
    pub fn whole_page(&self) -> Option<axum::extract::ws::Utf8Bytes> {
        self.page
            .get_or_init(|| {
                let page = kring_protocol::SyncPage { changes: self.changes.clone(), cursor: self.contiguous, has_more: false };
                serde_json::to_string(&kring_protocol::ServerEvent::Changes(page)).ok().map(Into::into)
            })
            .clone()
    }
}

#[derive(Clone)]
pub struct FeedNotifier {
    inner: Arc<Inner>,
}

struct Inner {
    routes: Mutex<Routes>,
    /// The latest seq committed by anyone, and whether it came from another instance.
    foreign: watch::Sender<Seq>,
    closed: watch::Sender<bool>,
    next_connection: AtomicU64,
}

#[derive(Default)]
struct Routes {
    /// Who follows each scope.
    by_scope: HashMap<Scope, HashSet<u64>>,
    connections: HashMap<u64, Route>,
    /// Commits handed out: everything up to `contiguous`, and ranges beyond a gap.
    contiguous: Seq,
    ahead: BTreeMap<Seq, Seq>,
}

struct Route {
    user: UserId,
    scopes: HashSet<Scope>,
    sender: mpsc::Sender<Arc<CommittedBatch>>,
    /// Set when a batch did not fit: the connection reads the store.
    behind: Arc<AtomicBool>,
}

/// One connection's place in the feed. Unregisters when dropped.
pub struct FeedSubscription {
    id: u64,
    inner: Arc<Inner>,
    batches: mpsc::Receiver<Arc<CommittedBatch>>,
    behind: Arc<AtomicBool>,
    foreign: watch::Receiver<Seq>,
    closed: watch::Receiver<bool>,
}

/// What a connection learns when it wakes.
pub enum FeedWake {
    /// A commit of this instance with a change it may see.
    Batch(Arc<CommittedBatch>),
    /// Read the store: another instance committed, or batches were dropped for this connection.
    ReadStore,
    /// The server stops.
    Closed,
}

impl FeedNotifier {
    /// A notifier for a feed whose changes up to `latest` are in the store.
    pub fn new(latest: Seq) -> Self {
        Self {
            inner: Arc::new(Inner {
                routes: Mutex::new(Routes { contiguous: latest, ..Routes::default() }),
                foreign: watch::Sender::new(latest),
                closed: watch::Sender::new(false),
                next_connection: AtomicU64::new(0),
            }),
        }
    }

    /// Hand a commit of this instance to the connections that may see one of its changes. `last`
    /// is the seq of its last change (a commit's changes get consecutive seqs).
    pub fn publish_commit(&self, last: Seq, changes: Vec<(Scope, ChangeBody)>) {
        if changes.is_empty() {
            return;
        }
        let first = last - changes.len() as Seq + 1;
        let changes: Vec<Change> =
            changes.into_iter().zip(first..).map(|((scope, body), seq)| Change { seq, scope, body }).collect();
        let mut routes = self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner);
        routes.handed_out(first, last);
        let mut recipients: HashSet<u64> = HashSet::new();
        for change in &changes {
            if let Some(followers) = routes.by_scope.get(&change.scope) {
                recipients.extend(followers);
            }
        }
        let batch = Arc::new(CommittedBatch { first, last, contiguous: routes.contiguous, changes, page: Default::default() });
        for id in recipients {
            if let Some(route) = routes.connections.get(&id) {
                if route.sender.try_send(batch.clone()).is_err() {
                    route.behind.store(true, Ordering::SeqCst);
                }
            }
        }
    }

    /// Commits up to `seq` whose content is in the store only: another instance's on the same
    /// PostgreSQL (its notification also reports this instance's own commits: those are known
    /// here and ignored), or a large one of this instance's (an HIS extraction, not copied into
    /// memory for the feed). Everything up to `seq` is in the store, so it counts as handed out;
    /// connections are told to read the store (under the lock, so before any later batch).
    pub fn publish_in_store(&self, seq: Seq) {
        let mut routes = self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner);
        let known = seq <= routes.contiguous || routes.ahead.range(..=seq).next_back().is_some_and(|(_, last)| seq <= *last);
        if known {
            return;
        }
        let from = routes.contiguous + 1;
        routes.handed_out(from, seq);
        self.inner.foreign.send_replace(seq);
    }

    /// The server is stopping: every open feed connection ends. (Upgraded WebSockets live on
    /// their own tasks, so the HTTP server's graceful shutdown alone would not end them.)
    pub fn close(&self) {
        self.inner.closed.send_replace(true);
    }

    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    /// Resolves once `close` has been called.
    pub async fn closed(&self) {
        let mut closed = self.inner.closed.subscribe();
        let _ = closed.wait_for(|closed| *closed).await;
    }

    /// End every connection of `user` now (logout, password change or reset, deactivation): their
    /// next wake is `Closed`; a client whose session still holds reconnects.
    pub fn end_user(&self, user: UserId) {
        let mut routes = self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner);
        let ids: Vec<u64> = routes.connections.iter().filter(|(_, route)| route.user == user).map(|(id, _)| *id).collect();
        for id in ids {
            // Dropping the route drops its sender: the connection's channel closes.
            routes.unroute(id);
        }
    }

    /// Follow the feed for `scopes`.
    pub fn subscribe(&self, user: UserId, scopes: HashSet<Scope>) -> FeedSubscription {
        let id = self.inner.next_connection.fetch_add(1, Ordering::Relaxed);
        let (sender, batches) = mpsc::channel(CONNECTION_BACKLOG);
        let behind = Arc::new(AtomicBool::new(false));
        let mut routes = self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner);
        routes.route(id, Route { user, scopes, sender, behind: behind.clone() });
        drop(routes);
        FeedSubscription {
            id,
            inner: self.inner.clone(),
            batches,
            behind,
            foreign: self.inner.foreign.subscribe(),
            closed: self.inner.closed.subscribe(),
        }
    }

    /// How many connections follow the feed (for the benchmark and diagnostics).
    pub fn connections(&self) -> usize {
        self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner).connections.len()
    }
}

impl Routes {
    fn handed_out(&mut self, first: Seq, last: Seq) {
        if first <= self.contiguous + 1 {
            self.contiguous = self.contiguous.max(last);
        } else {
            self.ahead.insert(first, last);
        }
        while let Some((&first, &last)) = self.ahead.first_key_value() {
            if first > self.contiguous + 1 {
                break;
            }
            self.ahead.pop_first();
            self.contiguous = self.contiguous.max(last);
        }
    }

    fn route(&mut self, id: u64, route: Route) {
        for scope in &route.scopes {
            self.by_scope.entry(scope.clone()).or_default().insert(id);
        }
        self.connections.insert(id, route);
    }

    fn unroute(&mut self, id: u64) -> Option<Route> {
        let route = self.connections.remove(&id)?;
        for scope in &route.scopes {
            if let Some(followers) = self.by_scope.get_mut(scope) {
                followers.remove(&id);
                if followers.is_empty() {
                    self.by_scope.remove(scope);
                }
            }
        }
        Some(route)
    }
}

impl FeedSubscription {
    /// Follow these scopes from now on (a new contract, share or conversation).
    pub fn set_scopes(&self, scopes: HashSet<Scope>) {
        let mut routes = self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(mut route) = routes.unroute(self.id) {
            route.scopes = scopes;
            routes.route(self.id, route);
        }
    }

    /// Whether the store has commits this connection was not handed (then read it before trusting
    /// a batch's `contiguous`); marks them seen.
    pub fn take_foreign(&mut self) -> bool {
        let pending = self.foreign.has_changed().unwrap_or(false);
        if pending {
            self.foreign.borrow_and_update();
        }
        pending
    }

    /// Wait for the next thing to do.
    pub async fn next(&mut self) -> FeedWake {
        if *self.closed.borrow() {
            return FeedWake::Closed;
        }
        if self.behind.swap(false, Ordering::SeqCst) {
            return FeedWake::ReadStore;
        }
        tokio::select! {
            biased;
            _ = self.closed.wait_for(|closed| *closed) => FeedWake::Closed,
            changed = self.foreign.changed() => if changed.is_ok() { FeedWake::ReadStore } else { FeedWake::Closed },
            batch = self.batches.recv() => match batch {
                Some(batch) => FeedWake::Batch(batch),
                None => FeedWake::Closed,
            },
        }
    }
}

impl Drop for FeedSubscription {
    fn drop(&mut self) {
        self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner).unroute(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kring_domain::{OrganisationId, UserId};
    use kring_protocol::OrganisationEntry;

    fn change(scope: Scope) -> (Scope, ChangeBody) {
        let org = OrganisationEntry {
            id: OrganisationId::new(),
            name: "Praktijk".into(),
            kind: kring_domain::OrganisationKind::GpPractice,
            agb: None,
            city: "Delft".into(),
            care_group: None,
        };
        (scope, ChangeBody::Organisation(org))
    }

    fn batch(wake: FeedWake) -> Arc<CommittedBatch> {
        match wake {
            FeedWake::Batch(batch) => batch,
            _ => panic!("expected a batch"),
        }
    }

    #[tokio::test]
    async fn a_commit_reaches_only_the_connections_of_its_scopes() {
        let feed = FeedNotifier::new(10);
        let (alice, bob) = (UserId::new(), UserId::new());
        let mut a = feed.subscribe(alice, [Scope::User(alice), Scope::Directory].into());
        let mut b = feed.subscribe(bob, [Scope::User(bob)].into());
        feed.publish_commit(12, vec![change(Scope::User(alice)), change(Scope::Directory)]);
        let got = batch(a.next().await);
        assert_eq!((got.first, got.last, got.contiguous), (11, 12, 12));
        feed.publish_commit(13, vec![change(Scope::User(bob))]);
        let got = batch(b.next().await);
        assert_eq!((got.first, got.contiguous), (13, 13), "bob never got alice's commit");
        drop(a);
        assert_eq!(feed.connections(), 1);
        feed.end_user(bob);
        assert!(matches!(b.next().await, FeedWake::Closed), "a revoked user's connection ends at once");
        assert_eq!(feed.connections(), 0);
    }

    #[tokio::test]
    async fn contiguous_waits_for_a_commit_published_late_and_for_foreign_ones() {
        let feed = FeedNotifier::new(0);
        let user = UserId::new();
        let mut sub = feed.subscribe(user, [Scope::User(user)].into());
        feed.publish_commit(2, vec![change(Scope::User(user))]);
        assert_eq!(batch(sub.next().await).contiguous, 0, "seq 1 is not handed out yet");
        feed.publish_commit(1, vec![change(Scope::User(user))]);
        assert_eq!(batch(sub.next().await).contiguous, 2);
        // Another instance committed 3..=5: read the store before trusting later batches.
        feed.publish_in_store(5);
        feed.publish_commit(6, vec![change(Scope::User(user))]);
        assert!(matches!(sub.next().await, FeedWake::ReadStore));
        assert_eq!(batch(sub.next().await).contiguous, 6);
        // Its own commits, reported back by PostgreSQL, are not foreign.
        feed.publish_in_store(6);
        assert!(!sub.take_foreign());
    }
}
