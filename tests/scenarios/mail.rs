//! Mail goes out over a real SMTP conversation to a sink process on loopback (ACC-1 groundwork:
//! one-time codes, invitations and notifications all take this path).

use kring_domain::Email;
use kring_server::mail::{MailTransport, OutgoingMail, SmtpConfig, SmtpRelay, SmtpSecurity};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Sink {
    child: std::process::Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    port: u16,
}

impl Sink {
    fn start() -> Self {
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
    fn next_message(&mut self) -> serde_json::Value {
        let line = self.lines.next().expect("the sink printed a message").expect("read");
        serde_json::from_str(&line).expect("json")
    }
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
    let relay = SmtpRelay::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: SmtpSecurity::None,
        credentials: None,
        from: "Kring <noreply@kring.test>".into(),
    })
    .unwrap();
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
    let relay = SmtpRelay::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        credentials: None,
        from: "noreply@kring.test".into(),
    })
    .unwrap();
    let mail = OutgoingMail { to: Email::parse("x@praktijk.nl").unwrap(), subject: "s".into(), body: "b".into() };
    assert!(matches!(relay.send(&mail).await, Err(kring_server::mail::MailError::Relay(_))));
}
