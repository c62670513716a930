//! The change feed over HTTP (`GET /v1/sync?since=N`) and WebSocket (`GET /v1/ws?since=N`).

use crate::auth::{scopes, AuthUser};
use crate::error::{ServerError, ServerResult};
use crate::feed::{CommittedBatch, FeedWake};
use crate::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use kring_domain::UserId;
use kring_protocol::{Change, ChangeBody, Scope, Seq, ServerEvent, SyncPage};
use std::collections::HashSet;
use serde::Deserialize;

/// Changes per page. Large enough that a first sync of a region takes few round trips.
pub const PAGE_SIZE: u32 = 500;

#[derive(Debug, Deserialize)]
pub struct Since {
    #[serde(default)]
    pub since: Seq,
}

pub async fn sync(
    State(state): State<AppState>,
    user: AuthUser,
    Query(Since { since }): Query<Since>,
) -> ServerResult<Json<SyncPage>> {
    let scopes = scopes(&state, user.id).await?;
    Ok(Json(state.store.changes_since(since, &scopes, PAGE_SIZE).await?))
}

pub async fn websocket(
    State(state): State<AppState>,
    user: AuthUser,
    Query(Since { since }): Query<Since>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| push_changes(state, user, since, socket))
}

/// How often an idle connection checks that its session still holds (revoked, expired).
const SESSION_RECHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// One connection's state: what it has sent up to, and what it may see.
struct Follower {
    user: AuthUser,
    cursor: Seq,
    scopes: HashSet<Scope>,
}

/// Send everything after `cursor`, then follow the feed: commits of this instance are filtered
/// against the connection's scopes in memory (no store access for what it cannot see); anything
/// else (another instance's commit, a gap, falling behind) is read from the store. Scopes are
/// re-read when a change can alter them (a contract, a share, a participation of this user), so
/// new access arrives without reconnecting. Ends when the client goes, the session ends, or the
/// server stops.
async fn push_changes(state: AppState, user: AuthUser, cursor: Seq, mut socket: WebSocket) {
    let mut feed = state.feed.subscribe();
    tracing::debug!(user_id = %user.id, cursor, "websocket opened");
    let mut follower = Follower { user, cursor, scopes: HashSet::new() };
    // The first tick comes after one period: the session was just checked.
    let mut recheck = tokio::time::interval(SESSION_RECHECK);
    recheck.reset();
    let result: ServerResult<()> = async {
        if !session_holds(&state, &follower.user).await? {
            return Ok(());
        }
        if !catch_up(&state, &mut follower, &mut socket).await? {
            return Ok(());
        }
        loop {
            tokio::select! {
                wake = feed.next() => match wake {
                    FeedWake::Closed => return Ok(()),
                    FeedWake::Batch(batch) => {
                        let mut next = Some(batch);
                        while let Some(batch) = next {
                            if !follow_batch(&state, &mut follower, &batch, &mut socket).await? {
                                return Ok(());
                            }
                            next = feed.try_batch();
                        }
                    }
                    FeedWake::Grown => {
                        while let Some(batch) = feed.try_batch() {
                            if !follow_batch(&state, &mut follower, &batch, &mut socket).await? {
                                return Ok(());
                            }
                        }
                        if feed.latest() > follower.cursor && !catch_up(&state, &mut follower, &mut socket).await? {
                            return Ok(());
                        }
                    }
                },
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
        tracing::info!(user_id = %follower.user.id, code = ?error.code(), "websocket feed ended");
    }
    tracing::debug!(user_id = %follower.user.id, "websocket closed");
}

/// Follow one commit of this instance. Returns false once the connection should end.
async fn follow_batch(state: &AppState, follower: &mut Follower, batch: &CommittedBatch, socket: &mut WebSocket) -> ServerResult<bool> {
    if batch.last <= follower.cursor {
        return Ok(true);
    }
    if batch.first != follower.cursor + 1 {
        // Out of order or missed: the store has everything up to here.
        return catch_up(state, follower, socket).await;
    }
    if batch.changes.iter().any(|change| alters_scopes(&change.body, follower.user.id)) {
        follower.scopes = scopes(state, follower.user.id).await?.into_iter().collect();
    }
    let visible: Vec<Change> = batch.changes.iter().filter(|change| follower.scopes.contains(&change.scope)).cloned().collect();
    follower.cursor = batch.last;
    if visible.is_empty() {
        return Ok(true);
    }
    if !session_holds(state, &follower.user).await? {
        return Ok(false);
    }
    send(socket, SyncPage { changes: visible, cursor: batch.last, has_more: false }).await
}

/// Read the store from the cursor until the connection is current. False once the client is gone.
async fn catch_up(state: &AppState, follower: &mut Follower, socket: &mut WebSocket) -> ServerResult<bool> {
    follower.scopes = scopes(state, follower.user.id).await?.into_iter().collect();
    let scopes: Vec<Scope> = follower.scopes.iter().cloned().collect();
    loop {
        let page = state.store.changes_since(follower.cursor, &scopes, PAGE_SIZE).await?;
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
    let live = state.store.session_by_access(user.access_hash, state.clock.now()).await?;
    Ok(live.is_some_and(|session| session.user_id == user.id && !session.must_change_password))
}
