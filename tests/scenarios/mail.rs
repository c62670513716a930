//! Mail goes out over a real SMTP conversation to a sink process on loopback (ACC-1 groundwork:
//! one-time codes, invitations and notifications all take this path).

use kring_domain::Email;
use kring_server::mail::{MailTransport, OutgoingMail, SmtpConfig, SmtpRelay, SmtpSecurity};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub(crate) struct Sink {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    pub(crate) port: u16,
}

impl Sink {
    pub(crate) fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smtp-sink"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start smtp-sink");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first: serde_json::Value = serde_json::from_str(&lines.next().expect("line").expect("read")).expect("json");
        let port = first["listening"].as_u64().expect("port") as u16;
        Self { child, lines, port }
    }

    /// The next message the sink received (blocks until it arrives or the sink dies).
    pub(crate) fn next_message(&mut self) -> serde_json::Value {
        let line = self.lines.next().expect("the sink printed a message").expect("read");
        serde_json::from_str(&line).expect("json")
    }
}

/// Nothing more reached the sink: a marker sent now is the next message it receives (a
/// condition, not a wait for mail that might still come).
pub(crate) async fn assert_nothing_more(mut sink: Sink) {
    let marker = OutgoingMail { to: Email::parse("marker@kring.test").unwrap(), subject: "marker".into(), body: "marker".into() };
    relay_to(sink.port).send(&marker).await.unwrap();
    let next = tokio::task::spawn_blocking(move || sink.next_message()).await.unwrap();
    assert_eq!(next["to"][0], "<marker@kring.test>", "a message came before the marker: {next}");
}

/// A relay client for plain SMTP to a port on this machine.
pub(crate) fn relay_to(port: u16) -> SmtpRelay {
    SmtpRelay::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        credentials: None,
        from: "Kring <noreply@kring.test>".into(),
    })
    .unwrap()
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn mail_reaches_the_relay_with_sender_recipient_subject_and_body() {
    let mut sink = Sink::start();
    let relay = relay_to(sink.port);
    let mail = OutgoingMail {
        to: Email::parse("a.devries@praktijk-delinde.nl").unwrap(),
        subject: "Uw inlogcode voor Kring".into(),
        body: "Uw code is 123456. Deze code is 5 minuten geldig.\n.Een regel die met een punt begint.".into(),
    };
    relay.send(&mail).await.unwrap();

    let received = tokio::task::spawn_blocking(move || sink.next_message()).await.unwrap();
    assert_eq!(received["from"], "<noreply@kring.test>");
    assert_eq!(received["to"][0], "<a.devries@praktijk-delinde.nl>");
    let data = received["data"].as_str().unwrap();
    assert!(data.contains("Subject: Uw inlogcode voor Kring"), "{data}");
    assert!(data.contains("Uw code is 123456."), "{data}");
    assert!(data.contains("\n.Een regel die met een punt begint."), "dot-stuffing survives the trip: {data}");
}

#[tokio::test]
async fn an_unreachable_relay_is_a_typed_error_not_a_panic() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let relay = relay_to(port);
    let mail = OutgoingMail { to: Email::parse("x@praktijk.nl").unwrap(), subject: "s".into(), body: "b".into() };
    assert!(matches!(relay.send(&mail).await, Err(kring_server::mail::MailError::Relay(_))));
}

#[tokio::test]
async fn acc_1_a_login_code_travels_by_real_smtp_and_opens_the_session() {
    use kring_server::delivery::CodeDelivery;
    use kring_server::seed::{seed_demo_region, DemoOptions, DEMO_PASSWORD};
    use std::sync::Arc;

    let mut sink = Sink::start();
    let relay = relay_to(sink.port);
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn kring_server::store::Store> =
        Arc::new(kring_server::store::SqliteStore::open(&dir.path().join("s.sqlite")).await.unwrap());
    let options = DemoOptions { kdf: kring_crypto::KdfParams::TESTING, must_change_password: false };
    seed_demo_region(store.as_ref(), options).await.unwrap();
    let delivery = CodeDelivery { mail: Some(Arc::new(relay)), sms: None };
    let state = kring_server::AppState::new(store, Arc::new(kring_domain::SystemClock), delivery).await.unwrap();
    let server = kring_server::RunningServer::spawn(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        state,
        kring_server::Jobs::ByHand,
    )
    .unwrap();
    let url = kring_client::ServerUrl::parse(&server.url()).unwrap();

    let attempt =
        kring_client::LoginAttempt::start(&url, &kring_tests::storage(dir.path().to_owned()), "huisarts", DEMO_PASSWORD, "pc")
            .await
            .unwrap();
    let received = tokio::task::spawn_blocking(move || sink.next_message()).await.unwrap();
    assert_eq!(received["to"][0], "<huisarts@demo.kring.nl>");
    let data = received["data"].as_str().unwrap();
    assert!(data.contains("Subject: Uw inlogcode voor Kring"), "{data}");
    let code: String = data
        .lines()
        .find_map(|line| line.strip_prefix("Uw inlogcode voor Kring is: "))
        .expect("the code line")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6);
    let gp = attempt.verify(&code).await.unwrap();
    assert_eq!(gp.me().username, "huisarts");

    // A user whose codes go by SMS on a server without a gateway is told so, not left waiting.
    let poh =
        kring_client::LoginAttempt::start(&url, &kring_tests::storage(dir.path().to_owned()), "pohggz", DEMO_PASSWORD, "pc")
            .await;
    assert_eq!(poh.err().map(|e| e.code()), Some("code_delivery_failed"));
    server.shutdown().await;
}

/// The edge of the world: an SMS gateway's HTTP API, played by a local HTTP server that records
/// what it receives.
#[tokio::test]
async fn acc_1_sms_codes_go_to_the_gateway_as_json_with_the_api_key() {
    use axum::http::HeaderMap;
    use kring_server::delivery::{HttpSmsGateway, SmsError, SmsGateway};
    use std::sync::{Arc, Mutex};

    /// (Authorization header, JSON body) of each request the gateway received.
    type Received = Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>;
    let received: Received = Arc::default();
    let record = Arc::clone(&received);
    let app = axum::Router::new()
        .route(
            "/messages",
            axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
                let record = Arc::clone(&record);
                async move {
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    record.lock().unwrap().push((auth, body));
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        )
        .route("/kapot", axum::routing::post(|| async { axum::http::StatusCode::SERVICE_UNAVAILABLE }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let gateway = HttpSmsGateway::new(&format!("http://{addr}/messages"), "geheime-sleutel", "Kring").unwrap();
    let mobile = kring_domain::MobileNumber::parse("06-12345678").unwrap();
    gateway.send(&mobile, "Uw Kring-inlogcode is 123456. Geldig: 5 minuten.").await.unwrap();
    let (auth, body) = received.lock().unwrap().pop().unwrap();
    assert_eq!(auth.as_deref(), Some("Bearer geheime-sleutel"));
    assert_eq!(
        body,
        serde_json::json!({
            "originator": "Kring",
            "recipients": ["+31612345678"],
            "body": "Uw Kring-inlogcode is 123456. Geldig: 5 minuten."
        })
    );

    let broken = HttpSmsGateway::new(&format!("http://{addr}/kapot"), "k", "Kring").unwrap();
    assert!(matches!(broken.send(&mobile, "x").await, Err(SmsError::Refused(503))));
    assert!(matches!(HttpSmsGateway::new("http://sms.example.nl/api", "k", "Kring"), Err(SmsError::Config(_))), "https only");
    assert!(matches!(HttpSmsGateway::new("https://sms.example.nl/api", "k", "KringDelftRegio"), Err(SmsError::Config(_))));
    server.abort();
}
