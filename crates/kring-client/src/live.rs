//! Following the feed live: catch up over HTTP, send the outbox, then listen on the WebSocket;
//! on any break, report offline and try again with growing pauses.

use crate::error::{ClientError, ClientResult};
use crate::KringClient;
use futures_util::StreamExt;
use kring_protocol::ServerEvent;
use serde::Serialize;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// What the UI hears from the engine.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    Connection {
        state: ConnectionState,
    },
    /// The cache changed; re-read the read models.
    DataChanged,
    /// Someone else's message arrived live in this conversation (the OS notification, CHAT-11).
    MessageArrived {
        conversation_id: kring_domain::ConversationId,
    },
    /// An OS notification was shown for a message in this conversation.
    Notified {
        conversation_id: kring_domain::ConversationId,
    },
    /// The server refused a queued mutation for good.
    MutationRejected {
        id: Uuid,
        /// What the UI words: one of `ClientError::all_codes` (server codes it does not explain
        /// one by one read as `refused`).
        #[ts(type = "ClientErrorCode")]
        code: &'static str,
        message: String,
    },
    /// The secure session opened or closed (the lock icon follows).
    SecureSession {
        unlocked: bool,
    },
    /// The session ended (too many wrong passwords on the lock screen, or revoked): back to login.
    SessionEnded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Online,
    Offline,
}

const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_secs(30);

impl KringClient {
    /// Follow the feed until the session ends. Run it on a task; abort the task to stop.
    pub async fn run_live(self) -> ClientResult<()> {
        let mut pause = FIRST_RETRY;
        loop {
            match self.follow_once(&mut pause).await {
                Err(ClientError::SessionExpired) => {
                    self.emit(ClientEvent::Connection { state: ConnectionState::Offline });
                    self.emit(ClientEvent::SessionEnded);
                    return Err(ClientError::SessionExpired);
                }
                Err(error) => tracing::info!(code = error.code(), "feed connection lost"),
                Ok(()) => tracing::info!("feed connection closed by the server"),
            }
            self.emit(ClientEvent::Connection { state: ConnectionState::Offline });
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(LAST_RETRY);
        }
    }

    /// Tell every subscriber (the window) that something happened; the desktop reports the
    /// notifications it showed this way.
    pub fn emit(&self, event: ClientEvent) {
        let _ = self.inner.events.send(event);
    }

    /// One connection's life: catch up, flush, then apply pushed pages until it breaks. Once
    /// online, the retry pause starts small again.
    async fn follow_once(&self, pause: &mut Duration) -> ClientResult<()> {
        self.sync_now().await?;
        self.flush_outbox().await?;
        let url = self.inner.api.websocket_url(self.inner.cache.cursor()?, self.inner.cache.feed_epoch()?)?;
        let mut request = url.as_str().into_client_request().map_err(|e| ClientError::Protocol(e.to_string()))?;
        let token = self.inner.api.access_token().await?;
        let header = format!("Bearer {}", token.as_str()).parse().map_err(|_| ClientError::SessionExpired)?;
        request.headers_mut().insert("authorization", header);
        let (mut socket, response) = match tokio_tungstenite::connect_async(request).await {
            Ok(connected) => connected,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) if response.status() == 401 => {
                // The access token ran out between check and connect: refresh (which fails with
                // SessionExpired only when the session itself is over) and reconnect.
                self.inner.api.refresh(&token).await?;
                return Ok(());
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) if response.status() == 409 => {
                // The server restarted on a restored database between the sync and this connect:
                // the next round's sync reads the answer's code and starts the feed again.
                return Ok(());
            }
            Err(_) => return Err(ClientError::ServerUnreachable),
        };
        let epoch = crate::api::feed_epoch(response.headers());
        self.emit(ClientEvent::Connection { state: ConnectionState::Online });
        *pause = FIRST_RETRY;
        // Anything queued while the socket was opening goes out now.
        self.flush_outbox().await?;
        while let Some(message) = socket.next().await {
            let message = message.map_err(|_| ClientError::ServerUnreachable)?;
            let Message::Text(text) = message else { continue };
            let ServerEvent::Changes(page) = serde_json::from_str(&text).map_err(|e| ClientError::Protocol(e.to_string()))?;
            let arrived = self.apply_page(page, epoch).await?;
            self.emit(ClientEvent::DataChanged);
            for conversation_id in arrived {
                self.emit(ClientEvent::MessageArrived { conversation_id });
            }
        }
        Ok(())
    }
}
