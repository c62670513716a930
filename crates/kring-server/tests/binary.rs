//! The `kring-server` binary as an operator runs it: HTTPS with a certificate, JSON logs,
//! `/health`, migrations at start, graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The server process, killed if the test fails half-way (so it never outlives the test).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Read the server's JSON log lines until one has `message`; returns every line read so far.
fn read_until(lines: &mut impl Iterator<Item = std::io::Result<String>>, message: &str, seen: &mut Vec<serde_json::Value>) {
    for line in lines {
        let line = line.expect("read log line");
        let json: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("log line is not JSON: {line}"));
        let found = json["fields"]["message"] == message;
        seen.push(json);
        if found {
            return;
        }
    }
    panic!("the server exited before logging {message:?}; log: {seen:?}");
}

#[tokio::test]
async fn serves_https_health_with_json_logs_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let openssl = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is installed");
    assert!(openssl.status.success(), "{}", String::from_utf8_lossy(&openssl.stderr));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_kring-server"))
            .arg("--database")
            .arg(format!("sqlite:{}", dir.path().join("server.sqlite").display()))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--log-format", "json"])
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .args(["--header-timeout-secs", "1"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let mut log = Vec::new();
    read_until(&mut lines, "listening", &mut log);
    assert!(log.iter().any(|l| l["fields"]["message"] == "applied sqlite migration"), "migrations ran at start");

    let root = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
    let https = reqwest::Client::builder().add_root_certificate(root).build().unwrap();
    let health = https.get(format!("https://localhost:{port}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let plain = reqwest::get(format!("http://localhost:{port}/health")).await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true), "plain HTTP is not served on the TLS port");
    // Issue 12: a client that connects and never starts the handshake is dropped.
    let silent = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    assert_closed_within(silent, std::time::Duration::from_secs(10)).await.expect("a silent TLS connection is closed");

    let kill = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(kill.success());
    read_until(&mut lines, "stopped", &mut log);
    let status = server.0.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[test]
fn refuses_an_unknown_database_url_with_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_kring-server"))
        .args(["--database", "mysql://x", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
}

#[tokio::test]
async fn pat_3_an_operator_registers_a_practice_s_his_bridge_and_bad_input_is_refused_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("region.sqlite").display());
    let key = kring_crypto::SigningKeyPair::generate();
    let public = base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, key.public().as_bytes());
    let run = |agb: &str, public_key: &str| {
        Command::new(env!("CARGO_BIN_EXE_kring-server"))
            .args(["--database", &database, "--seed-demo", "register-his-bridge", "--id", "delinde-medicom"])
            .args(["--practice-agb", agb, "--public-key", public_key])
            .output()
            .unwrap()
    };
    let ok = run("01051234", &public);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let store = kring_server::store::open(&database).await.unwrap();
    let (practice, stored) = store.his_bridge("delinde-medicom").await.unwrap().unwrap();
    assert_eq!(stored, public);
    let Some(kring_protocol::ChangeBody::Organisation(org)) =
        store.entity(kring_protocol::EntityKind::Organisation, practice.0).await.unwrap()
    else {
        panic!("the bridge belongs to an organisation");
    };
    assert_eq!(org.name, "Huisartsenpraktijk De Linde");

    for (agb, key, expected) in [("99999999", public.as_str(), "no GP practice"), ("01051234", "geen-sleutel", "base64")] {
        let refused = run(agb, key);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains(expected), "{}", String::from_utf8_lossy(&refused.stderr));
    }
}

/// Read until the server closes the connection (end of stream or reset), at most `deadline`.
async fn assert_closed_within(mut stream: tokio::net::TcpStream, deadline: std::time::Duration) -> Result<(), &'static str> {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(deadline, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .map_err(|_| "still open")
}

/// Issue 12 (connection exhaustion): under a descriptor limit of 256, 300 connections from one
/// address that send half a header or nothing, or an unauthenticated WebSocket upgrade that got its
/// 401, cannot take the server: over the per-address cap they are closed at once, the others at
/// the header timeout, `/health` answers another address meanwhile, and the server stays up.
#[cfg(target_os = "linux")] // prlimit (util-linux) sets the server's descriptor limit
#[tokio::test]
async fn idle_half_sent_and_surplus_connections_are_closed_and_health_answers_under_a_low_descriptor_limit() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // prlimit (util-linux) sets the limit and execs the server: the child is the server itself.
    let mut command = Command::new("prlimit");
    command
        .args(["--nofile=256:256", "--", env!("CARGO_BIN_EXE_kring-server")])
        .arg("--database")
        .arg(format!("sqlite:{}", dir.path().join("server.sqlite").display()))
        .args(["--listen", &format!("0.0.0.0:{port}"), "--log-format", "json", "--header-timeout-secs", "2"])
        .args(["--max-connections-per-address", "100"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = KillOnDrop(command.spawn().unwrap());
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let mut log = Vec::new();
    read_until(&mut lines, "listening", &mut log);
    let listening = log.last().unwrap();
    assert_eq!(listening["fields"]["max_connections"], 192, "the cap leaves descriptors for the database: {listening}");

    let mut streams = Vec::new();
    for index in 0..300 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        match index % 3 {
            0 => {}
            1 => {
                let _ = stream.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").await;
            }
            _ => {
                let upgrade = "GET /v1/ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                               Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
                let _ = stream.write_all(upgrade.as_bytes()).await;
            }
        }
        streams.push(stream);
    }
    // While they are held: another address (another workstation, a monitor) is served.
    let other = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).build().unwrap();
    let health = other.get(format!("http://127.0.0.1:{port}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "health answers during the flood");

    let closed = futures_util::future::join_all(
        streams.into_iter().map(|stream| assert_closed_within(stream, std::time::Duration::from_secs(15))),
    )
    .await;
    let open = closed.iter().filter(|result| result.is_err()).count();
    assert_eq!(open, 0, "{open} of 300 idle connections were still open after 15 s");

    let health = reqwest::get(format!("http://127.0.0.1:{port}/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(server.0.try_wait().unwrap().is_none(), "the server is still running");
}
