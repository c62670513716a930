//! A notification server for the tests: owns `org.freedesktop.Notifications` on the session
//! D-Bus (the one `DBUS_SESSION_BUS_ADDRESS` names) and records every notification it is asked to
//! show as one JSON line (`{"app_name","summary","body"}`): on stdout, and appended to the file
//! `--log FILE` names. Prints `{"ready": true}` once it owns the name. Not a mock of our code:
//! the app talks to it over a real bus exactly as it talks to a desktop's notification daemon.
//!
//! Without `--log` it ends when stdin closes (the test that started it ends); with `--log` it
//! runs until killed (the e2e run's clean-up).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use zbus::zvariant::OwnedValue;

struct Recorder {
    log: Option<Mutex<std::fs::File>>,
    next_id: AtomicU32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let line = serde_json::json!({ "app_name": app_name, "summary": summary, "body": body }).to_string();
        println!("{line}");
        let _ = std::io::stdout().flush();
        if let Some(log) = &self.log {
            let mut file = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = writeln!(file, "{line}");
            let _ = file.flush();
        }
        self.next_id.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("kring-notification-recorder".into(), "Kring".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let log_path = args.iter().position(|a| a == "--log").and_then(|i| args.get(i + 1)).cloned();
    let log = match &log_path {
        Some(path) => Some(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?)),
        None => None,
    };
    let recorder = Recorder { log, next_id: AtomicU32::new(0) };
    let _connection = zbus::connection::Builder::session()?
        .name("org.freedesktop.Notifications")?
        .serve_at("/org/freedesktop/Notifications", recorder)?
        .build()
        .await?;
    println!("{}", serde_json::json!({ "ready": true }));
    std::io::stdout().flush()?;
    if log_path.is_some() {
        std::future::pending::<()>().await;
    }
    tokio::task::spawn_blocking(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
    })
    .await?;
    Ok(())
}
