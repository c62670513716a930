//! The change feed over HTTP (`GET /v1/sync?since=N`) and WebSocket (`GET /v1/ws?since=N`).

use crate::auth::{scopes, AuthUser};
use crate::error::ServerResult;
use crate::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use kring_protocol::{Seq, ServerEvent, SyncPage};
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

/// Send everything after `cursor`, then wait for the feed to grow and send again, until the
/// client goes away or its session ends. Scopes are re-read each round, so a new contract's
/// data arrives without reconnecting.
async fn push_changes(state: AppState, user: AuthUser, mut cursor: Seq, mut socket: WebSocket) {
    let mut feed = state.feed.subscribe();
    tracing::debug!(user_id = %user.id, cursor, "websocket opened");
    loop {
        match next_page(&state, &user, cursor).await {
            Ok(Some(page)) => {
                cursor = page.cursor;
                let has_more = page.has_more;
                if !page.changes.is_empty() {
                    let Ok(text) = serde_json::to_string(&ServerEvent::Changes(page)) else { break };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                if has_more {
                    continue;
                }
            }
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(user_id = %user.id, %error, "websocket feed failed");
                break;
            }
        }
        tokio::select! {
            grown = feed.grown() => if !grown { break },
            incoming = socket.recv() => match incoming {
                // The client only ever closes; pings are answered by axum.
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    tracing::debug!(user_id = %user.id, "websocket closed");
}

/// The next page for this connection, or `None` once its session is no longer valid.
async fn next_page(state: &AppState, user: &AuthUser, cursor: Seq) -> ServerResult<Option<SyncPage>> {
    // An access token lives 15 minutes: when it runs out (or the session is revoked) the
    // connection ends and the client reconnects with its refreshed token.
    let live = state.store.session_by_access(user.access_hash, state.clock.now()).await?;
    if live.is_none_or(|session| session.user_id != user.id || session.must_change_password) {
        return Ok(None);
    }
    let scopes = scopes(state, user.id).await?;
    Ok(Some(state.store.changes_since(cursor, &scopes, PAGE_SIZE).await?))
}
