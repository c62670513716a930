//! Issue 12: what one connection may cost the server. Clients only ever send a close frame on
//! the feed's WebSocket, so a large message ends the connection instead of being buffered (10
//! connections of 64 MiB messages took the server from 160 to 770 MB).

use futures_util::{SinkExt, StreamExt};
use kring_tests::{RawApi, TestRegion, PATIENCE};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_feed_connection_that_sends_a_large_message_is_closed() {
    let region = TestRegion::start().await;
    let gp = RawApi::login(&region, "huisarts").await;
    let url = format!("{}v1/ws?since=0", region.url.as_str().replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("authorization", format!("Bearer {}", gp.access_token()).parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    // A small message is read and ignored; the connection stays.
    socket.send(Message::Text("hallo".into())).await.unwrap();
    // One of 1 MiB ends it.
    let _ = socket.send(Message::Binary(vec![0u8; 1024 * 1024].into())).await;
    let ended = tokio::time::timeout(PATIENCE, async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(Message::Close(_)) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the server closed the connection");
}
