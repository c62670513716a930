//! The change feed over HTTP (`GET /v1/sync?since=N`) and WebSocket (`GET /v1/ws?since=N`).

use crate::audience::scopes;
use crate::authz::AuthUser;
use crate::error::{ServerError, ServerResult};
use crate::feed::{CommittedBatch, FeedSubscription, FeedWake, PAGE_SIZE};
use crate::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use kring_domain::UserId;
use kring_protocol::{Change, ChangeBody, Scope, Seq, ServerEvent, SyncPage};
use serde::Deserialize;
use std::collections::HashSet;
use std::time::Duration;

/// The WebSocket read buffer per connection.
const READ_BUFFER: usize = 4 * 1024;
/// The largest message (and frame) a client may send. Clients only ever send a close frame
/// (at most 125 bytes of payload) and pongs; the defaults (64 MiB messages, 16 MiB frames) let a
/// handful of connections take hundreds of megabytes.
pub const MAX_CLIENT_MESSAGE: usize = 4 * 1024;

/// Where a client's copy of the feed ends: its cursor, and the epoch the cursor came from.
#[derive(Debug, Deserialize)]
pub struct Since {
    #[serde(default)]
    pub since: Seq,
    pub epoch: Option<uuid::Uuid>,
}

impl Since {
    /// The cursor, if it still points into this feed; `resync_required` otherwise (a restored or
    /// rolled-back database handed out the seqs after some point twice).
    async fn checked(self, state: &AppState) -> ServerResult<Seq> {
        if self.since == 0 {
            return Ok(0);
        }
        let Some(epoch) = self.epoch else { return Err(ServerError::ResyncRequired) };
        if state.store().feed_epoch_holds(epoch, self.since).await? {
            Ok(self.since)
        } else {
            tracing::info!(cursor = self.since, %epoch, "a client's cursor is not in this feed: it syncs again");
            Err(ServerError::ResyncRequired)
        }
    }
}

/// The `kring-feed-epoch` header: the newest epoch, read as the answer is made, so the cursors in
/// it are measured against every server start before them (with several instances, one that
/// started a moment ago included).
async fn epoch_header(state: &AppState) -> ServerResult<[(&'static str, String); 1]> {
    let epoch = state.store().newest_feed_epoch().await?.map(|epoch| epoch.to_string()).unwrap_or_default();
    Ok([(kring_protocol::FEED_EPOCH_HEADER, epoch)])
}

pub async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    Query(since): Query<Since>,
) -> ServerResult<impl axum::response::IntoResponse> {
    let since = since.checked(&state).await?;
    let scopes = scopes(&state, user.id).await?;
    let page = state.store().changes_since(since, &scopes, PAGE_SIZE).await?;
    // Named after the page is read: an epoch that starts later starts after its cursor.
    let header = epoch_header(&state).await?;
    Ok((header, Json(page)))
}

pub async fn websocket(
    State(state): State<AppState>,
    user: AuthUser,
    Query(since): Query<Since>,
    upgrade: WebSocketUpgrade,
) -> ServerResult<Response> {
    use axum::response::IntoResponse;
    let since = since.checked(&state).await?;
    let headers = epoch_header(&state).await?;
    // Clients only ever send a close frame: a small read buffer (the 128 KiB default is zeroed
    // per read, which cost more CPU than the fan-out itself at 10,000 connections).
    let response = upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| push_changes(state, user, since, socket));
    Ok((headers, response).into_response())
}

/// How often a connection checks that its session still holds (expired, or revoked through
/// another instance; revocations here end the connection at once, `FeedNotifier::end_user`).
const SESSION_RECHECK: Duration = Duration::from_secs(30);

/// One connection's state: what it has told its client, and what it may see.
struct Follower {
    user: AuthUser,
    /// The client has every change it may see up to here.
    cursor: Seq,
    scopes: HashSet<Scope>,
}

/// Send everything after `cursor`, then follow the feed: commits of this instance arrive as
/// batches for this connection's scopes (`FeedNotifier::publish_commit`), anything else is read
/// from the store. Scopes are re-read when a change can alter them (a contract, a share, a
/// participation of this user), so new access arrives without reconnecting. Ends when the
/// client goes, the session ends, or the server stops.
async fn push_changes(state: AppState, user: AuthUser, cursor: Seq, mut socket: WebSocket) {
    tracing::debug!(user_id = %user.id, cursor, "websocket opened");
    let user_id = user.id;
    let result: ServerResult<()> = async {
        if !session_holds(&state, &user).await? {
            return Ok(());
        }
        let scopes: HashSet<Scope> = scopes(&state, user.id).await?.into_iter().collect();
        let mut feed = state.feed().subscribe(user.id, scopes.clone());
        let mut follower = Follower { user, cursor, scopes };
        if !catch_up(&state, &mut follower, &mut socket).await? {
            return Ok(());
        }
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + SESSION_RECHECK, SESSION_RECHECK);
        loop {
            tokio::select! {
                wake = feed.next() => {
                    let open = match wake {
                        FeedWake::Closed => false,
                        FeedWake::ReadStore => catch_up(&state, &mut follower, &mut socket).await?,
                        FeedWake::Batch(batch) => follow_batch(&state, &mut follower, &mut feed, &batch, &mut socket).await?,
                    };
                    if !open {
                        return Ok(());
                    }
                }
                _ = recheck.tick() => if !session_holds(&state, &follower.user).await? {
                    return Ok(());
                },
                incoming = socket.recv() => match incoming {
                    // The client only ever closes; pings are answered by axum.
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    .await;
    if let Err(error) = result {
        tracing::info!(%user_id, code = ?error.code(), "websocket feed ended");
    }
    tracing::debug!(%user_id, "websocket closed");
}

/// Follow one commit of this instance. False once the connection should end.
async fn follow_batch(
    state: &AppState,
    follower: &mut Follower,
    feed: &mut FeedSubscription,
    batch: &CommittedBatch,
    socket: &mut WebSocket,
) -> ServerResult<bool> {
    if feed.take_foreign() && !catch_up(state, follower, socket).await? {
        return Ok(false);
    }
    if batch.last <= follower.cursor {
        return Ok(true);
    }
    if batch.changes.iter().any(|change| alters_scopes(&change.body, follower.user.id)) {
        follower.scopes = scopes(state, follower.user.id).await?.into_iter().collect();
        feed.set_scopes(follower.scopes.clone());
    }
    let visible: Vec<&Change> = batch.changes.iter().filter(|change| follower.scopes.contains(&change.scope)).collect();
    // Every commit up to `contiguous` was handed out before this batch, so the ones for this
    // connection are behind it.
    follower.cursor = follower.cursor.max(batch.contiguous);
    if visible.is_empty() {
        return Ok(true);
    }
    if visible.len() == batch.changes.len() && follower.cursor == batch.contiguous {
        if let Some(text) = batch.whole_page() {
            return Ok(socket.send(Message::Text(text)).await.is_ok());
        }
    }
    let changes = visible.into_iter().cloned().collect();
    send(socket, SyncPage { changes, cursor: follower.cursor, has_more: false }).await
}

/// Read the store from the cursor until the connection is current. False once the client is gone.
async fn catch_up(state: &AppState, follower: &mut Follower, socket: &mut WebSocket) -> ServerResult<bool> {
    let scopes: Vec<Scope> = follower.scopes.iter().cloned().collect();
    loop {
        let page = state.store().changes_since(follower.cursor, &scopes, PAGE_SIZE).await?;
        follower.cursor = page.cursor;
        let has_more = page.has_more;
        if !page.changes.is_empty() && !send(socket, page).await? {
            return Ok(false);
        }
        if !has_more {
            return Ok(true);
        }
    }
}

async fn send(socket: &mut WebSocket, page: SyncPage) -> ServerResult<bool> {
    let text = serde_json::to_string(&ServerEvent::Changes(page)).map_err(|e| ServerError::InvalidRequest(e.to_string()))?;
    Ok(socket.send(Message::Text(text.into())).await.is_ok())
}

/// Whether a change can give or take a scope of `user`.
fn alters_scopes(body: &ChangeBody, user: UserId) -> bool {
    match body {
        ChangeBody::Contract(contract) => contract.user_id == user,
        ChangeBody::Participation(participation) => participation.user_id == user,
        ChangeBody::PatientShare(_) => true,
        _ => false,
    }
}

/// The connection's session is live (an access token lives 15 minutes: when it runs out or the
/// session is revoked, the connection ends and the client reconnects with a refreshed token).
async fn session_holds(state: &AppState, user: &AuthUser) -> ServerResult<bool> {
    let live = state.store().session_by_access(user.access_hash, state.clock().now()).await?;
    Ok(live.is_some_and(|session| session.user_id == user.id && !session.must_change_password))
}
