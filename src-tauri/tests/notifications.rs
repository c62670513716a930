//! CHAT-11: OS notifications for real. A private session D-Bus (`dbus-daemon`) with the
//! notification recorder on it; a nurse's live client shows a notification through notify-rust
//! when a colleague's message arrives in a conversation she does not have in view, and says
//! nothing of the patient, the sender or the content.
//!
//! The desktop's part (kring_desktop::notifications) against a real bus; its own test binary: the
//! bus address reaches notify-rust through the environment, which is set here before any other
//! thread runs. The recorder is kring-tests' `notification-recorder` binary, which `cargo test
//! --workspace` (make test) builds beside this test.

use kring_client::conversations::NewConversation;
use kring_client::{ClientEvent, KringClient};
use kring_desktop::notifications::{run_notifications, APP_NAME, NEW_MESSAGE_BODY, NEW_MESSAGE_SUMMARY};
use kring_domain::UserId;
use kring_tests::{wait_for_event, TestRegion};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A session bus of our own; returns it and its address.
fn start_bus() -> (Process, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon (package dbus) is installed by make test");
    let mut address = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut address).expect("bus address");
    (Process(child), address.trim().to_owned())
}

/// `target/<profile>/notification-recorder`, beside this test's `deps/` directory.
fn recorder_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let recorder = exe.parent().and_then(std::path::Path::parent).expect("target/<profile>").join("notification-recorder");
    assert!(recorder.exists(), "{} is missing: run `cargo test --workspace` (make test), which builds it", recorder.display());
    recorder
}

fn user(client: &KringClient, first_name: &str) -> UserId {
    let directory = client.directory().unwrap();
    let mut members =
        directory.organisations.iter().flat_map(|o| o.members.iter().chain(o.teams.iter().flat_map(|t| &t.members)));
    members.find(|m| m.name.starts_with(&format!("{first_name} "))).unwrap().user_id
}

#[test]
fn chat_11_a_message_out_of_view_raises_a_desktop_notification_without_content() {
    let (_bus, address) = start_bus();
    // Before any other thread exists: notify-rust finds the bus through the environment.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    let mut recorder =
        Command::new(recorder_binary()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("start the recorder");
    let mut lines = BufReader::new(recorder.stdout.take().expect("stdout")).lines();
    let ready = lines.next().expect("a line").expect("read");
    assert_eq!(ready, r#"{"ready":true}"#);
    let recorder = Process(recorder);

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let region = TestRegion::start().await;
        let gp = region.login("huisarts").await;
        gp.sync_now().await.unwrap();
        let nurse = region.login("wijkverpleging").await;
        nurse.sync_now().await.unwrap();
        let conversation = |title: &str| NewConversation {
            patient_id: None,
            title: title.into(),
            recipients: vec![user(&gp, "Fatima")],
            inboxes: Vec::new(),
            text: "Meneer De Vries heeft koorts.".into(),
        };
        let in_view = gp.start_conversation(conversation("Koorts")).await.unwrap();
        let elsewhere = gp.start_conversation(conversation("Wondzorg")).await.unwrap();
        nurse.sync_now().await.unwrap();

        let mut events = nurse.subscribe();
        let (shown, watched) = tokio::sync::watch::channel(Some(in_view));
        let live = tokio::spawn(nurse.clone().run_live());
        let notifier = tokio::spawn(run_notifications(nurse.clone(), watched));
        wait_for_event(&mut events, |e| matches!(e, ClientEvent::Connection { .. })).await;

        // In view: no notification. Out of view: one.
        gp.send_message(in_view, "Temperatuur 39,2.").await.unwrap();
        gp.send_message(elsewhere, "Verband verschoven.").await.unwrap();
        let notified = wait_for_event(&mut events, |e| matches!(e, ClientEvent::Notified { .. })).await;
        assert_eq!(notified, ClientEvent::Notified { conversation_id: elsewhere });
        // The window moves away from the conversation: its next message notifies too.
        shown.send_replace(None);
        gp.send_message(in_view, "Graag vandaag bellen.").await.unwrap();
        let notified = wait_for_event(&mut events, |e| matches!(e, ClientEvent::Notified { .. })).await;
        assert_eq!(notified, ClientEvent::Notified { conversation_id: in_view });
        live.abort();
        notifier.abort();
    });

    // The recorder got exactly those two, and they say nothing but "new message".
    for _ in 0..2 {
        let line = lines.next().expect("a notification").expect("read");
        let received: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(received["app_name"], APP_NAME);
        assert_eq!(received["summary"], NEW_MESSAGE_SUMMARY);
        assert_eq!(received["body"], NEW_MESSAGE_BODY);
        for secret in ["Vries", "koorts", "Koorts", "Wondzorg", "39,2", "Anne", "bellen"] {
            assert!(!line.contains(secret), "{secret} in a notification: {line}");
        }
    }
    // And nothing else (the message in view must not have raised one): every notification was
    // written before its D-Bus call returned, so what the recorder still has is all there is.
    drop(recorder);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.is_empty(), "more notifications than the two out of view: {rest:?}");
}
