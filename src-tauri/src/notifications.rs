//! OS notifications (CHAT-11) through the desktop's notification service (notify-rust: the
//! session D-Bus on Linux, toasts on Windows, the notification centre on macOS). The text is
//! fixed: it never names the patient, the sender or the content, so nothing sensitive shows on a
//! locked screen or a shared workstation.

use kring_client::{ClientEvent, KringClient};
use kring_domain::ConversationId;
use tokio::sync::watch;

/// The application name the notification service shows.
pub const APP_NAME: &str = "Kring";
/// The only words a new-message notification ever says.
pub const NEW_MESSAGE_SUMMARY: &str = "Nieuw bericht in een gesprek";
pub const NEW_MESSAGE_BODY: &str = "Open Kring om het te lezen.";

/// The desktop has no notification service, or it refused.
#[derive(Debug, thiserror::Error)]
#[error("the desktop notification could not be shown: {0}")]
pub struct NotificationError(String);

/// Show "new message" on the desktop. A desktop without a notification service is an error the
/// caller logs; the message itself is in the inbox either way.
pub async fn show_new_message() -> Result<(), NotificationError> {
    notify_rust::Notification::new()
        .appname(APP_NAME)
        .summary(NEW_MESSAGE_SUMMARY)
        .body(NEW_MESSAGE_BODY)
        .icon("kring")
        .show_async()
        .await
        .map(|_| ())
        .map_err(|error| NotificationError(error.to_string()))
}

/// Show an OS notification for each live message in a conversation that is not in view
/// (`in_view`: the conversation the window shows while it has focus). Runs until the task is
/// aborted; reports each shown notification as [`ClientEvent::Notified`].
pub async fn run_notifications(client: KringClient, in_view: watch::Receiver<Option<ConversationId>>) {
    let mut events = client.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let ClientEvent::MessageArrived { conversation_id } = event else { continue };
        if *in_view.borrow() == Some(conversation_id) {
            continue;
        }
        match show_new_message().await {
            Ok(()) => client.emit(ClientEvent::Notified { conversation_id }),
            Err(error) => tracing::info!(%error, "no desktop notification"),
        }
    }
}
